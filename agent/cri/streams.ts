// Exec and attach for the CRI runtime: the Exec/Attach RPC hands back a URL
// on the runtime's streaming server, which speaks the remote-command
// protocol itself. The agent talks to it as the kubelet does: a SPDY/3.1
// upgrade (v4.channel.k8s.io), one stream per standard stream plus error
// and resize; SPDY, unlike the WebSocket protocols containerd 1.6 serves,
// lets stdin end (`kubectl cp` into a container needs that).
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { CriClient } from './client.ts';
import { ExecError } from '../streaming/host-process.ts';
import type { StreamProcess } from '../streaming/remotecommand.ts';
import { SpdySession } from '../streaming/spdy.ts';
import type { StreamOptions } from '../runtime.ts';
import { errMsg } from '../log.ts';

/** POST url with Upgrade: SPDY/3.1; the upgraded socket. */
function upgradeSpdy(url: string, protocol: string): Promise<{ socket: net.Socket; head: Buffer }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method: 'POST', agent: false, rejectUnauthorized: false,
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocol, 'Content-Length': '0' },
    });
    req.setTimeout(15_000, () => req.destroy(new Error('no answer to the upgrade within 15s')));
    req.on('upgrade', (res, socket, head) => {
      socket.setTimeout(0);
      socket.setNoDelay(true);
      resolve({ socket, head });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { if (body.length < 4096) body += d; });
      res.on('end', () => reject(new Error(`the streaming server answered ${res.statusCode}: ${body.trim().slice(0, 300)}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function criStream(client: CriClient, kind: 'Exec' | 'Attach', id: string, cmd: string[], opts: StreamOptions): Promise<StreamProcess> {
  const stderr = !opts.tty;
  const req = kind === 'Exec'
    ? { container_id: id, cmd, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr }
    : { container_id: id, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr };
  let socket: net.Socket;
  let head: Buffer;
  try {
    const url = String((await client.rt(kind, req, 30_000)).url);
    ({ socket, head } = await upgradeSpdy(url, 'v4.channel.k8s.io'));
  } catch (e) {
    throw new ExecError(errMsg(e));
  }
  const session = new SpdySession({
    write: (b) => socket.write(b),
    onDrain: (cb) => socket.once('drain', cb),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.destroy(),
  }, true);
  session.on('error', () => undefined);
  socket.on('data', (d: Buffer) => session.feed(d));
  socket.on('close', () => session.end());
  socket.on('error', () => undefined);
  if (head.length) session.feed(head);
  try {
    // The error stream first, as client-go opens them; the server starts once it has every stream it expects.
    const [error, stdin, stdout, errStream, resize] = await Promise.all([
      session.open({ streamtype: 'error' }),
      opts.stdin ? session.open({ streamtype: 'stdin' }) : undefined,
      session.open({ streamtype: 'stdout' }),
      stderr ? session.open({ streamtype: 'stderr' }) : undefined,
      opts.tty ? session.open({ streamtype: 'resize' }) : undefined,
    ]);
    error.end();
    let status = '';
    error.on('data', (d: Buffer) => { if (status.length < 65536) status += d; });
    // containerd resets the error stream after writing the outcome, rather than ending it: either settles.
    const exited = new Promise<number | undefined>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        // The session ends once the output streams did too.
        const ended = (r: NodeJS.ReadableStream | undefined) => new Promise<void>((res) => (!r ? res() : (r.once('end', res), r.once('close', res))));
        void Promise.race([Promise.all([ended(stdout), ended(errStream)]), new Promise((r) => setTimeout(r, 5000))]).then(() => session.close());
        if (kind === 'Attach') return resolve(undefined);
        if (!status) return error.readableEnded ? resolve(0) : reject(new ExecError("the runtime's streaming connection closed without the command's outcome"));
        let s: { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
        try { s = JSON.parse(status); } catch { return reject(new ExecError(status)); }
        if (s.status === 'Success') return resolve(0);
        const code = s.reason === 'NonZeroExitCode' ? Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message) : NaN;
        if (Number.isInteger(code)) resolve(code);
        else reject(new ExecError(s.message ?? 'the command failed'));
      };
      error.once('end', settle);
      error.once('close', settle);
    });
    if (opts.size && resize) resize.write(JSON.stringify({ Width: opts.size.width, Height: opts.size.height }) + '\n');
    return {
      stdin, stdout, stderr: errStream, exited,
      resize(size) { resize?.write(JSON.stringify({ Width: size.width, Height: size.height }) + '\n'); },
      kill() { session.close(); },
    };
  } catch (e) {
    session.close();
    throw new ExecError(`the runtime's streaming server: ${errMsg(e)}`);
  }
}
