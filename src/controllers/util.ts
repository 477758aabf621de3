// Small pieces the controllers share: reading kinds through the rest layer,
// conditions, taints and tolerations, and timestamps.
import type { KObject, ResourceDefinition } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { ApiError } from '../status/status';
import { rfc3339 } from '../rest/objects';

export const defs = {
  pods: () => lookup('', 'v1', 'pods') as ResourceDefinition,
  nodes: () => lookup('', 'v1', 'nodes') as ResourceDefinition,
  services: () => lookup('', 'v1', 'services') as ResourceDefinition,
  endpoints: () => lookup('', 'v1', 'endpoints') as ResourceDefinition,
  events: () => lookup('', 'v1', 'events') as ResourceDefinition,
  leases: () => lookup('coordination.k8s.io', 'v1', 'leases') as ResourceDefinition,
  endpointslices: () => lookup('discovery.k8s.io', 'v1', 'endpointslices') as ResourceDefinition,
};

export { listAll } from '../rest/read';

/** Runs a write; an object that went away (404) or changed under a pinned precondition (409) is skipped. */
export async function ignoreGoneOrConflict<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && (e.status.code === 404 || e.status.code === 409)) return undefined;
    throw e;
  }
}

/** Like ignoreGoneOrConflict, and also a namespace that is terminating (403) or otherwise refusing. */
export async function bestEffort<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && [403, 404, 409].includes(e.status.code ?? 0)) return undefined;
    throw e;
  }
}

export const time = (ms: number) => rfc3339(ms);
export const parseTime = (t: unknown): number | undefined => {
  if (typeof t !== 'string' || !t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
};

// ---- conditions ----------------------------------------------------------------

export const condition = (obj: KObject, type: string): KObject | undefined =>
  (obj.status?.conditions ?? []).find((c: KObject) => c?.type === type);

export const isPodReady = (pod: KObject) => condition(pod, 'Ready')?.status === 'True';

export const nodeReadyStatus = (node: KObject): 'True' | 'False' | 'Unknown' | undefined => condition(node, 'Ready')?.status;

/**
 * Sets a condition on an object's status, kube style: lastTransitionTime moves
 * only when the status changes. Returns whether anything changed.
 */
export function setCondition(obj: KObject, cond: KObject, now: number): boolean {
  obj.status ??= {};
  const list: KObject[] = (obj.status.conditions ??= []);
  const i = list.findIndex((c) => c?.type === cond.type);
  const old = i >= 0 ? list[i] : undefined;
  if (old && Object.entries(cond).every(([k, v]) => old[k] === v)) return false;
  const next: KObject = { ...(old ?? {}), ...cond };
  if (!old || old.status !== cond.status) next.lastTransitionTime = time(now);
  if (i >= 0) list[i] = next;
  else list.push(next);
  return true;
}

// ---- taints and tolerations ------------------------------------------------------

export interface Taint { key: string; value?: string; effect: string; timeAdded?: string }
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** v1.Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.key ?? '') !== '' && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export const tolerationsOf = (pod: KObject): Toleration[] => (Array.isArray(pod.spec?.tolerations) ? pod.spec.tolerations : []);
export const taintsOf = (node: KObject): Taint[] => (Array.isArray(node.spec?.taints) ? node.spec.taints : []);

export const podKey = (pod: KObject) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

/** A pod that has finished: it holds no resources and serves nothing. */
export const isTerminal = (pod: KObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
