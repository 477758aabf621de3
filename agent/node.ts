// The Node object: registration (create, or update the existing one), node
// status (posted when it changes and at least every 60 s) and the node Lease
// in kube-node-lease renewed every 10 s, as the kubelet does.
import fs from 'node:fs';
import os from 'node:os';
import { ApiStatusError, type ApiClient, type KObject } from './api.ts';
import type { NodeImage } from './runtime.ts';
import path from 'node:path';
import { TUNNEL_ANNOTATION } from '../src/proxy/protocol.ts';
import { LOCAL_PATH_ROOT } from '../src/controllers/storage.ts';
import { errMsg, log, warn } from './log.ts';

export const KUBELET_VERSION = 'v1.35.0-edgekube';
const LEASE_SECONDS = 40;
const RENEW_MS = 10_000;
const STATUS_REPORT_MS = 60_000;

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };
const GO_OS: Record<string, string> = { win32: 'windows', sunos: 'solaris' };
export const goArch = () => GO_ARCH[process.arch] ?? process.arch;
export const goOs = () => GO_OS[process.platform] ?? process.platform;

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');
/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function readFirst(files: string[]): string {
  for (const f of files) {
    try {
      const v = fs.readFileSync(f, 'utf8').trim();
      if (v) return v;
    } catch { /* next */ }
  }
  return '';
}

function osImage(): string {
  const rel = readFirst(['/etc/os-release', '/usr/lib/os-release']);
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(rel);
  return m?.[1] || `${os.type()} ${os.release()}`;
}

/** The first non-internal IPv4 address, else loopback. */
export function defaultAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface NodeOptions {
  name: string;
  address: string;
  port: number;
  tunnel: boolean;
  stateDir: string;
  runtimeVersion: string;
  /** The runtime's images, for status.images. */
  images(): Promise<NodeImage[]>;
}

/** The kubelet's nodeStatusMaxImages and maxNamesPerImageInNodeStatus. */
const MAX_IMAGES = 50;
const MAX_NAMES_PER_IMAGE = 5;

export class NodeAgent {
  uid = '';
  private lease?: KObject;
  private renewals = 0;
  private lastPost = 0;
  private lastPosted = '';
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private images: NodeImage[] = [];

  constructor(private readonly api: ApiClient, private readonly o: NodeOptions) {}

  /** Reads the runtime's images; a failure keeps the last list. */
  private async refreshImages() {
    try {
      const all = await this.o.images();
      this.images = all.filter((i) => i.names.length).sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, MAX_IMAGES)
        .map((i) => ({ names: i.names.slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.sizeBytes }));
    } catch (e) {
      warn(`listing the runtime's images: ${errMsg(e)}`);
    }
  }

  capacity(): Record<string, string> {
    const cap: Record<string, string> = {
      cpu: String(os.cpus().length || 1),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: '110',
    };
    try {
      const st = fs.statfsSync(this.o.stateDir);
      cap['ephemeral-storage'] = `${Math.floor((st.blocks * st.bsize) / 1024)}Ki`;
    } catch { /* unknown */ }
    return cap;
  }

  private labels(): Record<string, string> {
    return {
      'beta.kubernetes.io/arch': goArch(),
      'beta.kubernetes.io/os': goOs(),
      'kubernetes.io/arch': goArch(),
      'kubernetes.io/hostname': this.o.name,
      'kubernetes.io/os': goOs(),
    };
  }

  private annotations(): Record<string, string> {
    return {
      'node.alpha.kubernetes.io/ttl': '0', [TUNNEL_ANNOTATION]: this.o.tunnel ? 'tunnel' : 'direct',
      // Where the local-path provisioner's volumes for this node live.
      [LOCAL_PATH_ROOT]: path.join(this.o.stateDir, 'local-path'),
    };
  }

  /** The status as the kubelet reports it; condition transition times kept from `current` when unchanged. */
  status(current?: KObject): KObject {
    const now = rfc3339();
    const old: KObject[] = current?.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string) => {
      const prev = old.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now, reason, message };
    };
    const cap = this.capacity();
    const hostname = os.hostname();
    return {
      ...(current?.status ?? {}),
      capacity: cap,
      allocatable: { ...cap },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [{ type: 'InternalIP', address: this.o.address }, { type: 'Hostname', address: hostname }],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.port } },
      ...(this.images.length ? { images: this.images } : {}),
      nodeInfo: {
        machineID: readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id']),
        systemUUID: readFirst(['/sys/class/dmi/id/product_uuid']),
        bootID: readFirst(['/proc/sys/kernel/random/boot_id']),
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: this.o.runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        operatingSystem: goOs(),
        architecture: goArch(),
      },
    };
  }

  private nodePath = () => `/api/v1/nodes/${encodeURIComponent(this.o.name)}`;

  /** Creates the Node, or brings an existing one's labels, annotations and status up to date. */
  async register(): Promise<void> {
    const body = { apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.name, labels: this.labels(), annotations: this.annotations() }, spec: {}, status: this.status() };
    let node: KObject;
    try {
      node = await this.api.post('/api/v1/nodes', body);
      log(`registered node ${this.o.name} (InternalIP ${this.o.address}, kubelet port ${this.o.port}${this.o.tunnel ? ', reached through its tunnel' : ''})`);
    } catch (e) {
      if (!(e instanceof ApiStatusError && e.code === 409)) throw e;
      const existing = await this.api.get(this.nodePath());
      existing.metadata.labels = { ...(existing.metadata.labels ?? {}), ...this.labels() };
      existing.metadata.annotations = { ...(existing.metadata.annotations ?? {}), ...this.annotations() };
      node = await this.api.put(this.nodePath(), existing);
      log(`node ${this.o.name} already registered; updated it (InternalIP ${this.o.address}, kubelet port ${this.o.port}${this.o.tunnel ? ', tunnel' : ''})`);
    }
    this.uid = node.metadata.uid;
    await this.postStatus(true);
  }

  /** Posts node status when it changed (or the server's copy differs) or the report interval passed. */
  async postStatus(force = false): Promise<void> {
    await this.refreshImages();
    for (let attempt = 0; attempt < 5; attempt++) {
      let node = await this.api.getOptional(this.nodePath());
      if (!node) {
        warn(`node ${this.o.name} is gone from the server; registering it again`);
        return this.register();
      }
      this.uid = node.metadata.uid;
      const status = this.status(node);
      const semantic = (s: KObject) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c: KObject) => ({ ...c, lastHeartbeatTime: undefined })) });
      const changed = semantic(status) !== semantic(node.status ?? {});
      if (!force && !changed && Date.now() - this.lastPost < STATUS_REPORT_MS) return;
      try {
        node = await this.api.put(`${this.nodePath()}/status`, { ...node, status });
        this.lastPost = Date.now();
        const summary = semantic(status);
        if (changed || summary !== this.lastPosted) log(`node status posted (Ready=True, ${status.capacity.cpu} cpu, ${status.capacity.memory} memory)`);
        this.lastPosted = summary;
        return;
      } catch (e) {
        if (e instanceof ApiStatusError && e.code === 409) continue;
        throw e;
      }
    }
  }

  /** Renews (or creates) the node's Lease. */
  async renewLease(): Promise<void> {
    const ns = 'kube-node-lease';
    const path = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${encodeURIComponent(this.o.name)}`;
    const spec = { holderIdentity: this.o.name, leaseDurationSeconds: LEASE_SECONDS, renewTime: microTime() };
    const owner = this.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.name, uid: this.uid }] : undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.lease ??= await this.api.getOptional(path);
      try {
        if (!this.lease) {
          this.lease = await this.api.post(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
            apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: ns, ...(owner ? { ownerReferences: owner } : {}) }, spec,
          });
        } else {
          const meta = { ...this.lease.metadata, ...(owner ? { ownerReferences: owner } : {}) };
          this.lease = await this.api.put(path, { ...this.lease, metadata: meta, spec: { ...this.lease.spec, ...spec } });
        }
        if (this.renewals++ % 6 === 0) log(`lease renewed (every ${RENEW_MS / 1000}s; shown every 6th)`);
        return;
      } catch (e) {
        if (e instanceof ApiStatusError && (e.code === 409 || e.code === 404)) { this.lease = undefined; continue; }
        throw e;
      }
    }
  }

  /** Heartbeats: the lease every 10 s, node status when due. */
  start() {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.renewLease();
      } catch (e) {
        warn(`lease renewal failed: ${errMsg(e)}`);
      }
      try {
        await this.postStatus();
      } catch (e) {
        warn(`node status update failed: ${errMsg(e)}`);
      }
      if (!this.stopped) this.timer = setTimeout(tick, RENEW_MS);
    };
    void tick();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
