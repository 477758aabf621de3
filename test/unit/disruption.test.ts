// The disruption controller and the eviction subresource inside workerd: the
// budget's status from the pods and their controllers' scale, evictions
// spending it, and the cases kube refuses or lets through.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { podsOf, readyAll, settle, setReady, template } from './workload-helpers';

const pdbPath = (ns: string, name = '') => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets${name ? `/${name}` : ''}`;
const evict = (ns: string, pod: string, extra: J = {}) =>
  api('POST', `/api/v1/namespaces/${ns}/pods/${pod}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod }, ...extra });
const budget = async (ns: string, name: string) => (await api('GET', pdbPath(ns, name))).body;
const allowedCondition = (pdb: J) => pdb.status.conditions.find((c: J) => c.type === 'DisruptionAllowed');

async function deployment(ns: string, name: string, replicas: number) {
  const r = await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template({ app: name }) },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

describe('disruption controller', () => {
  it('counts a Deployment\'s pods against maxUnavailable, and evictions spend the budget until pods are ready again', async () => {
    const ns = 'pdb-deploy';
    await mkns(ns);
    await deployment(ns, 'web', 3);
    await settle();
    await readyAll(ns, 'app=web');
    const created = await api('POST', pdbPath(ns), { metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } });
    expect(created.status).toBe(201);
    await settle();
    let pdb = await budget(ns, 'web');
    expect(pdb.status).toMatchObject({ observedGeneration: 1, expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    expect(allowedCondition(pdb)).toMatchObject({ status: 'True', reason: 'SufficientPods', observedGeneration: 1 });
    const table = await api('GET', pdbPath(ns), undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.rows[0].cells.slice(0, 4)).toEqual(['web', 'N/A', '1', 1]);

    const [first, second] = await podsOf(ns, 'app=web');
    const ok = await evict(ns, first.metadata.name);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    pdb = await budget(ns, 'web');
    expect(pdb.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(pdb.status.disruptedPods ?? {})).toEqual([first.metadata.name]);
    expect(allowedCondition(pdb)).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    const refused = await evict(ns, second.metadata.name);
    expect(refused.status).toBe(429);
    expect(refused.body.details.causes[0].message).toBe('The disruption budget web needs 2 healthy pods and has 3 currently');
    expect((await api('GET', `/api/v1/namespaces/${ns}/pods/${second.metadata.name}`)).status).toBe(200);

    // The replacement is not ready yet: two healthy, none to spare.
    await settle();
    pdb = await budget(ns, 'web');
    expect(pdb.status).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
    expect(pdb.status.disruptedPods).toBeUndefined();
    expect((await evict(ns, second.metadata.name)).body.details.causes[0].message).toBe('The disruption budget web needs 2 healthy pods and has 2 currently');
    await readyAll(ns, 'app=web');
    await settle();
    expect((await budget(ns, 'web')).status).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });

    // Scaling the Deployment moves the denominator of a percentage.
    await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json' });
    await api('PUT', pdbPath(ns, 'web'), { ...(await budget(ns, 'web')), spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } });
    await settle();
    await readyAll(ns, 'app=web');
    await settle();
    expect((await budget(ns, 'web')).status).toMatchObject({ observedGeneration: 2, expectedPods: 4, desiredHealthy: 2, currentHealthy: 4, disruptionsAllowed: 2 });
  });

  it('lets an unready pod go under AlwaysAllow, and a dry run spends nothing', async () => {
    const ns = 'pdb-unready';
    await mkns(ns);
    await deployment(ns, 'db', 2);
    await settle();
    const [a, b] = await podsOf(ns, 'app=db');
    await setReady(ns, a, true);
    await setReady(ns, b, false);
    await api('POST', pdbPath(ns), { metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } });
    await settle();
    expect((await budget(ns, 'db')).status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 1, disruptionsAllowed: 0 });
    // IfHealthyBudget (the default): the budget is met, so the unready pod may go; the ready one may not.
    expect((await evict(ns, a.metadata.name)).status).toBe(429);
    const dry = await api('POST', `/api/v1/namespaces/${ns}/pods/${b.metadata.name}/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: b.metadata.name } });
    expect(dry.status).toBe(201);
    expect((await api('GET', `/api/v1/namespaces/${ns}/pods/${b.metadata.name}`)).status).toBe(200);
    expect((await evict(ns, b.metadata.name)).status).toBe(201);
    expect((await api('GET', `/api/v1/namespaces/${ns}/pods/${b.metadata.name}`)).status).toBe(404);
    // AlwaysAllow: an unready pod goes even when the budget is not met.
    await settle();
    const [fresh] = (await podsOf(ns, 'app=db')).filter((p: J) => p.metadata.name !== a.metadata.name);
    await setReady(ns, a, false);
    await api('PUT', pdbPath(ns, 'db'), { ...(await budget(ns, 'db')), spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' } });
    await settle();
    expect((await budget(ns, 'db')).status).toMatchObject({ currentHealthy: 0, disruptionsAllowed: 0 });
    expect((await evict(ns, fresh.metadata.name)).status).toBe(201);
  });

  it('fails safe on pods it cannot count, and forgets an eviction whose pod was never deleted', async () => {
    const ns = 'pdb-odd';
    await mkns(ns);
    const owner = await api('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'owner' } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.body.metadata.uid, controller: true };
    await api('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: 'odd', labels: { app: 'odd' }, ownerReferences: [ref] }, spec: template({}).spec });
    await api('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: 'bare', labels: { app: 'bare' } }, spec: template({}).spec });
    for (const name of ['odd', 'bare']) await setReady(ns, (await api('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).body, true);
    await api('POST', pdbPath(ns), { metadata: { name: 'odd' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'odd' } } } });
    await api('POST', pdbPath(ns), { metadata: { name: 'bare' }, spec: { minAvailable: 0, selector: { matchLabels: { app: 'bare' } } } });
    await api('POST', pdbPath(ns), { metadata: { name: 'none' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'nothing' } } } });
    await settle();
    const odd = await budget(ns, 'odd');
    expect(odd.status.disruptionsAllowed).toBe(0);
    expect(allowedCondition(odd)).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'configmaps does not implement the scale subresource' });
    // failSafe leaves observedGeneration behind, as kube's does: to an eviction the budget is
    // still unprocessed (the state every new budget is in until the controller has seen it),
    // so it forbids everything and says why.
    expect(odd.status.observedGeneration ?? 0).toBeLessThan(odd.metadata.generation);
    const early = await evict(ns, 'odd');
    expect(early.status).toBe(429);
    expect(early.headers.get('retry-after')).toBe('10');
    expect(early.body).toMatchObject({
      reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget odd is still being processed by the server.' }] },
    });
    const events = (await api('GET', `/api/v1/namespaces/${ns}/events`)).body.items.map((e: J) => `${e.involvedObject.name} ${e.reason}`);
    expect(events).toEqual(expect.arrayContaining(['odd CalculateExpectedPodCountFailed', 'none NoPods']));
    expect((await budget(ns, 'none')).status).toMatchObject({ expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0 });

    // A client (or an eviction whose delete failed) names the pod as disrupted:
    // it stops counting as healthy for two minutes, then counts again.
    const bare = await budget(ns, 'bare');
    expect(bare.status).toMatchObject({ expectedPods: 1, currentHealthy: 1, disruptionsAllowed: 1 });
    const at = Date.now();
    const put = await api('PUT', `${pdbPath(ns, 'bare')}/status`, { ...bare, status: { ...bare.status, disruptedPods: { bare: new Date(at).toISOString().replace(/\.\d+Z$/, 'Z') } } });
    expect(put.status).toBe(200);
    await settle(at + 1000);
    expect((await budget(ns, 'bare')).status).toMatchObject({ currentHealthy: 0, disruptionsAllowed: 0, disruptedPods: { bare: expect.any(String) } });
    await settle(at + 3 * 60_000);
    const after = await budget(ns, 'bare');
    expect(after.status).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 1 });
    expect(after.status.disruptedPods).toBeUndefined();
    const podEvents = (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dbare,involvedObject.kind%3DPod`)).body.items;
    expect(podEvents.map((e: J) => e.reason)).toContain('NotDeleted');
  });

  it('refuses an eviction for a pod two budgets cover, and one whose name does not match the URL', async () => {
    const ns = 'pdb-two';
    await mkns(ns);
    await api('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: 'p', labels: { app: 'p' } }, spec: template({}).spec });
    await setReady(ns, (await api('GET', `/api/v1/namespaces/${ns}/pods/p`)).body, true);
    const mismatch = await evict(ns, 'p', { metadata: { name: 'q' } });
    expect(mismatch.body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'name in URL does not match name in Eviction object' });
    await api('POST', pdbPath(ns), { metadata: { name: 'all' }, spec: { selector: {} } });
    await api('POST', pdbPath(ns), { metadata: { name: 'p' }, spec: { minAvailable: 0, selector: { matchLabels: { app: 'p' } } } });
    await settle();
    expect((await budget(ns, 'all')).status).toMatchObject({ expectedPods: 0, currentHealthy: 1, disruptionsAllowed: 0 });
    const two = await evict(ns, 'p');
    expect(two.body).toMatchObject({ code: 429, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
  });
});
