// The Tunnel Durable Object: one per node (keyed by node name). It holds the
// node agent's reverse-tunnel WebSocket (hibernatable: the object sleeps
// while the agent is idle, the socket survives) and the node's credential,
// and carries proxied requests over the tunnel as multiplexed streams
// (protocol.ts). The Worker calls route() to learn whether the agent is
// connected, then fetch()es `/forward/<agent path>` here with the request.
import { DurableObject } from 'cloudflare:workers';
import { headerTimeoutMs, type ProxySettings } from './settings';
import {
  ACK_THRESHOLD, CONTROL, CREDENTIAL_HEADER, DATA_BODY, DATA_WS_BINARY, DATA_WS_TEXT, WINDOW,
  controlOf, decodeData, encodeControl, encodeData, frames, parseControl, type Control, type HeaderList,
} from './protocol';
import { forwardResponseHeaders, isWebSocketUpgrade, sendableCode } from './headers';
import { statusResponse, unavailableStatus } from './errors';
import type { Status } from '../status/status';

const AGENT_TAG = 'agent';
const MORE = 0x80; // data kind flag: more fragments of this WebSocket message follow
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Head = Extract<Control, { t: 'res' }>;

interface Stream {
  id: number;
  ws: WebSocket;
  head?: { resolve(h: Head): void; reject(e: Status): void };
  /** Response body sink, once the response started; frames before that wait in `early`. */
  body?: ReadableStreamDefaultController<Uint8Array>;
  early: Uint8Array[];
  ended: boolean;
  /** Received body bytes handed to the consumer and not yet acknowledged. */
  toAck: number;
  /** Body bytes (or WebSocket messages) received, and the total the agent's end/close announced. */
  received: number;
  expected?: number;
  closeMsg?: Extract<Control, { t: 'close' }>;
  /** WebSocket messages sent to the agent. */
  sentMessages: number;
  /** Sent request-body bytes the agent has not acknowledged, and who waits for credit. */
  inFlight: number;
  creditWaiters: (() => void)[];
  /** The client's side of a passed-through WebSocket. */
  client?: WebSocket;
  fragments: Uint8Array[];
  cancelled: boolean;
  onCancel?: () => void;
}

/** Constant-time comparison of two secrets (hashed first: timingSafeEqual needs equal lengths). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest('SHA-256', encoder.encode(s))));
  return (crypto.subtle as unknown as { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean }).timingSafeEqual(x, y);
}

function randomCredential(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class Tunnel extends DurableObject<ProxySettings> {
  private streams = new Map<number, Stream>();
  private nextId = crypto.getRandomValues(new Uint32Array(1))[0] & 0x3fffffff;

  constructor(ctx: DurableObjectState, env: ProxySettings) {
    super(ctx, env);
    // The agent's keepalive is answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  // ---- RPC -------------------------------------------------------------------

  /** The node's credential, created on first use (undefined when the operator configured one for all nodes). */
  async issueCredential(): Promise<string | undefined> {
    if (this.env.EDGEKUBE_NODE_CREDENTIAL) return undefined;
    let cred = await this.ctx.storage.get<string>('credential');
    if (!cred) {
      cred = randomCredential();
      await this.ctx.storage.put('credential', cred);
    }
    return cred;
  }

  /** How to reach the node now: through the tunnel, or directly with this credential. */
  async route(): Promise<{ connected: boolean; credential?: string; since?: number }> {
    const ws = this.agentSocket();
    if (ws) return { connected: true, since: (ws.deserializeAttachment() as { since?: number } | null)?.since };
    return { connected: false, credential: this.env.EDGEKUBE_NODE_CREDENTIAL || (await this.ctx.storage.get<string>('credential')) };
  }

  // ---- HTTP ------------------------------------------------------------------

  override async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === '/connect') return this.acceptAgent(req);
    if (url.pathname.startsWith('/forward/')) return this.forward(req, url.pathname.slice('/forward'.length) + url.search);
    return statusResponse({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
  }

  private async acceptAgent(req: Request): Promise<Response> {
    if (!isWebSocketUpgrade(req.headers)) {
      return statusResponse({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the tunnel is a WebSocket: send Upgrade: websocket', reason: 'BadRequest', code: 400 });
    }
    const expected = this.env.EDGEKUBE_NODE_CREDENTIAL || (await this.ctx.storage.get<string>('credential'));
    const given = req.headers.get(CREDENTIAL_HEADER) ?? '';
    if (!expected || !given || !(await sameSecret(given, expected))) {
      return statusResponse({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const older = this.ctx.getWebSockets(AGENT_TAG);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [AGENT_TAG]);
    pair[1].serializeAttachment({ since: Date.now(), agent: req.headers.get('user-agent') ?? '' });
    // A reconnecting agent replaces its previous connection.
    for (const ws of older) {
      this.failStreams(ws, 'the node agent reconnected');
      try { ws.close(1012, 'replaced by a newer connection'); } catch { /* already closed */ }
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private agentSocket(): WebSocket | undefined {
    const open = this.ctx.getWebSockets(AGENT_TAG).filter((ws) => ws.readyState === WebSocket.OPEN);
    return open[open.length - 1];
  }

  private allocateId(): number {
    do this.nextId = (this.nextId + 1) & 0x7fffffff; while (this.nextId === 0 || this.streams.has(this.nextId));
    return this.nextId;
  }

  private send(ws: WebSocket, msg: Control | Uint8Array): boolean {
    try {
      ws.send(msg instanceof Uint8Array ? msg : encodeControl(msg));
      return true;
    } catch {
      return false;
    }
  }

  private async forward(req: Request, path: string): Promise<Response> {
    const ws = this.agentSocket();
    if (!ws) return statusResponse(unavailableStatus('error trying to reach service: the node agent is not connected to its tunnel'));
    const id = this.allocateId();
    const upgrade = isWebSocketUpgrade(req.headers);
    const hasBody = !upgrade && req.method !== 'GET' && req.method !== 'HEAD' && req.body !== null;
    const s: Stream = { id, ws, early: [], ended: false, toAck: 0, received: 0, sentMessages: 0, inFlight: 0, creditWaiters: [], fragments: [], cancelled: false };
    this.streams.set(id, s);
    const headPromise = new Promise<Head>((resolve, reject) => { s.head = { resolve, reject }; });
    const headers: HeaderList = [...req.headers].filter(([k]) => k.toLowerCase() !== CREDENTIAL_HEADER);
    if (!this.send(ws, { t: 'req', id, method: req.method, path, headers, body: hasBody, ...(upgrade ? { ws: true } : {}) })) {
      this.streams.delete(id);
      return statusResponse(unavailableStatus('error trying to reach service: the tunnel to the node agent closed'));
    }
    if (hasBody) void this.pumpRequestBody(s, req.body!);
    const timeoutMs = headerTimeoutMs(this.env);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailableStatus(`error trying to reach service: the node agent did not answer within ${timeoutMs / 1000}s`)), timeoutMs);
    });
    let head: Head;
    try {
      head = await Promise.race([headPromise, timeout]);
    } catch (e) {
      this.cancel(s, 'no response');
      return statusResponse(e as Status);
    } finally {
      clearTimeout(timer);
    }
    if (upgrade && head.status === 101) return this.passWebSocket(s, head);
    const resHeaders = forwardResponseHeaders(new Headers(head.headers), head.status);
    const nullBody = req.method === 'HEAD' || [101, 204, 205, 304].includes(head.status);
    if (nullBody || !head.body) {
      if (!s.ended) this.finish(s, false);
      return new Response(null, { status: head.status === 101 ? 502 : head.status, headers: resHeaders });
    }
    const self = this;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        s.body = controller;
        for (const chunk of s.early) { controller.enqueue(chunk); s.toAck += chunk.byteLength; }
        s.early = [];
        if (s.ended) { controller.close(); self.streams.delete(id); }
      },
      pull() {
        // The consumer took data: give the agent its credit back.
        if (s.toAck > 0 && !s.ended) {
          self.send(s.ws, { t: 'ack', id, bytes: s.toAck });
          s.toAck = 0;
        }
      },
      cancel() {
        self.cancel(s, 'the client went away');
      },
    }, { highWaterMark: ACK_THRESHOLD, size: (chunk) => chunk.byteLength });
    return new Response(body, { status: head.status, headers: resHeaders });
  }

  private async pumpRequestBody(s: Stream, body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    let sent = 0;
    s.onCancel = () => { reader.cancel().catch(() => undefined); };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (s.cancelled) return;
        for (const part of frames(value)) {
          while (s.inFlight >= WINDOW && !s.cancelled) await new Promise<void>((r) => s.creditWaiters.push(r));
          if (s.cancelled) return;
          if (!this.send(s.ws, encodeData(s.id, DATA_BODY, part))) throw new Error('tunnel closed');
          s.inFlight += part.byteLength;
          sent += part.byteLength;
        }
      }
      if (!s.cancelled) this.send(s.ws, { t: 'end', id: s.id, bytes: sent });
    } catch {
      this.cancel(s, 'the request body failed');
    }
  }

  private passWebSocket(s: Stream, head: Head): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    server.accept();
    s.client = server;
    server.addEventListener('message', (ev) => {
      const text = typeof ev.data === 'string';
      const bytes = text ? encoder.encode(ev.data as string) : new Uint8Array(ev.data as ArrayBuffer);
      const kind = text ? DATA_WS_TEXT : DATA_WS_BINARY;
      const parts = [...frames(bytes)];
      if (parts.length === 0) parts.push(new Uint8Array(0));
      parts.forEach((p, i) => this.send(s.ws, encodeData(s.id, kind | (i < parts.length - 1 ? MORE : 0), p)));
      s.sentMessages++;
    });
    const closed = (code: number, reason: string) => {
      if (!this.streams.has(s.id)) return;
      this.send(s.ws, { t: 'close', id: s.id, code, reason, messages: s.sentMessages });
      this.streams.delete(s.id);
    };
    server.addEventListener('close', (ev) => closed(ev.code, ev.reason));
    server.addEventListener('error', () => closed(1011, 'error'));
    const headers = new Headers();
    for (const [k, v] of head.headers) if (k.toLowerCase() === 'sec-websocket-protocol') headers.set(k, v);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  // ---- tunnel messages ---------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message === 'string') {
      if (message === 'ping' || message === 'pong') return;
      const msg = parseControl(message);
      if (msg) this.onControl(ws, msg);
      return;
    }
    let frame;
    try { frame = decodeData(message); } catch { return; }
    if (frame.kind === CONTROL) {
      const msg = controlOf(frame);
      if (msg) this.onControl(ws, msg);
      return;
    }
    const s = this.streams.get(frame.id);
    if (!s) {
      this.send(ws, { t: 'cancel', id: frame.id, reason: 'unknown stream' });
      return;
    }
    const kind = frame.kind & ~MORE;
    if (kind === DATA_BODY) {
      const chunk = frame.payload.slice();
      s.received += chunk.byteLength;
      if (s.body) {
        try { s.body.enqueue(chunk); } catch { return; }
        s.toAck += chunk.byteLength;
        // Acknowledge at once while the consumer keeps up (the queue has room).
        if ((s.body.desiredSize ?? 0) > 0 && s.toAck >= ACK_THRESHOLD) {
          this.send(ws, { t: 'ack', id: s.id, bytes: s.toAck });
          s.toAck = 0;
        }
      } else {
        s.early.push(chunk);
      }
      if (s.expected !== undefined && s.received >= s.expected) this.finish(s, true);
    } else if (s.client) {
      s.fragments.push(frame.payload.slice());
      if (frame.kind & MORE) return;
      const whole = concat(s.fragments);
      s.fragments = [];
      s.received++;
      try { s.client.send(kind === DATA_WS_TEXT ? decoder.decode(whole) : whole); } catch { /* client gone: its close event cleans up */ }
      if (s.closeMsg && s.received >= (s.closeMsg.messages ?? 0)) this.closeClient(s, s.closeMsg);
    }
  }

  private closeClient(s: Stream, msg: Extract<Control, { t: 'close' }>) {
    if (s.client) {
      try { s.client.close(sendableCode(msg.code), msg.reason ?? ''); } catch { /* closed */ }
    }
    this.streams.delete(s.id);
  }

  private onControl(ws: WebSocket, msg: Control) {
    if (msg.t === 'hello') return;
    const s = this.streams.get(msg.id);
    if (!s) {
      if (msg.t !== 'cancel' && msg.t !== 'close' && msg.t !== 'end') this.send(ws, { t: 'cancel', id: msg.id, reason: 'unknown stream' });
      return;
    }
    switch (msg.t) {
      case 'res':
        s.head?.resolve(msg);
        s.head = undefined;
        break;
      case 'end':
        s.expected = msg.bytes ?? s.received;
        if (s.received >= s.expected) this.finish(s, true);
        break;
      case 'ack':
        s.inFlight = Math.max(0, s.inFlight - msg.bytes);
        for (const w of s.creditWaiters.splice(0)) w();
        break;
      case 'cancel':
        this.fail(s, msg.reason ?? 'cancelled by the node agent');
        break;
      case 'close':
        if (s.received >= (msg.messages ?? 0)) this.closeClient(s, msg);
        else s.closeMsg = msg;
        break;
    }
  }

  /** The agent finished its response body. */
  private finish(s: Stream, fromAgent: boolean) {
    s.ended = true;
    if (s.body) {
      try { s.body.close(); } catch { /* cancelled */ }
      this.streams.delete(s.id);
    } else if (!fromAgent) {
      this.streams.delete(s.id);
    }
  }

  /** Ends a stream with an error on our side (the agent cancelled or the tunnel dropped). */
  private fail(s: Stream, reason: string) {
    s.cancelled = true;
    s.onCancel?.();
    for (const w of s.creditWaiters.splice(0)) w();
    s.head?.reject(unavailableStatus(`error trying to reach service: ${reason}`));
    s.head = undefined;
    if (s.body) { try { s.body.error(new Error(reason)); } catch { /* closed */ } }
    if (s.client) { try { s.client.close(1011, reason.slice(0, 120)); } catch { /* closed */ } }
    this.streams.delete(s.id);
  }

  /** Ends a stream from our side and tells the agent. */
  private cancel(s: Stream, reason: string) {
    if (!this.streams.has(s.id)) return;
    this.send(s.ws, { t: 'cancel', id: s.id, reason });
    this.fail(s, reason);
  }

  private failStreams(ws: WebSocket, reason: string) {
    const others = this.ctx.getWebSockets(AGENT_TAG).filter((w) => w !== ws && w.readyState === WebSocket.OPEN);
    for (const s of [...this.streams.values()]) if (s.ws === ws || others.length === 0) this.fail(s, reason);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.failStreams(ws, `the tunnel to the node agent closed (${code})`);
    try { ws.close(1000, 'closed'); } catch { /* already */ }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.failStreams(ws, 'the tunnel to the node agent failed');
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}
