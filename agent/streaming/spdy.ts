// A SPDY/3.1 session, as much as streaming into pods needs. The server's
// side serves port-forwarding: kubectl 1.31+ runs SPDY inside a WebSocket
// (SPDY/3.1+portforward.k8s.io), opening two streams per forwarded
// connection. The client's side execs through a CRI runtime's streaming
// server, as the kubelet does (SPDY lets stdin end, WebSocket v4 does not). Header blocks travel
// zlib-compressed with the SPDY/3 dictionary, one compression context per
// direction for the whole session. Go's spdystream (kubectl's end) neither
// sends nor heeds WINDOW_UPDATE, so neither does this: flow is held back by
// the socket underneath instead (a full stream buffer pauses reading).
//
// spdy-transport (node-spdy) cannot serve here: it refuses SYN_STREAM frames
// without HTTP's :method and :path, which Go's spdystream never sends. Its
// copy of the SPDY/3 dictionary is what this uses.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
// The dictionary (SPDY/3 §2.6.10.1) as spdy-transport ships it.
import dictionaries from 'spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js';

const DICTIONARY: Buffer = dictionaries[3];

export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;

export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_IN_USE: 8 } as const;

/** Largest frame accepted: data is sent in 32 KiB frames; anything near the 16 MiB the format allows is an attack. */
export const MAX_FRAME_LENGTH = 1 << 20;
const DATA_CHUNK = 32 << 10;

export type Headers = Record<string, string>;

/** The byte stream the session runs over. */
export interface Transport {
  /** Writes bytes; false when the peer is not keeping up (then onDrain). */
  write(bytes: Buffer): boolean;
  onDrain(cb: () => void): void;
  pause(): void;
  resume(): void;
  close(): void;
}

/** One direction's header compression: a zlib stream that lives as long as the session. */
class ZStream {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly z: zlib.Inflate | zlib.Deflate) {
    z.on('error', () => undefined);
  }

  /** Runs `block` through the stream and returns what a sync flush yields (in order with earlier calls). */
  run(block: Buffer): Promise<Buffer> {
    const next = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (d: Buffer) => out.push(d);
      const onError = (e: Error) => { this.z.off('data', onData); reject(e); };
      this.z.on('data', onData);
      this.z.once('error', onError);
      if (block.length) this.z.write(block);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('data', onData);
        this.z.off('error', onError);
        resolve(Buffer.concat(out));
      });
    }));
    this.chain = next.catch(() => undefined);
    return next;
  }

  close() {
    this.z.close();
  }
}

/** A header block, uncompressed: a count, then length-prefixed names and values (values may hold several, NUL-separated). */
export function parseHeaderBlock(b: Buffer): Headers {
  const fail = () => { throw new Error('malformed header block'); };
  if (b.length < 4) fail();
  const n = b.readUInt32BE(0);
  let off = 4;
  const out: Headers = {};
  const str = () => {
    if (off + 4 > b.length) fail();
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) fail();
    const s = b.subarray(off, off + len).toString('utf8');
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = str().toLowerCase();
    out[name] = str().split('\0')[0];
  }
  return out;
}

export function headerBlock(h: Headers): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const entries = Object.entries(h);
  parts.push(u32(entries.length));
  for (const [k, v] of entries) {
    const kb = Buffer.from(k.toLowerCase());
    const vb = Buffer.from(v);
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

function dataFrame(id: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id & 0x7fffffff, 0);
  head.writeUInt32BE((flags << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

const u32s = (...ns: number[]) => { const b = Buffer.alloc(ns.length * 4); ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4)); return b; };

export class SpdyStream extends Duplex {
  private remoteEnded = false;
  private localEnded = false;

  constructor(readonly id: number, readonly headers: Headers, private readonly session: SpdySession) {
    super({ allowHalfOpen: true, highWaterMark: 256 << 10 });
  }

  /** Accepts the stream (SYN_REPLY), as the peer waits for before it writes. */
  reply(headers: Headers = {}) {
    this.session.sendHeaders(SYN_REPLY, this.id, headers);
  }

  /** Refuses the stream (RST_STREAM). */
  reset(code: number = RST.REFUSED_STREAM) {
    this.session.sendReset(this.id, code);
    this.localEnded = this.remoteEnded = true;
    this.session.forget(this.id);
    this.destroy();
  }

  override _read() {
    this.session.readable(this.id);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    if (this.localEnded) return cb(new Error('stream closed'));
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (e?: Error | null) => void) {
    if (this.localEnded) return cb();
    this.localEnded = true;
    this.session.sendData(this.id, Buffer.alloc(0), true, cb);
    this.maybeDone();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void) {
    if (!this.localEnded || !this.remoteEnded) {
      this.localEnded = this.remoteEnded = true;
      this.session.sendReset(this.id, RST.CANCEL);
    }
    this.session.forget(this.id);
    cb(err);
  }

  /** Data from the peer; false when the buffer is full. */
  deliver(data: Buffer, fin: boolean): boolean {
    if (this.remoteEnded) return true;
    const more = data.length ? this.push(data) : true;
    if (fin) {
      this.remoteEnded = true;
      this.push(null);
      this.maybeDone();
    }
    return more;
  }

  /** The peer reset the stream. */
  abort() {
    this.localEnded = this.remoteEnded = true;
    this.destroy();
  }

  private maybeDone() {
    if (this.localEnded && this.remoteEnded) this.session.forget(this.id);
  }
}

export interface SpdySessionEvents {
  stream: [stream: SpdyStream];
  error: [err: Error];
  close: [];
}

/** A SPDY/3.1 session over `transport` (the server's side, or with `client` the side that opens streams); feed() it the bytes that arrive. */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly full = new Set<number>();
  private readonly inflate = new ZStream(zlib.createInflate({ dictionary: DICTIONARY }));
  private readonly deflate = new ZStream(zlib.createDeflate({ dictionary: DICTIONARY }));
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Frames are handled one after another (header blocks decompress asynchronously). */
  private incoming: Promise<void> = Promise.resolve();
  /** Frames leave in the order they were queued (a reply's header block compresses asynchronously). */
  private outgoing: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;
  private nextId = 1;
  private pingId = 0;
  private readonly replies = new Map<number, { resolve(): void; reject(e: Error): void }>();

  constructor(private readonly transport: Transport, private readonly client = false) {
    super();
  }

  /** Opens a stream (the client's side) and resolves once the peer replied, as spdystream's CreateStream waits. */
  open(headers: Headers, timeoutMs = 30_000): Promise<SpdyStream> {
    if (!this.client) throw new Error('only a client session opens streams');
    if (this.closed) return Promise.reject(new Error('the session is closed'));
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(id, headers, this);
    this.streams.set(id, s);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.replies.delete(id); reject(new Error(`no reply to stream ${id} within ${timeoutMs / 1000}s`)); }, timeoutMs);
      this.replies.set(id, {
        resolve: () => { clearTimeout(timer); resolve(s); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.queue(async () => {
        const head = Buffer.alloc(10);
        head.writeUInt32BE(id, 0);
        return controlFrame(SYN_STREAM, 0, Buffer.concat([head, await this.deflate.run(headerBlock(headers))]));
      });
    });
  }

  feed(bytes: Buffer) {
    if (this.closed) return;
    this.pending.push(bytes);
    this.pendingLength += bytes.length;
    for (;;) {
      if (this.pendingLength < 8) return;
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME_LENGTH) return this.fail(`a frame of ${length} bytes is over the limit of ${MAX_FRAME_LENGTH}`);
      if (this.pendingLength < 8 + length) return;
      const frame = this.take(8 + length);
      this.incoming = this.incoming.then(() => this.handle(frame)).catch((e: Error) => this.fail(e.message));
    }
  }

  private peek(n: number): Buffer {
    if (this.pending[0].length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLength = rest.length;
    return frame;
  }

  private async handle(frame: Buffer) {
    if (this.closed) return;
    const flags = frame[4];
    const payload = frame.subarray(8);
    if ((frame[0] & 0x80) === 0) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      const s = this.streams.get(id);
      if (!s) { this.sendReset(id, RST.INVALID_STREAM); return; }
      if (!s.deliver(Buffer.from(payload), (flags & FLAG_FIN) !== 0)) this.setFull(id, true);
      return;
    }
    const version = frame.readUInt16BE(0) & 0x7fff;
    if (version !== 3) throw new Error(`SPDY version ${version} is not spoken here (3.1 is)`);
    const type = frame.readUInt16BE(2);
    switch (type) {
      case SYN_STREAM: {
        if (payload.length < 10) throw new Error('short SYN_STREAM frame');
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaderBlock(await this.inflate.run(payload.subarray(10)));
        // A client session takes no streams from its server (nothing here pushes).
        if (this.client || id === 0 || id % 2 === 0 || id <= this.lastStreamId) { this.sendReset(id, RST.PROTOCOL_ERROR); return; }
        this.lastStreamId = id;
        const s = new SpdyStream(id, headers, this);
        this.streams.set(id, s);
        if (flags & FLAG_FIN) s.deliver(Buffer.alloc(0), true);
        this.emit('stream', s);
        return;
      }
      case HEADERS: {
        // Headers after the stream opened: decompressed to keep the context in step, otherwise unused here.
        if (payload.length < 4) throw new Error('short HEADERS frame');
        await this.inflate.run(payload.subarray(4));
        return;
      }
      case RST_STREAM: {
        if (payload.length < 8) throw new Error('short RST_STREAM frame');
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.replies.get(id)?.reject(new Error(`the peer refused stream ${id} (status ${payload.readUInt32BE(4)})`));
        this.replies.delete(id);
        this.streams.get(id)?.abort();
        return;
      }
      case PING:
        if (payload.length !== 4) throw new Error('a PING frame carries 4 bytes');
        // The peer's own pings (odd ids from a client) are echoed; echoes of ours need nothing.
        if ((payload.readUInt32BE(0) & 1) === (this.client ? 0 : 1)) this.queue(() => controlFrame(PING, 0, Buffer.from(payload)));
        return;
      case GOAWAY:
        this.close();
        return;
      case SYN_REPLY: {
        if (!this.client) throw new Error('a server gets no SYN_REPLY from its client');
        if (payload.length < 4) throw new Error('short SYN_REPLY frame');
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        await this.inflate.run(payload.subarray(4));
        this.replies.get(id)?.resolve();
        this.replies.delete(id);
        if (flags & FLAG_FIN) this.streams.get(id)?.deliver(Buffer.alloc(0), true);
        return;
      }
      default:
        // SETTINGS, WINDOW_UPDATE and anything newer: nothing here depends on them.
        return;
    }
  }

  private queue(make: () => Buffer | Promise<Buffer>, cb?: (e?: Error | null) => void) {
    this.outgoing = this.outgoing.then(async () => {
      if (this.closed) { cb?.(new Error('session closed')); return; }
      const bytes = await make();
      if (this.transport.write(bytes)) cb?.();
      else if (cb) this.transport.onDrain(() => cb());
    }).catch((e: Error) => { cb?.(e); this.fail(e.message); });
  }

  sendHeaders(type: number, id: number, headers: Headers) {
    this.queue(async () => controlFrame(type, 0, Buffer.concat([u32s(id), await this.deflate.run(headerBlock(headers))])));
  }

  sendReset(id: number, code: number) {
    this.queue(() => controlFrame(RST_STREAM, 0, u32s(id, code)));
  }

  sendData(id: number, data: Buffer, fin: boolean, cb: (e?: Error | null) => void) {
    if (data.length <= DATA_CHUNK) return this.queue(() => dataFrame(id, fin ? FLAG_FIN : 0, data), cb);
    for (let off = 0; off < data.length; off += DATA_CHUNK) {
      const last = off + DATA_CHUNK >= data.length;
      this.queue(() => dataFrame(id, last && fin ? FLAG_FIN : 0, data.subarray(off, off + DATA_CHUNK)), last ? cb : undefined);
    }
  }

  /** A stream's reader took data: reading resumes once no stream is full. */
  readable(id: number) {
    this.setFull(id, false);
  }

  private setFull(id: number, full: boolean) {
    const before = this.full.size;
    if (full) this.full.add(id); else this.full.delete(id);
    if (before === 0 && this.full.size > 0) this.transport.pause();
    if (before > 0 && this.full.size === 0) this.transport.resume();
  }

  forget(id: number) {
    this.streams.delete(id);
    this.setFull(id, false);
  }

  get streamCount() {
    return this.streams.size;
  }

  /** A protocol error: GOAWAY, then the session ends. */
  private fail(why: string) {
    if (this.closed) return;
    this.emit('error', new Error(why));
    const goaway = controlFrame(GOAWAY, 0, u32s(this.lastStreamId, 1));
    this.transport.write(goaway);
    this.close();
  }

  /** Sends a PING (even ids: the server's); the peer echoes it. */
  ping() {
    const id = (this.pingId += 2);
    this.queue(() => controlFrame(PING, 0, u32s(id)));
  }

  /** The peer's bytes ended: what arrived is handled, then the session closes. */
  end() {
    void this.incoming.then(() => this.close());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.replies.values()) r.reject(new Error('the session closed'));
    this.replies.clear();
    for (const s of [...this.streams.values()]) s.abort();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.transport.close();
    this.emit('close');
  }
}
