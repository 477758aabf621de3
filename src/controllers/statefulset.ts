// The StatefulSet controller (kube's pkg/controller/statefulset): pods with
// stable ordinal names and their own claims, created in order and each
// waited for (OrderedReady) or all at once (Parallel), removed from the
// highest ordinal down, and updated from the highest ordinal down to the
// partition (RollingUpdate) or only when deleted (OnDelete); ControllerRevisions
// record each template, and status tells `kubectl rollout status` where it is.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { availableAt, claim, isAvailable, workloadSelects } from './podcontrol';
import { scaled } from './deploymentutil';
import { CONTROLLER_REVISION_HASH, ensureRevision, revisionsDef, truncateHistory } from './history';
import { newClaims, newStatefulSetPod, ordinalOf, retainedClaim } from './statefulsetpods';
import { ignoreGoneOrConflict, isPodReady, isTerminal, time } from './util';

const COMPONENT = 'statefulset-controller';
const setsDef = () => lookup('apps', 'v1', 'statefulsets')!;
const podsDef = () => lookup('', 'v1', 'pods')!;
const claimsDef = () => lookup('', 'v1', 'persistentvolumeclaims')!;
const selects = (set: KObject, labels: Record<string, string> | undefined) => workloadSelects(set.spec?.selector, labels);

const revisionOf = (pod: KObject) => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH];
const terminating = (pod: KObject) => !!pod.metadata?.deletionTimestamp;
const runningAndReady = (pod: KObject) => pod.status?.phase === 'Running' && isPodReady(pod);

/** The moves of one sync, kept so the status written after it counts what was just done. */
interface Sync { slots: (KObject | undefined)[]; condemned: KObject[]; requeueAt?: number }

export class StatefulSetController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly revisions: Informer;
  private readonly claims: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.sets = informers.for(storagePrefix(setsDef()));
    this.pods = informers.for(storagePrefix(podsDef()));
    this.revisions = informers.for(storagePrefix(revisionsDef()));
    this.claims = informers.for(storagePrefix(claimsDef()));
    this.sets.on(({ obj, old }) => {
      const s = obj ?? old!;
      this.queue.add(keyOf(s.metadata.namespace, s.metadata.name));
    });
    this.pods.on(({ obj, old }) => {
      for (const pod of [old, obj]) if (pod) this.enqueueOwnerOf(pod);
    });
  }

  private enqueueOwnerOf(pod: KObject) {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind === 'StatefulSet') this.queue.add(keyOf(ns, ref.name));
      return;
    }
    if (terminating(pod)) return;
    for (const s of this.sets.list(ns)) if (selects(s, pod.metadata.labels)) this.queue.add(keyOf(ns, s.metadata.name));
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.get(namespace, name);
    if (!cached) return;
    const set = structuredClone(cached);
    const revs = await claim(this.client, revisionsDef(), set, this.revisions.list(namespace), (r) => selects(set, r.metadata.labels));
    const pods = await claim(this.client, podsDef(), set, this.pods.list(namespace),
      (p) => selects(set, p.metadata.labels) && ordinalOf(set, p) !== undefined);
    if (set.metadata.deletionTimestamp) return;
    const status: KObject = { collisionCount: set.status?.collisionCount };
    const update = await ensureRevision(this.client, set, revs, status);
    const history = [...revs.filter((r) => r.metadata.name !== update.metadata.name), update];
    const current = history.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    const sync = await this.sync(set, current, update, pods, now);
    await this.writeStatus(set, status, current, update, sync, now);
    const live = new Set([current.metadata.name, update.metadata.name, ...pods.map(revisionOf).filter(Boolean)]);
    await truncateHistory(this.client, history, live, set.spec.revisionHistoryLimit ?? 10);
    return sync.requeueAt;
  }

  /** updateStatefulSet: one step towards the desired pods; OrderedReady stops at the first pod it must wait for. */
  private async sync(set: KObject, current: KObject, update: KObject, pods: KObject[], now: number): Promise<Sync> {
    const start = set.spec.ordinals?.start ?? 0;
    const replicas = set.spec.replicas ?? 1;
    const monotonic = set.spec.podManagementPolicy !== 'Parallel';
    const minReady = set.spec.minReadySeconds ?? 0;
    const s: Sync = { slots: new Array(replicas).fill(undefined), condemned: [] };
    for (const p of pods) {
      const ord = ordinalOf(set, p)!;
      if (ord >= start && ord < start + replicas) s.slots[ord - start] = p;
      else s.condemned.push(p);
    }
    s.condemned.sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!);
    const healthy = (p: KObject | undefined) => !!p && !terminating(p) && runningAndReady(p) && isAvailable(p, minReady, now);
    const due = pods.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > now);
    if (due.length) s.requeueAt = Math.min(...due);

    const strategy = set.spec.updateStrategy ?? {};
    const partition = strategy.type === 'RollingUpdate' ? (strategy.rollingUpdate?.partition ?? 0) : 0;
    for (let i = 0; i < replicas; i++) {
      const ord = start + i;
      let pod = s.slots[i];
      if (pod && isTerminal(pod) && !terminating(pod)) {
        await this.client.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating failed Pod ${pod.metadata.name}`);
        await this.deletePod(set, pod);
        s.slots[i] = pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: time(now) } };
      }
      if (!pod) {
        const revision = strategy.type === 'RollingUpdate' && i < partition ? current : update;
        s.slots[i] = await this.createPod(set, revision, ord);
        if (monotonic) return s;
        continue;
      }
      if (terminating(pod)) {
        if (monotonic) return s;
        continue;
      }
      await this.ensureClaims(set, pod, ord, false);
      if (monotonic && !healthy(pod)) return s;
    }

    const firstUnhealthy = [...s.slots, ...[...s.condemned].reverse()].find((p) => !healthy(p));
    for (const pod of s.condemned) {
      if (terminating(pod)) {
        if (monotonic) return s;
        continue;
      }
      if (monotonic && firstUnhealthy && firstUnhealthy !== pod) return s;
      await this.ensureClaims(set, pod, ordinalOf(set, pod)!, true);
      await this.deletePod(set, pod);
      pod.metadata.deletionTimestamp = time(now);
      if (monotonic) return s;
    }

    if (strategy.type !== 'RollingUpdate') return s;
    // From the highest ordinal down to the partition, at most maxUnavailable pods down at a time.
    const budget = Math.max(1, scaled(strategy.rollingUpdate?.maxUnavailable ?? 1, replicas, false));
    let unavailable = s.slots.filter((p) => !healthy(p)).length;
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = s.slots[i];
      if (!pod || terminating(pod) || revisionOf(pod) === update.metadata.name) continue;
      if (healthy(pod)) {
        if (unavailable >= budget) break;
        unavailable++;
      }
      await this.deletePod(set, pod);
      pod.metadata.deletionTimestamp = time(now);
    }
    return s;
  }

  private async createPod(set: KObject, revision: KObject, ordinal: number): Promise<KObject | undefined> {
    const pod = newStatefulSetPod(set, revision, ordinal);
    await this.ensureClaims(set, pod, ordinal, false);
    try {
      const created = await this.client.create(podsDef(), pod);
      await this.client.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      return created;
    } catch (e) {
      // The previous pod of this ordinal is still going away: the next pass creates it.
      if (isStatusCode(e, 409)) return undefined;
      const msg = e instanceof Error ? e.message : String(e);
      await this.client.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${msg}`);
      throw e;
    }
  }

  private async deletePod(set: KObject, pod: KObject) {
    const gone = await ignoreGoneOrConflict(this.client.delete(podsDef(), pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } }).then(() => true));
    if (gone) await this.client.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  /** createPersistentVolumeClaims, and the claims' owners kept to the retention policy. */
  private async ensureClaims(set: KObject, pod: KObject, ordinal: number, condemned: boolean) {
    for (const want of newClaims(set, ordinal)) {
      const have = this.claims.get(set.metadata.namespace, want.metadata.name);
      if (!have) {
        const fresh = retainedClaim(set, want, pod, condemned) ?? want;
        try {
          await this.client.create(claimsDef(), fresh);
          await this.client.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${want.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
        } catch (e) {
          if (isStatusCode(e, 409)) continue;
          const msg = e instanceof Error ? e.message : String(e);
          await this.client.event(set, 'Warning', 'FailedCreate', `create Claim ${want.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${msg}`);
          throw e;
        }
        continue;
      }
      if (have.metadata.deletionTimestamp) continue;
      const owned = retainedClaim(set, have, pod, condemned);
      if (owned) await this.client.update(claimsDef(), owned);
    }
  }

  /** computeReplicaStatus and completeRollingUpdate. */
  private async writeStatus(set: KObject, status: KObject, current: KObject, update: KObject, s: Sync, now: number) {
    const pods = [...s.slots, ...s.condemned].filter((p): p is KObject => !!p);
    const minReady = set.spec.minReadySeconds ?? 0;
    const next: KObject = {
      ...(set.status ?? {}),
      observedGeneration: set.metadata.generation,
      replicas: pods.length,
      readyReplicas: pods.filter(runningAndReady).length,
      availableReplicas: pods.filter((p) => runningAndReady(p) && isAvailable(p, minReady, now)).length,
      currentReplicas: pods.filter((p) => !terminating(p) && revisionOf(p) === current.metadata.name).length,
      updatedReplicas: pods.filter((p) => !terminating(p) && revisionOf(p) === update.metadata.name).length,
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
    };
    if (status.collisionCount !== undefined) next.collisionCount = status.collisionCount;
    const replicas = set.spec.replicas ?? 1;
    if (set.spec.updateStrategy?.type === 'RollingUpdate' && next.updatedReplicas === replicas && next.readyReplicas === replicas && next.replicas === replicas) {
      next.currentReplicas = next.updatedReplicas;
      next.currentRevision = next.updateRevision;
    }
    for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (next[f] === 0) delete next[f];
    if (deepEqual(next, set.status)) return;
    await this.client.updateStatus(setsDef(), { ...set, status: next });
  }
}
