// The pod's volumes as directories on this host, for every runtime: the
// CRI runtime bind-mounts them at their mountPath, the process runtime
// tells the process where they are.
//   emptyDir               a directory of the pod's, removed with the pod
//   hostPath               the path itself (DirectoryOrCreate creates it)
//   persistentVolumeClaim  the bound PersistentVolume's hostPath or local path
//   configMap, secret      a directory of the pod's holding one file per key
// Other volume types are not offered to the container.
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient, KObject } from './api.ts';
import type { VolumeMount } from './runtime.ts';

/** A volume cannot be set up yet (the kubelet's FailedMount); the pod waits in ContainerCreating. */
export class MountError extends Error {}

export class PodVolumes {
  /** Host directories of the pod's volumes, once set up. */
  private readonly dirs = new Map<string, string>();

  constructor(private readonly api: ApiClient, private readonly pod: KObject, private readonly podDir: string) {}

  /** Sets up every volume the container mounts; throws MountError when one cannot be yet. */
  async mounts(c: KObject): Promise<VolumeMount[]> {
    const out: VolumeMount[] = [];
    for (const m of Array.isArray(c.volumeMounts) ? c.volumeMounts as KObject[] : []) {
      const dir = await this.volume(m.name);
      if (dir === undefined) continue;
      const at = m.subPath ? path.join(dir, m.subPath) : dir;
      if (m.subPath && !fs.existsSync(at)) fs.mkdirSync(at, { recursive: true });
      out.push({ volume: m.name, hostPath: at, containerPath: String(m.mountPath ?? ''), readOnly: m.readOnly === true });
    }
    return out;
  }

  /** Removes what belongs to the pod alone (emptyDir, configMap and secret copies). */
  remove() {
    fs.rmSync(this.podDir, { recursive: true, force: true });
  }

  private async volume(name: string): Promise<string | undefined> {
    const known = this.dirs.get(name);
    if (known) return known;
    const v: KObject | undefined = (this.pod.spec?.volumes ?? []).find((x: KObject) => x?.name === name);
    if (!v) throw new MountError(`volume "${name}" is mounted but not defined`);
    const dir = await this.setUp(v);
    if (dir !== undefined) this.dirs.set(name, dir);
    return dir;
  }

  private async setUp(v: KObject): Promise<string | undefined> {
    const own = path.join(this.podDir, v.name);
    if (v.emptyDir) return mkdir(own);
    if (v.hostPath) return hostPath(v.hostPath);
    if (v.persistentVolumeClaim) return this.claim(v.persistentVolumeClaim.claimName);
    if (v.configMap) return this.files(own, 'configmaps', v.configMap.name, v.configMap, false);
    if (v.secret) return this.files(own, 'secrets', v.secret.secretName, v.secret, true);
    return undefined;
  }

  private async claim(claimName: string): Promise<string> {
    const ns = this.pod.metadata.namespace;
    const claim = await this.api.getOptional(`/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims/${encodeURIComponent(claimName)}`);
    if (!claim) throw new MountError(`persistentvolumeclaim "${claimName}" not found`);
    if (claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) throw new MountError(`persistentvolumeclaim "${claimName}" is not bound yet`);
    const pv = await this.api.getOptional(`/api/v1/persistentvolumes/${encodeURIComponent(claim.spec.volumeName)}`);
    if (!pv) throw new MountError(`persistentvolume "${claim.spec.volumeName}" not found`);
    if (pv.spec?.hostPath) return hostPath(pv.spec.hostPath);
    if (pv.spec?.local?.path) return hostPath({ path: pv.spec.local.path, type: 'Directory' });
    throw new MountError(`persistentvolume "${pv.metadata.name}" is neither a hostPath nor a local volume, which this node cannot mount`);
  }

  /** A ConfigMap's or Secret's keys (or its `items`) as files. */
  private async files(dir: string, kind: 'configmaps' | 'secrets', name: string, src: KObject, secret: boolean): Promise<string> {
    const ns = this.pod.metadata.namespace;
    const obj = await this.api.getOptional(`/api/v1/namespaces/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(name)}`);
    if (!obj) {
      if (src.optional) return mkdir(dir);
      throw new MountError(`${kind === 'secrets' ? 'secret' : 'configmap'} "${name}" not found`);
    }
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries<string>(obj.data ?? {})) data[k] = secret ? Buffer.from(val, 'base64') : Buffer.from(val);
    for (const [k, val] of Object.entries<string>(obj.binaryData ?? {})) data[k] = Buffer.from(val, 'base64');
    const items: KObject[] = Array.isArray(src.items) && src.items.length ? src.items : Object.keys(data).map((key) => ({ key, path: key }));
    mkdir(dir);
    for (const it of items) {
      if (!(it.key in data)) {
        if (src.optional) continue;
        throw new MountError(`couldn't find key ${it.key} in ${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${ns}/${name}`);
      }
      const file = path.join(dir, it.path);
      if (!file.startsWith(`${dir}${path.sep}`)) throw new MountError(`item path "${it.path}" leaves the volume`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data[it.key], { mode: it.mode ?? src.defaultMode ?? (secret ? 0o600 : 0o644) });
    }
    return dir;
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
