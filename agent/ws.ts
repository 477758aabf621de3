// A small RFC 6455 WebSocket endpoint over a raw socket, for both roles: the
// agent's tunnel (a client) and WebSockets passed through to pods (the agent
// speaks as the client to the pod). Node 20 has no WebSocket client without
// a flag, and no dependency is needed for this much.
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 64 << 20;

export const acceptKey = (key: string) => crypto.createHash('sha1').update(key + GUID).digest('base64');

export interface WsEvents {
  message: [data: Buffer, text: boolean];
  close: [code: number, reason: string];
  drain: [];
}

/** A WebSocket connection over an established (upgraded) socket. */
export class WsConnection extends EventEmitter<WsEvents> {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentText = false;
  private closed = false;
  private closeSent = false;

  constructor(readonly socket: Duplex, readonly role: 'client' | 'server', head?: Buffer, readonly protocol = '') {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.emit('drain'));
    socket.on('close', () => this.finish(1006, 'connection lost'));
    socket.on('error', () => this.finish(1006, 'connection error'));
    // Bytes that came with the handshake go first, once whoever awaited the connection attached its listeners.
    if (head && head.length) {
      this.buf = Buffer.from(head);
      setImmediate(() => this.onData(Buffer.alloc(0)));
    }
  }

  get isOpen() {
    return !this.closed && !this.closeSent;
  }

  /** Sends a message; returns false when the socket buffer is full (wait for 'drain'). */
  send(data: string | Uint8Array, text = typeof data === 'string'): boolean {
    if (!this.isOpen) return false;
    const payload = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.writeFrame(text ? 1 : 2, payload);
  }

  /** Stops reading from the peer (TCP then holds it back) until resume(). */
  pause() {
    this.socket.pause();
  }

  resume() {
    this.socket.resume();
  }

  ping(data = Buffer.alloc(0)) {
    if (this.isOpen) this.writeFrame(9, data);
  }

  close(code = 1000, reason = '') {
    if (this.closed) return;
    if (!this.closeSent) {
      const r = Buffer.from(reason.slice(0, 120));
      const p = Buffer.alloc(2 + r.length);
      p.writeUInt16BE(code >= 1000 && code < 5000 && ![1005, 1006, 1015].includes(code) ? code : 1000, 0);
      r.copy(p, 2);
      this.writeFrame(8, p);
      this.closeSent = true;
    }
    setTimeout(() => { this.socket.destroy(); this.finish(code, reason); }, 1000).unref();
  }

  destroy() {
    this.socket.destroy();
    this.finish(1006, 'destroyed');
  }

  private finish(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }

  private writeFrame(opcode: number, payload: Buffer): boolean {
    const mask = this.role === 'client';
    const len = payload.length;
    const headLen = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (mask ? 4 : 0);
    const head = Buffer.alloc(headLen);
    head[0] = 0x80 | opcode;
    let off = 2;
    if (len < 126) head[1] = len;
    else if (len < 65536) { head[1] = 126; head.writeUInt16BE(len, 2); off = 4; }
    else { head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2); off = 10; }
    let body = payload;
    if (mask) {
      head[1] |= 0x80;
      const key = crypto.randomBytes(4);
      key.copy(head, off);
      body = Buffer.alloc(len);
      for (let i = 0; i < len; i++) body[i] = payload[i] ^ key[i & 3];
    }
    try {
      this.socket.write(head);
      return this.socket.write(body);
    } catch {
      return false;
    }
  }

  private onData(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      if (this.buf.length < 2) return;
      const fin = (this.buf[0] & 0x80) !== 0;
      const opcode = this.buf[0] & 0x0f;
      const masked = (this.buf[1] & 0x80) !== 0;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        const big = this.buf.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) return this.protocolError(1009, 'message too big');
        len = Number(big);
        off = 10;
      }
      const maskOff = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      let payload = this.buf.subarray(off, off + len);
      if (masked) {
        const key = this.buf.subarray(maskOff, maskOff + 4);
        const out = Buffer.alloc(len);
        for (let i = 0; i < len; i++) out[i] = payload[i] ^ key[i & 3];
        payload = out;
      } else {
        payload = Buffer.from(payload);
      }
      this.buf = this.buf.subarray(off + len);
      this.onFrame(fin, opcode, payload);
      if (this.closed) return;
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer) {
    switch (opcode) {
      case 0: // continuation
      case 1:
      case 2: {
        if (opcode !== 0) { this.fragments = []; this.fragmentText = opcode === 1; }
        this.fragments.push(payload);
        if (this.fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) return this.protocolError(1009, 'message too big');
        if (fin) {
          const whole = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
          this.fragments = [];
          this.emit('message', whole, this.fragmentText);
        }
        return;
      }
      case 8: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString() : '';
        if (!this.closeSent) {
          this.writeFrame(8, payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0));
          this.closeSent = true;
        }
        this.socket.end();
        this.finish(code, reason);
        return;
      }
      case 9:
        if (this.isOpen) this.writeFrame(10, payload);
        return;
      case 10:
        return;
      default:
        this.protocolError(1002, `unknown opcode ${opcode}`);
    }
  }

  private protocolError(code: number, reason: string) {
    this.close(code, reason);
    this.socket.destroy();
    this.finish(code, reason);
  }
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  timeoutMs?: number;
  /** PEM of the CA to trust for wss:. */
  ca?: string;
}

export class WsHandshakeError extends Error {
  constructor(message: string, readonly status?: number, readonly body?: string) {
    super(message);
  }
}

/** Dials a WebSocket (ws:, wss:, http: or https: URL). */
export function connectWebSocket(url: string, opts: ConnectOptions = {}): Promise<WsConnection> {
  const u = new URL(url.replace(/^ws/, 'http'));
  const key = crypto.randomBytes(16).toString('base64');
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method: 'GET',
      ...(opts.ca ? { ca: opts.ca } : {}),
      headers: {
        ...opts.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Version': '13',
        ...(opts.protocols?.length ? { 'Sec-WebSocket-Protocol': opts.protocols.join(', ') } : {}),
      },
    });
    const timer = setTimeout(() => { req.destroy(new Error(`no WebSocket handshake from ${u.host} within ${(opts.timeoutMs ?? 15000) / 1000}s`)); }, opts.timeoutMs ?? 15000);
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        reject(new WsHandshakeError('bad Sec-WebSocket-Accept in the handshake'));
        return;
      }
      socket.setNoDelay(true);
      resolve(new WsConnection(socket, 'client', head, String(res.headers['sec-websocket-protocol'] ?? '')));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { if (body.length < 4096) body += d; });
      res.on('end', () => reject(new WsHandshakeError(`WebSocket handshake answered ${res.statusCode}: ${body.slice(0, 300)}`, res.statusCode, body)));
      res.on('error', () => reject(new WsHandshakeError(`WebSocket handshake answered ${res.statusCode}`, res.statusCode)));
    });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end();
  });
}
