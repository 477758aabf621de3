// The built-in scheduler: kube-scheduler's default filters (NodeUnschedulable,
// TaintToleration, NodeAffinity, NodeResourcesFit) plus node readiness, and a
// least-loaded choice among the nodes that pass. A pod is bound through the
// pods/binding subresource, as kube-scheduler does it; one that fits nowhere
// gets PodScheduled=False (Unschedulable) through the pods status path and a
// FailedScheduling event, and is tried again whenever nodes or pods change.
import type { KObject } from '../resources/types';
import type { RestContext } from '../rest/context';
import type { Operation } from '../request/info';
import { SERVER_WRITE } from '../request/options';
import { subresourceHandler } from '../rest/subresources';
import { guaranteedUpdate } from '../rest/write';
import { recordEvent } from '../rest/events';
import type { ControllerOptions } from './env';
import { milliCPU, parseQuantity } from './quantity';
import { lookup } from '../resources/registry';
import { SELECTED_NODE } from './storage';
import { claimsToSelect, volumeState, podVolumeProblem, volumeAffinities, VOLUME_KINDS } from './volumebinding';
import type { ObjectCache } from './client/informer';
import {
  condition, defs, ignoreGoneOrConflict, isTerminal, listAll, nodeReadyStatus, parseTime, podKey, setCondition, taintsOf,
  time, tolerates, tolerationsOf, TAINT_UNSCHEDULABLE, type Taint,
} from './util';

export const SCHEDULER_NAME = 'default-scheduler';
/** The same FailedScheduling message is re-reported (count + 1) at most this often. */
const EVENT_REPEAT_MS = 60_000;

// ---- resources -------------------------------------------------------------------

export interface Resources { cpu: number; memory: number; pods: number }

/** computePodResourceRequest: the containers' sum, or the largest init container if more, plus overhead. cpu in millicores. */
export function podRequests(pod: KObject): Resources {
  const req = (c: KObject) => ({ cpu: milliCPU(c?.resources?.requests?.cpu ?? 0), memory: parseQuantity(c?.resources?.requests?.memory ?? 0) ?? 0 });
  const spec = pod.spec ?? {};
  let cpu = 0;
  let memory = 0;
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) { const r = req(c); cpu += r.cpu; memory += r.memory; }
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) { const r = req(c); cpu = Math.max(cpu, r.cpu); memory = Math.max(memory, r.memory); }
  cpu += milliCPU(spec.overhead?.cpu ?? 0);
  memory += parseQuantity(spec.overhead?.memory ?? 0) ?? 0;
  return { cpu, memory, pods: 1 };
}

/** A node's allocatable (capacity when unset); a resource it does not report is not limited. */
export function allocatable(node: KObject): Partial<Resources> {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  const out: Partial<Resources> = {};
  if (a.cpu !== undefined) out.cpu = milliCPU(a.cpu);
  if (a.memory !== undefined) out.memory = parseQuantity(a.memory);
  if (a.pods !== undefined) out.pods = parseQuantity(a.pods);
  return out;
}

// ---- node affinity -------------------------------------------------------------------

/** One NodeSelectorRequirement against a label map. */
export function matchRequirement(req: KObject, labels: Record<string, string>): boolean {
  const key = req?.key;
  const values: string[] = Array.isArray(req?.values) ? req.values.map(String) : [];
  const has = typeof key === 'string' && Object.prototype.hasOwnProperty.call(labels, key);
  const v = has ? labels[key] : undefined;
  switch (req?.operator) {
    case 'In': return has && values.includes(v!);
    case 'NotIn': return !has || !values.includes(v!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(v!) || !/^-?\d+$/.test(values[0])) return false;
      const [a, b] = [BigInt(v!), BigInt(values[0])];
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** A NodeSelectorTerm: every expression and field requirement holds; an empty term matches nothing. */
function matchTerm(term: KObject, node: KObject): boolean {
  const exprs: KObject[] = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  const fields: KObject[] = Array.isArray(term?.matchFields) ? term.matchFields : [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return exprs.every((r) => matchRequirement(r, labels))
    && fields.every((r) => r?.key === 'metadata.name' && matchRequirement(r, nodeFields));
}

/** A NodeSelector: its terms are ORed. */
export function matchesNodeSelector(selector: KObject, node: KObject): boolean {
  const terms: KObject[] = Array.isArray(selector?.nodeSelectorTerms) ? selector.nodeSelectorTerms : [];
  return terms.some((t) => matchTerm(t, node));
}

/** nodeSelector and required node affinity. */
export function matchesNodeAffinity(pod: KObject, node: KObject): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || matchesNodeSelector(required, node);
}

// ---- filtering -----------------------------------------------------------------------

export interface NodeState { node: KObject; name: string; alloc: Partial<Resources>; used: Resources }

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(pod: KObject, taints: Taint[]): Taint | undefined {
  const tolerations = tolerationsOf(pod);
  return taints.find((t) => (t?.effect === 'NoSchedule' || t?.effect === 'NoExecute') && !tolerations.some((tol) => tolerates(tol, t)));
}

/**
 * Why a node cannot take the pod, in kube-scheduler's words; empty when it can.
 * Like kube-scheduler, a node reports the first filter that fails, except
 * that resource fit reports every resource short.
 */
export function filterNode(pod: KObject, st: NodeState, req: Resources, volumeAffinity: KObject[] = []): string[] {
  const { node } = st;
  if (node.spec?.unschedulable && !tolerationsOf(pod).some((t) => tolerates(t, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }))) {
    return ["node(s) were unschedulable"];
  }
  const taint = untoleratedTaint(pod, taintsOf(node));
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  if (nodeReadyStatus(node) !== 'True' || node.metadata?.deletionTimestamp) return ['node(s) were not ready'];
  if (!matchesNodeAffinity(pod, node)) return ["node(s) didn't match Pod's node affinity/selector"];
  if (!volumeAffinity.every((sel) => matchesNodeSelector(sel, node))) return ['node(s) had volume node affinity conflict'];
  const short: string[] = [];
  const free = (r: keyof Resources) => (st.alloc[r] === undefined ? Infinity : st.alloc[r]! - st.used[r]);
  if (free('pods') < 1) short.push('Too many pods');
  if (req.cpu > 0 && req.cpu > free('cpu')) short.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > free('memory')) short.push('Insufficient memory');
  return short;
}

/** FitError.Error(): "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {...}." */
export function fitMessage(total: number, reasons: Map<string, number>): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}

/** Fewest pods first, then the most free cpu, then the name. */
function lessLoaded(a: NodeState, b: NodeState): number {
  if (a.used.pods !== b.used.pods) return a.used.pods - b.used.pods;
  const freeCPU = (s: NodeState) => (s.alloc.cpu ?? Number.MAX_SAFE_INTEGER) - s.used.cpu;
  if (freeCPU(a) !== freeCPU(b)) return freeCPU(b) - freeCPU(a);
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The node a pod goes to, or the FitError message. */
export function pickNode(pod: KObject, nodes: NodeState[], volumeAffinity: KObject[] = []): { node: NodeState } | { message: string } {
  const req = podRequests(pod);
  const feasible: NodeState[] = [];
  const reasons = new Map<string, number>();
  for (const st of nodes) {
    const why = filterNode(pod, st, req, volumeAffinity);
    if (why.length === 0) feasible.push(st);
    for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) return { message: fitMessage(nodes.length, reasons) };
  return { node: feasible.sort(lessLoaded)[0] };
}

// ---- the pass --------------------------------------------------------------------

export const isPending = (pod: KObject) =>
  !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && !isTerminal(pod)
  && (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME
  && !(Array.isArray(pod.spec?.schedulingGates) && pod.spec.schedulingGates.length > 0);

/** Pods a node already carries, with what they request. */
export function nodeStates(nodes: KObject[], pods: KObject[]): NodeState[] {
  const byName = new Map<string, NodeState>();
  for (const node of nodes) byName.set(node.metadata.name, { node, name: node.metadata.name, alloc: allocatable(node), used: { cpu: 0, memory: 0, pods: 0 } });
  for (const pod of pods) {
    const st = pod.spec?.nodeName ? byName.get(pod.spec.nodeName) : undefined;
    if (!st || isTerminal(pod)) continue;
    const r = podRequests(pod);
    st.used.cpu += r.cpu; st.used.memory += r.memory; st.used.pods += 1;
  }
  return [...byName.values()];
}

export interface SchedulerPass { pending: number; bound: string[]; unschedulable: string[]; errors: string[] }

/** When each pod's FailedScheduling event was last looked at (an optimisation only: the event itself is the state). */
const lastEventCheck = new Map<string, number>();

/** The kinds the scheduler reads from the informers' caches. */
export const SCHEDULER_READS = () => [defs.nodes(), defs.pods(), ...VOLUME_KINDS()];

export async function runScheduler(ctx: RestContext, opts: ControllerOptions, cache: ObjectCache): Promise<SchedulerPass> {
  const result: SchedulerPass = { pending: 0, bound: [], unschedulable: [], errors: [] };
  const nodes = cache.list(defs.nodes());
  const pods = cache.list(defs.pods());
  const pending = pods.filter(isPending).sort(queueOrder);
  result.pending = pending.length;
  const waiting = new Set(pending.map((p) => p.metadata.uid));
  for (const uid of lastEventCheck.keys()) if (!waiting.has(uid)) lastEventCheck.delete(uid);
  // Without any node the cluster is an API server only: pods wait untouched
  // until the first node registers (which kicks this pass).
  if (pending.length === 0 || nodes.length === 0) return result;
  const states = nodeStates(nodes, pods);
  const volumes = volumeState(cache, pending);
  for (const pod of pending) {
    try {
      const problem = podVolumeProblem(pod, volumes);
      const choice = problem ? { message: `0/${nodes.length} nodes are available: ${problem}.` } : pickNode(pod, states, volumeAffinities(pod, volumes));
      if ('node' in choice) {
        for (const claim of claimsToSelect(pod, volumes)) await selectNode(ctx, claim, choice.node.name);
        if (await bind(ctx, pod, choice.node.name)) {
          const r = podRequests(pod);
          choice.node.used.cpu += r.cpu; choice.node.used.memory += r.memory; choice.node.used.pods += 1;
          result.bound.push(`${podKey(pod)}=${choice.node.name}`);
          lastEventCheck.delete(pod.metadata.uid);
        }
      } else {
        await markUnschedulable(ctx, pod, choice.message, opts.now);
        result.unschedulable.push(podKey(pod));
      }
    } catch (e) {
      result.errors.push(`pod ${podKey(pod)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return result;
}

/** kube-scheduler's queue: higher priority first, then the oldest. */
function queueOrder(a: KObject, b: KObject): number {
  const pa = a.spec?.priority ?? 0;
  const pb = b.spec?.priority ?? 0;
  if (pa !== pb) return pb - pa;
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return podKey(a) < podKey(b) ? -1 : 1;
}

/** Tells a WaitForFirstConsumer claim where its first pod goes, so that it is provisioned there. */
async function selectNode(ctx: RestContext, claim: KObject, node: string) {
  const { namespace, name, uid } = claim.metadata;
  await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def: lookup('', 'v1', 'persistentvolumeclaims')!, namespace }, name, { ...SERVER_WRITE, fieldManager: SCHEDULER_NAME }, (old) => {
    if (old.metadata.uid !== uid || old.spec?.volumeName) return old;
    return { ...old, metadata: { ...old.metadata, annotations: { ...(old.metadata.annotations ?? {}), [SELECTED_NODE]: node } } };
  }));
}

/** POST pods/binding, as kube-scheduler does; the handler records the Scheduled event. */
async function bind(ctx: RestContext, pod: KObject, node: string): Promise<boolean> {
  const def = defs.pods();
  const handler = subresourceHandler(def, 'binding')!;
  const { name, namespace } = pod.metadata;
  const op: Operation = { verb: 'create', def, namespace, name, subresource: 'binding', legacyWatch: false };
  const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } };
  return (await ignoreGoneOrConflict(handler.create!(ctx, op, body, { ...SERVER_WRITE, fieldManager: SCHEDULER_NAME }))) !== undefined;
}

async function markUnschedulable(ctx: RestContext, pod: KObject, message: string, now: number) {
  const def = defs.pods();
  const { name, namespace, uid } = pod.metadata;
  const cond = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null };
  const changed = !sameCondition(condition(pod, 'PodScheduled'), cond);
  if (changed) {
    await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def, namespace }, name, { ...SERVER_WRITE, fieldManager: SCHEDULER_NAME, subresource: 'status' }, (old) => {
      if (old.metadata.uid !== uid || old.spec?.nodeName || old.metadata.deletionTimestamp) return old;
      const next = structuredClone(old);
      setCondition(next, cond, now);
      return next;
    }));
  }
  const checked = lastEventCheck.get(uid);
  if (!changed && checked !== undefined && now - checked < EVENT_REPEAT_MS) return;
  lastEventCheck.set(uid, now);
  await reportFailedScheduling(ctx, pod, message, now);
}

const sameCondition = (a: KObject | undefined, b: KObject) => !!a && Object.entries(b).every(([k, v]) => a[k] === v);

/**
 * One FailedScheduling event per pod: created the first time, then its
 * count and lastTimestamp move when the message changes or, for the same
 * message, at most once a minute (client-go's recorder aggregates the same way).
 */
async function reportFailedScheduling(ctx: RestContext, pod: KObject, message: string, now: number) {
  const def = defs.events();
  const { namespace, uid } = pod.metadata;
  const existing = (await listAll(ctx, def, { namespace, fieldSelector: `involvedObject.uid=${uid},reason=FailedScheduling` }))
    .sort((a, b) => (parseTime(b.lastTimestamp) ?? 0) - (parseTime(a.lastTimestamp) ?? 0))[0];
  if (!existing) {
    await recordEvent(ctx, pod, 'Warning', 'FailedScheduling', message, SCHEDULER_NAME);
    return;
  }
  const last = parseTime(existing.lastTimestamp) ?? 0;
  if (existing.message === message && now - last < EVENT_REPEAT_MS) return;
  await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def, namespace }, existing.metadata.name, { ...SERVER_WRITE, fieldManager: SCHEDULER_NAME }, (old) => ({
    ...old, message, count: (old.count ?? 1) + 1, lastTimestamp: time(now),
  })));
}
