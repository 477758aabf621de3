// The ReplicaSet and ReplicationController controllers (kube's
// pkg/controller/replicaset, which serves both): keep `spec.replicas` active
// pods, adopting orphans the selector matches and releasing owned pods it no
// longer matches, delete the least valuable pods first, and report counts.
import type { KObject, ResourceDefinition } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { availableAt, claim, fullyLabeled, isActive, isAvailable, podFromTemplate, podsToDelete, workloadSelects } from './podcontrol';
import { isPodReady, setCondition } from './util';

/** kube's burstReplicas: at most this many pods created or deleted per sync. */
const BURST_REPLICAS = 500;

interface ReplicaKind {
  kind: string;
  def: () => ResourceDefinition;
  component: string;
  /** Whether the owner's selector selects these labels; an empty selector selects nothing. */
  selects(owner: KObject, labels: Record<string, string> | undefined): boolean;
}

export const REPLICA_SET: ReplicaKind = {
  kind: 'ReplicaSet', component: 'replicaset-controller',
  def: () => lookup('apps', 'v1', 'replicasets')!,
  selects: (rs, labels) => workloadSelects(rs.spec?.selector, labels),
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  kind: 'ReplicationController', component: 'replication-controller',
  def: () => lookup('', 'v1', 'replicationcontrollers')!,
  selects: (rc, labels) => {
    const sel: Record<string, string> = rc.spec?.selector ?? {};
    return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);
  },
};

const podsDef = () => lookup('', 'v1', 'pods')!;

export class ReplicaSetController implements Reconciler {
  readonly queue = new WorkQueue();
  readonly name: string;
  private readonly owners: Informer;
  private readonly pods: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient, private readonly k: ReplicaKind) {
    this.name = k.component;
    this.owners = informers.for(storagePrefix(k.def()));
    this.pods = informers.for(storagePrefix(podsDef()));
    this.owners.on(({ obj, old }) => {
      const o = obj ?? old!;
      this.queue.add(keyOf(o.metadata.namespace, o.metadata.name));
    });
    this.pods.on(({ obj, old }) => {
      for (const pod of [old, obj]) if (pod) this.enqueueOwnersOf(pod);
    });
  }

  /** The owner of a pod, or every owner that could adopt it. */
  private enqueueOwnersOf(pod: KObject) {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind === this.k.kind) this.queue.add(keyOf(ns, ref.name));
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    for (const owner of this.owners.list(ns)) if (this.k.selects(owner, pod.metadata.labels)) this.queue.add(keyOf(ns, owner.metadata.name));
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const owner = this.owners.get(namespace, name);
    if (!owner) return;
    const pods = await claim(this.client, podsDef(), owner, this.pods.list(namespace).filter(isActive), (p) => this.k.selects(owner, p.metadata.labels));
    const replicas = owner.spec?.replicas ?? 1;
    let failure: string | undefined;
    if (!owner.metadata.deletionTimestamp) failure = await this.manage(owner, pods, replicas);
    return this.updateStatus(owner, pods, failure, now);
  }

  /** manageReplicas: creates or deletes pods; returns why creating or deleting failed. */
  private async manage(owner: KObject, pods: KObject[], replicas: number): Promise<string | undefined> {
    const diff = pods.length - replicas;
    if (diff < 0) {
      const want = Math.min(-diff, BURST_REPLICAS);
      // Slow start: batches of 1, 2, 4, ... so a template that cannot be
      // created fails once, not `replicas` times.
      let created = 0;
      for (let batch = 1; created < want; batch *= 2) {
        const n = Math.min(batch, want - created);
        const results = await Promise.allSettled(Array.from({ length: n }, () => this.createPod(owner)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        created += results.filter((r) => r.status === 'fulfilled').length;
        if (failed) {
          const msg = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
          await this.client.event(owner, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
          return `FailedCreate: ${msg}`;
        }
      }
    } else if (diff > 0) {
      for (const pod of podsToDelete(pods, Math.min(diff, BURST_REPLICAS))) {
        try {
          await this.client.delete(podsDef(), pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
          await this.client.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (e) {
          if (isStatusCode(e, 404)) continue;
          const msg = e instanceof Error ? e.message : String(e);
          await this.client.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${msg}`);
          return `FailedDelete: ${msg}`;
        }
      }
    }
    return undefined;
  }

  private async createPod(owner: KObject) {
    const pod = await this.client.create(podsDef(), podFromTemplate(owner.spec.template, owner));
    await this.client.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
  }

  /** calculateStatus; returns when a ready pod becomes available, to look again then. */
  private async updateStatus(owner: KObject, pods: KObject[], failure: string | undefined, now: number): Promise<number | void> {
    const minReady = owner.spec?.minReadySeconds ?? 0;
    const next = structuredClone(owner);
    const status: KObject = (next.status = { ...(owner.status ?? {}) });
    status.replicas = pods.length;
    status.fullyLabeledReplicas = pods.filter((p) => fullyLabeled(p, owner.spec?.template)).length;
    status.readyReplicas = pods.filter(isPodReady).length;
    status.availableReplicas = pods.filter((p) => isAvailable(p, minReady, now)).length;
    status.observedGeneration = owner.metadata.generation;
    if (failure) {
      const [reason, ...rest] = failure.split(': ');
      setCondition(next, { type: 'ReplicaFailure', status: 'True', reason, message: rest.join(': ') }, now);
    } else if (status.conditions) {
      status.conditions = status.conditions.filter((c: KObject) => c.type !== 'ReplicaFailure');
      if (status.conditions.length === 0) delete status.conditions;
    }
    for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) if (status[f] === 0) delete status[f];
    if (!deepEqual(next.status, owner.status)) await this.client.updateStatus(this.k.def(), next);
    const due = pods.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > now);
    return due.length ? Math.min(...due) : undefined;
  }
}
