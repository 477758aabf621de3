// Attaching to a process-runtime container: its output is what the shim
// writes to the CRI log file, so an attachment follows that file from its
// current end, splitting it back into stdout and stderr.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';

/** Follows `file` from its end into stdout and stderr until stop() or until running() turns false and the file is drained. */
export function followOutput(file: string, running: () => boolean): { stdout: PassThrough; stderr: PassThrough; done: Promise<void>; stop(): void } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let stopped = false;
  let offset = 0;
  try { offset = fs.statSync(file).size; } catch { /* not written yet */ }
  let rest = '';
  const done = (async () => {
    while (!stopped) {
      const wasRunning = running();
      let size = offset;
      try { size = fs.statSync(file).size; } catch { /* not written yet */ }
      if (size > offset) {
        const chunk = Buffer.alloc(size - offset);
        const fd = fs.openSync(file, 'r');
        try { fs.readSync(fd, chunk, 0, chunk.length, offset); } finally { fs.closeSync(fd); }
        offset = size;
        const text = rest + chunk.toString('utf8');
        const cut = text.lastIndexOf('\n');
        rest = text.slice(cut + 1);
        for (const line of text.slice(0, cut + 1).split('\n')) {
          // "<RFC3339Nano> <stream> <F|P> <text>"
          const m = /^\S+ (stdout|stderr) ([FP]) ?(.*)$/.exec(line);
          if (!m) continue;
          (m[1] === 'stderr' ? stderr : stdout).write(m[3] + (m[2] === 'F' ? '\n' : ''));
        }
        continue;
      }
      if (!wasRunning) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    stdout.end();
    stderr.end();
  })();
  return { stdout, stderr, done, stop() { stopped = true; } };
}
