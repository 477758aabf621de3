// The remote-command WebSocket protocol (exec and attach), as the kubelet
// serves it: each message starts with its channel, 0 stdin, 1 stdout,
// 2 stderr, 3 error (the outcome), 4 resize (terminal size JSON). The
// subprotocol picks the dialect: "channel.k8s.io" (and none) send the error
// as text, "v4.channel.k8s.io" as a metav1 Status with the exit code,
// "v5.channel.k8s.io" adds channel 255, with which the client closes one of
// its streams (stdin's end of file). The "base64" variants carry text
// messages: the channel as a digit, then the data in base64.
import type { Readable, Writable } from 'node:stream';
import type { MessageSocket } from './socket.ts';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/**
 * How often a quiet session sends an empty stdout message. Clients ignore
 * it; it is what tells the agent that a client vanished, since the Worker
 * joins the sockets natively and passes no close of a connection that just
 * died until a write into it fails.
 */
export const KEEPALIVE_MS = 5000;

/** A resize message is a small JSON object; anything this big is not one. */
export const MAX_RESIZE_MESSAGE = 4096;

export interface TerminalSize { width: number; height: number }

/** A process the protocol drives: an exec'd command, or an attachment to a container's own process. */
export interface StreamProcess {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  resize(size: TerminalSize): void;
  /** The exit code once it ended; undefined when it ended without one (an attachment); rejects when it could not run. */
  exited: Promise<number | undefined>;
  /** Ends it: kills an exec'd command, detaches an attachment. */
  kill(): void;
}

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** For messages: the command (exec) or the container (attach). */
  what: string;
  /** Closes the session after this long without traffic either way (the kubelet's streaming-connection-idle-timeout). */
  idleTimeoutMs: number;
}

interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

export class ProtocolError extends Error {}

/** A channel protocol endpoint over a message socket: framing, base64, the v5 close signal. */
export class ChannelCodec {
  readonly version: number;
  readonly base64: boolean;

  constructor(private readonly sock: MessageSocket) {
    const p = sock.protocol;
    this.version = /^v(\d+)\./.test(p) ? Number(/^v(\d+)\./.exec(p)![1]) : 1;
    this.base64 = p.includes('base64.');
  }

  send(channel: number, data: Uint8Array): boolean {
    if (this.base64) return this.sock.send(String(channel) + Buffer.from(data).toString('base64'), true);
    const out = Buffer.allocUnsafe(data.byteLength + 1);
    out[0] = channel;
    out.set(data, 1);
    return this.sock.send(out, false);
  }

  /** A received message as its channel and data; throws ProtocolError for one that cannot be read. */
  decode(data: Buffer, text: boolean): { channel: number; data: Buffer } {
    if (this.base64) {
      if (!text) throw new ProtocolError('a binary message on a base64 channel protocol');
      const s = data.toString('latin1');
      if (s.length === 0 || s[0] < '0' || s[0] > '9') throw new ProtocolError('a base64 channel message must start with its channel digit');
      const body = s.slice(1);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new ProtocolError(`channel ${s[0]}: invalid base64 data`);
      return { channel: Number(s[0]), data: Buffer.from(body, 'base64') };
    }
    if (data.length === 0) throw new ProtocolError('an empty message has no channel');
    return { channel: data[0], data: data.subarray(1) };
  }
}

/** Serves one exec or attach session on `sock`; start() makes the process once the initial terminal size is known. */
export async function serveRemoteCommand(sock: MessageSocket, opts: RemoteCommandOptions, start: (size?: TerminalSize) => Promise<StreamProcess>): Promise<void> {
  const codec = new ChannelCodec(sock);
  let proc: StreamProcess | undefined;
  let finished = false;
  let lastActive = Date.now();
  let firstSize: ((s?: TerminalSize) => void) | undefined;
  const early: { channel: number; data: Buffer }[] = [];

  const writeStatus = (s: Status) => {
    if (!sock.isOpen) return;
    if (codec.version >= 4) codec.send(ERROR, Buffer.from(JSON.stringify(s)));
    else if (s.status === 'Failure') codec.send(ERROR, Buffer.from(s.message ?? 'error'));
  };
  const end = (s: Status, code = 1000) => {
    if (finished) return;
    finished = true;
    writeStatus(s);
    sock.close(code, '');
  };
  const failure = (message: string, reason = 'BadRequest', code = 400): Status => ({ metadata: {}, status: 'Failure', message, reason, code });

  const handle = (channel: number, data: Buffer) => {
    if (channel === STDIN) {
      if (!opts.stdin || !proc?.stdin) return;
      if (!proc.stdin.write(data)) {
        // The process is not reading: hold the client back until it does.
        sock.pause();
        proc.stdin.once('drain', () => sock.resume());
      }
    } else if (channel === RESIZE) {
      if (data.length > MAX_RESIZE_MESSAGE) throw new ProtocolError(`a resize message of ${data.length} bytes is over the limit of ${MAX_RESIZE_MESSAGE}`);
      let size: TerminalSize;
      try {
        const v = JSON.parse(data.toString('utf8'));
        size = { width: Number(v.Width), height: Number(v.Height) };
      } catch {
        throw new ProtocolError('a resize message must be JSON: {"Width":W,"Height":H}');
      }
      const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff;
      if (!ok(size.width) || !ok(size.height)) throw new ProtocolError('a resize message needs Width and Height between 0 and 65535');
      if (!opts.tty) return;
      if (firstSize) { firstSize(size); firstSize = undefined; } else proc?.resize(size);
    } else if (channel === CLOSE && codec.version >= 5) {
      if (data[0] === STDIN) proc?.stdin?.end();
    } else {
      throw new ProtocolError(`no channel ${channel} to write to`);
    }
  };

  sock.on('message', (data, text) => {
    lastActive = Date.now();
    if (finished) return;
    try {
      const m = codec.decode(data, text);
      if (!proc && m.channel !== RESIZE) { early.push(m); return; }
      handle(m.channel, m.data);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      proc?.kill();
      end(failure(e.message));
    }
  });
  const clientGone = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  void clientGone.then(() => {
    // The client left: its stdin ends and whatever it started goes with it.
    finished = true;
    proc?.stdin?.end();
    proc?.kill();
  });

  // A terminal starts at the size the client announces first (kubectl sends it at once).
  let size: TerminalSize | undefined;
  if (opts.tty) {
    size = await Promise.race([
      new Promise<TerminalSize | undefined>((r) => { firstSize = r; }),
      new Promise<undefined>((r) => setTimeout(r, 300)),
      clientGone.then(() => undefined),
    ]);
    firstSize = undefined;
  }
  if (finished) return;
  try {
    proc = await start(size);
  } catch (e) {
    end(failure((e as Error).message, (e as { reason?: string }).reason ?? 'InternalError', (e as { code?: number }).code ?? 500));
    return;
  }
  if (finished) { proc.kill(); return; }
  try {
    for (const m of early.splice(0)) handle(m.channel, m.data);
  } catch (e) {
    proc.kill();
    end(failure((e as Error).message));
    return;
  }
  if (!opts.stdin) proc.stdin?.end();
  // Output nobody asked for is drained, so that the process never blocks writing it.
  if (!opts.stdout) proc.stdout?.resume();
  if (!opts.stderr) proc.stderr?.resume();

  const pump = (r: Readable | undefined, channel: number) => new Promise<void>((resolve) => {
    if (!r) return resolve();
    r.on('data', (d: Buffer) => {
      lastActive = lastSent = Date.now();
      if (finished) return;
      if (!codec.send(channel, d)) {
        r.pause();
        sock.once('drain', () => r.resume());
      }
    });
    r.once('end', () => resolve());
    r.once('close', () => resolve());
    r.once('error', () => resolve());
  });
  let lastSent = Date.now();
  const keepalive = setInterval(() => {
    if (Date.now() - lastSent >= KEEPALIVE_MS && opts.stdout && !finished) { codec.send(STDOUT, Buffer.alloc(0)); lastSent = Date.now(); }
  }, KEEPALIVE_MS);
  keepalive.unref();
  const idle = setInterval(() => {
    if (Date.now() - lastActive < opts.idleTimeoutMs) return;
    proc?.kill();
    end(failure(`no traffic for ${Math.round(opts.idleTimeoutMs / 1000)}s: the stream is closed (streaming connection idle timeout)`, 'Timeout', 408));
  }, Math.min(opts.idleTimeoutMs, 30_000));
  idle.unref();
  try {
    const [exitCode] = await Promise.all([
      proc.exited.catch((e: Error) => e),
      pump(opts.stdout ? proc.stdout : undefined, STDOUT),
      pump(opts.stderr ? proc.stderr : undefined, STDERR),
    ]);
    if (exitCode instanceof Error) end(failure(exitCode.message, 'InternalError', 500));
    else if (exitCode === undefined || exitCode === 0) end({ metadata: {}, status: 'Success' });
    else {
      end({
        metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
        message: `command terminated with non-zero exit code: error executing command [${opts.what}], exit code ${exitCode}`,
        details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
      });
    }
  } finally {
    clearInterval(idle);
    clearInterval(keepalive);
  }
}
