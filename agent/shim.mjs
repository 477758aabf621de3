#!/usr/bin/env node
// The process runtime's shim (what conmon/containerd-shim are to container
// runtimes): started detached by the agent, one per container instance. It
// runs the container's process in its own process group, writes its output
// to the log file in the CRI format ("<RFC3339Nano> <stream> <F|P> <text>"),
// and records the pid and finally the exit, so the agent can restart and
// adopt running containers. Plain JavaScript: it starts fast and needs no
// TypeScript loader.
//
//   node shim.mjs <spec.json>
//   spec: { command: string[], env: {}, cwd?: string, logPath, pidPath, exitPath, stdinPath? }
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const logFd = fs.openSync(spec.logPath, 'a');
const PARTIAL_MAX = 16 * 1024;

function now() {
  // RFC 3339 with nanoseconds, as CRI log lines carry.
  const d = new Date();
  const ns = String(process.hrtime.bigint() % 1000000n).padStart(6, '0');
  return d.toISOString().replace('Z', `${ns}Z`);
}

function writeExit(exit) {
  const tmp = spec.exitPath + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({ ...exit, finishedAt: new Date().toISOString() }));
  fs.renameSync(tmp, spec.exitPath);
}

// The agent stops containers by signalling their process group; the shim
// itself must outlive terminal hang-ups and interrupts aimed at the agent.
for (const sig of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(sig, () => {});

function lineWriter(stream) {
  let pending = '';
  let timer;
  const flushPartial = () => {
    if (pending) {
      fs.writeSync(logFd, `${now()} ${stream} P ${pending}\n`);
      pending = '';
    }
  };
  return {
    write(chunk) {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        fs.writeSync(logFd, `${now()} ${stream} F ${pending.slice(0, nl)}\n`);
        pending = pending.slice(nl + 1);
      }
      while (pending.length > PARTIAL_MAX) {
        fs.writeSync(logFd, `${now()} ${stream} P ${pending.slice(0, PARTIAL_MAX)}\n`);
        pending = pending.slice(PARTIAL_MAX);
      }
      clearTimeout(timer);
      if (pending) timer = setTimeout(flushPartial, 250);
    },
    end() {
      clearTimeout(timer);
      if (pending) {
        fs.writeSync(logFd, `${now()} ${stream} F ${pending}\n`);
        pending = '';
      }
    },
  };
}

let done = false;
function finish(exit) {
  if (done) return;
  done = true;
  out.end();
  err.end();
  writeExit(exit);
  process.exit(0);
}

const out = lineWriter('stdout');
const err = lineWriter('stderr');
// A container with `stdin: true` reads a FIFO the agent writes attached
// clients' input to. The shim holds it open for writing too, so the
// container never sees end of file between attachments (as a runtime keeps
// an open stdin).
let stdin = 'ignore';
if (spec.stdinPath) {
  try {
    fs.rmSync(spec.stdinPath, { force: true });
    execFileSync('mkfifo', ['-m', '600', spec.stdinPath]);
    stdin = fs.openSync(spec.stdinPath, 'r+');
  } catch (e) {
    fs.writeSync(logFd, `${now()} stderr F edgekube shim: no stdin for the container: ${e && e.message ? e.message : e}\n`);
  }
}
let child;
try {
  child = spawn(spec.command[0], spec.command.slice(1), {
    cwd: spec.cwd || undefined,
    env: spec.env,
    stdio: [stdin, 'pipe', 'pipe'],
    detached: true, // its own process group: the agent signals the whole group
  });
} catch (e) {
  finish({ exitCode: 128, reason: 'StartError', message: String(e && e.message ? e.message : e) });
}
child.on('error', (e) => {
  const message = e.code === 'ENOENT'
    ? `exec: "${spec.command[0]}": executable file not found in $PATH${spec.cwd ? ` (or working directory "${spec.cwd}" missing)` : ''}`
    : `exec: "${spec.command[0]}": ${e.message}`;
  finish({ exitCode: 128, reason: 'StartError', message });
});
child.on('spawn', () => {
  const tmp = spec.pidPath + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({ pid: child.pid, startedAt: new Date().toISOString() }));
  fs.renameSync(tmp, spec.pidPath);
});
child.stdout.setEncoding('utf8');
child.stderr.setEncoding('utf8');
child.stdout.on('data', (d) => out.write(d));
child.stderr.on('data', (d) => err.write(d));
// The container ends with its main process; output still in the pipes is
// drained for a moment (a background child may hold them open).
child.on('exit', (code, signal) => {
  const signo = signal ? os.constants.signals[signal] ?? 0 : 0;
  const exit = { exitCode: code ?? 128 + signo, ...(signal ? { signal: signo, signalName: signal } : {}) };
  const timer = setTimeout(() => finish(exit), 500);
  child.on('close', () => { clearTimeout(timer); finish(exit); });
});
