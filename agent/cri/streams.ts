// Exec and attach for the CRI runtime: the Exec/Attach RPC hands back a URL
// on the runtime's streaming server, which speaks the remote-command
// protocol itself; the agent dials it as a WebSocket client
// (v4.channel.k8s.io, the newest containerd 1.6 serves) and maps its
// channels onto a StreamProcess. v4 cannot say "end of stdin": a command
// that reads stdin to its end waits until the client leaves.
import { PassThrough, Writable } from 'node:stream';
import type { CriClient } from './client.ts';
import { connectWebSocket } from '../ws.ts';
import { ExecError } from '../streaming/host-process.ts';
import { ERROR, RESIZE, STDERR, STDIN, STDOUT, type StreamProcess } from '../streaming/remotecommand.ts';
import type { StreamOptions } from '../runtime.ts';
import { errMsg } from '../log.ts';

const frame = (channel: number, data: Uint8Array) => Buffer.concat([Buffer.from([channel]), data]);

export async function criStream(client: CriClient, kind: 'Exec' | 'Attach', id: string, cmd: string[], opts: StreamOptions): Promise<StreamProcess> {
  const req = kind === 'Exec'
    ? { container_id: id, cmd, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr: !opts.tty }
    : { container_id: id, tty: opts.tty, stdin: opts.stdin, stdout: true, stderr: !opts.tty };
  let url: string;
  try {
    url = String((await client.rt(kind, req, 30_000)).url);
  } catch (e) {
    throw new ExecError(errMsg(e));
  }
  const ws = await connectWebSocket(url, { protocols: ['v4.channel.k8s.io'], timeoutMs: 15_000 }).catch((e) => {
    throw new ExecError(`the runtime's streaming server: ${errMsg(e)}`);
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let status: { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
  ws.on('message', (data) => {
    if (data.length === 0) return;
    const body = data.subarray(1);
    if (data[0] === STDOUT) { if (!stdout.write(body)) { ws.pause(); stdout.once('drain', () => ws.resume()); } }
    else if (data[0] === STDERR) { if (!stderr.write(body)) { ws.pause(); stderr.once('drain', () => ws.resume()); } }
    else if (data[0] === ERROR && body.length) {
      try { status = JSON.parse(body.toString('utf8')); } catch { status = { status: 'Failure', message: body.toString('utf8') }; }
    }
  });
  const exited = new Promise<number | undefined>((resolve, reject) => {
    ws.on('close', () => {
      stdout.end();
      stderr.end();
      if (kind === 'Attach' || !status || status.status === 'Success') return resolve(kind === 'Attach' ? undefined : 0);
      const code = status.reason === 'NonZeroExitCode' ? Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message) : NaN;
      if (Number.isInteger(code)) resolve(code);
      else reject(new ExecError(status.message ?? 'the command failed'));
    });
  });
  const stdin = opts.stdin
    ? new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (ws.send(frame(STDIN, chunk), false)) cb();
        else ws.once('drain', () => cb());
      },
    })
    : undefined;
  return {
    stdin, stdout, stderr, exited,
    resize(size) { ws.send(frame(RESIZE, Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))), false); },
    kill() { ws.close(1000, ''); },
  };
}
