// The DaemonSet controller (kube's pkg/controller/daemon): one pod on every
// node the template may run on (nodeSelector, required node affinity, taints
// against the template's tolerations and the ones kube adds to every daemon
// pod), pinned to its node by node affinity and placed by the scheduler;
// pods go from nodes that no longer qualify; RollingUpdate replaces them
// within maxUnavailable (or with maxSurge, new beside old), OnDelete only
// when deleted; ControllerRevisions record each template.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { keyOf, splitKey, type Reconciler } from './client/controller';
import { availableAt, claim, isAvailable, podFromTemplate, workloadSelects } from './podcontrol';
import { CONTROLLER_REVISION_HASH, REVISION_HASH_LABEL, ensureRevision, revisionsDef, templateOf, truncateHistory } from './history';
import { matchesNodeAffinity, untoleratedTaint } from './scheduler';
import { byCreation, scaled } from './deploymentutil';
import { ignoreGoneOrConflict, isPodReady, isTerminal, taintsOf, type Toleration } from './util';

const COMPONENT = 'daemonset-controller';
const setsDef = () => lookup('apps', 'v1', 'daemonsets')!;
const podsDef = () => lookup('', 'v1', 'pods')!;
const nodesDef = () => lookup('', 'v1', 'nodes')!;
const selects = (ds: KObject, labels: Record<string, string> | undefined) => workloadSelects(ds.spec?.selector, labels);
const terminating = (pod: KObject) => !!pod.metadata?.deletionTimestamp;

/** AddOrUpdateDaemonPodTolerations: daemon pods stay through node trouble and cordons. */
export function daemonTolerations(template: KObject): Toleration[] {
  const own: Toleration[] = Array.isArray(template.spec?.tolerations) ? template.spec.tolerations : [];
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (template.spec?.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const same = (a: Toleration, b: Toleration) => a.key === b.key && a.effect === b.effect && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '');
  return [...own, ...add.filter((t) => !own.some((o) => same(o, t)))];
}

/** The daemon pod for a node, from a revision's template. */
function newDaemonPod(ds: KObject, revision: KObject, node: string): KObject {
  const template = templateOf(revision);
  const pod = podFromTemplate(template, ds, {
    labels: { [CONTROLLER_REVISION_HASH]: revision.metadata.labels?.[REVISION_HASH_LABEL] ?? '', 'pod-template-generation': String(ds.metadata.generation ?? 1) },
  });
  pod.spec.tolerations = daemonTolerations(template);
  // ReplaceDaemonSetPodNodeNameNodeAffinity: the scheduler places it, on this node only.
  pod.spec.affinity = {
    ...(pod.spec.affinity ?? {}),
    nodeAffinity: {
      ...(pod.spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] },
    },
  };
  return pod;
}

/** nodeShouldRunDaemonPod: the template's node selection, and no taint it does not tolerate (NoSchedule or NoExecute). */
export function shouldRun(ds: KObject, node: KObject): boolean {
  const probe = { spec: { ...ds.spec.template?.spec, tolerations: daemonTolerations(ds.spec.template ?? {}) } };
  return matchesNodeAffinity(probe, node) && !untoleratedTaint(probe, taintsOf(node));
}

const podNode = (pod: KObject): string | undefined =>
  pod.spec?.nodeName ?? pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];

export class DaemonSetController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.sets = informers.for(storagePrefix(setsDef()));
    this.pods = informers.for(storagePrefix(podsDef()));
    this.nodes = informers.for(storagePrefix(nodesDef()));
    this.revisions = informers.for(storagePrefix(revisionsDef()));
    this.sets.on(({ obj, old }) => {
      const s = obj ?? old!;
      this.queue.add(keyOf(s.metadata.namespace, s.metadata.name));
    });
    this.pods.on(({ obj, old }) => {
      for (const pod of [old, obj]) if (pod) this.enqueueOwnerOf(pod);
    });
    // A node that joins, leaves or changes its labels, taints or readiness may change where daemons run.
    this.nodes.on(({ obj, old }) => {
      if (obj && old && deepEqual(obj.metadata.labels, old.metadata.labels) && deepEqual(obj.spec, old.spec) && isReadyNode(obj) === isReadyNode(old)) return;
      for (const ds of this.sets.list()) this.queue.add(keyOf(ds.metadata.namespace, ds.metadata.name));
    });
  }

  private enqueueOwnerOf(pod: KObject) {
    const ns = pod.metadata.namespace;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind === 'DaemonSet') this.queue.add(keyOf(ns, ref.name));
      return;
    }
    if (terminating(pod)) return;
    for (const s of this.sets.list(ns)) if (selects(s, pod.metadata.labels)) this.queue.add(keyOf(ns, s.metadata.name));
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.get(namespace, name);
    if (!cached) return;
    const ds = structuredClone(cached);
    const revs = await claim(this.client, revisionsDef(), ds, this.revisions.list(namespace), (r) => selects(ds, r.metadata.labels));
    const pods = await claim(this.client, podsDef(), ds, this.pods.list(namespace), (p) => selects(ds, p.metadata.labels));
    if (ds.metadata.deletionTimestamp) return;
    const status: KObject = { collisionCount: ds.status?.collisionCount };
    const update = await ensureRevision(this.client, ds, revs, status);
    const hash = update.metadata.labels?.[REVISION_HASH_LABEL];
    const minReady = ds.spec.minReadySeconds ?? 0;
    const available = (p: KObject) => !terminating(p) && isAvailable(p, minReady, now);

    // Per node: the pods there, and whether a daemon belongs there.
    const byNode = new Map<string, KObject[]>();
    for (const p of pods) {
      const n = podNode(p);
      if (!n) continue;
      if (!byNode.has(n)) byNode.set(n, []);
      byNode.get(n)!.push(p);
    }
    const nodes = this.nodes.list();
    const eligible = new Set(nodes.filter((n) => shouldRun(ds, n)).map((n) => n.metadata.name));
    const create: string[] = [];
    const remove: KObject[] = [];
    for (const node of eligible) {
      const here = (byNode.get(node) ?? []).filter((p) => !terminating(p));
      const failed = here.filter(isTerminal);
      for (const p of failed) {
        await this.client.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to kill it`);
        remove.push(p);
      }
      const live = here.filter((p) => !isTerminal(p)).sort(byCreation);
      if (live.length === 0 && failed.length === 0) create.push(node);
      else if (live.length > 1) {
        // Keep the oldest new pod, else the oldest; with maxSurge a new and an old pod may share a node until the new one is available.
        const keep = live.find((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) ?? live[0];
        const surging = surge(ds, eligible.size) > 0 && keep.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash && !available(keep);
        remove.push(...live.filter((p) => p !== keep && !(surging && p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash)));
      }
    }
    for (const [node, here] of byNode) if (!eligible.has(node)) remove.push(...here.filter((p) => !terminating(p)));

    if (ds.spec.updateStrategy?.type !== 'OnDelete') this.rollingUpdate(ds, hash, eligible, byNode, create, remove, available);
    for (const node of create) await this.createPod(ds, update, node);
    for (const p of remove) await this.deletePod(ds, p);

    await this.writeStatus(ds, status, hash, eligible, byNode, available);
    const live = new Set([update.metadata.name]);
    for (const r of revs) if (pods.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === r.metadata.labels?.[REVISION_HASH_LABEL])) live.add(r.metadata.name);
    await truncateHistory(this.client, [...revs.filter((r) => r.metadata.name !== update.metadata.name), update], live, ds.spec.revisionHistoryLimit ?? 10);
    const due = pods.map((p) => availableAt(p, minReady)).filter((t): t is number => t !== undefined && t > now);
    return due.length ? Math.min(...due) : undefined;
  }

  /**
   * rollingUpdate: old pods on eligible nodes are replaced, at most
   * maxUnavailable nodes without an available daemon at a time; with
   * maxSurge the new pod starts first and the old one goes once it is available.
   */
  private rollingUpdate(ds: KObject, hash: string, eligible: Set<string>, byNode: Map<string, KObject[]>, create: string[], remove: KObject[], available: (p: KObject) => boolean) {
    const desired = eligible.size;
    const maxSurge = surge(ds, desired);
    const maxUnavailable = maxSurge > 0 ? scaled(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 0, desired, false) : Math.max(1, scaled(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, false));
    const removing = new Set(remove);
    const isNew = (p: KObject) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
    let unavailable = 0;
    const candidates: { node: string; old: KObject; newPod?: KObject }[] = [];
    for (const node of eligible) {
      const live = (byNode.get(node) ?? []).filter((p) => !terminating(p) && !isTerminal(p) && !removing.has(p));
      if (!live.some(available)) unavailable++;
      const old = live.find((p) => !isNew(p));
      if (old) candidates.push({ node, old, newPod: live.find(isNew) });
    }
    if (maxSurge > 0) {
      let surged = candidates.filter((c) => c.newPod).length;
      for (const c of candidates) {
        if (c.newPod) {
          if (available(c.newPod)) remove.push(c.old);
          continue;
        }
        if (!available(c.old)) { remove.push(c.old); continue; }
        if (surged < maxSurge) { create.push(c.node); surged++; }
      }
      return;
    }
    for (const c of candidates) {
      // An old pod that is not available anyway costs nothing to replace.
      if (!available(c.old)) { remove.push(c.old); continue; }
      if (unavailable >= maxUnavailable) continue;
      remove.push(c.old);
      unavailable++;
    }
  }

  private async createPod(ds: KObject, revision: KObject, node: string) {
    try {
      const pod = await this.client.create(podsDef(), newDaemonPod(ds, revision, node));
      await this.client.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      await this.client.event(ds, 'Warning', 'FailedCreate', `Error creating: ${msg}`);
      throw e;
    }
  }

  private async deletePod(ds: KObject, pod: KObject) {
    const done = await ignoreGoneOrConflict(this.client.delete(podsDef(), pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } }).then(() => true));
    if (done) await this.client.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  /** updateDaemonSetStatus: the counts `kubectl rollout status` and `kubectl get ds` read. */
  private async writeStatus(ds: KObject, status: KObject, hash: string, eligible: Set<string>, byNode: Map<string, KObject[]>, available: (p: KObject) => boolean) {
    let current = 0, misscheduled = 0, ready = 0, avail = 0, updated = 0;
    for (const [node, here] of byNode) {
      const live = here.filter((p) => !terminating(p) && !isTerminal(p));
      if (live.length === 0) continue;
      if (!eligible.has(node)) { misscheduled++; continue; }
      current++;
      if (live.some(isPodReady)) ready++;
      if (live.some(available)) avail++;
      if (live.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash)) updated++;
    }
    const next: KObject = {
      ...(ds.status ?? {}),
      desiredNumberScheduled: eligible.size, currentNumberScheduled: current, numberMisscheduled: misscheduled,
      numberReady: ready, numberAvailable: avail, numberUnavailable: eligible.size - avail, updatedNumberScheduled: updated,
      observedGeneration: ds.metadata.generation,
    };
    if (status.collisionCount !== undefined) next.collisionCount = status.collisionCount;
    for (const f of ['numberAvailable', 'numberUnavailable', 'updatedNumberScheduled']) if (next[f] === 0) delete next[f];
    if (deepEqual(next, ds.status)) return;
    await this.client.updateStatus(setsDef(), { ...ds, status: next });
  }
}

/** maxSurge of a RollingUpdate, rounded up against the nodes that should run a daemon. */
const surge = (ds: KObject, desired: number) =>
  (ds.spec.updateStrategy?.type === 'OnDelete' ? 0 : scaled(ds.spec.updateStrategy?.rollingUpdate?.maxSurge ?? 0, desired, true));
const isReadyNode = (n: KObject) => (n.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready')?.status;
