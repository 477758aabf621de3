// The node lifecycle controller (kube-controller-manager's nodelifecycle and
// taint-eviction controllers): a node that has not renewed its Lease in
// kube-node-lease (nor posted a status heartbeat) for the grace period goes
// Ready=Unknown; the node's Ready condition decides its not-ready/unreachable
// taints (NoSchedule and NoExecute); pods on a node that is not ready are
// marked not ready; pods that do not tolerate a NoExecute taint long enough
// are deleted. The agent brings Ready back itself; the taints follow.
import type { KObject } from '../resources/types';
import type { RestContext } from '../rest/context';
import { SERVER_WRITE } from '../request/options';
import { guaranteedUpdate } from '../rest/write';
import { deleteObject } from '../rest/delete';
import { recordEvent } from '../rest/events';
import { deepEqual } from '../resources/validation';
import type { ObjectCache } from './client/informer';
import type { ControllerOptions } from './env';
import {
  condition, defs, ignoreGoneOrConflict, isTerminal, nodeReadyStatus, parseTime, podKey, setCondition, taintsOf,
  time, tolerates, tolerationsOf, TAINT_NOT_READY, TAINT_UNREACHABLE, type Taint,
} from './util';

const NODE_CONTROLLER = 'node-controller';
const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface LifecyclePass {
  nodes: number;
  /** When something becomes due (a lease expiring, an eviction, a grace period ending). */
  nextAt?: number;
  unknown: string[];
  notReadyPods: string[];
  evicted: string[];
  removed: string[];
  errors: string[];
}

/** The last sign of life: the Lease's renewTime, the Ready heartbeat, or the node's creation. */
export function lastHeartbeat(node: KObject, lease: KObject | undefined): number {
  return Math.max(
    parseTime(lease?.spec?.renewTime) ?? parseTime(lease?.spec?.acquireTime) ?? 0,
    parseTime(condition(node, 'Ready')?.lastHeartbeatTime) ?? 0,
    parseTime(node.metadata?.creationTimestamp) ?? 0,
  );
}

/** The kinds node lifecycle reads from the informers' caches. */
export const NODE_LIFECYCLE_READS = () => [defs.nodes(), defs.leases(), defs.pods()];

export async function runNodeLifecycle(ctx: RestContext, opts: ControllerOptions, cache: ObjectCache): Promise<LifecyclePass> {
  const nodes = cache.list(defs.nodes());
  const leases = cache.list(defs.leases(), NODE_LEASE_NAMESPACE);
  const pass: LifecyclePass = { nodes: nodes.length, unknown: [], notReadyPods: [], evicted: [], removed: [], errors: [] };
  const due = (t: number) => { if (pass.nextAt === undefined || t < pass.nextAt) pass.nextAt = t; };
  const leaseOf = new Map(leases.map((l) => [l.metadata.name, l]));
  const graceMs = opts.nodeGraceSeconds * 1000;
  const reconcileNode = async (current: KObject) => {
    let node = current;
    const name: string = node.metadata.name;
    const seen = lastHeartbeat(node, leaseOf.get(name));
    if (opts.now - seen > graceMs) {
      const updated = await markUnknown(ctx, node, leaseOf.get(name), opts);
      if (updated) { node = updated; pass.unknown.push(name); }
    } else {
      due(seen + graceMs + 1);
    }
    node = (await syncConditionTaints(ctx, node, opts.now)) ?? node;
    const ready = nodeReadyStatus(node);
    const noExecute = taintsOf(node).filter((t) => t?.effect === 'NoExecute');
    if ((ready === 'True' || ready === undefined) && noExecute.length === 0) return;
    for (const pod of cache.list(defs.pods()).filter((p) => p.spec?.nodeName === name)) {
      if (ready === 'False' || ready === 'Unknown') {
        if (await markPodNotReady(ctx, pod, opts.now)) pass.notReadyPods.push(podKey(pod));
      }
      if (pod.metadata.deletionTimestamp) {
        // Nobody is left on an unreachable node to finish the deletion: once
        // the grace period is over, the pod goes.
        if (ready !== 'Unknown') continue;
        const at = parseTime(pod.metadata.deletionTimestamp) ?? 0;
        if (opts.now >= at) {
          const gone = await ignoreGoneOrConflict(deleteObject(ctx, defs.pods(), pod.metadata.namespace, pod.metadata.name, { dryRun: false, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }));
          if (gone) pass.removed.push(podKey(pod));
        } else {
          due(at);
        }
        continue;
      }
      if (noExecute.length === 0 || isTerminal(pod)) continue;
      const at = evictionTime(pod, noExecute, opts);
      if (at === undefined) continue;
      if (opts.now >= at) {
        if (await evict(ctx, pod, opts.now)) pass.evicted.push(podKey(pod));
      } else {
        due(at);
      }
    }
  };
  for (const node of nodes) {
    try {
      await reconcileNode(node);
    } catch (e) {
      // One node's trouble does not hold up the others; the next pass tries again.
      pass.errors.push(`node ${node.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return pass;
}

/** The node's conditions go Unknown, as the node lifecycle controller writes them when a kubelet goes silent. */
async function markUnknown(ctx: RestContext, node: KObject, lease: KObject | undefined, opts: ControllerOptions): Promise<KObject | undefined> {
  const graceMs = opts.nodeGraceSeconds * 1000;
  let changed = false;
  const text = await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def: defs.nodes(), namespace: undefined }, node.metadata.name, { ...SERVER_WRITE, fieldManager: NODE_CONTROLLER, subresource: 'status' }, (old) => {
    changed = false;
    if (opts.now - lastHeartbeat(old, lease) <= graceMs) return old;
    const next = structuredClone(old);
    for (const type of NODE_CONDITIONS) {
      const cur = condition(next, type);
      // Conditions the agent never reported stay away, except Ready.
      if (cur?.status === 'Unknown' || (!cur && type !== 'Ready')) continue;
      const set = cur
        ? { type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }
        : { type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: old.metadata.creationTimestamp };
      changed = setCondition(next, set, opts.now) || changed;
    }
    return changed ? next : old;
  }));
  return text && changed ? JSON.parse(text) : undefined;
}

/** Which of the lifecycle taints a node's Ready condition calls for (TaintNodesByCondition and taint-based eviction). */
export function conditionTaintKey(ready: string | undefined): string | undefined {
  if (ready === 'Unknown') return TAINT_UNREACHABLE;
  if (ready === 'False') return TAINT_NOT_READY;
  return undefined;
}

/** The node's taints with the lifecycle taints made to follow its Ready condition. */
export function withConditionTaints(node: KObject, now: number): Taint[] {
  const want = conditionTaintKey(nodeReadyStatus(node));
  const managed = (t: Taint) => (t?.key === TAINT_UNREACHABLE || t?.key === TAINT_NOT_READY) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  const taints = taintsOf(node).filter((t) => !managed(t) || t.key === want);
  if (want) {
    for (const effect of ['NoSchedule', 'NoExecute']) {
      if (!taints.some((t) => t.key === want && t.effect === effect)) taints.push({ key: want, effect, timeAdded: time(now) });
    }
  }
  return taints;
}

async function syncConditionTaints(ctx: RestContext, node: KObject, now: number): Promise<KObject | undefined> {
  if (deepEqual(withConditionTaints(node, now), taintsOf(node))) return undefined;
  const text = await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def: defs.nodes(), namespace: undefined }, node.metadata.name, { ...SERVER_WRITE, fieldManager: NODE_CONTROLLER }, (old) => {
    const taints = withConditionTaints(old, now);
    if (deepEqual(taints, taintsOf(old))) return old;
    const next = structuredClone(old);
    next.spec ??= {};
    if (taints.length) next.spec.taints = taints;
    else delete next.spec.taints;
    return next;
  }));
  return text ? JSON.parse(text) : undefined;
}

/** MarkPodsNotReady: the pod's Ready (and ContainersReady) conditions go False. */
async function markPodNotReady(ctx: RestContext, pod: KObject, now: number): Promise<boolean> {
  const stale = (p: KObject) => ['Ready', 'ContainersReady'].filter((t) => { const c = condition(p, t); return c && c.status !== 'False'; });
  if (stale(pod).length === 0) return false;
  let changed = false;
  await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def: defs.pods(), namespace: pod.metadata.namespace }, pod.metadata.name, { ...SERVER_WRITE, fieldManager: NODE_CONTROLLER, subresource: 'status' }, (old) => {
    const types = old.metadata.uid === pod.metadata.uid ? stale(old) : [];
    changed = types.length > 0;
    if (!changed) return old;
    const next = structuredClone(old);
    for (const type of types) setCondition(next, { type, status: 'False' }, now);
    return next;
  }));
  return changed;
}

/**
 * When the pod must leave a node with these NoExecute taints: now for a taint
 * it does not tolerate, after tolerationSeconds for one it tolerates for a
 * while, never for one it tolerates without limit. A pod without a toleration
 * for not-ready/unreachable has DefaultTolerationSeconds' (300 s, or
 * EDGEKUBE_POD_EVICTION_SECONDS). Counted from the taint's timeAdded.
 */
export function evictionTime(pod: KObject, noExecute: Taint[], opts: ControllerOptions): number | undefined {
  const tolerations = tolerationsOf(pod);
  let at: number | undefined;
  for (const taint of noExecute) {
    const used = tolerations.find((t) => tolerates(t, taint));
    let seconds: number | undefined;
    if (used) {
      if (typeof used.tolerationSeconds !== 'number') continue; // tolerated for ever
      seconds = Math.max(0, used.tolerationSeconds);
    } else if (taint.key === TAINT_UNREACHABLE || taint.key === TAINT_NOT_READY) {
      seconds = opts.podEvictionSeconds;
    } else {
      return opts.now;
    }
    const added = parseTime(taint.timeAdded) ?? opts.now;
    const t = added + seconds * 1000;
    if (at === undefined || t < at) at = t;
  }
  return at;
}

/** The taint eviction controller's delete, with the DisruptionTarget condition and event it adds. */
async function evict(ctx: RestContext, pod: KObject, now: number): Promise<boolean> {
  const { namespace, name, uid } = pod.metadata;
  await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def: defs.pods(), namespace }, name, { ...SERVER_WRITE, fieldManager: TAINT_EVICTION_CONTROLLER, subresource: 'status' }, (old) => {
    if (old.metadata.uid !== uid || old.metadata.deletionTimestamp) return old;
    const next = structuredClone(old);
    return setCondition(next, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }, now) ? next : old;
  }));
  const res = await ignoreGoneOrConflict(deleteObject(ctx, defs.pods(), namespace, name, { dryRun: false, preconditions: { uid } }));
  if (!res) return false;
  await recordEvent(ctx, pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`, TAINT_EVICTION_CONTROLLER);
  return true;
}
