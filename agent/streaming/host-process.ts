// Exec for the process runtime: the command runs on this host in the
// container's environment and working directory, in a process group of its
// own (so that ending the session ends everything it started). A terminal
// comes from util-linux's script(1), which runs the command on a new
// pseudo-terminal; resizes set the size on that terminal (stty -F), which
// signals SIGWINCH to its foreground job as a real terminal would.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { StreamProcess, TerminalSize } from './remotecommand.ts';

export interface HostExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin: boolean;
  tty: boolean;
  size?: TerminalSize;
}

/** A word for sh -c: single-quoted unless plainly safe. */
export const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function killGroup(pid: number | undefined) {
  if (!pid) return;
  try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** The pseudo-terminal script(1) made for its child (the child's stdin). */
function ptyOf(scriptPid: number): string | undefined {
  try {
    const children = fs.readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const c of children) {
      const tty = fs.readlinkSync(`/proc/${c}/fd/0`);
      if (tty.startsWith('/dev/pts/')) return tty;
    }
  } catch { /* not started yet, or gone */ }
  return undefined;
}

export class ExecError extends Error {
  constructor(message: string, readonly code = 500, readonly reason = 'InternalError') {
    super(message);
  }
}

export function hostExec(cmd: string[], o: HostExecOptions): Promise<StreamProcess> {
  const env = { ...(o.env ?? process.env) } as Record<string, string>;
  let file = cmd[0];
  let args = cmd.slice(1);
  if (o.tty) {
    env.TERM ??= 'xterm';
    // script runs its -c command with $SHELL; the size is set before the command starts.
    env.SHELL = '/bin/sh';
    const sized = o.size && o.size.width > 0 && o.size.height > 0 ? `stty cols ${o.size.width} rows ${o.size.height} 2>/dev/null; ` : '';
    file = 'script';
    args = ['-qfec', `${sized}exec ${cmd.map(shellQuote).join(' ')}`, '/dev/null'];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env, cwd: o.cwd || undefined, detached: true,
      // A terminal session always has stdin: script reads the client's keys from it.
      stdio: [o.stdin || o.tty ? 'pipe' : 'ignore', 'pipe', o.tty ? 'ignore' : 'pipe'],
    });
    let spawned = false;
    const exited = new Promise<number | undefined>((res) => {
      child.on('close', (code, signal) => res(code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1) : 1)));
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (spawned) return;
      // As runc says it: the command could not be started in the container.
      reject(new ExecError(`failed to exec in container: starting container process caused: exec: ${JSON.stringify(cmd[0])}: ${e.code === 'ENOENT' ? 'executable file not found in $PATH' : e.message}`));
    });
    child.once('spawn', () => {
      spawned = true;
      child.stdin?.on('error', () => undefined);
      resolve({
        stdin: child.stdin ?? undefined,
        stdout: child.stdout ?? undefined,
        stderr: child.stderr ?? undefined,
        exited,
        resize(size) {
          if (!o.tty || !child.pid || size.width <= 0 || size.height <= 0) return;
          const pty = ptyOf(child.pid);
          if (pty) execFile('stty', ['-F', pty, 'cols', String(size.width), 'rows', String(size.height)], () => undefined);
        },
        kill() {
          killGroup(child.pid);
        },
      });
    });
  });
}
