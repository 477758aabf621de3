// The StatefulSet controller inside workerd, driven through the Controllers
// Durable Object; pods are marked ready as a node agent would.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { podsOf, setReady, settle, template } from './workload-helpers';

const sts = (name: string, replicas: number, extra: J = {}) => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
  spec: {
    replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: template({ app: name }),
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    ...extra,
  },
});

const getSts = async (ns: string, name: string) => (await api('GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`)).body;
const patchSts = (ns: string, name: string, body: J, type = 'application/merge-patch+json') =>
  api('PATCH', `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`, body, { 'content-type': type });
const names = (pods: J[]) => pods.map((p) => p.metadata.name).sort();
const claims = async (ns: string) => (await api('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims`)).body.items as J[];
const revisions = async (ns: string) => ((await api('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`)).body.items as J[]).sort((a, b) => a.revision - b.revision);
const image = (img: string) => ({ spec: { template: { spec: { containers: [{ name: 'c', image: img, command: ['sleep', '3600'] }] } } } });
const revisionOf = (p: J) => p.metadata.labels['controller-revision-hash'];

/** Marks the pods ready one settle at a time, as OrderedReady needs, until `count` pods run. */
async function readyInOrder(ns: string, app: string, count: number) {
  for (let i = 0; i < 2 * count + 2; i++) {
    const pods = (await podsOf(ns, `app=${app}`)).filter((p) => !p.metadata.deletionTimestamp);
    const waiting = pods.filter((p) => p.status?.conditions?.[0]?.status !== 'True');
    if (waiting.length === 0 && pods.length === count) return pods;
    for (const p of waiting) await setReady(ns, p, true);
    await settle();
  }
  throw new Error(`${app} did not reach ${count} ready pods`);
}

describe('statefulset controller', () => {
  it('creates ordinal pods one at a time with their claims, rolls out from the highest ordinal, and scales down from the top', async () => {
    const ns = 'sts-ordered';
    await mkns(ns);
    expect((await api('POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, sts('web', 3))).status).toBe(201);
    await settle();
    // OrderedReady: web-1 waits for web-0 to be ready.
    let pods = await podsOf(ns, 'app=web');
    expect(names(pods)).toEqual(['web-0']);
    const [web0] = pods;
    const [rev1] = await revisions(ns);
    expect(rev1).toMatchObject({ revision: 1, metadata: { name: expect.stringMatching(/^web-[a-z0-9]+$/) } });
    expect(rev1.metadata.labels['controller.kubernetes.io/hash']).toBe(rev1.metadata.name.slice('web-'.length));
    expect(rev1.data.spec.template.$patch).toBe('replace');
    expect(web0.metadata.labels).toEqual({
      app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': rev1.metadata.name,
    });
    expect(web0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }] });
    expect(web0.metadata.ownerReferences[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });
    let pvcs = await claims(ns);
    expect(pvcs.map((c) => c.metadata.name)).toEqual(['data-web-0']);
    expect(pvcs[0].metadata.labels).toEqual({ app: 'web' });
    expect(pvcs[0].metadata.ownerReferences).toBeUndefined();

    pods = await readyInOrder(ns, 'web', 3);
    expect(names(pods)).toEqual(['web-0', 'web-1', 'web-2']);
    expect((await claims(ns)).map((c) => c.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    let s = await getSts(ns, 'web');
    expect(s.status).toMatchObject({
      replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3,
      currentRevision: rev1.metadata.name, updateRevision: rev1.metadata.name, observedGeneration: 1,
    });

    // A new template replaces web-2 first and waits for it before web-1.
    expect((await patchSts(ns, 'web', image('busybox:2'))).status).toBe(200);
    await settle();
    const rev2 = (await revisions(ns))[1];
    expect(rev2.revision).toBe(2);
    pods = await podsOf(ns, 'app=web');
    expect(pods.filter((p) => revisionOf(p) === rev2.metadata.name).map((p) => p.metadata.name)).toEqual(['web-2']);
    expect(pods.filter((p) => revisionOf(p) === rev1.metadata.name)).toHaveLength(2);
    s = await getSts(ns, 'web');
    expect(s.status).toMatchObject({ currentRevision: rev1.metadata.name, updateRevision: rev2.metadata.name, updatedReplicas: 1, currentReplicas: 2 });
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      pods = await podsOf(ns, 'app=web');
      const fresh = pods.find((p) => revisionOf(p) === rev2.metadata.name && p.status?.conditions?.[0]?.status !== 'True');
      if (!fresh) break;
      order.push(fresh.metadata.name);
      // Never more than one pod down at a time.
      expect(pods.filter((p) => p.status?.conditions?.[0]?.status !== 'True')).toHaveLength(1);
      await setReady(ns, fresh, true);
      await settle();
    }
    expect(order).toEqual(['web-2', 'web-1', 'web-0']);
    s = await getSts(ns, 'web');
    expect(s.status).toMatchObject({ currentRevision: rev2.metadata.name, updateRevision: rev2.metadata.name, updatedReplicas: 3, currentReplicas: 3, readyReplicas: 3 });
    expect(s.status.observedGeneration).toBe(2);

    // Scaling down removes the highest ordinals first and keeps their claims (whenScaled: Retain).
    expect((await api('PATCH', `/apis/apps/v1/namespaces/${ns}/statefulsets/web/scale`, { spec: { replicas: 1 } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
    await settle();
    expect(names(await podsOf(ns, 'app=web'))).toEqual(['web-0']);
    const events = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=web`)).body.items as J[];
    const deletes = events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    expect(deletes.slice(-2)).toEqual(['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
    expect(events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Claim data-web-0 Pod web-0 in StatefulSet web success')).toBe(true);
    expect((await claims(ns)).map((c) => c.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);

    // Scaling back up reuses the retained claims; undo restores the first template as revision 3.
    expect((await patchSts(ns, 'web', { spec: { replicas: 2 } })).status).toBe(200);
    await readyInOrder(ns, 'web', 2);
    expect((await claims(ns))).toHaveLength(3);
    expect((await patchSts(ns, 'web', rev1.data, 'application/strategic-merge-patch+json')).status).toBe(200);
    await settle();
    const revs = await revisions(ns);
    expect(revs.map((r) => [r.metadata.name, r.revision])).toEqual([[rev2.metadata.name, 2], [rev1.metadata.name, 3]]);
    expect((await getSts(ns, 'web')).status.updateRevision).toBe(rev1.metadata.name);
  });

  it('runs Parallel sets all at once, honours the partition and OnDelete, and deletes claims as the retention policy says', async () => {
    const ns = 'sts-parallel';
    await mkns(ns);
    const body = sts('db', 3, {
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
    });
    const created = await api('POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, body);
    expect(created.status).toBe(201);
    await settle();
    expect(names(await podsOf(ns, 'app=db'))).toEqual(['db-0', 'db-1', 'db-2']);
    for (const c of await claims(ns)) {
      expect(c.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: created.body.metadata.uid }]);
    }
    for (const p of await podsOf(ns, 'app=db')) await setReady(ns, p, true);
    await settle();

    // Only ordinals at or above the partition take the new template.
    expect((await patchSts(ns, 'db', image('busybox:2'))).status).toBe(200);
    await settle();
    for (const p of await podsOf(ns, 'app=db')) if (p.status?.conditions?.[0]?.status !== 'True') await setReady(ns, p, true);
    await settle();
    let s = await getSts(ns, 'db');
    const pods = await podsOf(ns, 'app=db');
    expect(pods.filter((p) => revisionOf(p) === s.status.updateRevision).map((p) => p.metadata.name)).toEqual(['db-2']);
    expect(s.status).toMatchObject({ updatedReplicas: 1, currentReplicas: 2 });
    expect(s.status.currentRevision).not.toBe(s.status.updateRevision);

    // OnDelete: nothing is replaced until a pod is deleted by hand.
    expect((await patchSts(ns, 'db', { spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } })).status).toBe(200);
    await settle();
    expect((await podsOf(ns, 'app=db')).filter((p) => revisionOf(p) === s.status.updateRevision)).toHaveLength(1);
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/pods/db-0`)).status).toBe(200);
    await settle();
    const db0 = (await podsOf(ns, 'app=db')).find((p) => p.metadata.name === 'db-0')!;
    expect(revisionOf(db0)).toBe(s.status.updateRevision);

    // whenScaled: Delete: the condemned pods own their claims, so the claims go with them.
    expect((await patchSts(ns, 'db', { spec: { replicas: 1 } })).status).toBe(200);
    await settle();
    await settle();
    expect(names(await podsOf(ns, 'app=db'))).toEqual(['db-0']);
    expect((await claims(ns)).map((c) => c.metadata.name)).toEqual(['data-db-0']);

    // whenDeleted: Delete: the set owns its claims.
    expect((await api('DELETE', `/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).status).toBe(200);
    await settle();
    await settle();
    expect(await podsOf(ns, 'app=db')).toEqual([]);
    expect(await claims(ns)).toEqual([]);
    s = await api('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`);
    expect(s.body.items).toEqual([]);
  });
});
