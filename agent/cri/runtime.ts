// The CRI runtime: containers from images, one pod sandbox per pod, through
// any CRI runtime.v1 endpoint (containerd here). Runtime state lives in the
// runtime: sandboxes and containers carry the kubelet's labels (pod uid,
// name, namespace, container name) plus the node's, so a restarted agent
// lists them and adopts what runs without restarting it. Exits are found by
// polling ListContainers (containerd 1.6 has no container events over CRI).
import fs from 'node:fs';
import path from 'node:path';
import type { KObject } from '../api.ts';
import { errMsg, log, warn } from '../log.ts';
import { RuntimeError, type ContainerConfig, type ContainerInfo, type ContainerRuntime, type ExecResult, type NodeImage, type StreamOptions } from '../runtime.ts';
import type { StreamProcess } from '../streaming/remotecommand.ts';
import type { ContainerUsage } from '../usage.ts';
import { criStream } from './streams.ts';
import { CriClient, CriError, GrpcStatus, type Msg } from './client.ts';
import {
  ANNOTATION_HASH, LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
  containerConfig, hostNetwork, sandboxConfig, type SandboxOptions,
} from './config.ts';
import { authFor, parseImage, pullPolicy } from './image.ts';
import { DEFAULT_IMAGE_GC, ImageGC, type ImageGCPolicy } from './image-gc.ts';

const POLL_MS = 1000;
/** A pull can take minutes on a slow registry. */
const PULL_TIMEOUT_MS = 10 * 60_000;
/** CRI times are nanoseconds since the epoch. */
const nsToIso = (ns: number) => (ns > 0 ? new Date(ns / 1e6).toISOString() : undefined);

interface Sandbox {
  id: string;
  ip?: string;
  /** The pod's sandbox number: a sandbox that dies is replaced by the next. */
  attempt: number;
}

export interface CriOptions {
  endpoint: string;
  nodeName: string;
  stateDir: string;
  /** Pods get their own network namespace through the runtime's CNI (else the node's network). */
  podNetwork: boolean;
  imageGC?: ImageGCPolicy;
}

export class CriRuntime implements ContainerRuntime {
  readonly name: string;
  readonly runtimeVersion: string;
  private readonly infos = new Map<string, ContainerInfo>();
  private readonly sandboxes = new Map<string, Sandbox>();
  /** Sandboxes being made, so that two containers of a pod starting at once share one. */
  private readonly pendingSandboxes = new Map<string, Promise<Sandbox>>();
  /** For pods whose sandbox died: the attempt number of the one that replaces it. */
  private readonly nextSandboxAttempt = new Map<string, number>();
  private readonly listeners: ((info: ContainerInfo) => void)[] = [];
  private readonly logDir: string;
  private poller?: NodeJS.Timeout;
  private polling = false;
  private readonly imageGC: ImageGC;

  private constructor(private readonly client: CriClient, private readonly o: CriOptions, version: Msg) {
    this.name = String(version.runtime_name);
    this.runtimeVersion = `${version.runtime_name}://${version.runtime_version}`;
    this.logDir = path.join(o.stateDir, 'logs');
    this.imageGC = new ImageGC(client, o.imageGC ?? DEFAULT_IMAGE_GC);
  }

  /** Connects, checks the API version and adopts this node's sandboxes and containers. */
  static async connect(o: CriOptions): Promise<CriRuntime> {
    const client = new CriClient(o.endpoint);
    let version: Msg;
    try {
      version = await client.rt('Version', { version: 'v1' }, 10_000);
    } catch (e) {
      client.close();
      throw new Error(`the CRI runtime at ${o.endpoint} does not answer: ${errMsg(e)}`);
    }
    if (version.runtime_api_version !== 'v1') {
      client.close();
      throw new Error(`the CRI runtime at ${o.endpoint} speaks ${version.runtime_api_version}, not v1`);
    }
    const rt = new CriRuntime(client, o, version);
    await rt.adopt();
    rt.poller = setInterval(() => void rt.poll(), POLL_MS);
    rt.poller.unref();
    rt.imageGC.start();
    log(`container runtime ${rt.runtimeVersion} (CRI ${version.runtime_api_version}) at ${o.endpoint}`);
    return rt;
  }

  private sandboxOptions(pod: KObject): SandboxOptions {
    return {
      nodeName: this.o.nodeName, podNetwork: this.o.podNetwork,
      logDirectory: path.join(this.logDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`),
    };
  }

  private async adopt() {
    const mine = { label_selector: { [LABEL_NODE]: this.o.nodeName } };
    const { items = [] } = await this.client.rt('ListPodSandbox', { filter: mine });
    for (const s of items) {
      const uid = s.labels?.[LABEL_POD_UID];
      if (!uid) continue;
      if (s.state !== 'SANDBOX_READY' || this.sandboxes.has(uid)) {
        // A sandbox that died (or a second one for the pod) is of no use; its pod gets a new one.
        await this.removeSandbox(s.id);
        continue;
      }
      this.sandboxes.set(uid, { id: s.id, ip: await this.sandboxIP(s.id), attempt: Number(s.metadata?.attempt ?? 0) });
    }
    const { containers = [] } = await this.client.rt('ListContainers', { filter: mine });
    for (const c of containers) {
      const uid = c.labels?.[LABEL_POD_UID];
      if (!uid || !this.sandboxes.has(uid) || this.sandboxes.get(uid)!.id !== c.pod_sandbox_id || c.state === 'CONTAINER_CREATED') {
        await this.client.rt('RemoveContainer', { container_id: c.id }).catch(() => undefined);
        continue;
      }
      const info = await this.readStatus(c.id);
      if (!info) continue;
      if (info.state === 'running') log(`adopted container ${info.namespace}/${info.podName}/${info.container} (${info.containerID}) from a previous agent`);
    }
  }

  list(): ContainerInfo[] {
    return [...this.infos.values()].map((i) => ({ ...i }));
  }

  status(id: string): ContainerInfo | undefined {
    const i = this.infos.get(id);
    return i ? { ...i } : undefined;
  }

  onExit(cb: (info: ContainerInfo) => void) {
    this.listeners.push(cb);
  }

  /** The image's own environment (PATH and so on) comes from the runtime, not from here. */
  baseEnv(): Record<string, string> {
    return {};
  }

  podIP(podUid: string): string | undefined {
    return this.sandboxes.get(podUid)?.ip;
  }

  async images(): Promise<NodeImage[]> {
    const { images = [] } = await this.client.img('ListImages', {}, 10_000);
    return images.map((i: Msg) => ({ names: [...(i.repo_digests ?? []), ...(i.repo_tags ?? [])], sizeBytes: Number(i.size ?? 0) }));
  }

  async start(cfg: ContainerConfig): Promise<ContainerInfo> {
    let ref;
    try {
      ref = parseImage(String(cfg.spec.image ?? ''));
    } catch (e) {
      throw new RuntimeError('InvalidImageName', errMsg(e));
    }
    const sandbox = await this.sandbox(cfg.pod);
    const options = this.sandboxOptions(cfg.pod);
    const sandboxConfig_ = sandboxConfig(cfg.pod, options, sandbox.attempt);
    const image = await this.ensureImage(cfg, ref, sandboxConfig_);
    let id: string;
    try {
      const config = containerConfig(cfg, image, hostNetwork(cfg.pod, options), this.o.nodeName);
      ({ container_id: id } = await this.client.rt('CreateContainer', { pod_sandbox_id: sandbox.id, config, sandbox_config: sandboxConfig_ }));
    } catch (e) {
      throw new RuntimeError('CreateContainerError', errMsg(e));
    }
    try {
      await this.client.rt('StartContainer', { container_id: id });
    } catch (e) {
      // The runtime records the failure on the container (StartError, exit code 128); the worker's restarts take it from there.
      const info = await this.readStatus(id);
      if (info?.state === 'exited') return { ...info };
      await this.client.rt('RemoveContainer', { container_id: id }).catch(() => undefined);
      this.infos.delete(id);
      throw new RuntimeError('RunContainerError', errMsg(e));
    }
    const info = await this.readStatus(id);
    if (!info) throw new RuntimeError('RunContainerError', `container ${id} vanished after it started`);
    return { ...info };
  }

  /** The pod's sandbox, made on its first container. */
  private sandbox(pod: KObject): Promise<Sandbox> {
    const uid = pod.metadata.uid;
    const known = this.sandboxes.get(uid);
    if (known) return Promise.resolve(known);
    let pending = this.pendingSandboxes.get(uid);
    if (!pending) {
      pending = (async () => {
        const attempt = this.nextSandboxAttempt.get(uid) ?? 0;
        const config = sandboxConfig(pod, this.sandboxOptions(pod), attempt);
        fs.mkdirSync(config.log_directory, { recursive: true });
        let id: string;
        try {
          // The runtime's default handler: RuntimeClass handlers are not looked up (yet).
          ({ pod_sandbox_id: id } = await this.client.rt('RunPodSandbox', { config, runtime_handler: '' }));
        } catch (e) {
          throw new RuntimeError('ContainerCreating', `Failed to create pod sandbox: ${errMsg(e)}`);
        }
        const sb = { id, ip: await this.sandboxIP(id), attempt };
        this.sandboxes.set(uid, sb);
        log(`pod sandbox for ${pod.metadata.namespace}/${pod.metadata.name} is ${id.slice(0, 13)}${sb.ip ? ` (IP ${sb.ip})` : ' (node network)'}`);
        return sb;
      })().finally(() => this.pendingSandboxes.delete(uid));
      this.pendingSandboxes.set(uid, pending);
    }
    return pending;
  }

  private async sandboxIP(id: string): Promise<string | undefined> {
    try {
      const { status } = await this.client.rt('PodSandboxStatus', { pod_sandbox_id: id });
      const ns = status?.linux?.namespaces?.options?.network;
      return status?.network?.ip && ns !== 'NODE' ? String(status.network.ip) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Makes the image present as the pull policy asks; the image reference to create the container from. */
  private async ensureImage(cfg: ContainerConfig, ref: ReturnType<typeof parseImage>, sandboxConfig_: Msg): Promise<string> {
    const policy = pullPolicy(cfg.spec, ref);
    if (policy !== 'Always') {
      const { image } = await this.client.img('ImageStatus', { image: { image: ref.ref } });
      if (image?.id) return String(image.id);
      if (policy === 'Never') {
        throw new RuntimeError('ErrImageNeverPull', `Container image ${JSON.stringify(cfg.spec.image)} is not present with pull policy of Never`);
      }
    }
    const auths = authFor(ref, await cfg.pullAuth());
    let last: unknown;
    // Each credential for the registry in turn, then none, as the kubelet's keyring does.
    for (const a of [...auths, undefined]) {
      try {
        log(`pulling image ${JSON.stringify(ref.ref)}${a ? ` with the credentials for ${a.serverAddress}` : ''}`);
        const started = Date.now();
        // The credentials were chosen for this image's registry already; containerd compares a server_address
        // with the registry host and drops a mismatch, and dockercfg keys ("https://index.docker.io/v1/") never match.
        const auth = a && { username: a.username ?? '', password: a.password ?? '', auth: a.auth ?? '', server_address: '', identity_token: a.identityToken ?? '', registry_token: a.registryToken ?? '' };
        const { image_ref } = await this.client.img('PullImage', { image: { image: ref.ref }, auth, sandbox_config: sandboxConfig_ }, PULL_TIMEOUT_MS);
        log(`pulled image ${JSON.stringify(ref.ref)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        return String(image_ref);
      } catch (e) {
        last = e;
      }
    }
    const detail = last instanceof CriError ? `rpc error: code = ${GrpcStatus[last.code]} desc = ${last.details}` : errMsg(last);
    throw new RuntimeError('ErrImagePull', `Failed to pull image ${JSON.stringify(cfg.spec.image)}: ${detail}`);
  }

  /** Reads a container's status into the cache; emits its exit when it just ended. */
  private async readStatus(id: string): Promise<ContainerInfo | undefined> {
    let status: Msg | undefined;
    try {
      ({ status } = await this.client.rt('ContainerStatus', { container_id: id }));
    } catch (e) {
      if (e instanceof CriError && e.code === GrpcStatus.NOT_FOUND) {
        this.infos.delete(id);
        return undefined;
      }
      throw e;
    }
    if (!status) return undefined;
    const labels = status.labels ?? {};
    const prev = this.infos.get(id);
    const running = status.state === 'CONTAINER_RUNNING' || status.state === 'CONTAINER_CREATED';
    const info: ContainerInfo = {
      id, containerID: `${this.name}://${id}`, imageID: String(status.image_ref ?? ''),
      podUid: labels[LABEL_POD_UID] ?? '', namespace: labels[LABEL_POD_NAMESPACE] ?? '', podName: labels[LABEL_POD_NAME] ?? '',
      container: labels[LABEL_CONTAINER_NAME] ?? status.metadata?.name ?? '', attempt: Number(status.metadata?.attempt ?? 0),
      specHash: status.annotations?.[ANNOTATION_HASH] ?? '',
      state: running ? 'running' : 'exited',
      startedAt: nsToIso(Number(status.started_at)),
      logPath: String(status.log_path ?? ''),
      ...(running ? {} : {
        finishedAt: nsToIso(Number(status.finished_at)) ?? new Date().toISOString(),
        exitCode: Number(status.exit_code ?? 0),
        reason: status.reason || undefined,
        message: status.message || undefined,
      }),
    };
    this.infos.set(id, info);
    if (info.state === 'exited' && prev?.state === 'running') this.emitExit(info);
    return info;
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const info = this.infos.get(id);
    if (!info || info.state !== 'running') return;
    try {
      await this.client.rt('StopContainer', { container_id: id, timeout: Math.max(0, Math.floor(graceSeconds)) }, (graceSeconds + 30) * 1000);
    } catch (e) {
      if (!(e instanceof CriError && e.code === GrpcStatus.NOT_FOUND)) warn(`stopping container ${id.slice(0, 13)}: ${errMsg(e)}`);
    }
    await this.readStatus(id);
  }

  async exec(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    try {
      const r = await this.client.rt('ExecSync', { container_id: id, cmd, timeout: timeoutSeconds }, (timeoutSeconds + 10) * 1000);
      const output = Buffer.concat([Buffer.from(r.stdout ?? []), Buffer.from(r.stderr ?? [])]).toString('utf8');
      return { exitCode: Number(r.exit_code ?? 0), output };
    } catch (e) {
      const timedOut = e instanceof CriError && (e.code === GrpcStatus.DEADLINE_EXCEEDED || /timeout/i.test(e.details));
      return { exitCode: 1, output: errMsg(e), timedOut };
    }
  }

  /** CRI ContainerStats: the runtime reads the container's cgroup. */
  async usage(id: string): Promise<ContainerUsage | undefined> {
    if (this.infos.get(id)?.state !== 'running') return undefined;
    try {
      const { stats } = await this.client.rt('ContainerStats', { container_id: id }, 10_000);
      const cpu = stats?.cpu?.usage_core_nano_seconds?.value;
      if (cpu === undefined || cpu === null) return undefined;
      return { cpuCoreNanoSeconds: Number(cpu), workingSetBytes: Number(stats.memory?.working_set_bytes?.value ?? 0) };
    } catch (e) {
      warn(`no stats for container ${id}: ${errMsg(e)}`);
      return undefined;
    }
  }

  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamProcess> {
    return criStream(this.client, 'Exec', id, cmd, opts);
  }

  attachStream(id: string, opts: StreamOptions): Promise<StreamProcess> {
    return criStream(this.client, 'Attach', id, [], opts);
  }

  async remove(id: string): Promise<void> {
    this.infos.delete(id);
    await this.client.rt('RemoveContainer', { container_id: id }).catch((e) => {
      if (!(e instanceof CriError && e.code === GrpcStatus.NOT_FOUND)) warn(`removing container ${id.slice(0, 13)}: ${errMsg(e)}`);
    });
  }

  async removePod(podUid: string): Promise<void> {
    let logDir: string | undefined;
    for (const info of [...this.infos.values()].filter((i) => i.podUid === podUid)) {
      if (info.logPath) logDir = path.dirname(path.dirname(info.logPath));
      await this.remove(info.id);
    }
    const sb = this.sandboxes.get(podUid);
    this.sandboxes.delete(podUid);
    this.nextSandboxAttempt.delete(podUid);
    if (sb) await this.removeSandbox(sb.id);
    if (logDir?.startsWith(this.logDir)) fs.rmSync(logDir, { recursive: true, force: true });
  }

  private async removeSandbox(id: string) {
    try {
      await this.client.rt('StopPodSandbox', { pod_sandbox_id: id });
      await this.client.rt('RemovePodSandbox', { pod_sandbox_id: id });
    } catch (e) {
      if (!(e instanceof CriError && e.code === GrpcStatus.NOT_FOUND)) warn(`removing pod sandbox ${id.slice(0, 13)}: ${errMsg(e)}`);
    }
  }

  /** Finds containers that stopped running, and sandboxes that died. */
  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.checkSandboxes();
      const { containers = [] } = await this.client.rt('ListContainers', { filter: { label_selector: { [LABEL_NODE]: this.o.nodeName } } }, 10_000);
      const states = new Map<string, string>(containers.map((c: Msg) => [c.id, c.state]));
      for (const [id, info] of this.infos) {
        if (info.state !== 'running') continue;
        const s = states.get(id);
        if (s === 'CONTAINER_RUNNING') continue;
        if (s === undefined) {
          // Removed behind the agent's back: it is not running any more, and its exit is unknown.
          this.infos.delete(id);
          this.emitExit({ ...info, state: 'exited', exitCode: 137, finishedAt: new Date().toISOString(), reason: 'Error', message: 'the container is gone from the runtime' });
          continue;
        }
        await this.readStatus(id);
      }
    } catch (e) {
      warn(`listing containers: ${errMsg(e)}`);
    } finally {
      this.polling = false;
    }
  }

  /**
   * A sandbox that is no longer ready (its pause process died, its network
   * went away) takes the pod's containers with it, as the kubelet has it:
   * they are stopped and the sandbox removed; the pod's next container start
   * makes a new sandbox (the next attempt), and restart policies decide what
   * starts again.
   */
  private async checkSandboxes() {
    if (!this.sandboxes.size) return;
    const { items = [] } = await this.client.rt('ListPodSandbox', { filter: { label_selector: { [LABEL_NODE]: this.o.nodeName } } }, 10_000);
    const ready = new Set(items.filter((s: Msg) => s.state === 'SANDBOX_READY').map((s: Msg) => s.id));
    for (const [uid, sb] of [...this.sandboxes]) {
      if (ready.has(sb.id)) continue;
      const mine = [...this.infos.values()].filter((i) => i.podUid === uid);
      log(`pod sandbox ${sb.id.slice(0, 13)} of ${mine[0] ? `${mine[0].namespace}/${mine[0].podName}` : `pod ${uid}`} is not ready; stopping its containers, a new sandbox follows`);
      this.sandboxes.delete(uid);
      this.nextSandboxAttempt.set(uid, sb.attempt + 1);
      for (const info of mine) if (info.state === 'running') await this.stop(info.id, 0);
      await this.removeSandbox(sb.id);
    }
  }

  podUids(): string[] {
    return [...new Set([...this.sandboxes.keys(), ...[...this.infos.values()].map((i) => i.podUid)])];
  }

  private emitExit(info: ContainerInfo) {
    for (const cb of this.listeners) {
      try { cb({ ...info }); } catch (e) { warn(`exit listener: ${errMsg(e)}`); }
    }
  }

  close() {
    clearInterval(this.poller);
    this.imageGC.stop();
    this.client.close();
  }
}
