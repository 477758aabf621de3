// The Job controller (kube's pkg/controller/job): pods until `completions`
// succeed, at most `parallelism` at a time, each index once in Indexed mode;
// failures counted against backoffLimit (with kube's pod-creation back-off),
// podFailurePolicy and successPolicy rules, activeDeadlineSeconds, suspend,
// and the conditions kube sets (FailureTarget or SuccessCriteriaMet first,
// then Failed or Complete once no pod is left running). Pods carry the
// batch.kubernetes.io/job-tracking finalizer, and a finished pod is counted
// through status.uncountedTerminatedPods before its finalizer goes, so a
// count survives any restart exactly once. Finished Jobs with
// ttlSecondsAfterFinished are deleted when it runs out (the TTL controller).
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { selectorMatches } from '../resources/defs/shared';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { claim, podFromTemplate } from './podcontrol';
import { ignoreGoneOrConflict, isPodReady, parseTime, time } from './util';
import { formatIndexes, parseIndexes } from './jobindexes';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const jobsDef = () => lookup('batch', 'v1', 'jobs')!;
const podsDef = () => lookup('', 'v1', 'pods')!;
/** kube's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
const BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 360_000;

const isTrue = (job: KObject, type: string) => (job.status?.conditions ?? []).some((c: KObject) => c.type === type && c.status === 'True');
export const isFinished = (job: KObject) => isTrue(job, 'Complete') || isTrue(job, 'Failed');
const succeededPod = (p: KObject) => p.status?.phase === 'Succeeded';
/**
 * A pod that failed, or that is going without having succeeded once nothing
 * runs it any more: never scheduled, or past its grace period.
 */
const failedPod = (p: KObject, now: number) => p.status?.phase === 'Failed'
  || (!!p.metadata.deletionTimestamp && !succeededPod(p) && (!p.spec?.nodeName || (parseTime(p.metadata.deletionTimestamp) ?? 0) <= now));
const isActivePod = (p: KObject) => !succeededPod(p) && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
const indexOf = (p: KObject): number | undefined => {
  const v = p.metadata?.annotations?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

interface Finish { type: 'Failed' | 'Complete'; reason: string; message: string }

export class JobController implements Reconciler {
  readonly name = 'job-controller';
  readonly queue = new WorkQueue();
  private readonly jobs: Informer;
  private readonly pods: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.jobs = informers.for('/batch/jobs/');
    this.pods = informers.for('/core/pods/');
    this.jobs.on(({ obj, old }) => {
      const j = obj ?? old!;
      this.queue.add(keyOf(j.metadata.namespace, j.metadata.name));
    });
    this.pods.on(({ obj, old }) => {
      for (const pod of [old, obj]) {
        const ref = pod && controllerRef(pod);
        if (ref?.kind === 'Job') this.queue.add(keyOf(pod!.metadata.namespace, ref.name));
      }
    });
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached) return;
    const job = structuredClone(cached);
    const pods = await claim(this.client, podsDef(), job, this.pods.list(namespace), (p) => selectorMatches(job.spec?.selector, p.metadata.labels));
    if (isFinished(job)) return this.finished(job, pods, now);
    const status: KObject = structuredClone(job.status ?? {});
    status.uncountedTerminatedPods ??= {};
    const indexed = job.spec.completionMode === 'Indexed';

    // Count what finished, then let the pods go.
    const uncounted = status.uncountedTerminatedPods;
    const done = pods.filter((p) => (p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER) && (succeededPod(p) || failedPod(p, now)));
    let policyFailure: Finish | undefined;
    for (const p of done) {
      const uid = p.metadata.uid;
      if ((uncounted.succeeded ?? []).includes(uid) || (uncounted.failed ?? []).includes(uid)) continue;
      if (succeededPod(p)) { (uncounted.succeeded ??= []).push(uid); continue; }
      const rule = matchFailurePolicy(job, p);
      // Ignored failures count for nothing, not even against backoffLimit.
      if (rule?.action === 'Ignore') continue;
      if (rule?.action === 'FailJob' && !policyFailure) policyFailure = { type: 'Failed', reason: 'PodFailurePolicy', message: rule.message };
      (uncounted.failed ??= []).push(uid);
    }
    if (done.length && !deepEqual(status, job.status ?? {})) {
      job.status = status;
      Object.assign(job, await this.client.updateStatus(jobsDef(), job));
    }
    for (const p of done) await this.removeFinalizer(p);
    // The counted uids move into the totals.
    const succeededNow = (uncounted.succeeded ?? []).length;
    const failedNow = (uncounted.failed ?? []).length;
    status.succeeded = (status.succeeded ?? 0) + succeededNow;
    status.failed = (status.failed ?? 0) + failedNow;
    if (indexed) {
      const completed = new Set(parseIndexes(status.completedIndexes));
      for (const p of done) if (succeededPod(p) && (uncounted.succeeded ?? []).includes(p.metadata.uid)) {
        const i = indexOf(p);
        if (i !== undefined && i < job.spec.completions) completed.add(i);
      }
      status.completedIndexes = formatIndexes([...completed]) || undefined;
      status.succeeded = completed.size;
    }
    status.uncountedTerminatedPods = {};

    const active = pods.filter(isActivePod);
    const restarts = job.spec.template?.spec?.restartPolicy === 'OnFailure'
      ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: KObject) => m + (c.restartCount ?? 0), 0), 0) : 0;
    status.startTime ??= job.spec.suspend ? undefined : time(now);

    // What ends the Job, in kube's order of precedence.
    let finish: Finish | undefined = policyFailure;
    const target = conditionOf(status, 'FailureTarget') ?? conditionOf(status, 'SuccessCriteriaMet');
    if (target) finish = { type: target.type === 'FailureTarget' ? 'Failed' : 'Complete', reason: target.reason, message: target.message };
    if (!finish && status.failed + restarts > (job.spec.backoffLimit ?? 6)) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    const deadlineAt = job.spec.activeDeadlineSeconds && status.startTime && !job.spec.suspend ? (parseTime(status.startTime) ?? now) + job.spec.activeDeadlineSeconds * 1000 : undefined;
    if (!finish && deadlineAt !== undefined && deadlineAt <= now) finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    if (!finish) finish = successPolicyMet(job, status);
    if (!finish && this.complete(job, status, active)) finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };

    if (finish) {
      // First the interim condition; the final one once no pod of the Job is left running.
      setCondition(status, finish.type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet', finish, now);
      for (const p of active) await this.deletePod(job, p);
      const stillRunning = active.length > 0 || pods.some((p) => p.metadata.deletionTimestamp && !done.includes(p) && !succeededPod(p) && p.status?.phase !== 'Failed');
      status.active = 0;
      if (!stillRunning) {
        setCondition(status, finish.type, finish, now);
        if (finish.type === 'Complete') status.completionTime = time(now);
        await this.client.event(job, finish.type === 'Complete' ? 'Normal' : 'Warning', finish.type === 'Complete' ? 'Completed' : finish.reason, finish.type === 'Complete' ? 'Job completed' : finish.message);
      }
      return this.writeStatus(job, status);
    }

    let again: number | undefined = deadlineAt;
    if (job.spec.suspend) {
      for (const p of active) await this.deletePod(job, p);
      if (!isTrue({ status }, 'Suspended')) {
        setCondition(status, 'Suspended', { reason: 'JobSuspended', message: 'Job suspended' }, now);
        await this.client.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
      status.active = 0;
      delete status.startTime;
    } else {
      if (isTrue({ status }, 'Suspended')) {
        setCondition(status, 'Suspended', { reason: 'JobResumed', message: 'Job resumed' }, now, 'False');
        await this.client.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      const backoffUntil = this.backoffUntil(pods, status.failed);
      if (backoffUntil > now) again = Math.min(again ?? Infinity, backoffUntil);
      else await this.manage(job, status, active, indexed);
      status.active = active.length;
    }
    status.ready = active.filter(isPodReady).length;
    status.terminating = pods.filter((p) => p.metadata.deletionTimestamp && !done.includes(p) && !succeededPod(p) && p.status?.phase !== 'Failed').length;
    await this.writeStatus(job, status);
    return again;
  }

  /** Whether every completion is in (and, without completions, whether one pod succeeded and none run). */
  private complete(job: KObject, status: KObject, active: KObject[]): boolean {
    if (typeof job.spec.completions === 'number') return status.succeeded >= job.spec.completions;
    return status.succeeded > 0 && active.length === 0;
  }

  /** Creates pods up to parallelism (each missing index in Indexed mode) and deletes what exceeds it. */
  private async manage(job: KObject, status: KObject, active: KObject[], indexed: boolean) {
    const parallelism = job.spec.parallelism ?? 1;
    let want: number;
    if (typeof job.spec.completions === 'number') want = Math.min(parallelism, job.spec.completions - status.succeeded);
    else want = status.succeeded > 0 ? 0 : parallelism;
    want = Math.max(0, want);
    if (active.length > want) {
      // The newest go first, as for ReplicaSets.
      const extra = [...active].sort((a, b) => (parseTime(b.metadata.creationTimestamp) ?? 0) - (parseTime(a.metadata.creationTimestamp) ?? 0)).slice(0, active.length - want);
      for (const p of extra) { await this.deletePod(job, p); active.splice(active.indexOf(p), 1); }
      return;
    }
    const toCreate: (number | undefined)[] = [];
    if (indexed) {
      const taken = new Set([...parseIndexes(status.completedIndexes), ...active.map(indexOf).filter((i): i is number => i !== undefined)]);
      for (let i = 0; i < job.spec.completions && toCreate.length < want - active.length; i++) if (!taken.has(i)) toCreate.push(i);
    } else {
      for (let n = active.length; n < want; n++) toCreate.push(undefined);
    }
    for (const index of toCreate) {
      const pod = await this.client.create(podsDef(), this.podFor(job, index));
      active.push(pod);
      await this.client.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    }
  }

  private podFor(job: KObject, index: number | undefined): KObject {
    const pod = podFromTemplate(job.spec.template, job);
    pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), TRACKING_FINALIZER];
    if (index !== undefined) {
      pod.metadata.generateName = `${job.metadata.name}-${index}-`;
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [COMPLETION_INDEX]: String(index) };
      pod.metadata.labels[COMPLETION_INDEX] = String(index);
      pod.spec.hostname ??= `${job.metadata.name}-${index}`;
      const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
      for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
        c.env = [...(c.env ?? []).filter((e: KObject) => e.name !== env.name), env];
      }
    }
    return pod;
  }

  /** kube's pod failure back-off: no new pod until 10 s x 2^(failures-1) after the last failure. */
  private backoffUntil(pods: KObject[], failed: number): number {
    if (!failed) return 0;
    const last = Math.max(0, ...pods.filter((p) => p.status?.phase === 'Failed' || p.metadata.deletionTimestamp).map((p) => finishedAt(p) ?? 0));
    if (!last) return 0;
    return last + Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** (failed - 1));
  }

  private async deletePod(job: KObject, pod: KObject) {
    const gone = await ignoreGoneOrConflict(this.client.delete(podsDef(), pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } }).then(() => true));
    if (gone) await this.client.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  private async removeFinalizer(pod: KObject) {
    const next = structuredClone(pod);
    next.metadata.finalizers = (pod.metadata.finalizers ?? []).filter((f: string) => f !== TRACKING_FINALIZER);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    try {
      await this.client.update(podsDef(), next);
    } catch (e) {
      if (!isStatusCode(e, 404)) throw e;
    }
  }

  private async writeStatus(job: KObject, s: KObject) {
    for (const k of ['active', 'ready', 'terminating'] as const) s[k] ??= 0;
    const status = JSON.parse(JSON.stringify(s));
    if (deepEqual(status, job.status ?? {})) return;
    job.status = status;
    await this.client.updateStatus(jobsDef(), job);
  }

  /** A finished Job: its pods' finalizers go, and ttlSecondsAfterFinished counts down. */
  private async finished(job: KObject, pods: KObject[], now: number): Promise<number | void> {
    for (const p of pods) if ((p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER)) await this.removeFinalizer(p);
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return;
    const cond = (job.status.conditions ?? []).find((c: KObject) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const at = (parseTime(job.status.completionTime) ?? parseTime(cond?.lastTransitionTime) ?? now) + ttl * 1000;
    if (at > now) return at;
    await ignoreGoneOrConflict(this.client.delete(jobsDef(), job.metadata.namespace, job.metadata.name, { preconditions: { uid: job.metadata.uid }, propagationPolicy: 'Foreground' }));
  }
}

const conditionOf = (status: KObject, type: string): KObject | undefined => (status.conditions ?? []).find((c: KObject) => c.type === type && c.status === 'True');

function setCondition(status: KObject, type: string, c: { reason: string; message: string }, now: number, value = 'True') {
  const cur = (status.conditions ?? []).find((x: KObject) => x.type === type);
  if (cur && cur.status === value && cur.reason === c.reason) return;
  const t = time(now);
  const next = { type, status: value, reason: c.reason, message: c.message, lastProbeTime: t, lastTransitionTime: cur?.status === value ? cur.lastTransitionTime : t };
  status.conditions = [...(status.conditions ?? []).filter((x: KObject) => x.type !== type), next];
}

function finishedAt(pod: KObject): number | undefined {
  let latest: number | undefined;
  for (const c of pod.status?.containerStatuses ?? []) {
    const t = parseTime(c.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? parseTime(pod.metadata?.deletionTimestamp) ?? parseTime(pod.metadata?.creationTimestamp);
}

/** The first podFailurePolicy rule a failed pod matches, with kube's message for FailJob. */
function matchFailurePolicy(job: KObject, pod: KObject): { action: string; message: string } | undefined {
  const rules: KObject[] = job.spec.podFailurePolicy?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    const codes = rule.onExitCodes;
    if (codes) {
      for (const c of pod.status?.containerStatuses ?? []) {
        if (codes.containerName && codes.containerName !== c.name) continue;
        const code = c.state?.terminated?.exitCode;
        if (typeof code !== 'number' || code === 0) continue;
        const listed = (codes.values ?? []).includes(code);
        if (codes.operator === 'In' ? listed : !listed) {
          return { action: rule.action, message: `Container ${c.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${code} matching ${rule.action} rule at index ${i}` };
        }
      }
    }
    for (const pc of rule.onPodConditions ?? []) {
      const has = (pod.status?.conditions ?? []).some((c: KObject) => c.type === pc.type && c.status === (pc.status ?? 'True'));
      if (has) return { action: rule.action, message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${pc.type} matching ${rule.action} rule at index ${i}` };
    }
  }
  return undefined;
}

/** successPolicy (Indexed Jobs): the first rule the succeeded indexes satisfy. */
function successPolicyMet(job: KObject, status: KObject): Finish | undefined {
  const rules: KObject[] = job.spec.successPolicy?.rules ?? [];
  const done = new Set(parseIndexes(status.completedIndexes));
  for (const [i, rule] of rules.entries()) {
    const wanted = rule.succeededIndexes !== undefined ? parseIndexes(rule.succeededIndexes) : [...done];
    const met = wanted.filter((x) => done.has(x)).length;
    const enough = rule.succeededCount !== undefined ? met >= rule.succeededCount : met === wanted.length && wanted.length > 0;
    if (enough) return { type: 'Complete', reason: 'SuccessPolicy', message: `Matched rules at index ${i}` };
  }
  return undefined;
}
