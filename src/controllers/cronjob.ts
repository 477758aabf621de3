// The CronJob controller (kube's pkg/controller/cronjob, v2): at each
// scheduled time (in spec.timeZone, else UTC) a Job from the template, named
// after the minute it was scheduled for; concurrencyPolicy Allow, Forbid
// or Replace; a start missed by more than startingDeadlineSeconds is
// skipped; finished Jobs beyond the history limits are deleted; status
// keeps the active Jobs, lastScheduleTime and lastSuccessfulTime.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import { controllerRef, type Informer, type SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { newControllerRef } from './podcontrol';
import { schedule, type Schedule } from './cronschedule';
import { condition, ignoreGoneOrConflict, parseTime, time } from './util';

const COMPONENT = 'cronjob-controller';
const cronJobsDef = () => lookup('batch', 'v1', 'cronjobs')!;
const jobsDef = () => lookup('batch', 'v1', 'jobs')!;
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kube gives up counting missed start times past this many. */
const TOO_MANY_MISSED = 100;

/** A finished Job: Complete or Failed. */
const finished = (job: KObject) => ['Complete', 'Failed'].find((t) => condition(job, t)?.status === 'True');

export class CronJobController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly cronJobs: Informer;
  private readonly jobs: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.cronJobs = informers.for(storagePrefix(cronJobsDef()));
    this.jobs = informers.for(storagePrefix(jobsDef()));
    this.cronJobs.on(({ obj, old }) => {
      const c = obj ?? old!;
      this.queue.add(keyOf(c.metadata.namespace, c.metadata.name));
    });
    this.jobs.on(({ obj, old }) => {
      const ref = controllerRef(obj ?? old!);
      if (ref?.kind === 'CronJob') this.queue.add(keyOf((obj ?? old!).metadata.namespace, ref.name));
    });
  }

  async reconcile(key: string, now: number): Promise<number | void> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) return;
    const cj = structuredClone(cached);
    const jobs = this.jobs.controlledBy(cj.metadata.uid);
    const status: KObject = structuredClone(cj.status ?? {});
    await this.trackJobs(cj, status, jobs);
    let requeue: number | undefined;
    if (!cj.metadata.deletionTimestamp) requeue = await this.run(cj, status, jobs, now);
    await this.cleanupHistory(cj, jobs);
    if (!deepEqual(status, cj.status ?? {})) await this.client.updateStatus(cronJobsDef(), { ...cj, status });
    return requeue;
  }

  /** The active list follows the Jobs: finished ones leave it (and may be the last success), unknown running ones join it. */
  private async trackJobs(cj: KObject, status: KObject, jobs: KObject[]) {
    const byUid = new Map(jobs.map((j) => [j.metadata.uid, j]));
    const active: KObject[] = [];
    for (const ref of status.active ?? []) {
      const job = byUid.get(ref.uid);
      if (!job) continue;
      const done = finished(job);
      if (!done) { active.push(ref); continue; }
      await this.client.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${done}`);
    }
    for (const job of jobs) {
      const done = finished(job);
      if (done === 'Complete') {
        const at = job.status?.completionTime;
        if (at && (parseTime(at) ?? 0) > (parseTime(status.lastSuccessfulTime) ?? 0)) status.lastSuccessfulTime = at;
      }
      if (!done && !job.metadata.deletionTimestamp && !active.some((r) => r.uid === job.metadata.uid)) {
        // A Job made by hand from this CronJob (`kubectl create job --from=cronjob/...`) counts as running.
        active.push(jobRef(job));
      }
    }
    if (active.length) status.active = active;
    else delete status.active;
  }

  /** syncCronJob: the Job for the latest start time due, if any; returns when to look again. */
  private async run(cj: KObject, status: KObject, jobs: KObject[], now: number): Promise<number | undefined> {
    let sched: Schedule;
    try {
      sched = schedule(cj.spec.schedule, cj.spec.timeZone);
    } catch (e) {
      await this.client.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    if (cj.spec.suspend) return undefined;
    const next = sched.next(now);
    const earliest = Math.max(
      parseTime(status.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now,
      typeof cj.spec.startingDeadlineSeconds === 'number' ? now - cj.spec.startingDeadlineSeconds * 1000 : -Infinity,
    );
    const { latest, missed } = sched.latest(earliest, now, TOO_MANY_MISSED + 1);
    if (latest === undefined) return next;
    if (missed > TOO_MANY_MISSED) {
      await this.client.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const jobName = `${cj.metadata.name}-${Math.floor(latest / 60_000)}`;
    if (jobs.some((j) => j.metadata.name === jobName)) return next;
    const active: KObject[] = status.active ?? [];
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      await this.client.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next;
    }
    if (policy === 'Replace') {
      for (const ref of active) {
        const gone = await ignoreGoneOrConflict(this.client.delete(jobsDef(), cj.metadata.namespace, ref.name, { propagationPolicy: 'Background', preconditions: { uid: ref.uid } }).then(() => true));
        if (gone) await this.client.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
      }
      delete status.active;
    }
    const job = await this.createJob(cj, jobName, latest, sched.timeZone);
    if (job) status.active = [...(status.active ?? []), jobRef(job)];
    status.lastScheduleTime = time(latest);
    return next;
  }

  /** getJobFromTemplate2: the template's Job, named after its minute, owned by the CronJob. */
  private async createJob(cj: KObject, name: string, scheduledAt: number, timeZone: string): Promise<KObject | undefined> {
    const t = cj.spec.jobTemplate ?? {};
    const job: KObject = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: {
        name, namespace: cj.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: zonedTime(scheduledAt, timeZone) },
        ownerReferences: [newControllerRef(cj)],
      },
      spec: structuredClone(t.spec ?? {}),
    };
    try {
      const created = await this.client.create(jobsDef(), job);
      await this.client.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return created;
    } catch (e) {
      if (isStatusCode(e, 409)) return undefined;
      await this.client.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  /** cleanupFinishedJobs: the oldest finished Jobs beyond successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1). */
  private async cleanupHistory(cj: KObject, jobs: KObject[]) {
    const limits: Record<string, number> = { Complete: cj.spec.successfulJobsHistoryLimit ?? 3, Failed: cj.spec.failedJobsHistoryLimit ?? 1 };
    for (const [kind, limit] of Object.entries(limits)) {
      const done = jobs.filter((j) => finished(j) === kind && !j.metadata.deletionTimestamp)
        .sort((a, b) => (parseTime(a.status?.startTime) ?? parseTime(a.metadata.creationTimestamp) ?? 0) - (parseTime(b.status?.startTime) ?? parseTime(b.metadata.creationTimestamp) ?? 0));
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        const gone = await ignoreGoneOrConflict(this.client.delete(jobsDef(), j.metadata.namespace, j.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } }).then(() => true));
        if (gone) await this.client.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
      }
    }
  }
}

const jobRef = (job: KObject) => ({
  kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid,
  apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion,
});

/** RFC 3339 with the zone's offset, as kube writes the scheduled-timestamp annotation. */
function zonedTime(ms: number, timeZone: string): string {
  if (timeZone === 'UTC') return time(ms);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offset = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
