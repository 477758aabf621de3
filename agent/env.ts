// A container's environment as the kubelet builds it: envFrom (ConfigMaps,
// Secrets, with a prefix), env (literal values with $(VAR) expansion,
// configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef), and the
// variable expansion of command and args.
import { ApiStatusError, type ApiClient, type KObject } from './api.ts';

/** The container cannot be configured yet (reason CreateContainerConfigError). */
export class ConfigError extends Error {}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** $(VAR) -> value when VAR is defined; $$(VAR) -> $(VAR); anything else stays. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? env[name] : m;
  });
}

/** Parses a resource quantity ("500m", "1Gi", "2") into a number of base units. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined || q === null) return undefined;
  const m = /^([+-]?[0-9.]+)([a-zA-Z]*)$/.exec(String(q).trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult: Record<string, number> = {
    '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
  };
  return m[2] in mult ? n * mult[m[2]] : undefined;
}

export interface EnvContext {
  api: ApiClient;
  pod: KObject;
  container: KObject;
  nodeName: string;
  address: string;
  podIP: string;
  allocatable: Record<string, string>;
}

export async function containerEnv(ctx: EnvContext, base: Record<string, string>): Promise<Record<string, string>> {
  const { api, pod, container: c } = ctx;
  const ns = pod.metadata.namespace;
  const cache = new Map<string, KObject | undefined>();
  const get = async (kind: 'configmaps' | 'secrets', name: string): Promise<KObject | undefined> => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) {
      try {
        cache.set(key, await api.getOptional(`/api/v1/namespaces/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(name)}`));
      } catch (e) {
        throw new ConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}": ${(e as Error).message}`);
      }
    }
    return cache.get(key);
  };
  const dataOf = (kind: 'configmaps' | 'secrets', obj: KObject): Record<string, string> => {
    if (kind === 'configmaps') return { ...(obj.binaryData ?? {}), ...(obj.data ?? {}) };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries<string>(obj.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries<string>(obj.stringData ?? {})) out[k] = v;
    return out;
  };
  const env: Record<string, string> = { ...base };
  for (const from of c.envFrom ?? []) {
    const kind = from.configMapRef ? 'configmaps' : from.secretRef ? 'secrets' : undefined;
    if (!kind) continue;
    const ref = from.configMapRef ?? from.secretRef;
    const obj = await get(kind, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(dataOf(kind, obj))) {
      const name = (from.prefix ?? '') + k;
      if (ENV_NAME.test(name)) env[name] = v;
    }
  }
  for (const e of c.env ?? []) {
    if (!e?.name) continue;
    if (e.valueFrom === undefined) {
      env[e.name] = expand(String(e.value ?? ''), env);
      continue;
    }
    const vf = e.valueFrom;
    if (vf.configMapKeyRef || vf.secretKeyRef) {
      const kind = vf.configMapKeyRef ? 'configmaps' : 'secrets';
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      const obj = await get(kind, ref.name);
      const label = kind === 'configmaps' ? 'ConfigMap' : 'Secret';
      if (!obj) {
        if (ref.optional) continue;
        throw new ConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`);
      }
      const data = dataOf(kind, obj);
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ConfigError(`couldn't find key ${ref.key} in ${label} ${ns}/${ref.name}`);
      }
      env[e.name] = data[ref.key];
    } else if (vf.fieldRef) {
      env[e.name] = fieldValue(ctx, String(vf.fieldRef.fieldPath ?? ''));
    } else if (vf.resourceFieldRef) {
      env[e.name] = resourceValue(ctx, vf.resourceFieldRef);
    }
  }
  return env;
}

export function fieldValue(ctx: EnvContext, path: string): string {
  const p = ctx.pod;
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return p.metadata?.[sub[1]]?.[sub[2]] ?? '';
  switch (path) {
    case 'metadata.name': return p.metadata.name;
    case 'metadata.namespace': return p.metadata.namespace;
    case 'metadata.uid': return p.metadata.uid;
    case 'metadata.labels': return Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(p.metadata.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName': return ctx.nodeName;
    case 'spec.serviceAccountName': return p.spec?.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return ctx.address;
    case 'status.podIP': case 'status.podIPs': return ctx.podIP;
    default: throw new ConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}

export function resourceValue(ctx: EnvContext, ref: KObject): string {
  const c = ref.containerName ? (ctx.pod.spec?.containers ?? []).find((x: KObject) => x.name === ref.containerName) ?? ctx.container : ctx.container;
  const [kind, res] = String(ref.resource ?? '').split('.');
  const own = kind === 'limits' ? c.resources?.limits?.[res] : kind === 'requests' ? c.resources?.requests?.[res] : undefined;
  const value = parseQuantity(own ?? (kind === 'limits' ? ctx.allocatable[res] : '0')) ?? 0;
  const divisor = parseQuantity(ref.divisor ?? (res === 'cpu' ? '1' : '1')) || 1;
  return String(Math.ceil(value / divisor));
}
