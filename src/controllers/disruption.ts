// The disruption controller (kube's pkg/controller/disruption): keeps each
// PodDisruptionBudget's status (expected, desired and current healthy pods,
// the disruptions allowed) so that the eviction subresource can decide from
// the budget alone. Pods an eviction has just taken (status.disruptedPods)
// stop counting as healthy until they go, or for two minutes at most.
import type { KObject } from '../resources/types';
import { definitions, lookup, storagePrefix } from '../resources/registry';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { keyOf, splitKey, type Reconciler } from './client/controller';
import { budgetSelects, setDisruptionAllowed } from '../resources/defs/policy/poddisruptionbudgets';
import { scaled } from './deploymentutil';
import { isPodReady, parseTime, setCondition } from './util';

export const DISRUPTION_COMPONENT = 'disruption-controller';
/** How long an evicted pod is expected to take to be deleted (kube's DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

const pdbsDef = () => lookup('policy', 'v1', 'poddisruptionbudgets')!;
const podsDef = () => lookup('', 'v1', 'pods')!;

class SyncError extends Error {}

export class DisruptionController implements Reconciler {
  readonly name = DISRUPTION_COMPONENT;
  readonly queue = new WorkQueue();
  private readonly pdbs: Informer;
  private readonly pods: Informer;
  /** The owners whose scale makes a percentage budget's denominator, by kind. */
  private readonly owners: Record<string, Informer>;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.pdbs = informers.for(storagePrefix(pdbsDef()));
    this.pods = informers.for(storagePrefix(podsDef()));
    this.owners = {
      ReplicaSet: informers.for(storagePrefix(lookup('apps', 'v1', 'replicasets')!)),
      Deployment: informers.for(storagePrefix(lookup('apps', 'v1', 'deployments')!)),
      StatefulSet: informers.for(storagePrefix(lookup('apps', 'v1', 'statefulsets')!)),
      ReplicationController: informers.for(storagePrefix(lookup('', 'v1', 'replicationcontrollers')!)),
    };
    this.pdbs.on(({ obj, old }) => {
      const pdb = obj ?? old!;
      this.queue.add(keyOf(pdb.metadata.namespace, pdb.metadata.name));
    });
    this.pods.on(({ obj, old }) => {
      for (const pod of [old, obj]) if (pod) this.enqueueBudgetsOf(pod);
    });
  }

  private enqueueBudgetsOf(pod: KObject) {
    const ns = pod.metadata.namespace;
    for (const pdb of this.pdbs.list(ns)) if (budgetSelects(pdb, pod.metadata.labels)) this.queue.add(keyOf(ns, pdb.metadata.name));
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const pods = this.pods.list(namespace).filter((p) => budgetSelects(pdb, p.metadata.labels));
    if (pods.length === 0 && pdb.status?.observedGeneration !== pdb.metadata.generation) {
      await this.client.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    }
    let counts: { expected: number; desired: number; unmanaged: string[] };
    try {
      counts = this.expectedCount(pdb, pods);
    } catch (e) {
      if (!(e instanceof SyncError)) throw e;
      await this.client.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${e.message}`);
      await this.failSafe(pdb, e.message, now);
      return;
    }
    if (counts.unmanaged.length > 0 && pdb.status?.observedGeneration !== pdb.metadata.generation) {
      await this.client.event(pdb, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
    }
    const { disrupted, recheckAt } = await this.disruptedPods(pdb, pods, now);
    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !(p.metadata.name in disrupted) && isPodReady(p)).length;
    await this.updateStatus(pdb, { currentHealthy: healthy, desiredHealthy: counts.desired, expectedPods: counts.expected, disrupted }, now);
    return recheckAt;
  }

  /** getExpectedPodCount: an integer minAvailable counts the pods; anything else, the scale of their controllers. */
  private expectedCount(pdb: KObject, pods: KObject[]): { expected: number; desired: number; unmanaged: string[] } {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const { expected, unmanaged } = this.expectedScale(pods);
      return { expected, desired: Math.max(0, expected - scaled(maxUnavailable, expected, true)), unmanaged };
    }
    if (typeof minAvailable === 'number') return { expected: pods.length, desired: minAvailable, unmanaged: [] };
    if (typeof minAvailable === 'string') {
      const { expected, unmanaged } = this.expectedScale(pods);
      return { expected, desired: scaled(minAvailable, expected, true), unmanaged };
    }
    return { expected: 0, desired: 0, unmanaged: [] };
  }

  /** The sum of the scales of the pods' controllers; pods without one are unmanaged. */
  private expectedScale(pods: KObject[]): { expected: number; unmanaged: string[] } {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRef(pod);
      if (!ref) { unmanaged.push(pod.metadata.name); continue; }
      if (scales.has(ref.uid)) continue;
      const found = this.scaleOf(ref, pod.metadata.namespace);
      if (!found) throw new SyncError(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    return { expected: [...scales.values()].reduce((a, b) => a + b, 0), unmanaged };
  }

  /** The finders: a ReplicaSet (or the Deployment above it), a ReplicationController, a StatefulSet. */
  private scaleOf(ref: KObject, namespace: string): { uid: string; scale: number } | undefined {
    const owned = (kind: string, r: KObject | undefined) => {
      if (!r || r.kind !== kind) return undefined;
      const o = this.owners[kind]?.get(namespace, r.name);
      return o && o.metadata.uid === r.uid ? o : undefined;
    };
    const rs = owned('ReplicaSet', ref);
    if (rs) {
      const dep = owned('Deployment', controllerRef(rs));
      if (dep) return { uid: dep.metadata.uid, scale: dep.spec?.replicas ?? 1 };
      if (controllerRef(rs)?.kind === 'Deployment') return undefined;
      return { uid: rs.metadata.uid, scale: rs.spec?.replicas ?? 1 };
    }
    const other = owned('ReplicationController', ref) ?? owned('StatefulSet', ref);
    if (other) return { uid: other.metadata.uid, scale: other.spec?.replicas ?? 1 };
    if (this.owners[ref.kind]) return undefined;
    // Kube then asks the owner's scale subresource; of the kinds served here only the ones above have one.
    const apiVersion = String(ref.apiVersion ?? '');
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const def = definitions().find((d) => d.group === group && d.kind === ref.kind);
    if (!def) throw new SyncError(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    if (!(def.subresources ?? []).some((s) => s.name === 'scale')) {
      throw new SyncError(`${def.resource}${def.group ? `.${def.group}` : ''} does not implement the scale subresource`);
    }
    return undefined;
  }

  /** buildDisruptedPodMap: evicted pods still expected to go, and when the earliest expectation runs out. */
  private async disruptedPods(pdb: KObject, pods: KObject[], now: number): Promise<{ disrupted: Record<string, string>; recheckAt?: number }> {
    const listed: Record<string, string> = pdb.status?.disruptedPods ?? {};
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp || !(pod.metadata.name in listed)) continue;
      const expected = (parseTime(listed[pod.metadata.name]) ?? 0) + DELETION_TIMEOUT_MS;
      if (expected < now) {
        await this.client.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
        continue;
      }
      disrupted[pod.metadata.name] = listed[pod.metadata.name];
      recheckAt = Math.min(recheckAt ?? Infinity, expected);
    }
    return { disrupted, recheckAt };
  }

  private async updateStatus(pdb: KObject, s: { currentHealthy: number; desiredHealthy: number; expectedPods: number; disrupted: Record<string, string> }, now: number) {
    const allowed = s.expectedPods <= 0 ? 0 : Math.max(0, s.currentHealthy - s.desiredHealthy);
    const next: KObject = structuredClone(pdb);
    next.status = {
      observedGeneration: pdb.metadata.generation,
      ...(Object.keys(s.disrupted).length ? { disruptedPods: s.disrupted } : {}),
      disruptionsAllowed: allowed, currentHealthy: s.currentHealthy, desiredHealthy: s.desiredHealthy, expectedPods: s.expectedPods,
      conditions: pdb.status?.conditions ?? [],
    };
    setDisruptionAllowed(next, now);
    if (JSON.stringify(next.status) === JSON.stringify(pdb.status)) return;
    await this.client.updateStatus(pdbsDef(), next);
  }

  /** failSafe: when the numbers cannot be worked out, allow no disruption and say why. */
  private async failSafe(pdb: KObject, message: string, now: number) {
    const next: KObject = structuredClone(pdb);
    next.status = { ...(next.status ?? {}), disruptionsAllowed: 0 };
    setCondition(next, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message, observedGeneration: next.status.observedGeneration ?? 0 }, now);
    if (JSON.stringify(next.status) === JSON.stringify(pdb.status)) return;
    await this.client.updateStatus(pdbsDef(), next);
  }
}
