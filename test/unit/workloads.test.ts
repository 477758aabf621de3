// The workload controllers and the garbage collector inside workerd, driven
// through the Controllers Durable Object; every assertion reads the API as a
// client would.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { controllers, finishPod, podsOf, readyAll, setReady, settle, template } from './workload-helpers';
import { WorkQueue } from '../../src/controllers/client/workqueue';
import { podsToDelete } from '../../src/controllers/podcontrol';

const rs = (name: string, replicas: number, labels = { app: name }) => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name },
  spec: { replicas, selector: { matchLabels: labels }, template: template(labels) },
});

describe('work queue', () => {
  it('collapses repeated keys, backs off failures exponentially, and releases delayed keys when due', () => {
    const q = new WorkQueue();
    q.add('a'); q.add('b'); q.add('a');
    expect(q.take(0)).toEqual(['a', 'b']);
    q.addRateLimited('a', 1000);
    expect(q.nextAt(1000)).toBe(1005);
    expect(q.take(1004)).toEqual([]);
    expect(q.take(1005)).toEqual(['a']);
    q.addRateLimited('a', 2000);
    q.addRateLimited('a', 2000);
    // The second failure in a row waits 10 ms; a third one meanwhile keeps the earlier time but counts.
    expect(q.nextAt(2000)).toBe(2010);
    expect(q.failuresOf('a')).toBe(3);
    q.forget('a');
    expect(q.failuresOf('a')).toBe(0);
    q.addAt('c', 5000); q.addAt('c', 4000); q.add('d');
    expect(q.take(4500)).toEqual(['d', 'a', 'c']);
    expect(q.length).toBe(0);
  });

  it('ranks pods for deletion as kube does: unscheduled, pending, not ready, crowded, newest', () => {
    const pod = (name: string, o: J = {}) => ({ metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' }, spec: { nodeName: o.node }, status: { phase: o.phase ?? 'Running', conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] : [] } });
    const pods = [
      pod('ready-old', { node: 'n1', ready: true }),
      pod('ready-crowded', { node: 'n2', ready: true }),
      pod('ready-crowded-2', { node: 'n2', ready: true, created: '2026-01-02T00:00:00Z' }),
      pod('unready', { node: 'n3' }),
      pod('pending', { node: 'n3', phase: 'Pending' }),
      pod('unscheduled', { phase: 'Pending' }),
    ];
    expect(podsToDelete(pods, 6).map((p) => p.metadata.name)).toEqual(['unscheduled', 'pending', 'unready', 'ready-crowded-2', 'ready-crowded', 'ready-old']);
  });
});

describe('replicaset controller', () => {
  it('creates pods from the template with a controllerRef, reports status, and scales down the least valuable pods first', async () => {
    const ns = 'wl-rs';
    await mkns(ns);
    const c = await api('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, rs('web', 3));
    expect(c.status).toBe(201);
    await settle();
    let pods = await podsOf(ns, 'app=web');
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: c.body.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.metadata.managedFields[0].manager).toBe('replicaset-controller');
    }
    let got = (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/web`)).body;
    expect(got.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    expect(got.status.readyReplicas).toBeUndefined();

    // Two pods become ready; status follows.
    await setReady(ns, pods[0], true);
    await setReady(ns, pods[1], true);
    await settle();
    got = (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/web`)).body;
    expect(got.status).toMatchObject({ replicas: 3, readyReplicas: 2, availableReplicas: 2 });

    // Scaling to 2 through the scale subresource deletes the pod that is not ready.
    const s = await api('PATCH', `/apis/apps/v1/namespaces/${ns}/replicasets/web/scale`, { spec: { replicas: 2 } }, { 'content-type': 'application/merge-patch+json' });
    expect(s.status).toBe(200);
    await settle();
    const kept = await podsOf(ns, 'app=web');
    expect(kept.map((p) => p.metadata.name).sort()).toEqual([pods[0].metadata.name, pods[1].metadata.name].sort());
    pods = kept;
    got = (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/web`)).body;
    expect(got.status).toMatchObject({ replicas: 2, readyReplicas: 2, observedGeneration: 2 });
    const events = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=web`)).body.items;
    expect(events.filter((e: J) => e.reason === 'SuccessfulCreate')).toHaveLength(3);
    expect(events.filter((e: J) => e.reason === 'SuccessfulDelete')).toHaveLength(1);
    expect(events[0].source.component).toBe('replicaset-controller');

    // A pod deleted by hand is replaced.
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/pods/${pods[0].metadata.name}?gracePeriodSeconds=0`)).status).toBe(200);
    await settle();
    expect(await podsOf(ns, 'app=web')).toHaveLength(2);
  });

  it('keeps only ready-and-available pods out of the deletion when minReadySeconds counts', async () => {
    const ns = 'wl-minready';
    await mkns(ns);
    const spec = rs('slow', 1);
    (spec.spec as J).minReadySeconds = 30;
    await api('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, spec);
    await settle();
    const [pod] = await podsOf(ns, 'app=slow');
    const readyAt = Date.now();
    await setReady(ns, pod, true, new Date(readyAt));
    const w = await settle();
    let got = (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/slow`)).body;
    expect(got.status.readyReplicas).toBe(1);
    expect(got.status.availableReplicas).toBeUndefined();
    // The controller asked to look again once the pod has been ready for 30 s.
    expect(w.nextAt).toBeGreaterThanOrEqual(Math.floor(readyAt / 1000) * 1000 + 30_000);
    await settle(readyAt + 31_000);
    got = (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/slow`)).body;
    expect(got.status.availableReplicas).toBe(1);
  });

  it('adopts orphans its selector matches and releases pods it stops matching', async () => {
    const ns = 'wl-adopt';
    await mkns(ns);
    const orphan = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'adopt' } }, spec: template({}).spec };
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, orphan)).status).toBe(201);
    const c = await api('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, rs('adopt', 2));
    await settle();
    const pods = await podsOf(ns, 'app=adopt');
    expect(pods).toHaveLength(2);
    const stray = pods.find((p) => p.metadata.name === 'stray');
    expect(stray.metadata.ownerReferences[0]).toMatchObject({ kind: 'ReplicaSet', uid: c.body.metadata.uid, controller: true });

    // Relabelled, the pod is released and replaced.
    const r = await api('PATCH', `/api/v1/namespaces/${ns}/pods/stray`, { metadata: { labels: { app: 'other' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    await settle();
    const released = (await api('GET', `/api/v1/namespaces/${ns}/pods/stray`)).body;
    expect(released.metadata.ownerReferences).toBeUndefined();
    expect(await podsOf(ns, 'app=adopt')).toHaveLength(2);
  });

  it('runs ReplicationControllers the same way', async () => {
    const ns = 'wl-rc';
    await mkns(ns);
    const rc = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 2, template: template({ app: 'legacy' }) } };
    const c = await api('POST', `/api/v1/namespaces/${ns}/replicationcontrollers`, rc);
    expect(c.status).toBe(201);
    await settle();
    const pods = await podsOf(ns, 'app=legacy');
    expect(pods).toHaveLength(2);
    expect(pods[0].metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy' });
    expect((await api('GET', `/api/v1/namespaces/${ns}/replicationcontrollers/legacy`)).body.status.replicas).toBe(2);
  });
});

describe('garbage collector', () => {
  it('deletes dependents in the background, orphans them, or deletes them before their owner in the foreground', async () => {
    const ns = 'wl-gc';
    await mkns(ns);
    for (const name of ['bg', 'orphan', 'fg']) await api('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, rs(name, 2));
    await settle();

    // Background (the default): the owner goes at once, its pods after.
    expect((await api('DELETE', `/apis/apps/v1/namespaces/${ns}/replicasets/bg`)).status).toBe(200);
    expect((await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/bg`)).status).toBe(404);
    await settle();
    expect(await podsOf(ns, 'app=bg')).toHaveLength(0);

    // Orphan: the owner waits on the orphan finalizer, its pods stay without the reference.
    const o = await api('DELETE', `/apis/apps/v1/namespaces/${ns}/replicasets/orphan`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    expect(o.status).toBe(200);
    expect(o.body.metadata.finalizers).toEqual(['orphan']);
    await settle();
    expect((await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/orphan`)).status).toBe(404);
    const orphans = await podsOf(ns, 'app=orphan');
    expect(orphans).toHaveLength(2);
    for (const p of orphans) expect(p.metadata.ownerReferences).toBeUndefined();

    // Foreground: the owner stays, marked, until its blocking dependents are gone.
    const f = await api('DELETE', `/apis/apps/v1/namespaces/${ns}/replicasets/fg?propagationPolicy=Foreground`);
    expect(f.status).toBe(200);
    expect(f.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(f.body.metadata.deletionTimestamp).toBeTruthy();
    // The owner is never gone while one of its pods is still there.
    await controllers().reconcile({});
    const between = await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/fg`);
    if (between.status === 404) expect(await podsOf(ns, 'app=fg')).toHaveLength(0);
    else expect(between.status).toBe(200);
    await settle();
    expect(await podsOf(ns, 'app=fg')).toHaveLength(0);
    expect((await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets/fg`)).status).toBe(404);
  });

  it('deletes objects whose owners never existed or are gone, across kinds, and survives cycles', async () => {
    const ns = 'wl-gc2';
    await mkns(ns);
    const ref = (kind: string, name: string, uid: string, apiVersion = 'v1') => ({ apiVersion, kind, name, uid });
    const dangling = { ...(await import('./helpers')).cm('dangling', ns), metadata: { name: 'dangling', namespace: ns, ownerReferences: [ref('ConfigMap', 'nobody', '00000000-0000-0000-0000-000000000001')] } };
    expect((await api('POST', `/api/v1/namespaces/${ns}/configmaps`, dangling)).status).toBe(201);
    // An owner of another kind: a Secret owned by a ConfigMap.
    const owner = await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'owned', ownerReferences: [ref('ConfigMap', 'owner', owner.body.metadata.uid)] } };
    expect((await api('POST', `/api/v1/namespaces/${ns}/secrets`, secret)).status).toBe(201);
    // A cycle: a owns b, b owns a.
    const a = await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const b = await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', ownerReferences: [ref('ConfigMap', 'a', a.body.metadata.uid)] } });
    const pa = await api('PATCH', `/api/v1/namespaces/${ns}/configmaps/a`, { metadata: { ownerReferences: [ref('ConfigMap', 'b', b.body.metadata.uid)] } }, { 'content-type': 'application/merge-patch+json' });
    expect(pa.status).toBe(200);
    await settle();
    expect((await api('GET', `/api/v1/namespaces/${ns}/configmaps/dangling`)).status).toBe(404);
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/owned`)).status).toBe(200);
    expect((await api('GET', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);

    expect((await api('DELETE', `/api/v1/namespaces/${ns}/configmaps/owner`)).status).toBe(200);
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/configmaps/a`)).status).toBe(200);
    await settle();
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/owned`)).status).toBe(404);
    expect((await api('GET', `/api/v1/namespaces/${ns}/configmaps/b`)).status).toBe(404);
  });

  it('refuses both GC finalizers at once', async () => {
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'both', finalizers: ['orphan', 'foregroundDeletion'] } });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('finalizer orphan and foregroundDeletion cannot be both set');
  });
});

const deployment = (name: string, replicas: number, extra: J = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template({ app: name }), ...extra },
});

const getD = async (ns: string, name: string) => (await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).body;
const rsOf = async (ns: string, app: string): Promise<J[]> =>
  (await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=app%3D${app}`)).body.items.sort((a: J, b: J) => Number(a.metadata.annotations['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations['deployment.kubernetes.io/revision']));
const cond = (d: J, type: string) => d.status?.conditions?.find((c: J) => c.type === type);
const patchD = (ns: string, name: string, body: J) => api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${name}`, body, { 'content-type': 'application/merge-patch+json' });
const image = (img: string) => ({ spec: { template: { spec: { containers: [{ name: 'c', image: img, command: ['sleep', '3600'] }] } } } });

describe('deployment controller', () => {
  it('rolls out a ReplicaSet per template with the pod-template-hash, revisions, conditions and counts', async () => {
    const ns = 'wl-deploy';
    await mkns(ns);
    expect((await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web', 3))).status).toBe(201);
    await settle();
    let [rs1] = await rsOf(ns, 'web');
    const hash = rs1.metadata.labels['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs1.metadata.name).toBe(`web-${hash}`);
    expect(rs1.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs1.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs1.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true });
    expect(rs1.spec.replicas).toBe(3);
    let d = await getD(ns, 'web');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3 });
    expect(cond(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    // Created, then progressing as its pods appeared.
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "web-${hash}" is progressing.` });

    await readyAll(ns, 'app=web');
    await settle();
    d = await getD(ns, 'web');
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(d.status.unavailableReplicas).toBeUndefined();
    expect(cond(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });

    // A new image: surge 1, unavailable 0; never fewer than 3 ready pods while it rolls.
    expect((await patchD(ns, 'web', { metadata: { annotations: { 'kubernetes.io/change-cause': 'v2' } }, ...image('busybox:2') })).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      await settle();
      const pods = (await podsOf(ns, 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
      expect(pods.length).toBeLessThanOrEqual(4);
      expect(pods.filter((p) => p.status?.conditions?.[0]?.status === 'True').length).toBeGreaterThanOrEqual(3);
      d = await getD(ns, 'web');
      if (cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status.updatedReplicas === 3 && d.status.replicas === 3) break;
      await readyAll(ns, 'app=web');
    }
    const sets = await rsOf(ns, 'web');
    expect(sets.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r.spec.replicas])).toEqual([['1', 0], ['2', 3]]);
    expect(sets[1].metadata.annotations['kubernetes.io/change-cause']).toBe('v2');
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status).toMatchObject({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    const scaling = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.kind=Deployment`)).body.items.filter((e: J) => e.reason === 'ScalingReplicaSet');
    expect(scaling[0].message).toBe(`Scaled up replica set web-${hash} from 0 to 3`);
    expect(scaling.some((e: J) => e.message === `Scaled down replica set web-${hash} from 3 to 2`)).toBe(true);

    // Back to the first template: its ReplicaSet becomes the new one again, with revision 3 and its old revision in the history.
    expect((await patchD(ns, 'web', image('busybox'))).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      await settle();
      await readyAll(ns, 'app=web');
      d = await getD(ns, 'web');
      if (cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status.updatedReplicas === 3 && d.status.replicas === 3) break;
    }
    [rs1] = (await rsOf(ns, 'web')).filter((r) => r.metadata.name === `web-${hash}`);
    expect(rs1.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect(rs1.spec.replicas).toBe(3);
  });

  it('scales the active ReplicaSet, pauses and resumes, recreates, and keeps revisionHistoryLimit', async () => {
    const ns = 'wl-deploy2';
    await mkns(ns);
    await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('app', 2, { revisionHistoryLimit: 1, strategy: { type: 'Recreate' } }));
    await settle();
    await readyAll(ns, 'app=app');
    // kubectl scale goes through the scale subresource.
    expect((await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/app/scale`, { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
    await settle();
    let sets = await rsOf(ns, 'app');
    expect(sets).toHaveLength(1);
    expect(sets[0].spec.replicas).toBe(4);
    expect(sets[0].metadata.annotations['deployment.kubernetes.io/desired-replicas']).toBe('4');

    // Paused: a template change rolls nothing out.
    expect((await patchD(ns, 'app', { spec: { paused: true } })).status).toBe(200);
    await settle();
    expect(cond(await getD(ns, 'app'), 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    await patchD(ns, 'app', image('busybox:2'));
    await settle();
    expect(await rsOf(ns, 'app')).toHaveLength(1);

    // Resumed with Recreate: every old pod goes before the new ReplicaSet appears.
    await patchD(ns, 'app', { spec: { paused: false } });
    await settle();
    const d = await getD(ns, 'app');
    sets = await rsOf(ns, 'app');
    expect(sets.map((r) => r.spec.replicas)).toEqual([0, 4]);
    expect(cond(d, 'Progressing')?.reason).not.toBe('DeploymentPaused');
    const created = Date.parse(sets[1].metadata.creationTimestamp);
    const deletes = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=reason=SuccessfulDelete`)).body.items;
    expect(deletes).toHaveLength(4);
    for (const ev of deletes) expect(Date.parse(ev.firstTimestamp)).toBeLessThanOrEqual(created);

    // A third template: with revisionHistoryLimit 1 only one idle ReplicaSet stays.
    await readyAll(ns, 'app=app');
    await settle();
    await patchD(ns, 'app', image('busybox:3'));
    await settle();
    await readyAll(ns, 'app=app');
    await settle();
    sets = await rsOf(ns, 'app');
    expect(sets.map((r) => [r.metadata.annotations['deployment.kubernetes.io/revision'], r.spec.replicas])).toEqual([['2', 0], ['3', 4]]);
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress in time', async () => {
    const ns = 'wl-deadline';
    await mkns(ns);
    await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('stuck', 1, { progressDeadlineSeconds: 5 }));
    const w = await settle();
    let d = await getD(ns, 'stuck');
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    // The controller asked to look again once the deadline has passed.
    const deadline = Date.parse(cond(d, 'Progressing').lastUpdateTime) + 5000;
    expect(w.nextAt).toBeGreaterThanOrEqual(deadline);
    await settle(Date.now() + 7000);
    d = await getD(ns, 'stuck');
    expect(cond(d, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${(await rsOf(ns, 'stuck'))[0].metadata.name}" has timed out progressing.` });
  });

  it('deleting a Deployment takes its ReplicaSets and pods with it', async () => {
    const ns = 'wl-deploy-gc';
    await mkns(ns);
    await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('gone', 2));
    await settle();
    expect(await podsOf(ns, 'app=gone')).toHaveLength(2);
    expect((await api('DELETE', `/apis/apps/v1/namespaces/${ns}/deployments/gone`)).status).toBe(200);
    await settle();
    expect(await rsOf(ns, 'gone')).toHaveLength(0);
    expect(await podsOf(ns, 'app=gone')).toHaveLength(0);
  });
});

const job = (name: string, spec: J = {}) => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } }, ...spec },
});
const getJob = async (ns: string, name: string) => (await api('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`)).body;
const jobPods = async (ns: string, name: string) => podsOf(ns, `batch.kubernetes.io/job-name=${name}`);
const jobCond = (j: J, type: string) => j.status?.conditions?.find((c: J) => c.type === type && c.status === 'True');

describe('job controller', () => {
  it('runs completions 5 with parallelism 2, tracks pods with its finalizer, and completes', async () => {
    const ns = 'wl-job';
    await mkns(ns);
    expect((await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('five', { completions: 5, parallelism: 2 }))).status).toBe(201);
    for (let round = 0; round < 6; round++) {
      await settle();
      const running = (await jobPods(ns, 'five')).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
      expect(running.length).toBeLessThanOrEqual(2);
      for (const p of running) {
        expect(p.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
        expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: 'five', controller: true });
        await finishPod(ns, p, 'Succeeded');
      }
      if (jobCond(await getJob(ns, 'five'), 'Complete')) break;
    }
    const j = await getJob(ns, 'five');
    expect(j.status).toMatchObject({ succeeded: 5, ready: 0, uncountedTerminatedPods: {} });
    expect(j.status.active).toBeUndefined(); // a zero active count is omitted (omitempty), as kube writes it
    expect(j.status.failed ?? 0).toBe(0);
    expect(jobCond(j, 'SuccessCriteriaMet')).toMatchObject({ reason: 'CompletionsReached' });
    expect(jobCond(j, 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(j.status.completionTime).toBeTruthy();
    const pods = await jobPods(ns, 'five');
    expect(pods).toHaveLength(5);
    for (const p of pods) expect(p.metadata.finalizers).toBeUndefined();
    const events = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=five`)).body.items.map((e: J) => e.reason);
    expect(events.filter((r: string) => r === 'SuccessfulCreate')).toHaveLength(5);
    expect(events).toContain('Completed');
  });

  it('gives Indexed pods their index, as annotation, label, hostname and JOB_COMPLETION_INDEX', async () => {
    const ns = 'wl-job-indexed';
    await mkns(ns);
    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await settle();
    const pods = await jobPods(ns, 'idx');
    expect(pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1', '2']);
    const one = pods.find((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '1');
    expect(one.metadata.name).toMatch(/^idx-1-[a-z0-9]{5}$/);
    expect(one.metadata.labels['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(one.spec.hostname).toBe('idx-1');
    expect(one.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    await finishPod(ns, one, 'Succeeded');
    await settle();
    expect((await getJob(ns, 'idx')).status).toMatchObject({ completedIndexes: '1', succeeded: 1, active: 2 });
    for (const p of pods) if (p !== one) await finishPod(ns, p, 'Succeeded');
    await settle();
    const j = await getJob(ns, 'idx');
    expect(j.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3 });
    expect(jobCond(j, 'Complete')).toBeTruthy();
  });

  it('backs off after a failure and fails at backoffLimit; a FailJob rule fails at once', async () => {
    const ns = 'wl-job-fail';
    await mkns(ns);
    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('flaky', { backoffLimit: 1 }));
    await settle();
    let [p] = await jobPods(ns, 'flaky');
    await finishPod(ns, p, 'Failed');
    const w = await settle();
    // No new pod during the 10 s back-off; the controller comes back when it ends.
    expect((await jobPods(ns, 'flaky')).filter((x) => !x.status?.phase || x.status.phase === 'Pending')).toHaveLength(0);
    expect(w.nextAt).toBeGreaterThan(Date.now() + 5000);
    await settle(Date.now() + 11_000);
    [p] = (await jobPods(ns, 'flaky')).filter((x) => x.status?.phase !== 'Failed');
    expect(p).toBeTruthy();
    await finishPod(ns, p, 'Failed');
    await settle(Date.now() + 60_000);
    let j = await getJob(ns, 'flaky');
    expect(j.status.failed).toBe(2);
    expect(jobCond(j, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(jobCond(j, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });

    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('policy', {
      backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] },
    }));
    await settle();
    [p] = await jobPods(ns, 'policy');
    await finishPod(ns, p, 'Failed', 42);
    await settle();
    j = await getJob(ns, 'policy');
    expect(jobCond(j, 'Failed')).toMatchObject({ reason: 'PodFailurePolicy', message: `Container c for pod ${ns}/${p.metadata.name} failed with exit code 42 matching FailJob rule at index 0` });
  });

  it('suspends and resumes, fails past activeDeadlineSeconds, and deletes a finished Job after its TTL', async () => {
    const ns = 'wl-job-life';
    await mkns(ns);
    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('later', { suspend: true }));
    await settle();
    expect(await jobPods(ns, 'later')).toHaveLength(0);
    expect(jobCond(await getJob(ns, 'later'), 'Suspended')).toMatchObject({ reason: 'JobSuspended' });
    await api('PATCH', `/apis/batch/v1/namespaces/${ns}/jobs/later`, { spec: { suspend: false } }, { 'content-type': 'application/merge-patch+json' });
    await settle();
    expect(await jobPods(ns, 'later')).toHaveLength(1);
    const resumed = (await getJob(ns, 'later')).status.conditions.find((c: J) => c.type === 'Suspended');
    expect(resumed).toMatchObject({ status: 'False', reason: 'JobResumed' });

    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('slow', { activeDeadlineSeconds: 5 }));
    await settle();
    await settle(Date.now() + 6000);
    const slow = await getJob(ns, 'slow');
    expect(jobCond(slow, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect((await jobPods(ns, 'slow')).every((p) => p.metadata.deletionTimestamp === undefined)).toBe(true);

    await api('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, job('brief', { ttlSecondsAfterFinished: 30 }));
    await settle();
    const [p] = await jobPods(ns, 'brief');
    await finishPod(ns, p, 'Succeeded');
    await settle();
    expect(jobCond(await getJob(ns, 'brief'), 'Complete')).toBeTruthy();
    await settle(Date.now() + 31_000);
    expect((await api('GET', `/apis/batch/v1/namespaces/${ns}/jobs/brief`)).status).toBe(404);
    expect(await jobPods(ns, 'brief')).toHaveLength(0);
  });
});

describe('GET /debug/controllers', () => {
  it('counts the controllers\' store requests and reconciled keys, per controller', async () => {
    const read = async () => { const r = await api('GET', '/debug/controllers'); expect(r.status).toBe(200); return r.body; };
    const before = await read();
    expect(before).toMatchObject({ startedAt: expect.any(String), passes: expect.any(Number), storeRequests: expect.any(Object), reconciled: expect.any(Object) });
    await mkns('wl-debug');
    const rs = await api('POST', '/apis/apps/v1/namespaces/wl-debug/replicasets', {
      metadata: { name: 'counted' }, spec: { replicas: 2, selector: { matchLabels: { app: 'counted' } }, template: template({ app: 'counted' }) },
    });
    expect(rs.status).toBe(201);
    await settle();
    const after = await read();
    expect(after.passes).toBeGreaterThan(before.passes);
    // At least the two pod creates and a status update went to the store.
    expect(after.storeRequests.workloads - (before.storeRequests.workloads ?? 0)).toBeGreaterThanOrEqual(3);
    expect(after.reconciled['replicaset-controller'] - (before.reconciled['replicaset-controller'] ?? 0)).toBeGreaterThanOrEqual(1);
  });
});
