// SPDY/3.1 port-forwarding on the agent, driven by a client made of the
// same frames Go's spdystream (kubectl) sends: header blocks compressed with
// the SPDY/3 dictionary over one zlib stream, stream pairs by requestid,
// PINGs, and malformed frames.
import net from 'node:net'
import zlib from 'node:zlib'
import { EventEmitter } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import dictionaries from 'spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js'
import { FLAG_FIN, GOAWAY, PING, RST_STREAM, SYN_REPLY, SYN_STREAM, headerBlock, parseHeaderBlock } from '../../agent/streaming/spdy'
import { dialTcp, serveSpdyPortForward } from '../../agent/streaming/portforward'
import type { MessageSocket, MessageSocketEvents } from '../../agent/streaming/socket'

class Pipe extends EventEmitter<MessageSocketEvents> implements MessageSocket {
  readonly protocol = 'SPDY/3.1+portforward.k8s.io'
  isOpen = true
  out: Buffer[] = []
  send(data: string | Uint8Array) { this.out.push(Buffer.from(data)); return true }
  close() { if (this.isOpen) { this.isOpen = false; this.emit('close', 1000, '') } }
  pause() {}
  resume() {}
}

/** The client's side: compresses its header blocks, parses what the server sends. */
class Client {
  private deflate = zlib.createDeflate({ dictionary: dictionaries[3] })
  private inflate = zlib.createInflate({ dictionary: dictionaries[3] })
  private seen = 0
  constructor(readonly sock: Pipe) {}
  private z(s: zlib.Deflate | zlib.Inflate, b: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      const out: Buffer[] = []
      const on = (d: Buffer) => out.push(d)
      s.on('data', on)
      s.write(b)
      s.flush(zlib.constants.Z_SYNC_FLUSH, () => { s.off('data', on); resolve(Buffer.concat(out)) })
    })
  }
  control(type: number, flags: number, payload: Buffer, version = 3) {
    const h = Buffer.alloc(8)
    h.writeUInt16BE(0x8000 | version, 0)
    h.writeUInt16BE(type, 2)
    h.writeUInt32BE((flags << 24) | payload.length, 4)
    this.sock.emit('message', Buffer.concat([h, payload]), false)
  }
  async syn(id: number, headers: Record<string, string>, fin = false) {
    const head = Buffer.alloc(10)
    head.writeUInt32BE(id, 0)
    this.control(SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([head, await this.z(this.deflate, headerBlock(headers))]))
  }
  data(id: number, data: Buffer | string, fin = false) {
    const h = Buffer.alloc(8)
    h.writeUInt32BE(id, 0)
    const b = Buffer.from(data)
    h.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | b.length, 4)
    this.sock.emit('message', Buffer.concat([h, b]), false)
  }
  /** The frames the server sent since the last call, parsed. */
  async frames() {
    const all = Buffer.concat(this.sock.out)
    const frames: { control: boolean; type: number; id: number; flags: number; payload: Buffer; headers?: Record<string, string> }[] = []
    for (let off = 0; off + 8 <= all.length;) {
      const len = all.readUInt32BE(off + 4) & 0xffffff
      const control = (all[off] & 0x80) !== 0
      const payload = all.subarray(off + 8, off + 8 + len)
      const f = { control, type: control ? all.readUInt16BE(off + 2) : 0, id: control ? (payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0) : all.readUInt32BE(off) & 0x7fffffff, flags: all[off + 4], payload }
      frames.push(f)
      off += 8 + len
    }
    const fresh = frames.slice(this.seen)
    this.seen = frames.length
    for (const f of fresh) if (f.control && f.type === SYN_REPLY) (f as { headers?: Record<string, string> }).headers = parseHeaderBlock(await this.z(this.inflate, f.payload.subarray(4)))
    return fresh
  }
}

const until = async (pred: () => Promise<boolean> | boolean, what: string) => {
  for (let i = 0; i < 200; i++) { if (await pred()) return; await new Promise((r) => setTimeout(r, 10)) }
  throw new Error(`timed out waiting for ${what}`)
}

let echo: net.Server
let echoPort = 0
beforeAll(async () => {
  echo = net.createServer((c) => c.pipe(c))
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r))
  echoPort = (echo.address() as net.AddressInfo).port
})
afterAll(() => echo.close())

const serve = () => {
  const sock = new Pipe()
  serveSpdyPortForward(sock, { podName: 'web', podUid: 'u1', dial: (p) => dialTcp('127.0.0.1', p), idleTimeoutMs: 60_000 })
  return new Client(sock)
}

describe('SPDY port-forward', () => {
  it('replies to each stream, pairs them by requestid and carries the bytes both ways', async () => {
    const c = serve()
    const all: Awaited<ReturnType<Client['frames']>> = []
    const collect = async () => { all.push(...(await c.frames())); return all }
    await c.syn(1, { streamtype: 'error', port: String(echoPort), requestid: '0' }, true)
    await c.syn(3, { streamtype: 'data', port: String(echoPort), requestid: '0' })
    await until(async () => (await collect()).filter((f) => f.control && f.type === SYN_REPLY).length === 2, 'two replies')
    expect(all.filter((f) => f.control && f.type === SYN_REPLY).map((f) => [f.id, f.headers])).toEqual([[1, {}], [3, {}]])
    c.data(3, 'ping through the pod')
    await until(async () => Buffer.concat((await collect()).filter((f) => !f.control && f.id === 3).map((f) => f.payload)).toString() === 'ping through the pod', 'the echo')
    c.data(3, '', true)
    // The pod's end closes too: the data stream and the error stream end (FIN), nothing written on the error stream.
    await until(async () => (await collect()).some((f) => !f.control && f.id === 1 && f.flags & FLAG_FIN) && all.some((f) => !f.control && f.id === 3 && f.flags & FLAG_FIN), 'both FINs')
    expect(all.filter((f) => !f.control && f.id === 1).map((f) => f.payload.toString()).join('')).toBe('')
  })

  it('a refused connection is reported on the error stream as the kubelet words it', async () => {
    const c = serve()
    const closed = await new Promise<number>((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => r(p)) }) })
    await c.syn(1, { streamtype: 'error', port: String(closed), requestid: '7' }, true)
    await c.syn(3, { streamtype: 'data', port: String(closed), requestid: '7' })
    let text = ''
    await until(async () => { text += Buffer.concat((await c.frames()).filter((f) => !f.control && f.id === 1).map((f) => f.payload)).toString(); return text.includes('refused') }, 'the error')
    expect(text).toBe(`error forwarding port ${closed} to pod web, uid u1: dial tcp4 127.0.0.1:${closed}: connect: connection refused`)
  })

  it('resets streams without a valid port or type, and echoes PINGs', async () => {
    const c = serve()
    await c.syn(1, { streamtype: 'data', port: 'http', requestid: '1' })
    await c.syn(3, { streamtype: 'bogus', port: '80', requestid: '1' })
    const id = Buffer.alloc(4)
    id.writeUInt32BE(5)
    c.control(PING, 0, id)
    let frames: Awaited<ReturnType<Client['frames']>> = []
    await until(async () => { frames = [...frames, ...(await c.frames())]; return frames.length >= 3 }, 'three frames')
    expect(frames.filter((f) => f.type === RST_STREAM).map((f) => f.id)).toEqual([1, 3])
    expect(frames.find((f) => f.type === PING)?.payload.readUInt32BE(0)).toBe(5)
  })

  it('a frame over the size limit, or of another SPDY version, ends the session with GOAWAY', async () => {
    for (const send of [
      (c: Client) => { const h = Buffer.alloc(8); h.writeUInt32BE(1, 0); h.writeUInt32BE(0xffffff, 4); c.sock.emit('message', h, false) },
      (c: Client) => c.control(PING, 0, Buffer.alloc(4), 2),
    ]) {
      const c = serve()
      send(c)
      await until(() => !c.sock.isOpen, 'the session to close')
      expect((await c.frames()).some((f) => f.control && f.type === GOAWAY)).toBe(true)
    }
  })
})
