// The remote-command protocol on the agent, driven over an in-memory socket
// with real host processes: channels, v5's close signal, exit codes as
// Statuses, terminal size and resize, and malformed input.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { serveRemoteCommand, type RemoteCommandOptions } from '../../agent/streaming/remotecommand'
import { hostExec } from '../../agent/streaming/host-process'
import type { MessageSocket, MessageSocketEvents } from '../../agent/streaming/socket'

/** The agent's end of a session; the test plays the client. */
class Pipe extends EventEmitter<MessageSocketEvents> implements MessageSocket {
  isOpen = true
  sent: { data: Buffer; text: boolean }[] = []
  closed = new Promise<number>((r) => this.once('close', (code) => r(code)))
  constructor(readonly protocol: string) { super() }
  send(data: string | Uint8Array, text = typeof data === 'string') {
    this.sent.push({ data: Buffer.from(data), text })
    return true
  }
  close(code = 1000) {
    if (!this.isOpen) return
    this.isOpen = false
    this.emit('close', code, '')
  }
  pause() {}
  resume() {}
  /** The client sends on a channel. */
  client(channel: number, data: string | Buffer) {
    this.emit('message', Buffer.concat([Buffer.from([channel]), Buffer.from(data)]), false)
  }
  channel(n: number) {
    return Buffer.concat(this.sent.filter((m) => m.data[0] === n).map((m) => m.data.subarray(1))).toString()
  }
}

const opts = (o: Partial<RemoteCommandOptions>): RemoteCommandOptions => ({ stdin: false, stdout: true, stderr: true, tty: false, what: 'test', idleTimeoutMs: 60_000, ...o })
const run = (sock: Pipe, cmd: string[], o: Partial<RemoteCommandOptions>) =>
  serveRemoteCommand(sock, opts(o), (size) => hostExec(cmd, { stdin: !!o.stdin, tty: !!o.tty, size }))

describe('remote command', () => {
  it('v5: stdin to its close signal, both output channels, the exit code as a Status', async () => {
    const sock = new Pipe('v5.channel.k8s.io')
    const done = run(sock, ['sh', '-c', 'tr a-z A-Z; echo bad >&2; exit 6'], { stdin: true })
    sock.client(0, 'hello ')
    sock.client(0, 'world\n')
    sock.emit('message', Buffer.from([255, 0]), false)
    await done
    expect(sock.channel(1)).toBe('HELLO WORLD\n')
    expect(sock.channel(2)).toBe('bad\n')
    expect(JSON.parse(sock.channel(3))).toEqual({
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [test], exit code 6',
      details: { causes: [{ reason: 'ExitCode', message: '6' }] },
    })
    expect(await sock.closed).toBe(1000)
  })

  it('v1 sends only failures on the error channel, as text', async () => {
    const ok = new Pipe('channel.k8s.io')
    await run(ok, ['true'], {})
    expect(ok.channel(3)).toBe('')
    const bad = new Pipe('channel.k8s.io')
    await run(bad, ['false'], {})
    expect(bad.channel(3)).toContain('exit code 1')
  })

  it('a terminal starts at the announced size and follows resizes', async () => {
    const sock = new Pipe('v5.channel.k8s.io')
    const done = run(sock, ['sh', '-c', 'stty size; read x; stty size'], { stdin: true, tty: true, stderr: false })
    sock.client(4, JSON.stringify({ Width: 120, Height: 40 }))
    for (let i = 0; i < 100 && !sock.channel(1).includes('40 120'); i++) await new Promise((r) => setTimeout(r, 50))
    sock.client(4, JSON.stringify({ Width: 90, Height: 20 }))
    await new Promise((r) => setTimeout(r, 300))
    sock.client(0, 'go\r')
    await done
    expect(sock.channel(1)).toMatch(/40 120[\s\S]*20 90/)
    expect(JSON.parse(sock.channel(3))).toEqual({ metadata: {}, status: 'Success' })
  })

  it('malformed input ends the process with a BadRequest Status', async () => {
    for (const [bad, message] of [
      [Buffer.from([4, ...Buffer.from('{"Width":')]), 'a resize message must be JSON: {"Width":W,"Height":H}'],
      [Buffer.from([4, ...Buffer.from('{"Width":-1,"Height":2}')]), 'a resize message needs Width and Height between 0 and 65535'],
      [Buffer.alloc(0), 'an empty message has no channel'],
      [Buffer.from([7, 1]), 'no channel 7 to write to'],
    ] as const) {
      const sock = new Pipe('v4.channel.k8s.io')
      const done = run(sock, ['sleep', '30'], { stdin: true })
      await new Promise((r) => setTimeout(r, 100))
      sock.emit('message', bad, false)
      await done
      expect(JSON.parse(sock.channel(3))).toMatchObject({ status: 'Failure', reason: 'BadRequest', message })
    }
  })

  it('base64: text messages both ways, binary ones refused', async () => {
    const sock = new Pipe('v4.base64.channel.k8s.io')
    const done = run(sock, ['cat'], { stdin: true })
    sock.emit('message', Buffer.from('0' + Buffer.from('abc').toString('base64')), true)
    await new Promise((r) => setTimeout(r, 200))
    sock.emit('message', Buffer.from([0, 1]), false)
    await done
    const out = sock.sent.filter((m) => m.text && m.data.toString()[0] === '1').map((m) => Buffer.from(m.data.toString().slice(1), 'base64').toString()).join('')
    expect(out).toBe('abc')
    const status = sock.sent.find((m) => m.data.toString()[0] === '3')!
    expect(JSON.parse(Buffer.from(status.data.toString().slice(1), 'base64').toString())).toMatchObject({ status: 'Failure', message: 'a binary message on a base64 channel protocol' })
  })

  it('the idle timeout closes a silent session and ends its process', async () => {
    const sock = new Pipe('v5.channel.k8s.io')
    await serveRemoteCommand(sock, opts({ idleTimeoutMs: 300 }), () => hostExec(['sleep', '30'], { stdin: false, tty: false }))
    expect(JSON.parse(sock.channel(3))).toMatchObject({ status: 'Failure', reason: 'Timeout' })
  })
})
