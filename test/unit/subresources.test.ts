// Subresources and review APIs through the Worker: scale, binding, eviction,
// finalize, token, and the access reviews answered for the local admin.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const pod = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'i' }] } });

describe('scale', () => {
  it('reads and writes replicas through an autoscaling/v1 Scale', async () => {
    await mkns('sc');
    await api('POST', '/apis/apps/v1/namespaces/sc/deployments', deployment('web', 2));
    const s = await api('GET', '/apis/apps/v1/namespaces/sc/deployments/web/scale');
    expect(s.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'sc' }, spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=web' } });
    const patched = await api('PATCH', '/apis/apps/v1/namespaces/sc/deployments/web/scale', { spec: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.body).toMatchObject({ kind: 'Scale', spec: { replicas: 5 } });
    const dep = await api('GET', '/apis/apps/v1/namespaces/sc/deployments/web');
    expect(dep.body.spec.replicas).toBe(5);
    expect(dep.body.metadata.generation).toBe(2);
    const put = await api('PUT', '/apis/apps/v1/namespaces/sc/deployments/web/scale', { ...patched.body, spec: { replicas: 1 } });
    expect(put.body.spec.replicas).toBe(1);
    const stale = await api('PUT', '/apis/apps/v1/namespaces/sc/deployments/web/scale', { ...patched.body, spec: { replicas: 3 } });
    expect(stale.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const negative = await api('PATCH', '/apis/apps/v1/namespaces/sc/deployments/web/scale', { spec: { replicas: -1 } }, { 'content-type': 'application/merge-patch+json' });
    expect(negative.body).toMatchObject({ reason: 'Invalid', code: 422 });
    expect((await api('GET', '/apis/apps/v1/namespaces/sc/deployments/web')).body.spec.replicas).toBe(1);
  });
});

describe('pods/binding and pods/eviction', () => {
  it('binds a pod to a node once and records a Scheduled event', async () => {
    await mkns('bind');
    await api('POST', '/api/v1/namespaces/bind/pods', pod('p'));
    const b = await api('POST', '/api/v1/namespaces/bind/pods/p/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } });
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ kind: 'Status', status: 'Success' });
    const p = await api('GET', '/api/v1/namespaces/bind/pods/p');
    expect(p.body.spec.nodeName).toBe('node-1');
    expect(p.body.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled').status).toBe('True');
    const again = await api('POST', '/api/v1/namespaces/bind/pods/p/binding', { target: { name: 'node-2' } });
    expect(again.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const events = await api('GET', `/api/v1/namespaces/bind/events?fieldSelector=involvedObject.uid%3D${p.body.metadata.uid},involvedObject.name%3Dp`);
    expect(events.body.items.map((e: { reason: string; message: string }) => [e.reason, e.message])).toEqual([['Scheduled', 'Successfully assigned bind/p to node-1']]);
  });

  it('evicts a pod unless a PodDisruptionBudget forbids it (429)', async () => {
    await mkns('evict');
    await api('POST', '/api/v1/namespaces/evict/pods', pod('free'));
    const ok = await api('POST', '/api/v1/namespaces/evict/pods/free/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'free' } });
    expect(ok.status).toBe(201);
    expect((await api('GET', '/api/v1/namespaces/evict/pods/free')).status).toBe(404);
    // A running, ready pod guarded by minAvailable: 1.
    const guarded = await api('POST', '/api/v1/namespaces/evict/pods', pod('guarded', { app: 'db' }));
    await api('PUT', '/api/v1/namespaces/evict/pods/guarded/status', { ...guarded.body, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await api('POST', '/apis/policy/v1/namespaces/evict/poddisruptionbudgets', { metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } });
    const refused = await api('POST', '/api/v1/namespaces/evict/pods/guarded/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded' } });
    expect(refused.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect((await api('GET', '/api/v1/namespaces/evict/pods/guarded')).status).toBe(200);
  });
});

describe('namespaces/finalize and serviceaccounts/token', () => {
  it('finalize replaces the namespace finalizers only', async () => {
    await mkns('fz');
    const ns = await api('GET', '/api/v1/namespaces/fz');
    expect(ns.body.spec.finalizers).toEqual(['kubernetes']);
    const f = await api('PUT', '/api/v1/namespaces/fz/finalize', { ...ns.body, spec: { finalizers: [] }, metadata: { ...ns.body.metadata, labels: { ignored: 'yes' } } });
    expect(f.status).toBe(200);
    expect(f.body.spec.finalizers).toBeUndefined(); // an empty list is omitted, as Go's omitempty writes it
    expect(f.body.metadata.labels?.ignored).toBeUndefined();
  });

  it('issues a bound service-account token', async () => {
    await mkns('tk');
    await api('POST', '/api/v1/namespaces/tk/serviceaccounts', { metadata: { name: 'robot' } });
    const r = await api('POST', '/api/v1/namespaces/tk/serviceaccounts/robot/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['api'], expirationSeconds: 3600 } });
    expect(r.status).toBe(201);
    const [header, claims, sig] = r.body.status.token.split('.');
    const decode = (s: string) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
    expect(decode(header).alg).toBe('ES256');
    expect(decode(claims)).toMatchObject({ sub: 'system:serviceaccount:tk:robot', aud: ['api'], 'kubernetes.io': { namespace: 'tk', serviceaccount: { name: 'robot' } } });
    expect(sig.length).toBeGreaterThan(40);
    expect((await api('POST', '/api/v1/namespaces/tk/serviceaccounts/nobody/token', { spec: {} })).status).toBe(404);
  });
});

describe('access reviews', () => {
  it('answers reviews for the local admin, stores nothing and has no Table form', async () => {
    const r = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } } });
    expect(r.status).toBe(201);
    expect(r.body.status.allowed).toBe(true);
    const rules = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } });
    expect(rules.body.status.resourceRules[0].verbs).toEqual(['*']);
    const who = await api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.body.status.userInfo.username).toBe('system:admin');
    const table = await api('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} }, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.status).toBe(406);
    expect((await api('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });
});
