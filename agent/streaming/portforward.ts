// Port-forwarding into a pod, both ways the kubelet speaks it:
//  - SPDY/3.1 inside the WebSocket (kubectl 1.31+): per forwarded connection
//    the client opens an error stream and a data stream that share a
//    `requestid` and name the `port`; the data stream carries the bytes, the
//    error stream any failure as text.
//  - the channel protocol (v4.channel.k8s.io; client libraries): the ports
//    come in the query, each gets a data channel 2i and an error channel
//    2i+1, whose first message from the server is the port (2 bytes, little
//    endian); one connection per port, the session ends with the last.
import net from 'node:net';
import type { MessageSocket } from './socket.ts';
import { ChannelCodec, KEEPALIVE_MS, ProtocolError } from './remotecommand.ts';
import { RST, SpdySession, type SpdyStream } from './spdy.ts';

export interface ForwardTarget {
  podName: string;
  podUid: string;
  /** Connects to a port of the pod. */
  dial(port: number): Promise<net.Socket>;
  idleTimeoutMs: number;
}

/** The kubelet's stream creation timeout: an error stream waits this long for its data stream. */
export const STREAM_PAIR_TIMEOUT_MS = 30_000;

const GO_ERRNO: Record<string, string> = { ECONNREFUSED: 'connection refused', ETIMEDOUT: 'connection timed out', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable', ECONNRESET: 'connection reset by peer' };

/** Connects to host:port, failing as Go's net.Dial words it. */
export function dialTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const conn = net.connect({ host, port });
    conn.setNoDelay(true);
    const timer = setTimeout(() => conn.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })), 10_000);
    conn.once('connect', () => { clearTimeout(timer); conn.removeAllListeners('error'); resolve(conn); });
    conn.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const family = net.isIPv6(host) ? 'tcp6' : 'tcp4';
      reject(new Error(`dial ${family} ${net.isIPv6(host) ? `[${host}]` : host}:${port}: connect: ${GO_ERRNO[e.code ?? ''] ?? e.message}`));
    });
  });
}

const forwardError = (t: ForwardTarget, port: number, err: unknown) =>
  `error forwarding port ${port} to pod ${t.podName}, uid ${t.podUid}: ${(err as Error).message ?? err}`;

/** Keeps a session alive only while traffic flows (the kubelet's streaming-connection-idle-timeout). */
function idleTimer(ms: number, onIdle: () => void) {
  let last = Date.now();
  const t = setInterval(() => { if (Date.now() - last >= ms) onIdle(); }, Math.min(ms, 30_000));
  t.unref();
  return { touch() { last = Date.now(); }, stop() { clearInterval(t); } };
}

/** SPDY/3.1 port-forwarding over `sock` (a WebSocket whose binary messages carry the SPDY byte stream). */
export function serveSpdyPortForward(sock: MessageSocket, t: ForwardTarget) {
  const session = new SpdySession({
    write: (bytes) => sock.send(bytes, false),
    onDrain: (cb) => sock.once('drain', cb),
    pause: () => sock.pause(),
    resume: () => sock.resume(),
    close: () => sock.close(1000, ''),
  });
  const idle = idleTimer(t.idleTimeoutMs, () => session.close());
  // Pings tell a vanished client from a quiet one (see KEEPALIVE_MS).
  const pinger = setInterval(() => session.ping(), KEEPALIVE_MS);
  pinger.unref();
  session.on('error', () => undefined);
  session.on('close', () => { idle.stop(); clearInterval(pinger); });
  sock.on('message', (data, text) => {
    idle.touch();
    if (text) { session.close(); return; }
    session.feed(data);
  });
  sock.on('close', () => session.end());

  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; timer: NodeJS.Timeout }>();
  session.on('stream', (s) => {
    const type = s.headers.streamtype;
    const portText = s.headers.port ?? '';
    const port = Number(portText);
    // As the kubelet's httpStreamReceived: a stream without a valid port or type is reset.
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || (type !== 'error' && type !== 'data')) { s.reset(RST.CANCEL); return; }
    s.reply();
    s.on('error', () => undefined);
    const key = s.headers.requestid ?? `port-${port}`;
    let pair = pairs.get(key);
    if (!pair) {
      const timer = setTimeout(() => {
        const p = pairs.get(key);
        pairs.delete(key);
        p?.error?.end('timed out waiting for streams');
        p?.data?.destroy();
      }, STREAM_PAIR_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(key, pair);
    }
    if (pair[type]) { s.reset(RST.PROTOCOL_ERROR); return; }
    pair[type] = s;
    if (!pair.error || !pair.data) return;
    clearTimeout(pair.timer);
    pairs.delete(key);
    const { error, data } = pair;
    // The client never writes on its error stream: reading it to the end lets it finish.
    error.resume();
    void t.dial(port).then((conn) => {
      data.on('data', () => idle.touch());
      conn.on('data', () => idle.touch());
      data.pipe(conn);
      conn.pipe(data);
      const done = () => { conn.destroy(); error.end(); };
      conn.once('close', () => { if (!data.writableEnded) data.end(); done(); });
      conn.once('error', () => undefined);
      data.once('close', done);
    }, (e) => {
      error.end(forwardError(t, port, e));
      data.end();
    });
  });
}

/** The channel port-forward protocol over `sock`, for the ports of the query. */
export function serveChannelPortForward(sock: MessageSocket, ports: number[], t: ForwardTarget) {
  const codec = new ChannelCodec(sock);
  const port16 = (p: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(p); return b; };
  const conns: (net.Socket | undefined)[] = ports.map(() => undefined);
  let open = ports.length;
  let ended = false;
  const idle = idleTimer(t.idleTimeoutMs, () => finish());
  const finish = () => {
    if (ended) return;
    ended = true;
    idle.stop();
    for (const c of conns) c?.destroy();
    sock.close(1000, '');
  };
  const oneDone = () => { if (--open <= 0) finish(); };
  // An empty message on the first data channel: the keepalive (see KEEPALIVE_MS).
  const pinger = setInterval(() => { if (!ended) codec.send(0, Buffer.alloc(0)); else clearInterval(pinger); }, KEEPALIVE_MS);
  pinger.unref();
  ports.forEach((p, i) => { codec.send(2 * i, port16(p)); codec.send(2 * i + 1, port16(p)); });
  sock.on('close', () => { ended = true; idle.stop(); for (const c of conns) c?.destroy(); });
  const early: Buffer[][] = ports.map(() => []);
  sock.on('message', (raw, text) => {
    idle.touch();
    let m;
    try {
      m = codec.decode(raw, text);
    } catch (e) {
      if (e instanceof ProtocolError) return finish();
      throw e;
    }
    const i = m.channel >> 1;
    if (i >= ports.length) return finish();
    if (m.channel % 2 === 1) return; // clients do not write to error channels
    const c = conns[i];
    if (!c) { early[i].push(m.data); return; }
    if (!c.write(m.data)) { sock.pause(); c.once('drain', () => sock.resume()); }
  });
  ports.forEach((p, i) => {
    void t.dial(p).then((conn) => {
      if (ended) { conn.destroy(); return; }
      conns[i] = conn;
      for (const d of early[i].splice(0)) conn.write(d);
      conn.on('data', (d: Buffer) => {
        idle.touch();
        if (!codec.send(2 * i, d)) { conn.pause(); sock.once('drain', () => conn.resume()); }
      });
      conn.once('error', () => undefined);
      conn.once('close', oneDone);
    }, (e) => {
      codec.send(2 * i + 1, Buffer.from(forwardError(t, p, e)));
      oneDone();
    });
  });
}
