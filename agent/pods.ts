// The pods of this node: a list + watch of pods with spec.nodeName=NAME, and
// one worker per pod that runs its containers through the runtime, honours
// restartPolicy with back-off, runs probes, reports status like the kubelet
// and carries out graceful deletion.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiStatusError, WatchExpired, watchOnce, type ApiClient, type KObject } from './api.ts';
import { RuntimeError, type ContainerInfo, type ContainerRuntime } from './runtime.ts';
import { ConfigError, containerEnv, expand } from './env.ts';
import { Prober, type ProbeKind, type ProbeResult, type ProbeTarget } from './probes.ts';
import { pullSecrets } from './pull-secrets.ts';
import { errMsg, log, warn } from './log.ts';
import { MountError, PodVolumes } from './volumes.ts';

export interface NodeContext {
  nodeName: string;
  address: string;
  api: ApiClient;
  runtime: ContainerRuntime;
  allocatable: Record<string, string>;
  /** Where pods' own volumes (emptyDir, configMap and secret copies) live, one directory per pod uid. */
  volumesDir: string;
}

const BACKOFF_INITIAL = 10;
const BACKOFF_MAX = 300;
/** A container that ran this long without failing starts its back-off over. */
const BACKOFF_RESET_MS = 2 * BACKOFF_MAX * 1000;
/** The pod's periodic sync: ConfigMaps that appeared, volume files whose sources changed, and so on. */
const RESYNC_MS = 10_000;
/** How soon after a failed pull the status moves from ErrImagePull to ImagePullBackOff. */
const PULL_BACKOFF_SHOWN_MS = 2000;
/** Grace for containers of a pod that vanished from the server (force-deleted). */
const MIN_GRACE = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** metav1.Time: RFC 3339 in seconds. */
const rfc3339 = (d: Date | string | number = new Date()) => new Date(d).toISOString().replace(/\.\d+Z$/, 'Z');
const podKey = (p: KObject) => `${p.metadata.namespace}/${p.metadata.name}`;
const rvNum = (p: KObject | undefined) => Number(p?.metadata?.resourceVersion ?? 0);

/** JSON with sorted keys, for comparing statuses. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as KObject)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as KObject)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

interface ContainerState {
  name: string;
  spec: KObject;
  init: boolean;
  /** The latest instance, and the one before it (the status's lastState). */
  current?: ContainerInfo;
  previous?: ContainerInfo;
  waiting?: { reason: string; message?: string };
  backoffSeconds: number;
  backoffUntil?: number;
  probes: Partial<Record<ProbeKind, Prober>>;
  /** The exited current instance will not be restarted (restartPolicy). */
  final: boolean;
  /** After a failed pull of `image`: no new pull before `until`. */
  pullBackoff?: { image: string; seconds: number; until: number; message: string };
}

function specHash(c: KObject): string {
  const { image, command, args, env, envFrom, workingDir } = c;
  return crypto.createHash('sha256').update(canonical({ image, command, args, env, envFrom, workingDir })).digest('hex').slice(0, 16);
}

export class PodWorker {
  pod: KObject;
  readonly uid: string;
  private containers = new Map<string, ContainerState>();
  private lastStatus?: KObject;
  private readonly volumes: PodVolumes;
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  gone = false;
  private terminating = false;
  private done = false;

  constructor(private readonly ctx: NodeContext, private readonly manager: PodManager, pod: KObject) {
    this.pod = pod;
    this.uid = pod.metadata.uid;
    this.volumes = new PodVolumes({ ...ctx, podIP: () => this.podIP() }, pod, path.join(ctx.volumesDir, this.uid));
    for (const [list, init] of [[pod.spec?.initContainers ?? [], true], [pod.spec?.containers ?? [], false]] as const) {
      for (const c of list) this.containers.set(c.name, { name: c.name, spec: c, init, backoffSeconds: 0, probes: {}, final: false });
    }
    // Containers a previous agent started for this pod: the newest instance is current.
    const mine = ctx.runtime.list().filter((i) => i.podUid === this.uid).sort((a, b) => a.attempt - b.attempt);
    for (const info of mine) {
      const st = this.containers.get(info.container);
      if (!st) { void ctx.runtime.remove(info.id); continue; }
      if (st.current) {
        if (st.previous) void ctx.runtime.remove(st.previous.id);
        st.previous = st.current;
      }
      st.current = info;
      if (info.state === 'running') this.startProbes(st);
    }
    this.resync = setInterval(() => {
      void this.volumes.refresh();
      this.kick();
    }, RESYNC_MS);
    this.resync.unref();
  }

  get key() {
    return podKey(this.pod);
  }

  /** A newer version of the pod from the server. */
  update(pod: KObject) {
    if (rvNum(pod) >= rvNum(this.pod)) {
      this.pod = pod;
      this.volumes.setPod(pod);
    }
    this.kick();
  }

  /** The pod is gone from the server (force deletion, or it left this node). */
  vanish() {
    this.gone = true;
    this.kick();
  }

  containerExited(info: ContainerInfo) {
    const st = this.containers.get(info.container);
    if (!st || st.current?.id !== info.id) return;
    st.current = info;
    this.stopProbes(st);
    const how = info.reason === 'StartError' ? `failed to start: ${info.message}` : `exited with code ${info.exitCode}${info.signal ? ` (signal ${info.signal})` : ''}`;
    log(`container ${this.key}/${st.name} ${how}`);
    this.kick();
  }

  kick(delayMs = 0) {
    if (this.done) return;
    if (delayMs > 0) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.kick(), delayMs);
      this.timer.unref?.();
      return;
    }
    if (this.running) { this.again = true; return; }
    this.running = true;
    void (async () => {
      try {
        do {
          this.again = false;
          try {
            await this.sync();
          } catch (e) {
            warn(`sync of pod ${this.key} failed: ${errMsg(e)}`);
            this.kick(2000);
          }
        } while (this.again && !this.done);
      } finally {
        this.running = false;
      }
    })();
  }

  // ---- the sync loop ------------------------------------------------------------

  private async sync() {
    if (this.done) return;
    if (this.gone) return this.cleanup(MIN_GRACE, false);
    if (this.pod.metadata.deletionTimestamp) return this.terminate();
    const policy: string = this.pod.spec?.restartPolicy ?? 'Always';
    // Init containers, in order; sidecars (restartPolicy Always) only need to have started (startup probe passed).
    let initialized = true;
    for (const st of this.list(true)) {
      const sidecar = st.spec.restartPolicy === 'Always';
      const cur = st.current;
      if (sidecar) {
        await this.ensure(st, 'Always');
        if (!this.started(st)) { initialized = false; break; }
        continue;
      }
      if (cur?.state === 'exited' && cur.exitCode === 0) continue;
      initialized = false;
      if (cur?.state === 'running') break;
      await this.ensure(st, policy === 'Never' ? 'Never' : 'OnFailure');
      break;
    }
    if (initialized && !this.initFailed()) {
      for (const st of this.list(false)) await this.ensure(st, policy);
    }
    await this.postStatus();
  }

  private list(init: boolean) {
    return [...this.containers.values()].filter((s) => s.init === init);
  }

  private initFailed(): boolean {
    return (this.pod.spec?.restartPolicy === 'Never') && this.list(true).some((s) => s.spec.restartPolicy !== 'Always' && s.final && s.current?.exitCode !== 0);
  }

  /** Brings one container to what its restart policy wants: started, restarted after back-off, or left alone. */
  private async ensure(st: ContainerState, policy: string) {
    const cur = st.current;
    if (cur?.state === 'running') {
      if (cur.specHash !== specHash(st.spec)) {
        log(`container ${this.key}/${st.name} changed; restarting it`);
        await this.ctx.runtime.stop(cur.id, this.pod.spec?.terminationGracePeriodSeconds ?? 30);
      }
      return;
    }
    if (cur?.state === 'exited') {
      const failed = cur.exitCode !== 0;
      const restart = policy === 'Always' || (policy === 'OnFailure' && failed);
      if (!restart) { st.final = true; st.waiting = undefined; return; }
      st.final = false;
      const finished = Date.parse(cur.finishedAt ?? '') || Date.now();
      const started = Date.parse(cur.startedAt ?? '') || finished;
      if (finished - started >= BACKOFF_RESET_MS) st.backoffSeconds = 0;
      if (st.backoffSeconds > 0) {
        const until = finished + st.backoffSeconds * 1000;
        if (Date.now() < until) {
          st.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${st.backoffSeconds}s restarting failed container=${st.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})` };
          if (st.backoffUntil !== until) {
            st.backoffUntil = until;
            log(`container ${this.key}/${st.name} in CrashLoopBackOff: restarting in ${Math.ceil((until - Date.now()) / 1000)}s`);
          }
          this.kick(until - Date.now() + 10);
          return;
        }
      }
      st.backoffSeconds = st.backoffSeconds === 0 ? BACKOFF_INITIAL : Math.min(BACKOFF_MAX, st.backoffSeconds * 2);
    }
    await this.start(st);
  }

  private async start(st: ContainerState) {
    const c = st.spec;
    const attempt = st.current ? st.current.attempt + 1 : 0;
    if (this.pullBackingOff(st)) return;
    let env: Record<string, string>;
    try {
      env = await containerEnv(
        { api: this.ctx.api, pod: this.pod, container: c, nodeName: this.ctx.nodeName, address: this.ctx.address, podIP: this.podIP(), allocatable: this.ctx.allocatable },
        this.ctx.runtime.baseEnv(this.pod),
      );
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (st.waiting?.message !== e.message) warn(`container ${this.key}/${st.name}: ${e.message}`);
      st.waiting = { reason: 'CreateContainerConfigError', message: e.message };
      this.kick(5000);
      return;
    }
    let mounts;
    try {
      mounts = await this.volumes.mounts(c);
    } catch (e) {
      if (!(e instanceof MountError)) throw e;
      if (st.waiting?.message !== e.message) warn(`container ${this.key}/${st.name}: unable to mount volumes: ${e.message}`);
      st.waiting = { reason: 'ContainerCreating', message: `Unable to attach or mount volumes: ${e.message}` };
      this.kick(2000);
      return;
    }
    const expanded = (list: unknown) => Array.isArray(list) && list.length ? list.map((s) => expand(String(s), env)) : undefined;
    let info: ContainerInfo;
    try {
      info = await this.ctx.runtime.start({
        pod: this.pod, spec: c, podUid: this.uid, namespace: this.pod.metadata.namespace, podName: this.pod.metadata.name, container: st.name,
        attempt, command: expanded(c.command), args: expanded(c.args), env, workingDir: c.workingDir || undefined, mounts,
        pullAuth: () => pullSecrets(this.ctx.api, this.pod), specHash: specHash(c),
      });
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      this.startFailed(st, e);
      return;
    }
    if (st.current) {
      if (st.previous) await this.ctx.runtime.remove(st.previous.id);
      st.previous = st.current;
    }
    st.current = info;
    st.waiting = undefined;
    st.backoffUntil = undefined;
    st.pullBackoff = undefined;
    const started = info.reason !== 'StartError';
    if (started) log(`started container ${this.key}/${st.name} (${info.containerID}${attempt ? `, restart ${attempt}` : ''})`);
    if (info.state === 'running') {
      this.startProbes(st);
    } else {
      // It exited (or failed to start) before start() returned: the exit event went by unnoticed.
      if (started) log(`container ${this.key}/${st.name} exited with code ${info.exitCode}`);
      else log(`container ${this.key}/${st.name} failed to start: ${info.message ?? info.reason}`);
      this.kick();
    }
  }

  /**
   * A container the runtime could not make: its reason becomes the waiting
   * reason, retried. A failed pull backs off per image as the kubelet's
   * puller does (10 s doubling to 5 min), shown as ImagePullBackOff.
   */
  private startFailed(st: ContainerState, e: RuntimeError) {
    if (st.waiting?.message !== e.message) warn(`container ${this.key}/${st.name}: ${e.reason}: ${e.message}`);
    st.waiting = { reason: e.reason, message: e.message };
    if (e.reason !== 'ErrImagePull') return this.kick(BACKOFF_INITIAL * 1000);
    const image = String(st.spec.image ?? '');
    const prev = st.pullBackoff?.image === image ? st.pullBackoff.seconds : 0;
    const seconds = prev ? Math.min(BACKOFF_MAX, prev * 2) : BACKOFF_INITIAL;
    st.pullBackoff = { image, seconds, until: Date.now() + seconds * 1000, message: `${e.reason}: ${e.message}` };
    // The next sync shows the back-off, as the kubelet's does after a failed pull.
    this.kick(PULL_BACKOFF_SHOWN_MS);
  }

  /** Still backing off from a failed pull of this container's image: waits in ImagePullBackOff. */
  private pullBackingOff(st: ContainerState): boolean {
    const b = st.pullBackoff;
    if (!b || b.image !== String(st.spec.image ?? '') || Date.now() >= b.until) return false;
    st.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image ${JSON.stringify(b.image)}: ${b.message}` };
    this.kick(b.until - Date.now() + 10);
    return true;
  }

  // ---- probes -------------------------------------------------------------------

  private startProbes(st: ContainerState) {
    this.stopProbes(st);
    const c = st.spec;
    const ports = new Map<string, number>();
    for (const p of c.ports ?? []) if (p.name) ports.set(p.name, p.containerPort);
    const target = (): ProbeTarget => ({
      host: this.podIP(), ports,
      exec: (cmd, timeoutSeconds) => st.current ? this.ctx.runtime.exec(st.current.id, cmd, timeoutSeconds) : Promise.resolve({ exitCode: 1, output: 'the container is not running' }),
    });
    const changed = (p: Prober, last: ProbeResult) => {
      if (p.kind === 'liveness' && !p.result) {
        log(`container ${this.key}/${st.name} failed its liveness probe (${last.message}); it will be restarted`);
        const id = st.current?.id;
        if (id) void this.ctx.runtime.stop(id, c.livenessProbe?.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30);
        p.reset();
        return;
      }
      if (p.kind === 'startup' && !p.result && p.probe && st.current) {
        log(`container ${this.key}/${st.name} failed its startup probe (${last.message}); it will be restarted`);
        void this.ctx.runtime.stop(st.current.id, this.pod.spec?.terminationGracePeriodSeconds ?? 30);
        return;
      }
      if (p.kind === 'startup' && p.result) {
        // Readiness and liveness start once the startup probe passed.
        if (c.readinessProbe) st.probes.readiness ??= new Prober('readiness', c.readinessProbe, target, changed, failed);
        if (c.livenessProbe) st.probes.liveness ??= new Prober('liveness', c.livenessProbe, target, changed, failed);
      }
      this.kick();
    };
    const failed = (p: Prober, r: ProbeResult) => {
      log(`${p.kind[0].toUpperCase()}${p.kind.slice(1)} probe failed for ${this.key}/${st.name}: ${r.message}`);
    };
    if (c.startupProbe) st.probes.startup = new Prober('startup', c.startupProbe, target, changed, failed);
    else {
      if (c.readinessProbe) st.probes.readiness = new Prober('readiness', c.readinessProbe, target, changed, failed);
      if (c.livenessProbe) st.probes.liveness = new Prober('liveness', c.livenessProbe, target, changed, failed);
    }
  }

  private stopProbes(st: ContainerState) {
    for (const p of Object.values(st.probes)) p?.stop();
    st.probes = {};
  }

  // ---- status ------------------------------------------------------------------

  private started(st: ContainerState): boolean {
    if (st.current?.state !== 'running') return false;
    return st.spec.startupProbe ? !!st.probes.startup?.result : true;
  }

  private ready(st: ContainerState): boolean {
    if (!this.started(st)) return false;
    return st.spec.readinessProbe ? !!st.probes.readiness?.result : true;
  }

  private terminated(info: ContainerInfo): KObject {
    return {
      exitCode: info.exitCode ?? 0,
      ...(info.signal ? { signal: info.signal } : {}),
      reason: info.reason ?? (info.exitCode === 0 ? 'Completed' : 'Error'),
      ...(info.message ? { message: info.message } : {}),
      startedAt: info.startedAt ? rfc3339(info.startedAt) : null,
      finishedAt: rfc3339(info.finishedAt ?? Date.now()),
      containerID: info.containerID,
    };
  }

  private containerStatus(st: ContainerState, terminal: boolean): KObject {
    const cur = st.current;
    let state: KObject;
    let last: KObject = {};
    if (cur?.state === 'running') {
      state = { running: { startedAt: rfc3339(cur.startedAt ?? Date.now()) } };
      if (st.previous) last = { terminated: this.terminated(st.previous) };
    } else if (cur?.state === 'exited' && (st.final || terminal || !st.waiting)) {
      state = { terminated: this.terminated(cur) };
      if (st.previous) last = { terminated: this.terminated(st.previous) };
    } else if (cur?.state === 'exited') {
      state = { waiting: { ...st.waiting } };
      last = { terminated: this.terminated(cur) };
    } else {
      state = { waiting: st.waiting ? { ...st.waiting } : { reason: terminal ? 'PodCompleted' : 'ContainerCreating' } };
    }
    const s = st.spec;
    return {
      name: st.name,
      state,
      lastState: last,
      ready: !terminal && this.ready(st),
      restartCount: cur?.attempt ?? 0,
      image: s.image ?? '',
      imageID: cur?.imageID ?? '',
      ...(cur ? { containerID: cur.containerID } : {}),
      started: !terminal && this.started(st),
    };
  }

  /** kubelet getPhase. */
  private phase(statuses: KObject[], initStatuses: KObject[], terminal: boolean): string {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    const inits = this.list(true).filter((s) => s.spec.restartPolicy !== 'Always');
    const initDone = inits.every((s) => s.current?.state === 'exited' && s.current.exitCode === 0);
    if (this.initFailed()) return 'Failed';
    let waiting = 0, running = 0, stopped = 0, succeeded = 0;
    for (const cs of statuses) {
      if (cs.state.running) running++;
      else if (cs.state.terminated) { stopped++; if (cs.state.terminated.exitCode === 0) succeeded++; }
      else if (cs.state.waiting) { if (cs.lastState?.terminated) stopped++; else waiting++; }
    }
    if (!initDone && !terminal && initStatuses.length) return 'Pending';
    if (waiting > 0 && !terminal) return 'Pending';
    if (running > 0 && !terminal) return 'Running';
    if (terminal) return succeeded === statuses.length ? 'Succeeded' : 'Failed';
    if (stopped > 0 && running === 0) {
      if (policy === 'Always') return 'Running';
      if (stopped === succeeded) return 'Succeeded';
      if (policy === 'Never') return 'Failed';
      return 'Running';
    }
    return 'Pending';
  }

  /** The status to report; `terminal` once the pod is being deleted and its containers stopped. */
  computeStatus(terminal = false): KObject {
    const old = this.pod.status ?? {};
    const now = rfc3339();
    const mains = this.list(false);
    const inits = this.list(true);
    const containerStatuses = mains.map((s) => this.containerStatus(s, terminal));
    const initContainerStatuses = inits.map((s) => this.containerStatus(s, terminal));
    let phase = this.phase(containerStatuses, initContainerStatuses, terminal);
    if ((old.phase === 'Succeeded' || old.phase === 'Failed') && phase !== old.phase) phase = old.phase; // terminal phases stick
    const done = phase === 'Succeeded' || phase === 'Failed';
    const unready = mains.filter((s) => !this.ready(s)).map((s) => s.name);
    const incomplete = inits.filter((s) => s.spec.restartPolicy === 'Always' ? !this.started(s) : !(s.current?.state === 'exited' && s.current.exitCode === 0)).map((s) => s.name);
    const gates: KObject[] = this.pod.spec?.readinessGates ?? [];
    const oldConds: KObject[] = old.conditions ?? [];
    const gatesOk = gates.every((g) => oldConds.some((c) => c.type === g.conditionType && c.status === 'True'));
    const cond = (type: string, ok: boolean, reason?: string, message?: string): KObject => {
      const prev = oldConds.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      return {
        type, status, lastProbeTime: null,
        lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
        ...(ok ? {} : { ...(reason ? { reason } : {}), ...(message ? { message } : {}) }),
      };
    };
    const ctrReady = !done && unready.length === 0;
    const owned = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    const conditions = [
      cond('PodReadyToStartContainers', !terminal),
      cond('Initialized', incomplete.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
      cond('Ready', ctrReady && gatesOk, done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${unready.join(' ')}]`),
      cond('ContainersReady', ctrReady, done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${unready.join(' ')}]`),
      oldConds.find((c) => c.type === 'PodScheduled' && c.status === 'True') ?? cond('PodScheduled', true),
      ...oldConds.filter((c) => !owned.includes(c.type)),
    ];
    if (!ctrReady && !done && !gatesOk && unready.length === 0) conditions[2].reason = 'ReadinessGatesNotReady';
    const hostIP = this.ctx.address;
    const podIP = this.podIP();
    return {
      ...old,
      phase,
      conditions,
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: old.startTime ?? now,
      ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
      containerStatuses,
    };
  }

  /** Writes the status through pods/{name}/status when it changed, retrying on conflicts with the latest pod. */
  private async postStatus(terminal = false) {
    for (let attempt = 0; attempt < 6; attempt++) {
      const status = this.computeStatus(terminal);
      if (canonical(status) === canonical(this.pod.status ?? {})) { this.lastStatus = status; return; }
      const path = `/api/v1/namespaces/${encodeURIComponent(this.pod.metadata.namespace)}/pods/${encodeURIComponent(this.pod.metadata.name)}/status`;
      const before = this.pod.status?.phase;
      try {
        const updated = await this.ctx.api.put(path, { ...this.pod, status });
        if (rvNum(updated) >= rvNum(this.pod)) this.pod = updated;
        this.lastStatus = status;
        if (before !== status.phase) log(`pod ${this.key} is ${status.phase}`);
        return;
      } catch (e) {
        if (e instanceof ApiStatusError && e.code === 409) {
          const fresh = await this.ctx.api.getOptional(path.slice(0, -'/status'.length));
          if (!fresh || fresh.metadata.uid !== this.uid) { this.gone = true; return; }
          this.pod = fresh;
          continue;
        }
        if (e instanceof ApiStatusError && e.code === 404) { this.gone = true; this.kick(); return; }
        throw e;
      }
    }
  }

  // ---- deletion -----------------------------------------------------------------

  private async stopAll(graceSeconds: number) {
    for (const st of this.containers.values()) this.stopProbes(st);
    const running = [...this.containers.values()].filter((s) => s.current?.state === 'running');
    // Main containers first, then sidecars and init containers, as the kubelet orders it.
    await Promise.all(running.filter((s) => !s.init).map((s) => this.ctx.runtime.stop(s.current!.id, graceSeconds)));
    await Promise.all(running.filter((s) => s.init).map((s) => this.ctx.runtime.stop(s.current!.id, Math.min(graceSeconds, MIN_GRACE))));
    for (const st of running) {
      const info = this.ctx.runtime.status(st.current!.id);
      if (info) st.current = info;
    }
  }

  /** Graceful deletion: SIGTERM, the grace period, SIGKILL; the final status; then DELETE with grace 0. */
  private async terminate() {
    if (this.terminating) return;
    this.terminating = true;
    const m = this.pod.metadata;
    const grace = Math.max(0, m.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30);
    const anyRunning = [...this.containers.values()].some((s) => s.current?.state === 'running');
    if (anyRunning) log(`stopping pod ${this.key} (grace period ${grace}s)`);
    await this.stopAll(grace);
    try {
      await this.postStatus(true);
    } catch (e) {
      warn(`final status of pod ${this.key}: ${errMsg(e)}`);
    }
    try {
      await this.ctx.api.delete(`/api/v1/namespaces/${encodeURIComponent(m.namespace)}/pods/${encodeURIComponent(m.name)}`, {
        kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: this.uid },
      });
      log(`pod ${this.key} stopped and deleted`);
    } catch (e) {
      if (!(e instanceof ApiStatusError && (e.code === 404 || e.code === 409))) {
        warn(`deleting pod ${this.key}: ${errMsg(e)}; will retry`);
        this.terminating = false;
        this.kick(2000);
        return;
      }
    }
    await this.cleanup(0, true);
  }

  private async cleanup(graceSeconds: number, stopped: boolean) {
    if (!stopped) {
      const anyRunning = [...this.containers.values()].some((s) => s.current?.state === 'running');
      if (anyRunning) log(`pod ${this.key} is gone from the server; stopping its containers`);
      await this.stopAll(graceSeconds);
    }
    this.done = true;
    clearTimeout(this.timer);
    clearInterval(this.resync);
    await this.ctx.runtime.removePod(this.uid);
    this.volumes.remove();
    this.manager.forget(this);
  }

  // ---- for the kubelet API --------------------------------------------------------

  /** The pod's own IP when its sandbox has a network of its own, else the node's. */
  podIP(): string {
    return this.ctx.runtime.podIP(this.uid) ?? this.ctx.address;
  }

  /** The pod with its latest local status, for /pods. */
  view(): KObject {
    return { ...this.pod, status: this.lastStatus ?? this.pod.status };
  }

  container(name: string): { spec: KObject; current?: ContainerInfo; previous?: ContainerInfo; waiting?: { reason: string; message?: string } } | undefined {
    const st = this.containers.get(name);
    return st && { spec: st.spec, current: st.current, previous: st.previous, waiting: st.waiting };
  }
}

export class PodManager {
  private workers = new Map<string, PodWorker>();
  private stopped = false;
  private abort = new AbortController();

  constructor(private readonly ctx: NodeContext) {
    ctx.runtime.onExit((info) => this.workers.get(info.podUid)?.containerExited(info));
  }

  forget(w: PodWorker) {
    if (this.workers.get(w.uid) === w) this.workers.delete(w.uid);
  }

  pods(): KObject[] {
    return [...this.workers.values()].map((w) => w.view());
  }

  find(namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) if (w.pod.metadata.namespace === namespace && w.pod.metadata.name === name) return w;
    return undefined;
  }

  private upsert(pod: KObject) {
    if (pod.spec?.nodeName !== this.ctx.nodeName) return this.workers.get(pod.metadata.uid)?.vanish();
    const w = this.workers.get(pod.metadata.uid);
    if (w) return w.update(pod);
    // A terminal pod the agent never ran (or already cleaned) needs nothing.
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && !pod.metadata.deletionTimestamp && !this.ctx.runtime.list().some((i) => i.podUid === pod.metadata.uid)) return;
    const known = this.ctx.runtime.list().some((i) => i.podUid === pod.metadata.uid);
    const nw = new PodWorker(this.ctx, this, pod);
    this.workers.set(nw.uid, nw);
    if (!pod.metadata.deletionTimestamp) log(known ? `resuming pod ${nw.key} (containers from a previous agent)` : `pod ${nw.key} assigned to this node`);
    nw.kick();
  }

  private reconcile(items: KObject[]) {
    const seen = new Set(items.map((p) => p.metadata.uid));
    for (const w of this.workers.values()) if (!seen.has(w.uid)) w.vanish();
    for (const p of items) this.upsert(p);
  }

  /** Containers from a previous agent whose pods are gone: stopped and removed. */
  private async cleanupOrphans() {
    const orphans = this.ctx.runtime.list().filter((i) => !this.workers.has(i.podUid));
    for (const i of orphans) {
      if (i.state === 'running') {
        log(`stopping orphaned container ${i.namespace}/${i.podName}/${i.container} (${i.containerID}): its pod is gone`);
        await this.ctx.runtime.stop(i.id, MIN_GRACE);
      }
    }
    // Pods the runtime still holds something of (containers, or only a sandbox).
    for (const uid of new Set([...orphans.map((i) => i.podUid), ...this.ctx.runtime.podUids()])) {
      if (!this.workers.has(uid)) await this.ctx.runtime.removePod(uid);
    }
    // The volumes of pods that went away while the agent was down.
    const dirs = fs.existsSync(this.ctx.volumesDir) ? fs.readdirSync(this.ctx.volumesDir, { withFileTypes: true }) : [];
    for (const uid of dirs.filter((d) => d.isDirectory()).map((d) => d.name)) {
      if (!this.workers.has(uid)) fs.rmSync(path.join(this.ctx.volumesDir, uid), { recursive: true, force: true });
    }
  }

  /** List, then watch from the list's resourceVersion, resuming from the last one seen; relist on 410. */
  async run() {
    const path = `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${this.ctx.nodeName}`)}`;
    let rv = '';
    let first = true;
    let delay = 1000;
    while (!this.stopped) {
      try {
        if (!rv) {
          const list = await this.ctx.api.get(path);
          this.reconcile(list.items ?? []);
          rv = list.metadata?.resourceVersion ?? '';
          if (first) { first = false; await this.cleanupOrphans(); }
        }
        await watchOnce(this.ctx.api, path, rv, (ev) => {
          const objRv = ev.object?.metadata?.resourceVersion;
          if (objRv) rv = objRv;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.upsert(ev.object);
          else if (ev.type === 'DELETED') this.workers.get(ev.object?.metadata?.uid)?.vanish();
        }, this.abort.signal, () => {
          if (delay > 1000) log('pod watch resumed');
          delay = 1000;
        });
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof WatchExpired) {
          log(`pod watch expired (${e.message}); relisting`);
          rv = '';
          continue;
        }
        if (e instanceof ApiStatusError) rv = '';
        warn(`pod watch: ${errMsg(e)}; retrying in ${delay / 1000}s`);
        await sleep(delay);
        delay = Math.min(30_000, delay * 2);
      }
    }
  }

  stop() {
    this.stopped = true;
    this.abort.abort();
  }
}
