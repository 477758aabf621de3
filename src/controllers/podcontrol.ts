// What the workload controllers share about pods (kube's controller_utils):
// pods made from a template with a controllerRef, which pods count as
// active, ready and available, and which pods go first when scaling down.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { ControllerClient } from './client/client';
import { controllerRef } from './client/informer';
import { selectorMatches } from '../resources/defs/shared';
import { condition, isPodReady, isTerminal, parseTime } from './util';

/** An ownerReference naming `owner` as the controller, blocking its foreground deletion (kube's NewControllerRef). */
export function newControllerRef(owner: KObject): KObject {
  return {
    apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid,
    controller: true, blockOwnerDeletion: true,
  };
}

/** A workload's LabelSelector selecting a label set; an empty selector selects nothing (kube's controllers never match on one). */
export const workloadSelects = (sel: KObject | undefined, labels: Record<string, string> | undefined) =>
  !!sel && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length > 0 && selectorMatches(sel, labels);

/**
 * ClaimObjects (kube's ControllerRefManager): of `candidates`, the ones this
 * owner controls once orphans its selector matches are adopted and owned
 * ones it no longer matches are released. An owner being deleted neither
 * adopts nor releases.
 */
export async function claim(client: ControllerClient, def: ResourceDefinition, owner: KObject, candidates: KObject[], matches: (obj: KObject) => boolean): Promise<KObject[]> {
  const uid = owner.metadata.uid;
  const deleting = !!owner.metadata.deletionTimestamp;
  const claimed: KObject[] = [];
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    const match = matches(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (match) claimed.push(obj);
      else if (!deleting) await client.update(def, withoutOwner(obj, uid));
      continue;
    }
    if (!match || deleting || obj.metadata.deletionTimestamp) continue;
    const adopted = structuredClone(obj);
    adopted.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), newControllerRef(owner)];
    claimed.push(await client.update(def, adopted));
  }
  return claimed;
}

/** The object without its references to `uid`. */
export function withoutOwner(obj: KObject, uid: string): KObject {
  const next = structuredClone(obj);
  next.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r: KObject) => r?.uid !== uid);
  if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
  return next;
}

/** GetPodFromTemplate: labels, annotations and finalizers of the template, named after the owner. */
export function podFromTemplate(template: KObject, owner: KObject, extra: { labels?: Record<string, string>; name?: string } = {}): KObject {
  const m = template?.metadata ?? {};
  const metadata: KObject = {
    namespace: owner.metadata.namespace,
    labels: { ...(m.labels ?? {}), ...(extra.labels ?? {}) },
    ownerReferences: [newControllerRef(owner)],
  };
  if (extra.name) metadata.name = extra.name;
  else metadata.generateName = `${owner.metadata.name}-`;
  if (m.annotations) metadata.annotations = { ...m.annotations };
  if (m.finalizers) metadata.finalizers = [...m.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template?.spec ?? {}) };
}

/** FilterActivePods: neither finished nor being deleted. */
export const isActive = (pod: KObject) => !isTerminal(pod) && !pod.metadata?.deletionTimestamp;

/** When a ready pod became ready, from its Ready condition. */
const readySince = (pod: KObject) => parseTime(condition(pod, 'Ready')?.lastTransitionTime);

/** IsPodAvailable: ready for at least minReadySeconds. */
export function isAvailable(pod: KObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = readySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** When a ready pod that is not yet available will be, for a requeue. */
export function availableAt(pod: KObject, minReadySeconds: number): number | undefined {
  if (!isPodReady(pod) || !minReadySeconds) return undefined;
  const since = readySince(pod);
  return since === undefined ? undefined : since + minReadySeconds * 1000;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const restarts = (pod: KObject) => (pod.status?.containerStatuses ?? []).reduce((n: number, c: KObject) => n + (c?.restartCount ?? 0), 0);

/**
 * The pods to delete first when scaling down, in kube's order
 * (ActivePodsWithRanks): unscheduled before scheduled, Pending before
 * Unknown before Running, not ready before ready, pods on crowded nodes
 * first, ready for less time first, more restarts first, newest first.
 */
export function podsToDelete(pods: KObject[], count: number): KObject[] {
  const onNode = new Map<string, number>();
  for (const p of pods) if (p.spec?.nodeName) onNode.set(p.spec.nodeName, (onNode.get(p.spec.nodeName) ?? 0) + 1);
  const rank = (p: KObject) => (p.spec?.nodeName ? onNode.get(p.spec.nodeName) ?? 0 : 0);
  const created = (p: KObject) => parseTime(p.metadata?.creationTimestamp) ?? 0;
  const sorted = [...pods].sort((a, b) => {
    if (!a.spec?.nodeName !== !b.spec?.nodeName) return a.spec?.nodeName ? 1 : -1;
    const pa = PHASE_RANK[a.status?.phase] ?? 0, pb = PHASE_RANK[b.status?.phase] ?? 0;
    if (pa !== pb) return pa - pb;
    if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    if (isPodReady(a) && isPodReady(b)) {
      const ra = readySince(a) ?? 0, rb = readySince(b) ?? 0;
      if (ra !== rb) return rb - ra;
    }
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
    if (created(a) !== created(b)) return created(b) - created(a);
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? 1 : -1;
  });
  return sorted.slice(0, count);
}

/** Whether every label of the template is on the pod (status.fullyLabeledReplicas). */
export const fullyLabeled = (pod: KObject, template: KObject) =>
  Object.entries(template?.metadata?.labels ?? {}).every(([k, v]) => pod.metadata?.labels?.[k] === v);
