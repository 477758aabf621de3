// The agent's end of the reverse tunnel (--tunnel): it dials a WebSocket to
// the server (the node's Tunnel Durable Object) and serves the requests that
// arrive over it with the kubelet API, streaming bodies both ways in frames
// of at most 1 MiB with per-stream flow control, and passing WebSocket
// upgrades through. It keeps the connection alive with pings and reconnects
// with back-off. Protocol: src/proxy/protocol.ts.
import { connectWebSocket, WsConnection, WsHandshakeError } from './ws.ts';
import type { KubeletApi } from './server.ts';
import {
  ACK_THRESHOLD, CONTROL, CREDENTIAL_HEADER, DATA_BODY, DATA_WS_BINARY, DATA_WS_TEXT, PROTOCOL_VERSION, TUNNEL_PATH, WINDOW,
  controlOf, decodeData, encodeControl, encodeData, frames, parseControl, type Control, type HeaderList,
} from '../src/proxy/protocol.ts';
import { USER_AGENT } from './api.ts';
import type { TokenSource } from './credentials.ts';
import { errMsg, log, warn } from './log.ts';
import { TunneledSocket } from './streaming/tunnel-socket.ts';

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

const MORE = 0x80;
const PING_MS = 15_000;
const DEAD_MS = 45_000;

interface Stream {
  id: number;
  /** Request body sink (agent side of the server's request body). */
  body?: ReadableStreamDefaultController<Uint8Array>;
  toAck: number;
  /** Response body bytes sent and not acknowledged; waiters for credit. */
  inFlight: number;
  creditWaiters: (() => void)[];
  cancelled: boolean;
  abort: AbortController;
  onCancel?: () => void;
  /** A passed-through WebSocket to a pod. */
  upstream?: WsConnection;
  /** A WebSocket the agent serves itself (exec, attach, port-forward). */
  local?: TunneledSocket;
  fragments: Buffer[];
  /** Request-body bytes (or WebSocket messages) received, and the total the server's end/close announced. */
  received: number;
  expected?: number;
  closeMsg?: Extract<Control, { t: 'close' }>;
  sentMessages: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TunnelClient {
  private conn?: WsConnection;
  private streams = new Map<number, Stream>();
  private stopped = false;
  private lastSeen = 0;

  constructor(
    private readonly server: string,
    private readonly nodeName: string,
    private readonly credential: () => string | undefined,
    private readonly api: KubeletApi,
    /** How the agent authenticates to the API server, and the CA it trusts. */
    private readonly client: { token?: TokenSource; ca?: string } = {},
  ) {}

  /** Connects, and reconnects with back-off (1 s doubling to 30 s, with jitter) whenever the tunnel drops. */
  async run() {
    let delay = 1000;
    while (!this.stopped) {
      const url = this.server.replace(/^http/, 'ws') + TUNNEL_PATH(this.nodeName);
      try {
        const conn = await connectWebSocket(url, {
          ca: this.client.ca,
          headers: { [CREDENTIAL_HEADER]: this.credential() ?? '', 'user-agent': USER_AGENT, ...bearer(this.client.token?.()) },
        });
        delay = 1000;
        log(`tunnel connected to ${this.server}`);
        await this.serve(conn);
        if (!this.stopped) warn('tunnel closed; reconnecting');
      } catch (e) {
        if (this.stopped) return;
        const why = e instanceof WsHandshakeError ? e.message : errMsg((e as Error & { cause?: unknown }).cause ?? e);
        warn(`tunnel: ${why}; reconnecting in ${(delay / 1000).toFixed(1)}s`);
      }
      if (this.stopped) return;
      await sleep(delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(30_000, delay * 2);
    }
  }

  private serve(conn: WsConnection): Promise<void> {
    this.conn = conn;
    this.lastSeen = Date.now();
    conn.send(encodeControl({ t: 'hello', node: this.nodeName, version: PROTOCOL_VERSION, agent: USER_AGENT }), false);
    const ping = setInterval(() => {
      if (Date.now() - this.lastSeen > DEAD_MS) {
        warn('tunnel: no answer to keepalives; dropping the connection');
        conn.destroy();
        return;
      }
      conn.send('ping');
    }, PING_MS);
    conn.on('message', (data, text) => {
      this.lastSeen = Date.now();
      if (text) {
        const s = data.toString('utf8');
        if (s === 'pong' || s === 'ping') return;
        const msg = parseControl(s);
        if (msg) this.onControl(msg);
      } else {
        this.onData(data);
      }
    });
    return new Promise((resolve) => {
      conn.on('close', () => {
        clearInterval(ping);
        if (this.conn === conn) this.conn = undefined;
        for (const s of [...this.streams.values()]) this.fail(s);
        resolve();
      });
    });
  }

  /** Sends a frame; false only when the tunnel is closed (a full socket buffer is what drained() waits out). */
  private send(msg: Control | Uint8Array): boolean {
    const c = this.conn;
    if (!c?.isOpen) return false;
    c.send(msg instanceof Uint8Array ? msg : encodeControl(msg), false);
    return true;
  }

  /** Waits while the socket's buffer is full. */
  private async drained() {
    const c = this.conn;
    if (!c || (c.socket as unknown as { writableNeedDrain?: boolean }).writableNeedDrain !== true) return;
    await new Promise<void>((r) => { c.once('drain', r); c.once('close', () => r()); });
  }

  private newStream(id: number): Stream {
    const s: Stream = { id, toAck: 0, inFlight: 0, creditWaiters: [], cancelled: false, abort: new AbortController(), fragments: [], received: 0, sentMessages: 0 };
    this.streams.set(id, s);
    return s;
  }

  private fail(s: Stream) {
    s.cancelled = true;
    s.abort.abort();
    s.onCancel?.();
    for (const w of s.creditWaiters.splice(0)) w();
    if (s.body) { try { s.body.error(new Error('cancelled')); } catch { /* closed */ } }
    s.upstream?.destroy();
    s.local?.ended(1006, 'the tunnel closed');
    this.streams.delete(s.id);
  }

  private onControl(msg: Control) {
    if (msg.t === 'req') {
      void (msg.ws ? this.serveUpgrade(msg) : this.serveRequest(msg));
      return;
    }
    if (msg.t === 'hello' || msg.t === 'res') return;
    const s = this.streams.get(msg.id);
    if (!s) return;
    switch (msg.t) {
      case 'end':
        s.expected = msg.bytes ?? s.received;
        if (s.received >= s.expected) this.endBody(s);
        break;
      case 'ack':
        s.inFlight = Math.max(0, s.inFlight - msg.bytes);
        for (const w of s.creditWaiters.splice(0)) w();
        break;
      case 'cancel':
        this.fail(s);
        break;
      case 'close':
        if (s.received >= (msg.messages ?? 0)) this.closeUpstream(s, msg);
        else s.closeMsg = msg;
        break;
    }
  }

  private endBody(s: Stream) {
    if (s.body) { try { s.body.close(); } catch { /* cancelled */ } s.body = undefined; }
  }

  private closeUpstream(s: Stream, msg: Extract<Control, { t: 'close' }>) {
    s.upstream?.close(msg.code ?? 1000, msg.reason ?? '');
    s.local?.ended(msg.code ?? 1000, msg.reason ?? '');
    this.streams.delete(s.id);
  }

  private onData(buf: Buffer) {
    let f;
    try { f = decodeData(buf); } catch { return; }
    if (f.kind === CONTROL) {
      const msg = controlOf(f);
      if (msg) this.onControl(msg);
      return;
    }
    const s = this.streams.get(f.id);
    if (!s) return;
    const kind = f.kind & ~MORE;
    if (kind === DATA_BODY) {
      if (!s.body) return;
      const chunk = new Uint8Array(f.payload);
      s.received += chunk.byteLength;
      try { s.body.enqueue(chunk); } catch { return; }
      s.toAck += chunk.byteLength;
      if ((s.body.desiredSize ?? 0) > 0 && s.toAck >= ACK_THRESHOLD) {
        this.send({ t: 'ack', id: s.id, bytes: s.toAck });
        s.toAck = 0;
      }
      if (s.expected !== undefined && s.received >= s.expected) this.endBody(s);
    } else if (s.upstream || s.local) {
      s.fragments.push(Buffer.from(f.payload));
      if (f.kind & MORE) return;
      const whole = Buffer.concat(s.fragments);
      s.fragments = [];
      s.received++;
      s.upstream?.send(whole, kind === DATA_WS_TEXT);
      s.local?.deliver(whole, kind === DATA_WS_TEXT);
      if (s.closeMsg && s.received >= (s.closeMsg.messages ?? 0)) this.closeUpstream(s, s.closeMsg);
    }
  }

  private async serveRequest(msg: Extract<Control, { t: 'req' }>) {
    const s = this.newStream(msg.id);
    const self = this;
    const body = msg.body
      ? new ReadableStream<Uint8Array>({
        start(c) { s.body = c; },
        pull() {
          if (s.toAck > 0) { self.send({ t: 'ack', id: s.id, bytes: s.toAck }); s.toAck = 0; }
        },
        cancel() { self.send({ t: 'cancel', id: s.id, reason: 'the request body was not read' }); },
      }, { highWaterMark: ACK_THRESHOLD, size: (c) => c.byteLength })
      : undefined;
    const headers = new Headers();
    for (const [k, v] of msg.headers) { try { headers.append(k, v); } catch { /* not valid here */ } }
    let response: Response;
    try {
      const req = new Request(`http://tunnel${msg.path}`, { method: msg.method, headers, body, signal: s.abort.signal, duplex: 'half' } as RequestInit);
      response = await this.api.handle(req, true);
    } catch (e) {
      response = new Response(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: errMsg(e), reason: 'InternalError', code: 500 }), { status: 500, headers: { 'content-type': 'application/json' } });
    }
    if (s.cancelled) { await response.body?.cancel().catch(() => undefined); return; }
    const hasBody = !!response.body && msg.method !== 'HEAD';
    const resHeaders: HeaderList = [...response.headers];
    this.send({ t: 'res', id: s.id, status: response.status, headers: resHeaders, body: hasBody });
    if (!hasBody) {
      await response.body?.cancel().catch(() => undefined);
      this.send({ t: 'end', id: s.id, bytes: 0 });
      this.streams.delete(s.id);
      return;
    }
    const reader = response.body!.getReader();
    let sent = 0;
    s.onCancel = () => { reader.cancel().catch(() => undefined); };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || s.cancelled) break;
        for (const part of frames(value)) {
          while (s.inFlight >= WINDOW && !s.cancelled) await new Promise<void>((r) => s.creditWaiters.push(r));
          if (s.cancelled) break;
          if (!this.send(encodeData(s.id, DATA_BODY, part))) { this.fail(s); break; }
          s.inFlight += part.byteLength;
          sent += part.byteLength;
          await this.drained();
        }
      }
      if (!s.cancelled) this.send({ t: 'end', id: s.id, bytes: sent });
    } catch (e) {
      if (!s.cancelled) this.send({ t: 'cancel', id: s.id, reason: `response body failed: ${errMsg(e)}` });
    } finally {
      this.streams.delete(s.id);
    }
  }

  private async serveUpgrade(msg: Extract<Control, { t: 'req' }>) {
    const s = this.newStream(msg.id);
    const r = await this.api.upgrade(msg.path, msg.headers, true);
    if (s.cancelled) { if (r.ok === true) r.socket.destroy(); return; }
    if (r.ok === 'local') {
      this.send({ t: 'res', id: s.id, status: 101, headers: r.protocol ? [['Sec-WebSocket-Protocol', r.protocol]] : [], body: false });
      s.local = new TunneledSocket(r.protocol, {
        send: (data, text) => {
          this.sendMessage(s, data, text);
          return (this.conn?.socket as unknown as { writableNeedDrain?: boolean } | undefined)?.writableNeedDrain !== true;
        },
        close: (code, reason) => {
          if (!this.streams.has(s.id)) return;
          this.send({ t: 'close', id: s.id, code, reason, messages: s.sentMessages });
          this.streams.delete(s.id);
        },
        onDrain: (cb) => { if (this.conn) this.conn.once('drain', cb); else cb(); },
      });
      r.serve(s.local);
      return;
    }
    if (!r.ok || r.status !== 101) {
      // Not upgraded: an ordinary HTTP answer (the upstream's, or our Status).
      let status: number;
      let headers: HeaderList;
      let chunks: AsyncIterable<Uint8Array>;
      if (!r.ok) {
        status = r.response.status;
        headers = [...r.response.headers];
        chunks = (r.response.body ?? []) as AsyncIterable<Uint8Array>;
      } else {
        status = r.status;
        headers = r.headers.filter(([k]) => !['connection', 'transfer-encoding', 'keep-alive'].includes(k.toLowerCase()));
        const sock = r.socket;
        const rest = r.rest;
        chunks = (async function* () {
          if (rest.length) yield rest;
          for await (const d of sock) yield d as Buffer;
        })();
        setTimeout(() => sock.destroy(), 30_000).unref();
      }
      this.send({ t: 'res', id: s.id, status, headers, body: true });
      let sent = 0;
      for await (const c of chunks) for (const part of frames(c)) { this.send(encodeData(s.id, DATA_BODY, part)); sent += part.byteLength; }
      this.send({ t: 'end', id: s.id, bytes: sent });
      this.streams.delete(s.id);
      return;
    }
    const ws = new WsConnection(r.socket, 'client', r.rest, '');
    s.upstream = ws;
    this.send({ t: 'res', id: s.id, status: 101, headers: r.headers, body: false });
    ws.on('message', (data, text) => this.sendMessage(s, data, text));
    ws.on('close', (code, reason) => {
      if (!this.streams.has(s.id)) return;
      this.send({ t: 'close', id: s.id, code, reason, messages: s.sentMessages });
      this.streams.delete(s.id);
    });
  }

  /** One WebSocket message of a stream, in frames of at most MAX_FRAME bytes. */
  private sendMessage(s: Stream, data: Uint8Array, text: boolean) {
    const parts = [...frames(data)];
    if (parts.length === 0) parts.push(new Uint8Array(0));
    const kind = text ? DATA_WS_TEXT : DATA_WS_BINARY;
    parts.forEach((p, i) => this.send(encodeData(s.id, kind | (i < parts.length - 1 ? MORE : 0), p)));
    s.sentMessages++;
  }

  stop() {
    this.stopped = true;
    this.conn?.close(1001, 'agent stopping');
  }
}
