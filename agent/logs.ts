// Container logs as the kubelet serves them: the CRI log files the shim
// writes, turned back into the container's output, with tailLines,
// timestamps, sinceSeconds/sinceTime, limitBytes and follow.
import fs from 'node:fs';

export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Only lines at or after this time (ms since the epoch). */
  since?: number;
}

export interface Entry { ts: string; stream: string; partial: boolean; text: string }

/** "<RFC3339Nano> <stream> <F|P> <text>" */
export function parseLine(line: string): Entry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { ts: line.slice(0, a), stream: line.slice(a + 1, b), partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

const tsMillis = (ts: string) => Date.parse(ts.replace(/(\.\d{3})\d*Z$/, '$1Z'));

/** Entries into output lines: partial entries join the next; each line keeps its first timestamp. */
class Assembler {
  private pendingTs = '';
  private pending = '';
  constructor(private readonly opts: LogOptions) {}

  push(e: Entry): string | undefined {
    if (!this.pending && !this.pendingTs) this.pendingTs = e.ts;
    this.pending += e.text;
    if (e.partial) return undefined;
    const ts = this.pendingTs;
    const text = this.pending;
    this.pending = '';
    this.pendingTs = '';
    if (this.opts.since !== undefined && tsMillis(ts) < this.opts.since) return undefined;
    return (this.opts.timestamps ? `${ts} ` : '') + text + '\n';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The whole lines written to `file` past `offset` (the part of a line
 * before it, `rest`), as they come: it polls until `running()` turns false
 * with the file read to its end, or `stopped()`.
 */
export async function* followLines(file: string, offset: number, rest: string, running: () => boolean, stopped: () => boolean): AsyncGenerator<string> {
  while (!stopped()) {
    const wasRunning = running();
    let size = offset;
    try { size = fs.statSync(file).size; } catch { /* not yet written */ }
    if (size > offset) {
      const chunk = Buffer.alloc(size - offset);
      const fd = fs.openSync(file, 'r');
      try { fs.readSync(fd, chunk, 0, chunk.length, offset); } finally { fs.closeSync(fd); }
      offset = size;
      const text = rest + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      rest = text.slice(cut + 1);
      for (const line of text.slice(0, cut + 1).split('\n')) if (line) yield line;
      continue;
    }
    if (!wasRunning) return;
    await sleep(150);
  }
}

/**
 * The log of one container instance as a byte stream. `running()` tells a
 * follower whether more output may come; it ends once the instance exited
 * and the file is read.
 */
export function logStream(file: string, opts: LogOptions, running: () => boolean): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cancelled = false;
  let sent = 0;
  async function* lines(): AsyncGenerator<string> {
    const asm = new Assembler(opts);
    let offset = 0;
    let rest = '';
    // The existing content, tailed.
    let text = '';
    try {
      const buf = fs.readFileSync(file);
      offset = buf.length;
      text = buf.toString('utf8');
    } catch {
      text = '';
    }
    const nl = text.lastIndexOf('\n');
    rest = text.slice(nl + 1);
    const out: string[] = [];
    for (const line of text.slice(0, nl + 1).split('\n')) {
      if (!line) continue;
      const e = parseLine(line);
      const o = e && asm.push(e);
      if (o !== undefined) out.push(o);
    }
    const start = opts.tailLines !== undefined ? Math.max(0, out.length - opts.tailLines) : 0;
    for (let i = start; i < out.length; i++) yield out[i];
    if (!opts.follow) return;
    // Then new lines as they come, until the instance ended and nothing is left.
    for await (const line of followLines(file, offset, rest, running, () => cancelled)) {
      const e = parseLine(line);
      const o = e && asm.push(e);
      if (o !== undefined) yield o;
    }
  }
  const it = lines();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) return controller.close();
      let bytes = enc.encode(value);
      if (opts.limitBytes !== undefined) {
        if (sent + bytes.length >= opts.limitBytes) {
          bytes = bytes.subarray(0, opts.limitBytes - sent);
          controller.enqueue(bytes);
          cancelled = true;
          await it.return(undefined);
          return controller.close();
        }
      }
      sent += bytes.length;
      controller.enqueue(bytes);
    },
    async cancel() {
      cancelled = true;
      await it.return(undefined);
    },
  });
}
