// The REST API through the real Worker and store, inside workerd: CRUD,
// errors as Status objects, lists with selectors and paging, tables,
// finalizers and namespace lifecycle.
import { describe, expect, it } from 'vitest';
import { api, cm, cluster, mkns, quiesce } from './helpers';

describe('discovery and system endpoints', () => {
  it('serves aggregated discovery with the exact content type, and the legacy forms', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const core = await api('GET', '/api', undefined, { accept });
    expect(core.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const pods = core.body.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
    // a responseKind names a group and version only where the APIResource does (ConvertGroupVersionIntoToDiscovery)
    expect(pods).toMatchObject({ scope: 'Namespaced', shortNames: ['po'], categories: ['all'], responseKind: { group: '', kind: 'Pod', version: '' } });
    const legacy = await api('GET', '/api');
    expect(legacy.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect(legacy.body.serverAddressByClientCIDRs[0].clientCIDR).toBe('0.0.0.0/0');
    const v1 = await api('GET', '/api/v1');
    const names = v1.body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(['pods', 'services', 'configmaps', 'namespaces', 'nodes', 'pods/status']));
    expect(v1.body.resources.find((r: { name: string }) => r.name === 'nodes').namespaced).toBe(false);
    const groups = await api('GET', '/apis', undefined, { accept });
    expect(groups.body.items.map((g: { metadata: { name: string } }) => g.metadata.name)).toEqual(expect.arrayContaining(['apps', 'batch', 'rbac.authorization.k8s.io']));
    const apps = await api('GET', '/apis/apps');
    expect(apps.body).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
    expect((await api('GET', '/apis/nope/v1')).status).toBe(404);
  });

  it('reports a 1.35 version with integer major and minor', async () => {
    const v = (await api('GET', '/version')).body;
    expect(Number.isInteger(Number(v.major))).toBe(true);
    expect(v.minor).toBe('35');
    expect(v.gitVersion).toMatch(/^v1\.35\./);
  });

  it('starts with the system namespaces and the kubernetes service', async () => {
    const ns = await api('GET', '/api/v1/namespaces');
    expect(ns.body.kind).toBe('NamespaceList');
    expect(ns.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
    const svc = await api('GET', '/api/v1/namespaces/default/services/kubernetes');
    expect(svc.body.spec.clusterIP).toBe('10.96.0.1');
    const cidr = await api('GET', '/apis/networking.k8s.io/v1/servicecidrs/kubernetes');
    expect(cidr.body.spec).toEqual({ cidrs: ['10.96.0.0/12'] });
  });
});

describe('CRUD', () => {
  it('creates, reads, updates and deletes, with server-managed metadata', async () => {
    await mkns('crud');
    const created = await api('POST', '/api/v1/namespaces/crud/configmaps', { metadata: { name: 'a' }, data: { x: '1' } });
    expect(created.status).toBe(201);
    const m = created.body.metadata;
    expect(created.body).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(m.namespace).toBe('crud');
    expect((await api('POST', '/api/v1/namespaces/crud/configmaps', cm('a', 'crud'))).body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    const updated = await api('PUT', '/api/v1/namespaces/crud/configmaps/a', { ...created.body, data: { x: '2' } });
    expect(updated.status).toBe(200);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(m.resourceVersion));
    const stale = await api('PUT', '/api/v1/namespaces/crud/configmaps/a', { ...created.body, data: { x: '3' } });
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const noop = await api('PUT', '/api/v1/namespaces/crud/configmaps/a', updated.body);
    expect(noop.body.metadata.resourceVersion).toBe(updated.body.metadata.resourceVersion);
    expect((await api('GET', '/api/v1/namespaces/crud/configmaps/a')).body.data).toEqual({ x: '2' });
    const del = await api('DELETE', '/api/v1/namespaces/crud/configmaps/a');
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'a', kind: 'configmaps', uid: m.uid } });
    expect((await api('GET', '/api/v1/namespaces/crud/configmaps/a')).body).toMatchObject({ reason: 'NotFound', code: 404, message: 'configmaps "a" not found' });
    expect((await api('PUT', '/api/v1/namespaces/crud/configmaps/a', cm('a', 'crud'))).status).toBe(404);
  });

  it('generates names from generateName and bumps generation only on spec changes', async () => {
    await mkns('gen');
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { generateName: 'web-' }, spec: { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    const r = await api('POST', '/apis/apps/v1/namespaces/gen/deployments', dep);
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(r.body.metadata.generation).toBe(1);
    const labelled = await api('PUT', `/apis/apps/v1/namespaces/gen/deployments/${r.body.metadata.name}`, { ...r.body, metadata: { ...r.body.metadata, labels: { a: 'b' } } });
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await api('PUT', `/apis/apps/v1/namespaces/gen/deployments/${r.body.metadata.name}`, { ...labelled.body, spec: { ...labelled.body.spec, replicas: 3 } });
    expect(scaled.body.metadata.generation).toBe(2);
  });

  it('applies kind defaults: pod Pending and TCP ports, service clusterIP and session affinity', async () => {
    await mkns('defaults');
    const pod = await api('POST', '/api/v1/namespaces/defaults/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } });
    expect(pod.status).toBe(201);
    expect(pod.body.status.phase).toBe('Pending');
    expect(pod.body.spec.containers[0].ports[0].protocol).toBe('TCP');
    const svc = await api('POST', '/api/v1/namespaces/defaults/services', { metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } });
    expect(svc.status).toBe(201);
    expect(svc.body.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None' });
    expect(svc.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    const changed = await api('PUT', '/api/v1/namespaces/defaults/services/s', { ...svc.body, spec: { ...svc.body.spec, clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] } });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.clusterIPs[0]');
    const taken = await api('POST', '/api/v1/namespaces/defaults/services', { metadata: { name: 's2' }, spec: { clusterIP: svc.body.spec.clusterIP, ports: [{ port: 80 }] } });
    expect(taken.status).toBe(422);
    // With a status subresource, a PUT of the main resource leaves status as stored.
    const current = (await api('GET', '/api/v1/namespaces/defaults/pods/p')).body;
    const put = await api('PUT', '/api/v1/namespaces/defaults/pods/p', { ...current, status: { phase: 'Running' } });
    expect(put.body.status.phase).toBe('Pending');
    // Pods and services answer a delete with the deleted object, configmaps with a Status.
    const gone = await api('DELETE', '/api/v1/namespaces/defaults/pods/p');
    expect(gone.body).toMatchObject({ kind: 'Pod', metadata: { name: 'p' } });
    expect(Number(gone.body.metadata.resourceVersion)).toBeGreaterThan(Number(pod.body.metadata.resourceVersion));
  });

  it('validates dryRun=All writes fully and stores nothing', async () => {
    await mkns('dry');
    await quiesce();
    const rv = await cluster().currentResourceVersion();
    const r = await api('POST', '/api/v1/namespaces/dry/configmaps?dryRun=All', cm('d', 'dry'));
    expect(r.status).toBe(201);
    expect((await api('GET', '/api/v1/namespaces/dry/configmaps/d')).status).toBe(404);
    expect(await cluster().currentResourceVersion()).toBe(rv);
    expect((await api('POST', '/api/v1/namespaces/dry/configmaps?dryRun=All', cm('Bad_Name', 'dry'))).status).toBe(422);
    expect((await api('POST', '/api/v1/namespaces/dry/configmaps?dryRun=Some', cm('d', 'dry'))).status).toBe(422);
  });
});

/** The k8s\0 envelope around a runtime.Unknown naming apiVersion and kind, with an empty object. */
function protobufEnvelope(apiVersion: string, kind: string): Uint8Array {
  const str = (field: number, v: string) => [field << 3 | 2, v.length, ...new TextEncoder().encode(v)];
  const typeMeta = [...str(1, apiVersion), ...str(2, kind)];
  return new Uint8Array([...new TextEncoder().encode('k8s\u0000'), 0x0a, typeMeta.length, ...typeMeta]);
}

describe('bad input leaves the store unchanged', () => {
  const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
    ['malformed JSON', () => api('POST', '/api/v1/namespaces/default/configmaps', '{"metadata": {"name": "x"'), 400, 'BadRequest'],
    ['a 4 MiB body', () => api('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('big', 'default', { k: 'x'.repeat(4 * 1024 * 1024) }))), 413, 'RequestEntityTooLarge'],
    ['a 2 MiB object', () => api('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('big', 'default', { k: 'x'.repeat(2 * 1024 * 1024) }))), 413, 'RequestEntityTooLarge'],
    ['an invalid name', () => api('POST', '/api/v1/namespaces/default/configmaps', cm('Not_Valid', 'default')), 422, 'Invalid'],
    ['a missing namespace', () => api('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x', 'nowhere')), 404, 'NotFound'],
    ['the wrong kind', () => api('POST', '/api/v1/namespaces/default/configmaps', { ...cm('x'), kind: 'Secret' }), 400, 'BadRequest'],
    ['a namespace mismatch', () => api('POST', '/api/v1/namespaces/default/configmaps', cm('x', 'other')), 400, 'BadRequest'],
    ['a name mismatch', () => api('PUT', '/api/v1/namespaces/default/services/kubernetes', { metadata: { name: 'other' } }), 400, 'BadRequest'],
    ['a pod without containers', () => api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: {} }), 422, 'Invalid'],
    ['an unknown field selector', () => api('GET', '/api/v1/pods?fieldSelector=spec.nope%3Dx'), 400, 'BadRequest'],
    ['bad label selector syntax', () => api('GET', '/api/v1/pods?labelSelector=a%20in%20b'), 400, 'BadRequest'],
    ['a continue token that is not one', () => api('GET', '/api/v1/pods?limit=1&continue=garbage'), 400, 'BadRequest'],
    ['a protobuf body of a kind kube has no type for', () => api('POST', '/api/v1/namespaces/default/configmaps', protobufEnvelope('v1', 'Widget'), { 'content-type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest'],
    ['a truncated protobuf body', () => api('POST', '/api/v1/namespaces/default/configmaps', new TextEncoder().encode('k8s\u0000\u000a\u0030'), { 'content-type': 'application/vnd.kubernetes.protobuf' }), 400, 'BadRequest'],
    ['a YAML body', () => api('POST', '/api/v1/namespaces/default/configmaps', 'metadata: {name: x}', { 'content-type': 'text/plain' }), 415, 'UnsupportedMediaType'],
    ['an unknown resource', () => api('GET', '/api/v1/widgets'), 404, 'NotFound'],
    ['PUT on a collection', () => api('PUT', '/api/v1/namespaces/default/configmaps', cm('x')), 405, 'MethodNotAllowed'],
    ['resourceVersionMatch without resourceVersion', () => api('GET', '/api/v1/pods?resourceVersionMatch=Exact'), 422, 'Invalid'],
  ];
  for (const [what, send, code, reason] of cases) {
    it(`${what} -> ${code} ${reason}`, async () => {
      await quiesce();
      const before = await cluster().currentResourceVersion();
      const r = await send();
      expect(r.status).toBe(code);
      expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
      expect(typeof r.body.message).toBe('string');
      expect(await cluster().currentResourceVersion()).toBe(before);
    });
  }

  it('names every invalid field in details.causes', async () => {
    const r = await api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p', labels: { 'bad key!': 'v' } }, spec: { containers: [{ name: 'C' }] } });
    expect(r.status).toBe(422);
    const fields = r.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['metadata.labels', 'spec.containers[0].name', 'spec.containers[0].image']));
    expect(r.body.message).toMatch(/^Pod "p" is invalid: /);
  });

  it('refuses a continue token issued for another list', async () => {
    await mkns('tok');
    for (const n of ['a', 'b', 'c']) await api('POST', '/api/v1/namespaces/tok/configmaps', cm(n, 'tok'));
    const page = await api('GET', '/api/v1/namespaces/tok/configmaps?limit=1');
    const token = page.body.metadata.continue;
    expect(token).toBeTruthy();
    const other = await api('GET', `/api/v1/namespaces/tok/secrets?limit=1&continue=${encodeURIComponent(token)}`);
    expect(other.body).toMatchObject({ reason: 'BadRequest', code: 400 });
    const withRV = await api('GET', `/api/v1/namespaces/tok/configmaps?limit=1&resourceVersion=5&continue=${encodeURIComponent(token)}`);
    expect(withRV.status).toBe(400);
  });
});

describe('lists', () => {
  it('filters by label and field selectors, across namespaces', async () => {
    await mkns('sel-a');
    await mkns('sel-b');
    const pod = (name: string, ns: string, labels: Record<string, string>) => api('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    await pod('web1', 'sel-a', { app: 'web', tier: 'front' });
    await pod('web2', 'sel-b', { app: 'web' });
    await pod('db', 'sel-b', { app: 'db' });
    const names = async (q: string) => (await api('GET', `/api/v1/pods?${q}`)).body.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();
    expect(await names('labelSelector=app%3Dweb')).toEqual(['web1', 'web2']);
    expect(await names('labelSelector=app%3D%3Dweb,tier')).toEqual(['web1']);
    // Other tests' Deployments run pods labelled app=w.
    expect(await names('labelSelector=app%20notin%20(web,w),app')).toEqual(['db']);
    expect(await names('labelSelector=app,!tier&fieldSelector=metadata.namespace%3Dsel-b')).toEqual(['db', 'web2']);
    expect(await names('fieldSelector=status.phase%3DPending,metadata.name!%3Ddb,metadata.namespace%3Dsel-b')).toEqual(['web2']);
    expect(await names('fieldSelector=spec.host%3D&labelSelector=app%3Ddb')).toEqual(['db']);
  });

  it('pages at the first page\'s resourceVersion with remainingItemCount', async () => {
    await mkns('paging');
    for (let i = 0; i < 5; i++) await api('POST', '/api/v1/namespaces/paging/configmaps', cm(`c${i}`, 'paging'));
    const first = await api('GET', '/api/v1/namespaces/paging/configmaps?limit=2');
    expect(first.body.items).toHaveLength(2);
    // Three more of the test's and the namespace's kube-root-ca.crt.
    expect(first.body.metadata.remainingItemCount).toBe(4);
    const rv = first.body.metadata.resourceVersion;
    // A change after the first page must not show on later pages.
    await api('DELETE', '/api/v1/namespaces/paging/configmaps/c4');
    await api('POST', '/api/v1/namespaces/paging/configmaps', cm('c5', 'paging'));
    const seen = first.body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    let token = first.body.metadata.continue;
    while (token) {
      const page = await api('GET', `/api/v1/namespaces/paging/configmaps?limit=2&continue=${encodeURIComponent(token)}`);
      expect(page.body.metadata.resourceVersion).toBe(rv);
      seen.push(...page.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = page.body.metadata.continue;
    }
    expect(seen).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'kube-root-ca.crt']);
  });

  it('answers 410 for a compacted resourceVersion, with an inconsistent continue token for an expired one', async () => {
    await mkns('expire');
    for (let i = 0; i < 3; i++) await api('POST', '/api/v1/namespaces/expire/configmaps', cm(`c${i}`, 'expire'));
    const first = await api('GET', '/api/v1/namespaces/expire/configmaps?limit=1');
    const rv = Number(first.body.metadata.resourceVersion);
    await api('POST', '/api/v1/namespaces/expire/configmaps', cm('late', 'expire'));
    await cluster().compact(rv + 1);
    const old = await api('GET', `/api/v1/namespaces/expire/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(old.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    const next = await api('GET', `/api/v1/namespaces/expire/configmaps?limit=10&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(next.body).toMatchObject({ reason: 'Expired', code: 410 });
    const inconsistent = next.body.metadata.continue;
    expect(inconsistent).toBeTruthy();
    const rest = await api('GET', `/api/v1/namespaces/expire/configmaps?limit=10&continue=${encodeURIComponent(inconsistent)}`);
    expect(rest.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['c1', 'c2', 'kube-root-ca.crt', 'late']);
    // The compaction point itself stays listable.
    expect((await api('GET', `/api/v1/namespaces/expire/configmaps?resourceVersion=${rv + 1}&resourceVersionMatch=Exact`)).status).toBe(200);
  });

  it('renders Tables with the kind\'s columns and partial object metadata', async () => {
    await mkns('table');
    await api('POST', '/api/v1/namespaces/table/pods', { metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const t = await api('GET', '/api/v1/namespaces/table/pods', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(t.body.kind).toBe('Table');
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(t.body.rows[0].cells.slice(0, 4)).toEqual(['p', '0/1', 'Pending', '0']);
    expect(t.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'p', namespace: 'table', labels: { a: 'b' } } });
    const none = await api('GET', '/api/v1/namespaces/table/pods?includeObject=None', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(none.body.rows[0].object).toBeUndefined();
    const one = await api('GET', '/api/v1/namespaces/table/pods/p', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(one.body.rows.map((r: { cells: unknown[] }) => r.cells[0])).toEqual(['p']);
    const cms = await api('GET', '/api/v1/namespaces/table/configmaps', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(cms.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
    const onlyTable = await api('GET', '/api/v1/namespaces/table/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(onlyTable.status).toBe(406);
  });
});

describe('deletion', () => {
  it('marks an object with finalizers and removes it with the last finalizer', async () => {
    await mkns('fin');
    await api('POST', '/api/v1/namespaces/fin/configmaps', { ...cm('f', 'fin'), metadata: { name: 'f', finalizers: ['example.com/hold'] } });
    const del = await api('DELETE', '/api/v1/namespaces/fin/configmaps/f', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const held = await api('GET', '/api/v1/namespaces/fin/configmaps/f');
    expect(held.status).toBe(200);
    const added = await api('PUT', '/api/v1/namespaces/fin/configmaps/f', { ...held.body, metadata: { ...held.body.metadata, finalizers: ['example.com/hold', 'example.com/new'] } });
    expect(added.status).toBe(422);
    const released = await api('PUT', '/api/v1/namespaces/fin/configmaps/f', { ...held.body, metadata: { ...held.body.metadata, finalizers: [] } });
    expect(released.status).toBe(200);
    expect((await api('GET', '/api/v1/namespaces/fin/configmaps/f')).status).toBe(404);
  });

  it('checks delete preconditions and honours dryRun in the body', async () => {
    await mkns('pre');
    const c = (await api('POST', '/api/v1/namespaces/pre/configmaps', cm('p', 'pre'))).body;
    expect((await api('DELETE', '/api/v1/namespaces/pre/configmaps/p', { preconditions: { uid: 'not-it' } })).body).toMatchObject({ reason: 'Conflict', code: 409 });
    expect((await api('DELETE', '/api/v1/namespaces/pre/configmaps/p', { preconditions: { resourceVersion: '1' } })).status).toBe(409);
    expect((await api('DELETE', '/api/v1/namespaces/pre/configmaps/p', { dryRun: ['All'] })).status).toBe(200);
    expect((await api('GET', '/api/v1/namespaces/pre/configmaps/p')).status).toBe(200);
    expect((await api('DELETE', '/api/v1/namespaces/pre/configmaps/p', { preconditions: { uid: c.metadata.uid } })).status).toBe(200);
    expect((await api('GET', '/api/v1/namespaces/pre/configmaps/p')).status).toBe(404);
  });

  it('deletes collections by selector', async () => {
    await mkns('coll');
    await api('POST', '/api/v1/namespaces/coll/configmaps', cm('a', 'coll', {}, { x: '1' }));
    await api('POST', '/api/v1/namespaces/coll/configmaps', cm('b', 'coll', {}, { x: '2' }));
    const r = await api('DELETE', '/api/v1/namespaces/coll/configmaps?labelSelector=x%3D1');
    expect(r.body.kind).toBe('ConfigMapList');
    expect(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['a']);
    expect((await api('GET', '/api/v1/namespaces/coll/configmaps')).body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['b', 'kube-root-ca.crt']);
  });

  it('terminates a namespace: refuses new content, empties it, then removes it', async () => {
    await mkns('doomed');
    await api('POST', '/api/v1/namespaces/doomed/configmaps', { ...cm('held', 'doomed'), metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await api('POST', '/api/v1/namespaces/doomed/configmaps', cm('plain', 'doomed'));
    const del = await api('DELETE', '/api/v1/namespaces/doomed');
    expect(del.body.status.phase).toBe('Terminating');
    const refused = await api('POST', '/api/v1/namespaces/doomed/configmaps', cm('late', 'doomed'));
    expect(refused.body).toMatchObject({ reason: 'Forbidden', code: 403 });
    expect(refused.body.message).toContain('because it is being terminated');
    await waitFor(async () => (await api('GET', '/api/v1/namespaces/doomed/configmaps/plain')).status === 404);
    const held = await api('GET', '/api/v1/namespaces/doomed/configmaps/held');
    expect(held.body.metadata.deletionTimestamp).toBeTruthy();
    expect((await api('GET', '/api/v1/namespaces/doomed')).status).toBe(200);
    await api('PUT', '/api/v1/namespaces/doomed/configmaps/held', { ...held.body, metadata: { ...held.body.metadata, finalizers: [] } });
    await waitFor(async () => (await api('GET', '/api/v1/namespaces/doomed')).status === 404);
  });

  it('refuses to delete the system namespaces', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      expect((await api('DELETE', `/api/v1/namespaces/${ns}`)).body).toMatchObject({ reason: 'Forbidden', code: 403 });
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('field validation and patches', () => {
  it('refuses unknown and duplicate fields under Strict, warns under Warn, and never stores them', async () => {
    await mkns('fv');
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s","namespace":"fv"},"data":{"a":"1"},"bogus":true}';
    const strict = await api('POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', body);
    expect(strict.body).toMatchObject({ reason: 'BadRequest', code: 400, message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"' });
    const dup = await api('POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', '{"metadata":{"name":"d","name":"e"},"data":{}}');
    expect(dup.body.message).toContain('duplicate field "metadata.name"');
    const warn = await api('POST', '/api/v1/namespaces/fv/configmaps', body);
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"bogus\\""');
    expect(warn.body.bogus).toBeUndefined();
    const ignore = await api('PUT', '/api/v1/namespaces/fv/configmaps/s?fieldValidation=Ignore', { ...warn.body, spec: { x: 1 } });
    expect(ignore.headers.get('warning')).toBeNull();
    expect((await api('GET', '/api/v1/namespaces/fv/configmaps/s')).body.spec).toBeUndefined();
  });

  it('applies merge, json and strategic patches, keeping the resourceVersion on a no-op', async () => {
    await mkns('patch');
    await api('POST', '/api/v1/namespaces/patch/pods', { metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } });
    const merge = await api('PATCH', '/api/v1/namespaces/patch/pods/p', { metadata: { labels: { a: null, b: '2' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(merge.body.metadata.labels).toEqual({ b: '2' });
    const smp = await api('PATCH', '/api/v1/namespaces/patch/pods/p', { spec: { $setElementOrder: undefined, containers: [{ name: 'a', image: 'nginx:2' }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(smp.body.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['a=nginx:2', 'b=busybox']);
    const noop = await api('PATCH', '/api/v1/namespaces/patch/pods/p', { metadata: { labels: { b: '2' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(noop.body.metadata.resourceVersion).toBe(smp.body.metadata.resourceVersion);
    const json = await api('PATCH', '/api/v1/namespaces/patch/pods/p', [{ op: 'test', path: '/metadata/labels/b', value: '2' }, { op: 'add', path: '/metadata/annotations', value: { x: 'y' } }], { 'content-type': 'application/json-patch+json' });
    expect(json.body.metadata.annotations).toEqual({ x: 'y' });
    const failing = await api('PATCH', '/api/v1/namespaces/patch/pods/p', [{ op: 'test', path: '/metadata/labels/b', value: 'nope' }, { op: 'remove', path: '/metadata/labels' }], { 'content-type': 'application/json-patch+json' });
    expect(failing.body).toMatchObject({ kind: 'Status', code: 422 });
    const badPath = await api('PATCH', '/api/v1/namespaces/patch/pods/p', [{ op: 'remove', path: '/metadata/nope/x' }], { 'content-type': 'application/json-patch+json' });
    expect(badPath.body).toMatchObject({ kind: 'Status', code: 422 });
    expect(badPath.body.message).toContain('/metadata/nope/x');
    const stale = await api('PATCH', '/api/v1/namespaces/patch/pods/p', { metadata: { resourceVersion: merge.body.metadata.resourceVersion, labels: { c: '3' } } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(stale.body).toMatchObject({ reason: 'Conflict', code: 409 });
    const invalidResult = await api('PATCH', '/api/v1/namespaces/patch/pods/p', { spec: { containers: [{ name: 'a', image: '' }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(invalidResult.status).toBe(422);
    const after = await api('GET', '/api/v1/namespaces/patch/pods/p');
    expect(after.body.metadata.labels).toEqual({ b: '2' });
    expect(after.body.metadata.resourceVersion).toBe(json.body.metadata.resourceVersion);
  });
});

describe('server-side apply and managedFields', () => {
  const applyCm = (name: string, data: Record<string, string>, manager: string, force = false) =>
    api('PATCH', `/api/v1/namespaces/ssa/configmaps/${name}?fieldManager=${manager}${force ? '&force=true' : ''}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }, { 'content-type': 'application/apply-patch+yaml' });

  it('creates on first apply, co-owns equal values, conflicts on different ones unless forced', async () => {
    await mkns('ssa');
    const created = await applyCm('c', { a: '1', b: '2' }, 'alice');
    expect(created.status).toBe(201);
    expect(created.body.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'alice', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);
    const shared = await applyCm('c', { a: '1' }, 'bob');
    expect(shared.status).toBe(200);
    expect(shared.body.metadata.managedFields.map((m: { manager: string }) => m.manager).sort()).toEqual(['alice', 'bob']);
    const clash = await applyCm('c', { a: 'bob-wins' }, 'bob');
    expect(clash.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(clash.body.details.causes).toEqual([expect.objectContaining({ reason: 'FieldManagerConflict', field: '.data.a' })]);
    const forced = await applyCm('c', { a: 'bob-wins' }, 'bob', true);
    expect(forced.body.data).toEqual({ a: 'bob-wins', b: '2' });
    // alice stops sending b: it goes, as nobody else owns it.
    const dropped = await applyCm('c', {}, 'alice');
    expect(dropped.body.data).toEqual({ a: 'bob-wins' });
    const noop = await applyCm('c', {}, 'alice');
    expect(noop.body.metadata.resourceVersion).toBe(dropped.body.metadata.resourceVersion);
  });

  it('records Update managers for ordinary writes and requires fieldManager for apply', async () => {
    const r = await api('POST', '/api/v1/namespaces/ssa/configmaps?fieldManager=kubectl-create', cm('u', 'ssa'));
    expect(r.body.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'kubectl-create', operation: 'Update', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } })]);
    const label = await api('PATCH', '/api/v1/namespaces/ssa/configmaps/u?fieldManager=kubectl-label', { metadata: { labels: { x: 'y' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(label.body.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['kubectl-create', 'kubectl-label']);
    const missing = await api('PATCH', '/api/v1/namespaces/ssa/configmaps/u', { metadata: { name: 'u' } }, { 'content-type': 'application/apply-patch+yaml' });
    expect(missing.body).toMatchObject({ reason: 'Invalid', code: 422 });
    const yaml = await api('PATCH', '/api/v1/namespaces/ssa/configmaps/u?fieldManager=m', 'metadata:\n  name: [u', { 'content-type': 'application/apply-patch+yaml' });
    expect(yaml.body).toMatchObject({ reason: 'BadRequest', code: 400 });
  });
});
