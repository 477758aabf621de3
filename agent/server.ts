// The kubelet API the server's proxy reaches: /healthz, /pods,
// /containerLogs/{ns}/{pod}/{container}, the streaming endpoints (/exec,
// /attach, /portForward: streaming/), and forwarding into pods and host
// ports (/podProxy/{ns}/{pod}/{port}/..., /hostProxy/{port}/...) including
// WebSocket upgrades. Requests must carry the node credential
// (Authorization: Bearer) unless they arrive through the tunnel.
//
// The handler works on web Requests and Responses; serveDirect() puts it on
// an HTTP port, the tunnel client calls it for each tunnelled request.
import type { StatsCollector } from './stats.ts';
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { PodManager } from './pods.ts';
import type { ContainerRuntime } from './runtime.ts';
import { logStream, type LogOptions } from './logs.ts';
import { SCHEME_HEADER } from '../src/proxy/protocol.ts';
import { errMsg, log } from './log.ts';
import { acceptKey, WsConnection } from './ws.ts';
import { isStreamPath, streamRequest, type LocalUpgrade, type StreamContext } from './streaming/kubelet-streams.ts';

/** The kubelet's default --streaming-connection-idle-timeout. */
export const DEFAULT_IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;

type Status = { kind: 'Status'; apiVersion: 'v1'; metadata: Record<string, never>; status: 'Failure'; message: string; reason: string; code: number };
const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 404: 'NotFound', 405: 'MethodNotAllowed', 503: 'ServiceUnavailable' };
const statusOf = (code: number, message: string): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'InternalError', code });
const statusResponse = (code: number, message: string) => new Response(JSON.stringify(statusOf(code, message)), { status: code, headers: { 'content-type': 'application/json' } });

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'trailers', 'upgrade', 'expect', 'proxy-connection', 'host', 'authorization', SCHEME_HEADER]);

const hash = (s: string) => crypto.createHash('sha256').update(s).digest();

export interface UpgradeOk {
  ok: true;
  status: number;
  headers: [string, string][];
  /** The upstream's raw response head (status line and headers, with the blank line). */
  rawHead: Buffer;
  /** Bytes after the head already read. */
  rest: Buffer;
  socket: net.Socket;
}
export type UpgradeResult = UpgradeOk | LocalUpgrade | { ok: false; response: Response };

interface Upstream { host: string; port: number; path: string; https: boolean }

export class KubeletApi {
  constructor(
    private readonly pods: PodManager,
    private readonly runtime: ContainerRuntime,
    private readonly opts: { nodeName: string; address: string; credential: () => string | undefined; idleTimeoutMs?: number; stats?: StatsCollector },
  ) {}

  private streams(): StreamContext {
    return { pods: this.pods, runtime: this.runtime, idleTimeoutMs: this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS };
  }

  /** Whether an Authorization header carries the node credential (constant time). */
  authorized(authorization: string | null | undefined): boolean {
    const cred = this.opts.credential();
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!cred || !m) return false;
    return crypto.timingSafeEqual(hash(m[1].trim()), hash(cred));
  }

  async handle(req: Request, trusted: boolean): Promise<Response> {
    if (!trusted && !this.authorized(req.headers.get('authorization'))) return statusResponse(401, 'Unauthorized');
    const url = new URL(req.url);
    const seg = url.pathname.split('/').slice(1);
    try {
      if (url.pathname === '/healthz') return new Response('ok', { headers: { 'content-type': 'text/plain' } });
      if (url.pathname === '/pods' || url.pathname === '/pods/') {
        return new Response(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.pods.pods() }), { headers: { 'content-type': 'application/json' } });
      }
      if (url.pathname === '/stats/summary' && this.opts.stats) {
        return new Response(JSON.stringify(await this.opts.stats.summary()), { headers: { 'content-type': 'application/json' } });
      }
      if (seg[0] === 'containerLogs' && seg.length === 4) {
        if (req.method !== 'GET' && req.method !== 'HEAD') return statusResponse(405, `method ${req.method} not allowed`);
        return this.containerLogs(decodeURIComponent(seg[1]), decodeURIComponent(seg[2]), decodeURIComponent(seg[3]), url.searchParams);
      }
      if (isStreamPath(url.pathname)) {
        const r = streamRequest(this.streams(), url, undefined, false);
        if (r && !r.ok) return statusResponse(r.status, r.message);
      }
      const up = this.upstream(url, req.headers.get(SCHEME_HEADER));
      if (up instanceof Response) return up;
      if (up) return await this.proxyHttp(req, up);
      return statusResponse(404, `the kubelet API has no ${url.pathname}`);
    } catch (e) {
      return statusResponse(500, errMsg(e));
    }
  }

  /** The pod or host port a /podProxy or /hostProxy path forwards to (a Response when refused). */
  private upstream(url: URL, scheme: string | null): Upstream | Response | undefined {
    const raw = url.pathname;
    const seg = raw.split('/');
    let port: string;
    let restStart: number;
    let host = this.opts.address;
    if (seg[1] === 'podProxy' && seg.length >= 5) {
      const ns = decodeURIComponent(seg[2]);
      const name = decodeURIComponent(seg[3]);
      const pod = this.pods.find(ns, name);
      if (!pod) return statusResponse(404, `pod "${name}" in namespace "${ns}" is not running on node "${this.opts.nodeName}"`);
      host = pod.podIP();
      port = seg[4];
      restStart = 5;
    } else if (seg[1] === 'hostProxy' && seg.length >= 3) {
      port = seg[2];
      restStart = 3;
    } else {
      return undefined;
    }
    const n = Number(port);
    if (!/^\d+$/.test(port) || n < 1 || n > 65535) return statusResponse(400, `invalid port "${decodeURIComponent(port)}"`);
    const rest = seg.slice(restStart);
    if (rest.some((s) => s.replace(/%2e/gi, '.') === '..')) return statusResponse(400, 'a ".." segment is not allowed in a proxied path');
    return { host, port: n, path: '/' + rest.join('/') + url.search, https: scheme === 'https' };
  }

  private async proxyHttp(req: Request, up: Upstream): Promise<Response> {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of req.headers) {
      if (HOP.has(k)) continue;
      const prev = headers[k];
      headers[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    headers.host = up.port === (up.https ? 443 : 80) ? up.host : `${up.host}:${up.port}`;
    const body = req.body && req.method !== 'GET' && req.method !== 'HEAD' ? req.body : undefined;
    return new Promise<Response>((resolve) => {
      const mod = up.https ? https : http;
      const r = mod.request({ host: up.host, port: up.port, method: req.method, path: up.path, headers, rejectUnauthorized: false, setHost: false, agent: false }, (res) => {
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const k = res.rawHeaders[i].toLowerCase();
          if (k === 'connection' || k === 'keep-alive' || k === 'transfer-encoding') continue;
          out.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
        const status = res.statusCode ?? 502;
        const nullBody = req.method === 'HEAD' || status === 204 || status === 304 || status < 200;
        if (nullBody) res.resume();
        resolve(new Response(nullBody ? null : nodeToWeb(res), { status: status < 200 ? 502 : status, statusText: res.statusMessage, headers: out }));
      });
      r.setTimeout(30_000, () => r.destroy(new Error('i/o timeout')));
      r.on('error', (e) => resolve(statusResponse(503, `error trying to reach service: dial tcp ${up.host}:${up.port}: ${errMsg(e)}`)));
      req.signal?.addEventListener('abort', () => r.destroy());
      if (body) {
        pumpWebToNode(body, r).then(() => r.end(), (e) => r.destroy(e));
      } else {
        r.end();
      }
    });
  }

  private containerLogs(ns: string, podName: string, container: string, q: URLSearchParams): Response {
    const w = this.pods.find(ns, podName);
    if (!w) return statusResponse(404, `pod "${podName}" in namespace "${ns}" not found on node "${this.opts.nodeName}"`);
    const c = w.container(container);
    if (!c) return statusResponse(400, `container ${container} is not valid for pod ${podName}`);
    const previous = q.get('previous') === 'true';
    // As the kubelet picks: previous is the status's lastState (the exited instance a crash loop waits
    // to replace, else the one before the current); otherwise the current instance.
    const crashLooping = c.current?.state === 'exited' && !!c.waiting;
    const info = previous ? (crashLooping ? c.current : c.previous) : c.current;
    if (previous && !info) return statusResponse(400, `previous terminated container "${container}" in pod "${podName}" not found`);
    if (!info) return statusResponse(400, `container "${container}" in pod "${podName}" is waiting to start: ${c.waiting?.reason ?? 'ContainerCreating'}`);
    const num = (k: string) => (q.get(k) !== null && q.get(k) !== '' ? Number(q.get(k)) : undefined);
    let since: number | undefined;
    if (q.get('sinceTime')) since = Date.parse(q.get('sinceTime')!);
    else if (num('sinceSeconds') !== undefined) since = Date.now() - num('sinceSeconds')! * 1000;
    const opts: LogOptions = {
      follow: q.get('follow') === 'true' && !previous,
      timestamps: q.get('timestamps') === 'true',
      tailLines: num('tailLines'),
      limitBytes: num('limitBytes'),
      since,
    };
    const file = info.logPath;
    const id = info.id;
    const stream = logStream(file, opts, () => this.runtime.status(id)?.state === 'running');
    return new Response(stream, { headers: { 'content-type': 'text/plain', 'cache-control': 'no-cache' } });
  }

  /** Opens an upgrade (WebSocket) to a pod or host port: the raw socket once the upstream answered. */
  async upgrade(path: string, headers: [string, string][], trusted: boolean): Promise<UpgradeResult> {
    const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
    if (!trusted && !this.authorized(get('authorization'))) return { ok: false, response: statusResponse(401, 'Unauthorized') };
    const url = new URL(path, 'http://agent');
    if (isStreamPath(url.pathname)) {
      const r = streamRequest(this.streams(), url, get('sec-websocket-protocol'), true);
      if (r) return r.ok ? r : { ok: false, response: statusResponse(r.status, r.message) };
    }
    const up = this.upstream(url, get(SCHEME_HEADER) ?? null);
    if (up instanceof Response) return { ok: false, response: up };
    if (!up) return { ok: false, response: statusResponse(404, `the kubelet API has no upgrade at ${url.pathname}`) };
    let head = `GET ${up.path} HTTP/1.1\r\nHost: ${up.host}:${up.port}\r\n`;
    for (const [k, v] of headers) {
      const n = k.toLowerCase();
      if (n === 'host' || n === 'authorization' || n === SCHEME_HEADER || n === 'content-length' || n === 'transfer-encoding') continue;
      head += `${k}: ${v}\r\n`;
    }
    head += '\r\n';
    return new Promise<UpgradeResult>((resolve) => {
      const socket: net.Socket = up.https
        ? tls.connect({ host: up.host, port: up.port, rejectUnauthorized: false, servername: net.isIP(up.host) ? undefined : up.host })
        : net.connect({ host: up.host, port: up.port });
      let buf = Buffer.alloc(0);
      let settled = false;
      const fail = (msg: string) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        resolve({ ok: false, response: statusResponse(503, `error trying to reach service: dial tcp ${up.host}:${up.port}: ${msg}`) });
      };
      socket.setTimeout(30_000, () => fail('i/o timeout'));
      socket.on('error', (e) => fail(e.message));
      socket.on('close', () => fail('connection closed before the upgrade was answered'));
      socket.once(up.https ? 'secureConnect' : 'connect', () => socket.write(head));
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 64 * 1024) fail('response head too large');
          return;
        }
        socket.off('data', onData);
        socket.setTimeout(0);
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        const rawHead = buf.subarray(0, end + 4);
        const lines = rawHead.toString('latin1').split('\r\n');
        const status = Number(lines[0].split(' ')[1]) || 502;
        const hs: [string, string][] = [];
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i > 0) hs.push([l.slice(0, i).trim(), l.slice(i + 1).trim()]);
        }
        settled = true;
        resolve({ ok: true, status, headers: hs, rawHead, rest: buf.subarray(end + 4), socket });
      };
      socket.on('data', onData);
    });
  }
}

/**
 * A Node readable (an HTTP message) as a web byte stream, with backpressure:
 * the source pauses while the stream's queue is full and resumes on pull.
 * (Readable.toWeb stalled now and then on Node 20 in tunnelled downloads.)
 */
export function nodeToWeb(src: import('node:stream').Readable): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(c) {
      src.on('data', (d: Buffer) => {
        if (done) return;
        c.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        if ((c.desiredSize ?? 0) <= 0) src.pause();
      });
      src.on('end', () => { if (!done) { done = true; c.close(); } });
      src.on('error', (e) => { if (!done) { done = true; c.error(e); } });
      src.on('close', () => { if (!done) { done = true; c.error(new Error('the connection closed before the body ended')); } });
    },
    pull() {
      src.resume();
    },
    cancel() {
      done = true;
      src.destroy();
    },
  }, { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength });
}

/** Writes a web stream into a Node writable with backpressure; resolves when all is written (not ended). */
async function pumpWebToNode(body: ReadableStream<Uint8Array>, dst: import('node:stream').Writable): Promise<void> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (!dst.write(value)) await new Promise<void>((r) => { dst.once('drain', r); dst.once('close', r); });
    if (dst.destroyed) { await reader.cancel().catch(() => undefined); return; }
  }
}

/** Converts a Node request into a web Request. */
function toWebRequest(req: http.IncomingMessage, res: http.ServerResponse, base: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try { headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]); } catch { /* invalid for fetch */ }
  }
  // The client went away before its response finished: whatever serves it stops.
  const abort = new AbortController();
  res.on('close', () => { if (!res.writableFinished) abort.abort(); });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(base + (req.url ?? '/'), {
    method: req.method,
    headers,
    body: hasBody ? nodeToWeb(req) : undefined,
    signal: abort.signal,
    duplex: 'half',
  } as RequestInit);
}

/** Writes a web Response to a Node response, streaming its body; cancels it when the client goes. */
export async function writeWebResponse(res: http.ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of response.headers) (headers[k] ??= []).push(v);
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body) { res.end(); return; }
  const reader = response.body.getReader();
  let closed = false;
  res.on('close', () => { if (!res.writableFinished) { closed = true; reader.cancel().catch(() => undefined); } });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (!res.write(value)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
      if (typeof (res as unknown as { flush?: () => void }).flush === 'function') (res as unknown as { flush: () => void }).flush();
    }
  } catch {
    res.destroy();
    return;
  }
  res.end();
}

/** Serves the kubelet API on address:port (plain HTTP: TLS is out of scope here). */
export function serveDirect(api: KubeletApi, address: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const response = await api.handle(toWebRequest(req, res, `http://${req.headers.host ?? 'agent'}`), false);
        await writeWebResponse(res, response);
      } catch (e) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(statusOf(500, errMsg(e))));
      }
    })();
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    void (async () => {
      const headers: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const r = await api.upgrade(req.url ?? '/', headers, false);
      if (r.ok === 'local') {
        const key = req.headers['sec-websocket-key'];
        if (typeof key !== 'string') {
          socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${r.protocol ? `Sec-WebSocket-Protocol: ${r.protocol}\r\n` : ''}\r\n`);
        socket.setNoDelay(true);
        r.serve(new WsConnection(socket, 'server', head, r.protocol));
        return;
      }
      if (!r.ok) {
        const body = Buffer.from(await r.response.text());
        socket.end(`HTTP/1.1 ${r.response.status} ${http.STATUS_CODES[r.response.status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`);
        return;
      }
      socket.write(r.rawHead);
      if (r.rest.length) socket.write(r.rest);
      if (head.length) r.socket.write(head);
      r.socket.pipe(socket);
      socket.pipe(r.socket);
      const end = () => { socket.destroy(); r.socket.destroy(); };
      r.socket.on('error', end);
      socket.on('error', end);
      r.socket.on('close', end);
      socket.on('close', end);
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      log(`kubelet API listening on http://${address.includes(':') ? `[${address}]` : address}:${port} (credential required)`);
      resolve(server);
    });
  });
}
