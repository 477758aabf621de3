// Attaching to a process-runtime container: its output is what the shim
// writes to the CRI log file, so an attachment follows that file from its
// current end, splitting it back into stdout and stderr.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { followLines, parseLine } from '../logs.ts';

/** Follows `file` from its end into stdout and stderr until stop() or until running() turns false and the file is drained. */
export function followOutput(file: string, running: () => boolean): { stdout: PassThrough; stderr: PassThrough; done: Promise<void>; stop(): void } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let stopped = false;
  let offset = 0;
  try { offset = fs.statSync(file).size; } catch { /* not written yet */ }
  const done = (async () => {
    for await (const line of followLines(file, offset, '', running, () => stopped)) {
      const e = parseLine(line);
      if (e) (e.stream === 'stderr' ? stderr : stdout).write(e.text + (e.partial ? '' : '\n'));
    }
    stdout.end();
    stderr.end();
  })();
  return { stdout, stderr, done, stop() { stopped = true; } };
}
