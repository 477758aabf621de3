// From the pod spec to CRI configs, as the kubelet's kuberuntime builds
// them: the PodSandboxConfig (metadata, hostname, log directory, network and
// namespace modes, labels, pod security context) and the ContainerConfig
// (image, command/args, env, mounts, log path, cgroup resources from the
// limits and requests, the security context merged over the pod's).
import type { KObject } from '../api.ts';
import { parseQuantity } from '../env.ts';
import type { ContainerConfig } from '../runtime.ts';
import type { Msg } from './client.ts';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Which agent made it: several agents (nodes) may share one runtime. */
export const LABEL_NODE = 'edgekube.io/node';
export const ANNOTATION_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';

const CPU_PERIOD = 100_000;
const MIN_QUOTA = 1000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

/** The paths the kubelet masks and makes read-only in every unprivileged container (procMount Default). */
const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface SandboxOptions {
  nodeName: string;
  logDirectory: string;
  /** Pods share the node's network unless the agent was given a CNI pod network. */
  podNetwork: boolean;
}

export const hostNetwork = (pod: KObject, o: SandboxOptions) => pod.spec?.hostNetwork === true || !o.podNetwork;

const int64 = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? { value: v } : undefined);

export function sandboxConfig(pod: KObject, o: SandboxOptions, attempt = 0): Msg {
  const m = pod.metadata;
  const host = hostNetwork(pod, o);
  const psc = pod.spec?.securityContext ?? {};
  const ports: Msg[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) ports.push({ protocol: p.protocol ?? 'TCP', container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIP ?? '' });
    }
  }
  return {
    metadata: { name: m.name, uid: m.uid, namespace: m.namespace, attempt },
    // A sandbox in the node's UTS namespace cannot set a hostname of its own.
    hostname: host ? '' : (pod.spec?.hostname || m.name),
    log_directory: o.logDirectory,
    port_mappings: ports,
    labels: { ...(m.labels ?? {}), [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid, [LABEL_NODE]: o.nodeName },
    annotations: { ...(m.annotations ?? {}) },
    linux: {
      security_context: {
        namespace_options: namespaces(pod, host),
        run_as_user: int64(psc.runAsUser),
        run_as_group: int64(psc.runAsGroup),
        supplemental_groups: psc.supplementalGroups ?? [],
        privileged: (pod.spec?.containers ?? []).some((c: KObject) => c.securityContext?.privileged === true),
      },
      sysctls: Object.fromEntries((psc.sysctls ?? []).map((s: KObject) => [s.name, String(s.value)])),
    },
  };
}

function namespaces(pod: KObject, host: boolean): Msg {
  return {
    network: host ? 'NODE' : 'POD',
    pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: pod.spec?.hostIPC ? 'NODE' : 'POD',
  };
}

/** cgroup settings from the container's limits and requests (kubelet's cpu shares and CFS quota). */
export function resources(spec: KObject): Msg {
  const limits = spec.resources?.limits ?? {};
  const requests = spec.resources?.requests ?? {};
  const out: Msg = {};
  const mem = parseQuantity(limits.memory);
  if (mem) out.memory_limit_in_bytes = Math.floor(mem);
  const cpuLimit = parseQuantity(limits.cpu);
  if (cpuLimit) {
    out.cpu_period = CPU_PERIOD;
    out.cpu_quota = Math.max(MIN_QUOTA, Math.ceil(cpuLimit * CPU_PERIOD));
  }
  const cpuRequest = parseQuantity(requests.cpu ?? limits.cpu) ?? 0;
  out.cpu_shares = Math.max(MIN_SHARES, Math.floor(cpuRequest * SHARES_PER_CPU));
  return out;
}

function securityContext(cfg: ContainerConfig, host: boolean): Msg {
  const pod = cfg.pod.spec?.securityContext ?? {};
  const sc = cfg.spec.securityContext ?? {};
  const pick = <T>(k: string): T | undefined => sc[k] ?? pod[k];
  const privileged = sc.privileged === true;
  return {
    capabilities: { add_capabilities: sc.capabilities?.add ?? [], drop_capabilities: sc.capabilities?.drop ?? [] },
    privileged,
    namespace_options: namespaces(cfg.pod, host),
    run_as_user: int64(pick('runAsUser')),
    run_as_group: int64(pick('runAsGroup')),
    readonly_rootfs: sc.readOnlyRootFilesystem === true,
    supplemental_groups: pod.supplementalGroups ?? [],
    no_new_privs: sc.allowPrivilegeEscalation === false,
    masked_paths: privileged ? [] : MASKED_PATHS,
    readonly_paths: privileged ? [] : READONLY_PATHS,
  };
}

export function containerConfig(cfg: ContainerConfig, image: string, host: boolean, nodeName: string): Msg {
  const m = cfg.pod.metadata;
  return {
    metadata: { name: cfg.container, attempt: cfg.attempt },
    image: { image, user_specified_image: cfg.spec.image ?? '' },
    command: cfg.command ?? [],
    args: cfg.args ?? [],
    working_dir: cfg.workingDir ?? '',
    envs: Object.entries(cfg.env).map(([key, value]) => ({ key, value })),
    mounts: cfg.mounts.map((v) => ({ container_path: v.containerPath, host_path: v.hostPath, readonly: v.readOnly })),
    labels: { [LABEL_CONTAINER_NAME]: cfg.container, [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid, [LABEL_NODE]: nodeName },
    annotations: {
      [ANNOTATION_HASH]: cfg.specHash,
      [ANNOTATION_RESTART_COUNT]: String(cfg.attempt),
      'io.kubernetes.container.terminationMessagePath': cfg.spec.terminationMessagePath ?? '/dev/termination-log',
      'io.kubernetes.pod.terminationGracePeriod': String(cfg.pod.spec?.terminationGracePeriodSeconds ?? 30),
    },
    log_path: `${cfg.container}/${cfg.attempt}.log`,
    stdin: cfg.spec.stdin === true,
    stdin_once: cfg.spec.stdinOnce === true,
    tty: cfg.spec.tty === true,
    linux: { resources: resources(cfg.spec), security_context: securityContext(cfg, host) },
  };
}
