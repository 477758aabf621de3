// The process runtime: a container is a local process (command + args, env,
// workingDir) run by a detached shim (shim.mjs) that records its pid, exit
// and output under the state dir, so containers outlive agent restarts and
// are adopted (or cleaned up) by the next agent. It has no images: a
// container needs a command, and the image name is only reported.
//
// A host process cannot have a directory mounted at its mountPath, so every
// volume stays where it is on this host and the container is told: the
// variable EDGEKUBE_VOLUME_<NAME> (the volume's name upper-cased, other
// characters as "_") holds the directory of each volume it mounts, and a
// workingDir at or under a mountPath is moved to the same place inside it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KObject } from './api.ts';
import { RuntimeError, type ContainerConfig, type ContainerInfo, type ContainerRuntime, type ExecResult, type StreamOptions, type VolumeMount } from './runtime.ts';
import type { StreamProcess } from './streaming/remotecommand.ts';
import { ExecError, hostExec } from './streaming/host-process.ts';
import { followOutput } from './streaming/log-follow.ts';
import { log, warn } from './log.ts';
import { processUsage, type ContainerUsage } from './usage.ts';

const volumeEnvName = (volume: string) => `EDGEKUBE_VOLUME_${volume.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** The variables naming the container's volume directories, and its workingDir moved into a volume it lies in. */
function volumeEnv(mounts: VolumeMount[], workingDir: string | undefined): { env: Record<string, string>; workingDir?: string } {
  const env: Record<string, string> = {};
  let wd = workingDir || undefined;
  for (const m of mounts) {
    env[volumeEnvName(m.volume)] = m.hostPath;
    const mountPath = m.containerPath.replace(/\/+$/, '');
    if (workingDir && mountPath && (workingDir === mountPath || workingDir.startsWith(`${mountPath}/`))) {
      wd = path.join(m.hostPath, workingDir.slice(mountPath.length));
    }
  }
  return { env, workingDir: wd };
}

/** What the process runtime keeps on disk of a container instance. */
interface Record_ extends Pick<ContainerInfo, 'id' | 'podUid' | 'namespace' | 'podName' | 'container' | 'attempt' | 'specHash' | 'logPath'> {
  /** The command the container runs, reported as its imageID. */
  executable: string;
  shimPid: number;
  shimStart?: string;
  pidPath: string;
  exitPath: string;
  specPath: string;
  /** The FIFO the container reads as stdin (spec stdin: true). */
  stdinPath?: string;
}

const SHIM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shim.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The start time of a process (field 22 of /proc/<pid>/stat), to tell a pid from a reused one. */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(-pid, sig);
  } catch {
    try { process.kill(pid, sig); } catch { /* gone */ }
  }
}

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process';
  readonly runtimeVersion = 'process://0.1.0';
  private records = new Map<string, Record_>();
  private infos = new Map<string, ContainerInfo>();
  private shims = new Map<string, ChildProcess>();
  private listeners: ((info: ContainerInfo) => void)[] = [];
  private poller: NodeJS.Timeout;
  private readonly dir: string;
  private readonly logDir: string;

  constructor(readonly stateDir: string) {
    this.dir = path.join(stateDir, 'containers');
    this.logDir = path.join(stateDir, 'logs');
    fs.mkdirSync(this.dir, { recursive: true });
    fs.mkdirSync(this.logDir, { recursive: true });
    this.adopt();
    this.poller = setInterval(() => this.poll(), 500);
    this.poller.unref();
  }

  /** Reads the records a previous agent left: running containers are adopted, dead shims' containers marked exited. */
  private adopt() {
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const rec = readJson<Record_>(path.join(this.dir, f));
      if (!rec?.id) continue;
      this.records.set(rec.id, rec);
      const info = this.infoFromDisk(rec);
      this.infos.set(rec.id, info);
      if (info.state === 'running') log(`adopted container ${rec.namespace}/${rec.podName}/${rec.container} (pid ${info.pid}) from a previous agent`);
    }
  }

  private infoFromDisk(rec: Record_): ContainerInfo {
    const base: ContainerInfo = {
      id: rec.id, containerID: 'process://', imageID: `process://${rec.executable ?? ''}`, podUid: rec.podUid, namespace: rec.namespace, podName: rec.podName, container: rec.container,
      attempt: rec.attempt, specHash: rec.specHash, state: 'running', logPath: rec.logPath,
    };
    const pid = readJson<{ pid: number; startedAt: string }>(rec.pidPath);
    const exit = readJson<{ exitCode: number; signal?: number; finishedAt: string; reason?: string; message?: string }>(rec.exitPath);
    if (pid) { base.pid = pid.pid; base.startedAt = pid.startedAt; base.containerID = `process://${pid.pid}`; }
    if (exit) return { ...base, state: 'exited', exitCode: exit.exitCode, signal: exit.signal, finishedAt: exit.finishedAt, reason: exit.reason, message: exit.message };
    const shimAlive = alive(rec.shimPid) && (!rec.shimStart || procStart(rec.shimPid) === rec.shimStart);
    if (shimAlive) return base;
    // The shim is gone without recording an exit: the container's fate is unknown; make sure it is not running.
    if (pid && alive(pid.pid)) signalGroup(pid.pid, 'SIGKILL');
    return { ...base, state: 'exited', exitCode: 137, finishedAt: new Date().toISOString(), reason: 'Error', message: 'the runtime shim exited without recording the container exit' };
  }

  list(): ContainerInfo[] {
    return [...this.infos.values()].map((i) => ({ ...i }));
  }

  status(id: string): ContainerInfo | undefined {
    const i = this.infos.get(id);
    return i ? { ...i } : undefined;
  }

  /** The container's process and its descendants, from /proc: a host process has no cgroup of its own. */
  async usage(id: string): Promise<ContainerUsage | undefined> {
    const i = this.infos.get(id);
    return i?.state === 'running' && i.pid ? processUsage(i.pid) : undefined;
  }

  private logPath(namespace: string, podName: string, podUid: string, container: string, attempt: number): string {
    return path.join(this.logDir, `${namespace}_${podName}_${podUid}`, container, `${attempt}.log`);
  }

  onExit(cb: (info: ContainerInfo) => void) {
    this.listeners.push(cb);
  }

  baseEnv(pod: KObject): Record<string, string> {
    return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/', HOSTNAME: pod.spec?.hostname || pod.metadata.name };
  }

  podIP(): undefined {
    return undefined;
  }

  /** Host processes come from no image. */
  async images(): Promise<[]> {
    return [];
  }

  async start(cfg: ContainerConfig): Promise<ContainerInfo> {
    const argv = [...(cfg.command ?? []), ...(cfg.args ?? [])];
    if (!cfg.command?.length) throw new RuntimeError('RunContainerError', 'no command: the process runtime has no image to run');
    const volumes = volumeEnv(cfg.mounts, cfg.workingDir);
    const env = { ...volumes.env, ...cfg.env };
    const id = `${cfg.podUid}_${cfg.container}_${cfg.attempt}`;
    const base = path.join(this.dir, id);
    const rec: Record_ = {
      id, podUid: cfg.podUid, namespace: cfg.namespace, podName: cfg.podName, container: cfg.container, attempt: cfg.attempt,
      specHash: cfg.specHash, executable: argv[0], shimPid: 0, logPath: this.logPath(cfg.namespace, cfg.podName, cfg.podUid, cfg.container, cfg.attempt),
      pidPath: `${base}.pid`, exitPath: `${base}.exit`, specPath: `${base}.spec`,
    };
    fs.mkdirSync(path.dirname(rec.logPath), { recursive: true });
    for (const f of [rec.pidPath, rec.exitPath, rec.logPath]) fs.rmSync(f, { force: true });
    if (cfg.spec?.stdin === true) rec.stdinPath = `${base}.stdin`;
    fs.writeFileSync(rec.specPath, JSON.stringify({
      command: argv, env, cwd: volumes.workingDir, logPath: rec.logPath, pidPath: rec.pidPath, exitPath: rec.exitPath, stdinPath: rec.stdinPath,
    }), { mode: 0o600 });
    const shim = spawn(process.execPath, [SHIM, rec.specPath], { detached: true, stdio: 'ignore', cwd: this.stateDir });
    shim.unref();
    rec.shimPid = shim.pid ?? 0;
    rec.shimStart = rec.shimPid ? procStart(rec.shimPid) : undefined;
    fs.writeFileSync(`${base}.json`, JSON.stringify(rec));
    this.records.set(id, rec);
    this.shims.set(id, shim);
    shim.on('exit', () => { this.shims.delete(id); this.check(id); });
    // Running once the shim reports the pid; a start failure records an exit instead.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = this.infoFromDisk(rec);
      if (info.state === 'exited' || info.pid) {
        this.infos.set(id, info);
        if (info.state === 'exited') this.emitExit(info);
        return { ...info };
      }
      if (Date.now() > deadline) {
        warn(`container ${cfg.namespace}/${cfg.podName}/${cfg.container}: the shim did not report a pid within 10s`);
        this.infos.set(id, info);
        return { ...info };
      }
      await sleep(15);
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const info = this.infos.get(id);
    if (!info || info.state !== 'running') return;
    if (!info.pid) {
      const rec = this.records.get(id);
      if (rec?.shimPid) signalGroup(rec.shimPid, 'SIGKILL');
      this.check(id);
      return;
    }
    signalGroup(info.pid, 'SIGTERM');
    const deadline = Date.now() + Math.max(0, graceSeconds) * 1000;
    while (Date.now() < deadline && this.check(id) === 'running') await sleep(50);
    if (this.check(id) === 'running') {
      signalGroup(info.pid, 'SIGKILL');
      const hard = Date.now() + 5000;
      while (Date.now() < hard && this.check(id) === 'running') await sleep(50);
    }
  }

  /** Runs the command on this host with the container's environment and working directory. */
  exec(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const spec = readJson<{ env?: Record<string, string>; cwd?: string }>(this.records.get(id)?.specPath ?? '') ?? {};
    return new Promise((resolve) => {
      let output = '';
      const child = spawn(cmd[0], cmd.slice(1), { env: spec.env, cwd: spec.cwd || undefined, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutSeconds * 1000, killSignal: 'SIGKILL' });
      const take = (d: Buffer) => { if (output.length < 1024) output += d; };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', (e) => resolve({ exitCode: 127, output: e.message }));
      child.on('close', (code, signal) => resolve({ exitCode: code ?? 137, output, timedOut: !!signal }));
    });
  }

  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamProcess> {
    const spec = readJson<{ env?: Record<string, string>; cwd?: string }>(this.records.get(id)?.specPath ?? '') ?? {};
    return hostExec(cmd, { env: spec.env, cwd: spec.cwd, ...opts });
  }

  async attachStream(id: string, opts: StreamOptions): Promise<StreamProcess> {
    const rec = this.records.get(id);
    if (!rec || this.check(id) !== 'running') throw new ExecError(`container not found (${JSON.stringify(rec?.container ?? id)})`, 404, 'NotFound');
    const out = followOutput(rec.logPath, () => this.check(id) === 'running');
    // The container's stdin is a FIFO only when its spec asked for stdin (kubectl then warns and goes on without).
    const stdin = opts.stdin && rec.stdinPath && fs.existsSync(rec.stdinPath) ? fs.createWriteStream(rec.stdinPath, { flags: 'a' }) : undefined;
    stdin?.on('error', () => undefined);
    return {
      stdin, stdout: out.stdout, stderr: out.stderr,
      exited: out.done.then(() => undefined),
      resize() { /* host processes have no terminal to resize */ },
      kill() { out.stop(); stdin?.destroy(); },
    };
  }

  async remove(id: string) {
    const rec = this.records.get(id);
    if (!rec) return;
    const info = this.infos.get(id);
    if (info?.state === 'running' && info.pid) signalGroup(info.pid, 'SIGKILL');
    for (const f of [rec.pidPath, rec.exitPath, rec.specPath, rec.stdinPath, path.join(this.dir, `${id}.json`)]) if (f) fs.rmSync(f, { force: true });
    this.records.delete(id);
    this.infos.delete(id);
  }

  podUids(): string[] {
    return [...new Set([...this.records.values()].map((r) => r.podUid))];
  }

  async removePod(podUid: string) {
    let logDir: string | undefined;
    for (const rec of [...this.records.values()]) {
      if (rec.podUid !== podUid) continue;
      logDir = path.dirname(path.dirname(rec.logPath));
      await this.remove(rec.id);
    }
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  }

  /** Re-reads a running container's state from disk; emits the exit once. */
  private check(id: string): ContainerInfo['state'] | undefined {
    const cur = this.infos.get(id);
    const rec = this.records.get(id);
    if (!cur || !rec) return undefined;
    if (cur.state === 'exited') return 'exited';
    if (this.shims.has(id) && !fs.existsSync(rec.exitPath)) return 'running';
    const next = this.infoFromDisk(rec);
    if (next.state === 'running') {
      if (!cur.pid && next.pid) this.infos.set(id, next);
      return 'running';
    }
    this.infos.set(id, next);
    this.emitExit(next);
    return 'exited';
  }

  private emitExit(info: ContainerInfo) {
    for (const cb of this.listeners) {
      try { cb({ ...info }); } catch (e) { warn(`exit listener: ${(e as Error).message}`); }
    }
  }

  private poll() {
    for (const [id, info] of this.infos) if (info.state === 'running') this.check(id);
  }

  close() {
    clearInterval(this.poller);
  }
}
