// The CronJob controller inside workerd, on a clock the test drives:
// Jobs at each start time, concurrency policies, the starting deadline,
// history limits, status, and a schedule in a time zone.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { finishPod, podsOf, settle } from './workload-helpers';

const MIN = 60_000;
const cronJob = (name: string, spec: J) => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
  spec: {
    jobTemplate: { metadata: { labels: { cron: name } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } } },
    ...spec,
  },
});
const getCj = async (ns: string, name: string) => (await api('GET', `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`)).body;
const jobsOf = async (ns: string, name: string) =>
  ((await api('GET', `/apis/batch/v1/namespaces/${ns}/jobs?labelSelector=cron%3D${name}`)).body.items as J[]).map((j) => j.metadata.name).sort();
const rfc = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** The next multiple of `step` minutes after `ms`. */
const nextSlot = (ms: number, step: number) => (Math.floor(ms / (step * MIN)) + 1) * step * MIN;

async function finishJobPods(ns: string, job: string, phase: 'Succeeded' | 'Failed') {
  for (const p of await podsOf(ns, `batch.kubernetes.io/job-name=${job}`)) if (!p.status?.phase || p.status.phase === 'Pending') await finishPod(ns, p, phase);
}

describe('cronjob controller', () => {
  it('starts a Job at each scheduled minute, tracks it, and keeps the history limits', async () => {
    const ns = 'cj-basic';
    await mkns(ns);
    const created = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('tick', { schedule: '*/5 * * * *', successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }));
    expect(created.status).toBe(201);
    const t0 = Date.parse(created.body.metadata.creationTimestamp);
    await settle(t0 + 1000);
    expect(await jobsOf(ns, 'tick')).toEqual([]);

    let slot = nextSlot(t0, 5);
    const names: string[] = [];
    for (let i = 0; i < 4; i++, slot += 5 * MIN) {
      await settle(slot + 2000);
      const name = `tick-${slot / MIN}`;
      names.push(name);
      const job = (await api('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`)).body;
      expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(rfc(slot));
      expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
      const cj = await getCj(ns, 'tick');
      expect(cj.status.lastScheduleTime).toBe(rfc(slot));
      expect(cj.status.active.map((r: J) => r.name)).toEqual([name]);
      // The first three succeed, the fourth fails.
      await finishJobPods(ns, name, i < 3 ? 'Succeeded' : 'Failed');
      await settle(slot + 3000);
      await settle(slot + 4000);
    }
    // Two successful Jobs kept (the newest), one failed.
    expect(await jobsOf(ns, 'tick')).toEqual([names[1], names[2], names[3]].sort());
    const cj = await getCj(ns, 'tick');
    expect(cj.status.active).toBeUndefined();
    expect(cj.status.lastSuccessfulTime).toBeTruthy();
    const events = ((await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=tick`)).body.items as J[]).map((e) => `${e.reason}: ${e.message}`);
    expect(events).toContain(`SuccessfulCreate: Created job ${names[0]}`);
    expect(events).toContain(`SawCompletedJob: Saw completed job: ${names[0]}, condition: Complete`);
    expect(events).toContain(`SuccessfulDelete: Deleted job ${names[0]}`);
  });

  it('forbids or replaces a running Job, skips starts past the deadline, and schedules in a time zone', async () => {
    const ns = 'cj-policy';
    await mkns(ns);
    const forbid = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('forbid', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }));
    const replace = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('replace', { schedule: '* * * * *', concurrencyPolicy: 'Replace' }));
    expect([forbid.status, replace.status]).toEqual([201, 201]);
    const t0 = Date.parse(forbid.body.metadata.creationTimestamp);
    const first = nextSlot(t0 + 1000, 1);
    await settle(first + 1000);
    expect(await jobsOf(ns, 'forbid')).toEqual([`forbid-${first / MIN}`]);
    expect(await jobsOf(ns, 'replace')).toEqual([`replace-${first / MIN}`]);
    // A minute later the first Jobs still run: Forbid starts nothing, Replace swaps its Job.
    await settle(first + MIN + 1000);
    await settle(first + MIN + 2000);
    expect(await jobsOf(ns, 'forbid')).toEqual([`forbid-${first / MIN}`]);
    expect(await jobsOf(ns, 'replace')).toEqual([`replace-${(first + MIN) / MIN}`]);
    const events = ((await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=forbid`)).body.items as J[]).map((e) => e.reason);
    expect(events).toContain('JobAlreadyActive');

    // startingDeadlineSeconds: a start found 90 s late with a 60 s deadline is skipped; the next one on time runs.
    const late = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('late', { schedule: '*/10 * * * *', startingDeadlineSeconds: 60 }));
    const t1 = Date.parse(late.body.metadata.creationTimestamp);
    const due = nextSlot(t1, 10);
    await settle(due + 90_000);
    expect(await jobsOf(ns, 'late')).toEqual([]);
    await settle(due + 10 * MIN + 5000);
    expect(await jobsOf(ns, 'late')).toEqual([`late-${(due + 10 * MIN) / MIN}`]);

    // 09:00 in Tokyo is 00:00 UTC: the Job is stamped with Tokyo's offset.
    const tz = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }));
    expect(tz.status).toBe(201);
    const midnight = Math.floor(Date.parse(tz.body.metadata.creationTimestamp) / 86_400_000 + 1) * 86_400_000;
    await settle(midnight + 1000);
    const [name] = await jobsOf(ns, 'tokyo');
    expect(name).toBe(`tokyo-${midnight / MIN}`);
    const job = (await api('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`)).body;
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(`${new Date(midnight).toISOString().slice(0, 10)}T09:00:00+09:00`);

    // A schedule that does not parse is refused.
    const bad = await api('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob('bad', { schedule: '61 * * * *' }));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('end of range (61) above maximum (59): 61');
  });
});
