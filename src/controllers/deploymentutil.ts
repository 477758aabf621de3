// The arithmetic of Deployments (kube's pkg/controller/deployment/util):
// the pod-template-hash, surge and unavailability budgets, revisions, the
// annotations a Deployment's ReplicaSets carry, and its conditions.
import type { KObject } from '../resources/types';
import { deepEqual } from '../resources/validation';
import { percentOf } from '../resources/validation';
import { parseTime, time } from './util';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Annotations a Deployment keeps to itself rather than copying to its ReplicaSets (annotationsToSkip). */
const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS]);

/** Canonical JSON, keys sorted, so equal templates hash alike whatever order their fields were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as KObject)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** rand.SafeEncodeString's alphabet: no vowels, no look-alike characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** ComputeHash: FNV-32a of the template and the collision count, encoded as kube encodes it. */
export function computeHash(template: KObject, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const text = canonical(template) + (collisionCount !== undefined && collisionCount !== null ? String(collisionCount) : '');
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** EqualIgnoreHash: the same pod template, apart from the hash label. */
export function equalIgnoreHash(a: KObject | undefined, b: KObject | undefined): boolean {
  const strip = (t: KObject | undefined) => {
    const c = structuredClone(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    return c;
  };
  return deepEqual(strip(a), strip(b));
}

/** An int-or-percent of `total`, rounded up or down (intstr.GetScaledValueFromIntOrPercent). */
export function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const pct = percentOf(v);
  if (pct === undefined) return 0;
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** ResolveFenceposts: maxSurge rounds up, maxUnavailable down, and both cannot be zero. */
export function fenceposts(d: KObject): { surge: number; unavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const surge = scaled(ru.maxSurge ?? '25%', replicas, true);
  let unavailable = scaled(ru.maxUnavailable ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const isRolling = (d: KObject) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxUnavailable(d: KObject): number {
  const replicas = d.spec?.replicas ?? 1;
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export function maxSurge(d: KObject): number {
  return isRolling(d) ? fenceposts(d).surge : 0;
}

export const replicasOf = (rs: KObject | undefined): number => rs?.spec?.replicas ?? 0;
export const sumSpec = (list: KObject[]) => list.reduce((n, rs) => n + replicasOf(rs), 0);
export const sumStatus = (list: KObject[], field: string) => list.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);

export const revisionOf = (rs: KObject): number => {
  const n = Number(rs.metadata?.annotations?.[REVISION]);
  return Number.isFinite(n) ? n : 0;
};

export const maxRevision = (list: KObject[]) => list.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

export const byCreation = (a: KObject, b: KObject) =>
  (parseTime(a.metadata?.creationTimestamp) ?? 0) - (parseTime(b.metadata?.creationTimestamp) ?? 0) || (a.metadata.name < b.metadata.name ? -1 : 1);

/**
 * The annotations a ReplicaSet takes from its Deployment (copyDeploymentAnnotationsToReplicaSet,
 * SetNewReplicaSetAnnotations, SetReplicasAnnotations); returns whether any changed.
 */
export function setReplicaSetAnnotations(d: KObject, rs: KObject, revision: number | undefined, copyAll: boolean): boolean {
  const before = JSON.stringify(rs.metadata.annotations ?? {});
  const a: Record<string, string> = (rs.metadata.annotations ??= {});
  if (copyAll) {
    for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (!SKIPPED_ANNOTATIONS.has(k)) a[k] = v as string;
  }
  if (revision !== undefined) {
    const old = a[REVISION];
    if (old !== undefined && Number(old) < revision) {
      // The revisions a template had before a rollback made it current again.
      a[REVISION_HISTORY] = a[REVISION_HISTORY] ? `${a[REVISION_HISTORY]},${old}` : old;
    }
    if (old === undefined || Number(old) < revision) a[REVISION] = String(revision);
  }
  a[DESIRED_REPLICAS] = String(d.spec?.replicas ?? 1);
  a[MAX_REPLICAS] = String((d.spec?.replicas ?? 1) + maxSurge(d));
  return JSON.stringify(a) !== before;
}

// ---- conditions ------------------------------------------------------------------

export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';

export const conditionOf = (status: KObject, type: string): KObject | undefined => (status.conditions ?? []).find((c: KObject) => c.type === type);

/**
 * SetDeploymentCondition: nothing changes when status and reason are the
 * same; the transition time stays when only the reason does.
 */
export function setDeploymentCondition(status: KObject, cond: { type: string; status: string; reason: string; message: string }, now: number) {
  const cur = conditionOf(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const t = time(now);
  const next = { ...cond, lastUpdateTime: t, lastTransitionTime: cur && cur.status === cond.status ? cur.lastTransitionTime : t };
  status.conditions = [...(status.conditions ?? []).filter((c: KObject) => c.type !== cond.type), next];
}

export function removeCondition(status: KObject, type: string) {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: KObject) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

const replicas = (d: KObject) => d.spec?.replicas ?? 1;

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export const deploymentComplete = (d: KObject, s: KObject) =>
  (s.updatedReplicas ?? 0) === replicas(d) && (s.replicas ?? 0) === replicas(d) && (s.availableReplicas ?? 0) === replicas(d) && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than before. */
export function deploymentProgressing(d: KObject, s: KObject): boolean {
  const o = d.status ?? {};
  const oldOnes = (x: KObject) => (x.replicas ?? 0) - (x.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || oldOnes(s) < oldOnes(o)
    || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

/** When a deployment in progress runs out of time (from its Progressing condition's last update). */
export function progressDeadline(d: KObject, s: KObject): number | undefined {
  const secs = d.spec?.progressDeadlineSeconds;
  if (typeof secs !== 'number') return undefined;
  const cond = conditionOf(s, 'Progressing');
  if (!cond || cond.reason === NEW_RS_AVAILABLE || cond.reason === TIMED_OUT) return undefined;
  const from = parseTime(cond.lastUpdateTime);
  return from === undefined ? undefined : from + secs * 1000;
}
