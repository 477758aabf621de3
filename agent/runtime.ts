// The container runtime interface the pod workers use. Two runtimes stand
// behind it: the process runtime (process-runtime.ts: a container is a host
// process) and the CRI runtime (cri/runtime.ts: containers from images in
// pod sandboxes, through containerd or any CRI runtime). The pod worker
// decides what runs when (order, restarts, back-off, probes, status); the
// runtime decides how a container is made from its spec.
import type { KObject } from './api.ts';
import type { StreamProcess, TerminalSize } from './streaming/remotecommand.ts';
import type { ContainerUsage } from './usage.ts';

/** A volume directory on this host and where the container sees it. */
export interface VolumeMount {
  volume: string;
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Registry credentials for a pull, from the pod's imagePullSecrets (CRI AuthConfig). */
export interface RegistryAuth {
  serverAddress: string;
  username?: string;
  password?: string;
  auth?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface ContainerConfig {
  /** The pod, for what its sandbox needs (network mode, hostname, security context, labels). */
  pod: KObject;
  /** The container as in the pod spec (image, pull policy, ports, resources, securityContext). */
  spec: KObject;
  podUid: string;
  namespace: string;
  podName: string;
  container: string;
  /** The instance number: the container's restartCount when it starts. */
  attempt: number;
  /** command and args of the spec with $(VAR) expanded; undefined leaves the image's. */
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  /** The spec's workingDir, a path inside the container. */
  workingDir?: string;
  mounts: VolumeMount[];
  /** The pod's registry credentials, read only when a pull needs them. */
  pullAuth(): Promise<RegistryAuth[]>;
  /** A hash of the container's spec: a change restarts it. */
  specHash: string;
}

export interface ContainerInfo {
  /** The runtime's own id. */
  id: string;
  /** The id as the status reports it: `<runtime>://<id>`. */
  containerID: string;
  /** The image the container runs, as the status reports it (`imageID`). */
  imageID: string;
  podUid: string;
  namespace: string;
  podName: string;
  container: string;
  attempt: number;
  specHash: string;
  state: 'running' | 'exited';
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: number;
  reason?: string;
  message?: string;
  logPath: string;
}

/**
 * A container could not be created or started; `reason` is the kubelet's
 * waiting reason (ErrImagePull, InvalidImageName, CreateContainerError,
 * RunContainerError, ...). The pod worker retries it.
 */
export class RuntimeError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

/** What a streaming session asks of the process it drives. */
export interface StreamOptions {
  stdin: boolean;
  tty: boolean;
  /** The terminal's size at the start (tty). */
  size?: TerminalSize;
}

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut?: boolean;
}

/** An image on the node, as Node status.images lists it. */
export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

export interface ContainerRuntime {
  readonly name: string;
  /** nodeInfo.containerRuntimeVersion: `<name>://<version>`. */
  readonly runtimeVersion: string;
  /** Every container it knows (running or exited), after adoption on start. */
  list(): ContainerInfo[];
  /** Variables every container of the pod starts with, before its own env (expansion sees them). */
  baseEnv(pod: KObject): Record<string, string>;
  start(cfg: ContainerConfig): Promise<ContainerInfo>;
  /** Stops it within the grace period (SIGTERM, then SIGKILL); resolves once it exited. */
  stop(id: string, graceSeconds: number): Promise<void>;
  status(id: string): ContainerInfo | undefined;
  /** Runs a command in a running container (exec probes). */
  exec(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  /** Starts a command in a running container with its streams (pods/exec). */
  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamProcess>;
  /** Attaches to a running container's own process: its output from now on, its stdin when it keeps one open (pods/attach). */
  attachStream(id: string, opts: StreamOptions): Promise<StreamProcess>;
  /** The pod's IP when it has its own network; undefined when it shares the node's. */
  podIP(podUid: string): string | undefined;
  /** Forgets an exited container; its log stays until removePod. */
  remove(id: string): Promise<void>;
  /** The pods the runtime holds anything of (containers, sandboxes), by uid. */
  podUids(): string[];
  /** Removes every container of a pod, its sandbox and its logs. */
  removePod(podUid: string): Promise<void>;
  /** The images on the node, for the Node's status. */
  images(): Promise<NodeImage[]>;
  /** What a running container uses now (cumulative CPU time, memory); undefined when it is not running or cannot be measured. */
  usage(id: string): Promise<ContainerUsage | undefined>;
  onExit(cb: (info: ContainerInfo) => void): void;
  close(): void;
}
