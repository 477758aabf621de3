// The Deployment controller (kube's pkg/controller/deployment): a ReplicaSet
// per pod template, named with its pod-template-hash; rolling updates within
// maxSurge and maxUnavailable, or Recreate; revisions and their history;
// pausing; proportional scaling during a rollout; the Available and
// Progressing conditions with the progress deadline; and the status counts
// `kubectl rollout status` waits on.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { claim, isActive, newControllerRef, workloadSelects } from './podcontrol';
import {
  NEW_RS_AVAILABLE, PAUSED, POD_TEMPLATE_HASH, RESUMED, RS_UPDATED, TIMED_OUT,
  byCreation, computeHash, conditionOf, deploymentComplete, deploymentProgressing, equalIgnoreHash,
  maxRevision, maxSurge, maxUnavailable, progressDeadline, removeCondition, replicasOf, revisionOf,
  setDeploymentCondition, setReplicaSetAnnotations, sumSpec, sumStatus, DESIRED_REPLICAS, REVISION,
} from './deploymentutil';
import { ignoreGoneOrConflict, time } from './util';

const COMPONENT = 'deployment-controller';
const deploymentsDef = () => lookup('apps', 'v1', 'deployments')!;
const replicaSetsDef = () => lookup('apps', 'v1', 'replicasets')!;
const selects = (d: KObject, labels: Record<string, string> | undefined) => workloadSelects(d.spec?.selector, labels);

/** The status each Deployment in hand last had in the store: what a status write is compared against. */
const storedStatus = new WeakMap<KObject, KObject>();

/** Takes a write's result into the Deployment in hand. */
function took(d: KObject, written: KObject) {
  Object.assign(d, written);
  storedStatus.set(d, structuredClone(written.status ?? {}));
}

export class DeploymentController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.deployments = informers.for(storagePrefix(deploymentsDef()));
    this.replicaSets = informers.for(storagePrefix(replicaSetsDef()));
    this.pods = informers.for('/core/pods/');
    this.deployments.on(({ obj, old }) => {
      const d = obj ?? old!;
      this.queue.add(keyOf(d.metadata.namespace, d.metadata.name));
    });
    this.replicaSets.on(({ obj, old }) => {
      for (const rs of [old, obj]) if (rs) this.enqueueOwnerOf(rs);
    });
    // Recreate waits for the old pods to be gone.
    this.pods.on(({ obj, old }) => {
      const pod = obj ?? old!;
      if (obj && isActive(obj)) return;
      const ref = controllerRef(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.replicaSets.get(pod.metadata.namespace, ref.name);
      if (rs) this.enqueueOwnerOf(rs);
    });
  }

  private enqueueOwnerOf(rs: KObject) {
    const ns = rs.metadata.namespace;
    const ref = controllerRef(rs);
    if (ref) {
      if (ref.kind === 'Deployment') this.queue.add(keyOf(ns, ref.name));
      return;
    }
    if (rs.metadata.deletionTimestamp) return;
    for (const d of this.deployments.list(ns)) if (selects(d, rs.metadata.labels)) this.queue.add(keyOf(ns, d.metadata.name));
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    storedStatus.set(d, structuredClone(cached.status ?? {}));
    const rsList = await claim(this.client, replicaSetsDef(), d, this.replicaSets.list(namespace), (rs) => selects(d, rs.metadata.labels));
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList, now);
    await this.checkPausedConditions(d, now);
    if (d.spec.paused) return this.sync(d, rsList, now);
    if (this.isScalingEvent(d, rsList)) return this.sync(d, rsList, now);
    if (d.spec.strategy?.type === 'Recreate') return this.rolloutRecreate(d, rsList, now);
    return this.rolloutRolling(d, rsList, now);
  }

  // ---- the new and old ReplicaSets ---------------------------------------------

  /** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
  private findNew(d: KObject, rsList: KObject[]): KObject | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec.template));
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new ReplicaSet (made when asked and
   * missing, its revision raised past every old one) and the old ones.
   */
  private async newAndOld(d: KObject, rsList: KObject[], create: boolean, now: number): Promise<{ newRS?: KObject; old: KObject[] }> {
    let newRS = this.findNew(d, rsList);
    const old = rsList.filter((rs) => rs !== newRS);
    const revision = maxRevision(old) + 1;
    if (newRS) {
      const next = structuredClone(newRS);
      const changed = setReplicaSetAnnotations(d, next, revision, true) || (next.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      next.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      if (changed) newRS = await this.client.update(replicaSetsDef(), next);
    }
    let created = false;
    if (!newRS && create) {
      newRS = await this.createReplicaSet(d, rsList, revision);
      if (!newRS) return { old };
      created = true;
    }
    // The Deployment carries its new ReplicaSet's revision.
    const rev = newRS ? String(revisionOf(newRS)) : undefined;
    if (rev && d.metadata.annotations?.[REVISION] !== rev) {
      d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: rev };
      took(d, await this.client.update(deploymentsDef(), d));
    }
    // The rollout's first news: its ReplicaSet made or found (written with the status that follows).
    if (newRS && typeof d.spec.progressDeadlineSeconds === 'number') {
      const status = (d.status ??= {});
      const rsName = newRS.metadata.name;
      if (created) setDeploymentCondition(status, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` }, now);
      else if (!conditionOf(status, 'Progressing')) setDeploymentCondition(status, { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${rsName}"` }, now);
    }
    return { newRS, old };
  }

  private async createReplicaSet(d: KObject, rsList: KObject[], revision: number): Promise<KObject | undefined> {
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const rs: KObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: template.metadata.labels,
        ownerReferences: [newControllerRef(d)],
      },
      spec: {
        replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, template,
        selector: { ...structuredClone(d.spec.selector), matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
      },
    };
    const all = [...rsList];
    rs.spec.replicas = this.newReplicaCount(d, all, rs);
    setReplicaSetAnnotations(d, rs, revision, true);
    try {
      const created = await this.client.create(replicaSetsDef(), rs);
      if (rs.spec.replicas > 0) await this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${rs.spec.replicas}`);
      return created;
    } catch (e) {
      if (!isStatusCode(e, 409)) throw e;
      // A ReplicaSet of that name exists: ours with this template is fine; anything else is a hash collision.
      const existing = await this.client.get(replicaSetsDef(), d.metadata.namespace, rs.metadata.name);
      if (existing && controllerRef(existing)?.uid === d.metadata.uid && equalIgnoreHash(existing.spec?.template, d.spec.template)) return existing;
      const next = structuredClone(d);
      next.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
      took(d, await this.client.updateStatus(deploymentsDef(), next));
      return undefined;
    }
  }

  /** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
  private newReplicaCount(d: KObject, all: KObject[], newRS: KObject): number {
    const want = d.spec.replicas ?? 1;
    if (d.spec.strategy?.type === 'Recreate') return want;
    const current = sumSpec(all.filter((rs) => rs !== newRS)) + replicasOf(newRS);
    const maxTotal = want + maxSurge(d);
    if (current >= maxTotal) return replicasOf(newRS);
    return replicasOf(newRS) + Math.min(maxTotal - current, want - replicasOf(newRS));
  }

  private async scaleReplicaSet(d: KObject, rs: KObject, to: number): Promise<KObject> {
    const next = structuredClone(rs);
    const from = replicasOf(rs);
    next.spec.replicas = to;
    const annotated = setReplicaSetAnnotations(d, next, undefined, false);
    if (from === to && !annotated) return rs;
    const updated = await this.client.update(replicaSetsDef(), next);
    if (from !== to) {
      await this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
    }
    Object.assign(rs, updated);
    return updated;
  }

  // ---- strategies -----------------------------------------------------------------

  private async rolloutRolling(d: KObject, rsList: KObject[], now: number) {
    const { newRS, old } = await this.newAndOld(d, rsList, true, now);
    const all = newRS ? [...old, newRS] : old;
    if (newRS && await this.reconcileNew(d, all, newRS)) return this.syncRolloutStatus(d, all, newRS, now);
    if (await this.reconcileOld(d, all, old.filter((rs) => replicasOf(rs) > 0), newRS)) return this.syncRolloutStatus(d, all, newRS, now);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, old);
    return this.syncRolloutStatus(d, all, newRS, now);
  }

  private async reconcileNew(d: KObject, all: KObject[], newRS: KObject): Promise<boolean> {
    const want = d.spec.replicas ?? 1;
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) { await this.scaleReplicaSet(d, newRS, want); return true; }
    const count = this.newReplicaCount(d, all, newRS);
    if (count === replicasOf(newRS)) return false;
    await this.scaleReplicaSet(d, newRS, count);
    return true;
  }

  /** reconcileOldReplicaSets: scale old ReplicaSets down as far as maxUnavailable allows. */
  private async reconcileOld(d: KObject, all: KObject[], oldActive: KObject[], newRS: KObject | undefined): Promise<boolean> {
    if (sumSpec(oldActive) === 0) return false;
    const minAvailable = (d.spec.replicas ?? 1) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS?.status?.availableReplicas ?? 0);
    const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First the old pods that are not available anyway.
    let cleaned = 0;
    for (const rs of [...oldActive].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      await this.scaleReplicaSet(d, rs, replicasOf(rs) - n);
      cleaned += n;
    }
    // Then available ones, keeping minAvailable.
    const available = sumStatus(all, 'availableReplicas');
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...oldActive].sort(byCreation)) {
        if (scaled >= total) break;
        if (replicasOf(rs) === 0) continue;
        const n = Math.min(replicasOf(rs), total - scaled);
        await this.scaleReplicaSet(d, rs, replicasOf(rs) - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  private async rolloutRecreate(d: KObject, rsList: KObject[], now: number) {
    let { newRS, old } = await this.newAndOld(d, rsList, false, now);
    let scaledDown = false;
    for (const rs of old) if (replicasOf(rs) > 0) { await this.scaleReplicaSet(d, rs, 0); scaledDown = true; }
    const all = () => (newRS ? [...old, newRS] : old);
    if (scaledDown) return this.syncRolloutStatus(d, all(), newRS, now);
    // Nothing new starts while an old pod still runs.
    const oldUids = new Set(old.map((rs) => rs.metadata.uid));
    const oldRunning = old.some((rs) => (rs.status?.replicas ?? 0) > 0)
      || this.pods.list(d.metadata.namespace).some((p) => oldUids.has(controllerRef(p)?.uid) && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    if (oldRunning) return this.syncRolloutStatus(d, all(), newRS, now);
    if (!newRS) ({ newRS, old } = await this.newAndOld(d, rsList, true, now));
    if (newRS && replicasOf(newRS) !== (d.spec.replicas ?? 1)) await this.scaleReplicaSet(d, newRS, d.spec.replicas ?? 1);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanup(d, old);
    return this.syncRolloutStatus(d, all(), newRS, now);
  }

  // ---- scaling and pausing ----------------------------------------------------------

  /** isScalingEvent: an active ReplicaSet was sized for another replica count. */
  private isScalingEvent(d: KObject, rsList: KObject[]): boolean {
    const want = String(d.spec.replicas ?? 1);
    return rsList.some((rs) => replicasOf(rs) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS] !== undefined && rs.metadata.annotations[DESIRED_REPLICAS] !== want);
  }

  /** sync: a scale or a paused Deployment; nothing new is rolled out. */
  private async sync(d: KObject, rsList: KObject[], now: number) {
    const { newRS, old } = await this.newAndOld(d, rsList, false, now);
    await this.scale(d, newRS, old);
    if (d.spec.paused) await this.cleanup(d, old);
    const all = newRS ? [...old, newRS] : old;
    return this.syncStatus(d, all, newRS, now);
  }

  /** scale: the whole change to one active ReplicaSet, or proportionally across several during a rollout. */
  private async scale(d: KObject, newRS: KObject | undefined, old: KObject[]) {
    const want = d.spec.replicas ?? 1;
    const active = [...(newRS ? [newRS] : []), ...old].filter((rs) => replicasOf(rs) > 0);
    const only = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? [...old].sort(byCreation).pop() : undefined;
    if (only) {
      if (replicasOf(only) !== want || only.metadata.annotations?.[DESIRED_REPLICAS] !== String(want)) await this.scaleReplicaSet(d, only, want);
      return;
    }
    // Saturated: the new ReplicaSet has everything; the old ones go.
    if (newRS && replicasOf(newRS) === want && (newRS.status?.availableReplicas ?? 0) === want) {
      for (const rs of old) if (replicasOf(rs) > 0) await this.scaleReplicaSet(d, rs, 0);
      return;
    }
    if (d.spec.strategy?.type === 'Recreate') return;
    const total = sumSpec(active);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - total;
    if (toAdd === 0) {
      for (const rs of active) await this.scaleReplicaSet(d, rs, replicasOf(rs));
      return;
    }
    // Each active ReplicaSet takes its share; what rounding leaves goes to the largest.
    const order = [...active].sort((a, b) => (replicasOf(b) - replicasOf(a)) || (toAdd > 0 ? -byCreation(a, b) : byCreation(a, b)));
    const sizes = new Map(order.map((rs) => [rs, replicasOf(rs)]));
    let added = 0;
    for (const rs of order) {
      const share = toAdd > 0 ? Math.floor((replicasOf(rs) * toAdd) / total) : -Math.min(replicasOf(rs), Math.floor((replicasOf(rs) * -toAdd) / total));
      sizes.set(rs, replicasOf(rs) + share);
      added += share;
    }
    const largest = order[0];
    sizes.set(largest, Math.max(0, sizes.get(largest)! + toAdd - added));
    for (const rs of order) await this.scaleReplicaSet(d, rs, sizes.get(rs)!);
  }

  /** checkPausedConditions: Progressing is Unknown while paused, and says so when resumed. */
  private async checkPausedConditions(d: KObject, now: number) {
    if (d.spec.progressDeadlineSeconds === undefined || d.spec.progressDeadlineSeconds === null) return;
    const cond = conditionOf(d.status ?? {}, 'Progressing');
    if (cond?.reason === TIMED_OUT) return;
    const paused = !!d.spec.paused;
    const status = structuredClone(d.status ?? {});
    if (paused && cond?.reason !== PAUSED) setDeploymentCondition(status, { type: 'Progressing', status: 'Unknown', reason: PAUSED, message: 'Deployment is paused' }, now);
    else if (!paused && cond?.reason === PAUSED) setDeploymentCondition(status, { type: 'Progressing', status: 'Unknown', reason: RESUMED, message: 'Deployment is resumed' }, now);
    else return;
    d.status = status;
    took(d, await this.client.updateStatus(deploymentsDef(), d));
  }

  /** cleanupDeployment: old ReplicaSets with no pods beyond revisionHistoryLimit go, oldest revision first. */
  private async cleanup(d: KObject, old: KObject[]) {
    const limit = d.spec.revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const idle = old.filter((rs) => replicasOf(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
    const extra = idle.length - limit;
    if (extra <= 0) return;
    for (const rs of idle.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b)).slice(0, extra)) {
      await ignoreGoneOrConflict(this.client.delete(replicaSetsDef(), rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } }));
    }
  }

  // ---- status ------------------------------------------------------------------

  /** calculateStatus, with Available from the unavailability budget. */
  private calculateStatus(d: KObject, all: KObject[], newRS: KObject | undefined, now: number): KObject {
    const available = sumStatus(all, 'availableReplicas');
    const status: KObject = {
      ...structuredClone(d.status ?? {}),
      observedGeneration: d.metadata.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumSpec(all) - available),
    };
    if (available >= (d.spec.replicas ?? 1) - maxUnavailable(d)) {
      setDeploymentCondition(status, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, now);
    } else {
      setDeploymentCondition(status, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
    }
    for (const f of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[f] === 0) delete status[f];
    return status;
  }

  private async writeStatus(d: KObject, status: KObject) {
    if (deepEqual(status, storedStatus.get(d) ?? {})) return;
    const next = structuredClone(d);
    next.status = status;
    took(d, await this.client.updateStatus(deploymentsDef(), next));
  }

  private async syncStatusOnly(d: KObject, rsList: KObject[], now: number) {
    const newRS = this.findNew(d, rsList);
    await this.writeStatus(d, this.calculateStatus(d, rsList, newRS, now));
  }

  /** syncDeploymentStatus: counts and Available, Progressing untouched. */
  private async syncStatus(d: KObject, all: KObject[], newRS: KObject | undefined, now: number) {
    await this.writeStatus(d, this.calculateStatus(d, all, newRS, now));
  }

  /** syncRolloutStatus: counts, Available, and Progressing against the deadline; returns when to look again. */
  private async syncRolloutStatus(d: KObject, all: KObject[], newRS: KObject | undefined, now: number): Promise<number | void> {
    const status = this.calculateStatus(d, all, newRS, now);
    const hasDeadline = typeof d.spec.progressDeadlineSeconds === 'number';
    if (!hasDeadline) removeCondition(status, 'Progressing');
    const cur = conditionOf(status, 'Progressing');
    const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && cur?.reason === NEW_RS_AVAILABLE;
    if (hasDeadline && !complete) {
      const rsName = newRS?.metadata?.name ?? '';
      if (deploymentComplete(d, status)) {
        setDeploymentCondition(status, { type: 'Progressing', status: 'True', reason: NEW_RS_AVAILABLE, message: `ReplicaSet "${rsName}" has successfully progressed.` }, now);
      } else if (deploymentProgressing(d, status)) {
        // Progress moves lastUpdateTime, which is what the deadline counts from.
        const t = time(now);
        const transition = cur?.status === 'True' ? cur.lastTransitionTime : t;
        removeCondition(status, 'Progressing');
        status.conditions = [...(status.conditions ?? []), { type: 'Progressing', status: 'True', reason: RS_UPDATED, message: `ReplicaSet "${rsName}" is progressing.`, lastUpdateTime: t, lastTransitionTime: transition }];
      } else {
        const deadline = progressDeadline(d, status);
        if (deadline !== undefined && deadline < now) {
          setDeploymentCondition(status, { type: 'Progressing', status: 'False', reason: TIMED_OUT, message: `ReplicaSet "${rsName}" has timed out progressing.` }, now);
        }
      }
    }
    // A ReplicaSet that cannot create its pods is the Deployment's failure too.
    const failure = all.map((rs) => conditionOf(rs.status ?? {}, 'ReplicaFailure')).find((c) => c?.status === 'True');
    if (failure) setDeploymentCondition(status, { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message }, now);
    else removeCondition(status, 'ReplicaFailure');
    await this.writeStatus(d, status);
    const deadline = progressDeadline(d, status);
    return deadline !== undefined && deadline >= now ? deadline + 1000 : undefined;
  }
}
