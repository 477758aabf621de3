// The pod's volumes as directories on this host, for every runtime: the
// CRI runtime bind-mounts them at their mountPath, the process runtime
// tells the process where they are.
//   emptyDir               a directory of the pod's, removed with the pod
//   hostPath               the path itself (DirectoryOrCreate creates it)
//   persistentVolumeClaim  the bound PersistentVolume's hostPath or local path
//   configMap, secret,     a directory of the pod's written by the atomic
//   downwardAPI, projected writer, and rewritten by refresh() when the
//                          sources change (projected service account tokens
//                          are requested again before they expire)
// Other volume types are not offered to the container.
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient, KObject } from './api.ts';
import type { VolumeMount } from './runtime.ts';
import { writeAtomic, type FileProjection } from './atomic-writer.ts';
import { ConfigError, fieldValue, resourceValue } from './env.ts';
import { errMsg, log, warn } from './log.ts';

/** A volume cannot be set up yet (the kubelet's FailedMount); the pod waits in ContainerCreating. */
export class MountError extends Error {}

export interface VolumeContext {
  api: ApiClient;
  nodeName: string;
  address: string;
  allocatable: Record<string, string>;
  podIP(): string;
}

/** The API's default file mode of projected files (0644). */
const DEFAULT_MODE = 0o644;
const DEFAULT_TOKEN_SECONDS = 3600;
const TOKEN_MAX_AGE_MS = 24 * 3600_000;

/** The kubelet's token manager refreshes at 80% of a token's life, or after 24 h. */
export function tokenNeedsRefresh(issuedMs: number, expiresMs: number, nowMs: number): boolean {
  return nowMs > issuedMs + (expiresMs - issuedMs) * 0.8 || nowMs - issuedMs > TOKEN_MAX_AGE_MS;
}

const projected = (v: KObject) => !!(v.configMap || v.secret || v.downwardAPI || v.projected);

export class PodVolumes {
  /** Host directories of the pod's volumes, once set up. */
  private readonly dirs = new Map<string, string>();
  private readonly tokens = new Map<string, { token: string; issued: number; expires: number }>();
  private refreshing = false;

  constructor(private readonly ctx: VolumeContext, private pod: KObject, private readonly podDir: string) {}

  /** A newer version of the pod (labels and annotations feed downwardAPI files). */
  setPod(pod: KObject) {
    this.pod = pod;
  }

  /** Sets up every volume the container mounts; throws MountError when one cannot be yet. */
  async mounts(c: KObject): Promise<VolumeMount[]> {
    const out: VolumeMount[] = [];
    for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts as KObject[] : []) {
      const dir = await this.volume(m.name);
      if (dir === undefined) continue;
      const at = m.subPath ? path.join(dir, m.subPath) : dir;
      if (m.subPath && !fs.existsSync(at)) fs.mkdirSync(at, { recursive: true });
      out.push({ volume: m.name, hostPath: at, containerPath: String(m.mountPath ?? ''), readOnly: m.readOnly === true || projected(this.spec(m.name) ?? {}) });
    }
    return out;
  }

  /** Brings the files of configMap, secret, downwardAPI and projected volumes up to date, as the kubelet's periodic sync does. */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      await this.refreshAll();
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshAll() {
    for (const [name, dir] of this.dirs) {
      const v = this.spec(name);
      if (!v || !projected(v)) continue;
      try {
        const payload = await this.payload(v);
        if (payload && writeAtomic(dir, payload)) log(`volume "${name}" of pod ${this.pod.metadata.namespace}/${this.pod.metadata.name} updated`);
      } catch (e) {
        // The files stay as they were, as the kubelet leaves them when a source is gone.
        warn(`refreshing volume "${name}" of pod ${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${errMsg(e)}`);
      }
    }
  }

  /** Removes what belongs to the pod alone (emptyDir, configMap and secret copies). */
  remove() {
    fs.rmSync(this.podDir, { recursive: true, force: true });
  }

  private spec(name: string): KObject | undefined {
    return (this.pod.spec?.volumes ?? []).find((x: KObject) => x?.name === name);
  }

  private async volume(name: string): Promise<string | undefined> {
    const known = this.dirs.get(name);
    if (known) return known;
    const v = this.spec(name);
    if (!v) throw new MountError(`volume "${name}" is mounted but not defined`);
    const dir = await this.setUp(v);
    if (dir !== undefined) this.dirs.set(name, dir);
    return dir;
  }

  private async setUp(v: KObject): Promise<string | undefined> {
    const own = path.join(this.podDir, v.name);
    if (v.emptyDir) {
      // World-writable as the kubelet makes it, so that containers running as any user can write to it.
      mkdir(own);
      fs.chmodSync(own, 0o777);
      return own;
    }
    if (v.hostPath) return hostPath(v.hostPath);
    if (v.persistentVolumeClaim) return this.claim(v.persistentVolumeClaim.claimName);
    const payload = await this.payload(v);
    if (!payload) return undefined;
    try {
      writeAtomic(own, payload);
    } catch (e) {
      throw new MountError(errMsg(e));
    }
    return own;
  }

  /** The files of a configMap, secret, downwardAPI or projected volume. */
  private async payload(v: KObject): Promise<Map<string, FileProjection> | undefined> {
    const out = new Map<string, FileProjection>();
    if (v.configMap) await this.keys(out, 'configmaps', v.configMap.name, v.configMap, v.configMap.defaultMode);
    else if (v.secret) await this.keys(out, 'secrets', v.secret.secretName, v.secret, v.secret.defaultMode);
    else if (v.downwardAPI) this.downward(out, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode);
    else if (v.projected) {
      const mode = v.projected.defaultMode;
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) await this.keys(out, 'configmaps', s.configMap.name, s.configMap, mode);
        else if (s.secret) await this.keys(out, 'secrets', s.secret.name, s.secret, mode);
        else if (s.downwardAPI) this.downward(out, s.downwardAPI.items ?? [], mode);
        else if (s.serviceAccountToken) out.set(s.serviceAccountToken.path, { data: Buffer.from(await this.token(s.serviceAccountToken)), mode: mode ?? DEFAULT_MODE });
      }
    } else return undefined;
    return out;
  }

  /** A ConfigMap's or Secret's keys (or its `items`) as files. */
  private async keys(out: Map<string, FileProjection>, kind: 'configmaps' | 'secrets', name: string, src: KObject, defaultMode: number | undefined) {
    const ns = this.pod.metadata.namespace;
    const obj = await this.ctx.api.getOptional(`/api/v1/namespaces/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(name)}`);
    const label = kind === 'secrets' ? 'secret' : 'configmap';
    if (!obj) {
      if (src.optional) return;
      throw new MountError(`${label} "${name}" not found`);
    }
    const secret = kind === 'secrets';
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries<string>(obj.data ?? {})) data[k] = secret ? Buffer.from(val, 'base64') : Buffer.from(val);
    for (const [k, val] of Object.entries<string>(obj.binaryData ?? {})) data[k] = Buffer.from(val, 'base64');
    const items: KObject[] = Array.isArray(src.items) && src.items.length ? src.items : Object.keys(data).map((key) => ({ key, path: key }));
    for (const it of items) {
      if (!(it.key in data)) {
        if (src.optional) continue;
        throw new MountError(`couldn't find key ${it.key} in ${secret ? 'Secret' : 'ConfigMap'} ${ns}/${name}`);
      }
      out.set(it.path, { data: data[it.key], mode: it.mode ?? defaultMode ?? DEFAULT_MODE });
    }
  }

  private downward(out: Map<string, FileProjection>, items: KObject[], defaultMode: number | undefined) {
    for (const it of items) {
      const container = (this.pod.spec?.containers ?? []).find((c: KObject) => c.name === it.resourceFieldRef?.containerName) ?? {};
      const env = { api: this.ctx.api, pod: this.pod, container, nodeName: this.ctx.nodeName, address: this.ctx.address, podIP: this.ctx.podIP(), allocatable: this.ctx.allocatable };
      let value: string;
      try {
        value = it.fieldRef ? fieldValue(env, String(it.fieldRef.fieldPath ?? '')) : it.resourceFieldRef ? resourceValue(env, it.resourceFieldRef) : '';
      } catch (e) {
        throw new MountError(e instanceof ConfigError ? e.message : errMsg(e));
      }
      out.set(it.path, { data: Buffer.from(value), mode: it.mode ?? defaultMode ?? DEFAULT_MODE });
    }
  }

  /** A service account token bound to the pod, through TokenRequest; reused until it needs a refresh. */
  private async token(src: KObject): Promise<string> {
    const sa = this.pod.spec?.serviceAccountName || 'default';
    const seconds = src.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
    const key = `${sa}/${src.audience ?? ''}/${seconds}`;
    const cached = this.tokens.get(key);
    if (cached && !tokenNeedsRefresh(cached.issued, cached.expires, Date.now())) return cached.token;
    const m = this.pod.metadata;
    let res: KObject;
    try {
      res = await this.ctx.api.post(`/api/v1/namespaces/${encodeURIComponent(m.namespace)}/serviceaccounts/${encodeURIComponent(sa)}/token`, {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
        spec: { audiences: src.audience ? [src.audience] : [], expirationSeconds: seconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: m.name, uid: m.uid } },
      });
    } catch (e) {
      if (cached && Date.now() < cached.expires) return cached.token;
      throw new MountError(`failed to fetch token: ${errMsg(e)}`);
    }
    const token = String(res.status?.token ?? '');
    const expires = Date.parse(res.status?.expirationTimestamp ?? '') || Date.now() + seconds * 1000;
    this.tokens.set(key, { token, issued: Date.now(), expires });
    return token;
  }

  private async claim(claimName: string): Promise<string> {
    const ns = this.pod.metadata.namespace;
    const claim = await this.ctx.api.getOptional(`/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims/${encodeURIComponent(claimName)}`);
    if (!claim) throw new MountError(`persistentvolumeclaim "${claimName}" not found`);
    if (claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) throw new MountError(`persistentvolumeclaim "${claimName}" is not bound yet`);
    const pv = await this.ctx.api.getOptional(`/api/v1/persistentvolumes/${encodeURIComponent(claim.spec.volumeName)}`);
    if (!pv) throw new MountError(`persistentvolume "${claim.spec.volumeName}" not found`);
    if (pv.spec?.hostPath) return hostPath(pv.spec.hostPath);
    if (pv.spec?.local?.path) return hostPath({ path: pv.spec.local.path, type: 'Directory' });
    throw new MountError(`persistentvolume "${pv.metadata.name}" is neither a hostPath nor a local volume, which this node cannot mount`);
  }
}

function mkdir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** hostPath types as the kubelet checks them (the socket, char and block device types only as "exists"). */
function hostPath(hp: KObject): string {
  const p = String(hp.path ?? '');
  if (!path.isAbsolute(p)) throw new MountError(`hostPath "${p}" is not absolute`);
  const type = hp.type ?? '';
  if (type === 'DirectoryOrCreate') return mkdir(p);
  if (type === 'FileOrCreate') {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (!fs.existsSync(p)) fs.writeFileSync(p, '');
    return p;
  }
  if (type === '') return p;
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new MountError(`hostPath type check failed: ${p} does not exist`);
  if (type === 'Directory' && !st.isDirectory()) throw new MountError(`hostPath type check failed: ${p} is not a directory`);
  if (type === 'File' && !st.isFile()) throw new MountError(`hostPath type check failed: ${p} is not a file`);
  return p;
}
