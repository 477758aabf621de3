// The core kinds kube serves without a store of their own (bindings,
// componentstatuses) and the pods/resize subresource.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';
import { encodeObject } from '../../src/protobuf/encode';

const resources = (requests: Record<string, string>, limits: Record<string, string>) => ({ requests, limits });
const pod = (name: string, res = resources({ cpu: '100m', memory: '64Mi' }, { cpu: '200m', memory: '128Mi' })) => ({
  metadata: { name }, spec: { containers: [{ name: 'c', image: 'i', resources: res }] },
});

describe('bindings (LegacyBindingREST)', () => {
  it('binds the pod the body names, as JSON and as protobuf, with the bare 201 Status kube answers', async () => {
    await mkns('lbind');
    await api('POST', '/api/v1/namespaces/lbind/pods', pod('a'));
    await api('POST', '/api/v1/namespaces/lbind/pods', pod('b'));
    const a = await api('POST', '/api/v1/namespaces/lbind/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a' }, target: { kind: 'Node', name: 'node-1' } });
    expect([a.status, a.body]).toEqual([201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }]);
    expect((await api('GET', '/api/v1/namespaces/lbind/pods/a')).body.spec.nodeName).toBe('node-1');
    const pb = encodeObject({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { kind: 'Node', name: 'node-2' } }, { goDefaults: true });
    const b = await api('POST', '/api/v1/namespaces/lbind/bindings', pb, { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    expect((await api('GET', '/api/v1/namespaces/lbind/pods/b')).body.spec.nodeName).toBe('node-2');
    // a bound pod stays bound; a missing pod is a 404; a nameless binding is invalid
    expect((await api('POST', '/api/v1/namespaces/lbind/bindings', { metadata: { name: 'a' }, target: { name: 'node-3' } })).body).toMatchObject({ reason: 'Conflict', code: 409 });
    expect((await api('POST', '/api/v1/namespaces/lbind/bindings', { metadata: { name: 'zz' }, target: { name: 'node-3' } })).body).toMatchObject({ reason: 'NotFound', code: 404 });
    expect((await api('POST', '/api/v1/namespaces/lbind/bindings', { target: { name: 'node-3' } })).body).toMatchObject({ reason: 'Invalid', code: 422 });
    // nothing to read: bindings are create-only
    expect((await api('GET', '/api/v1/namespaces/lbind/bindings')).body).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('componentstatuses', () => {
  it('lists the control plane parts, healthy, with the deprecation warning; a Table for kubectl', async () => {
    const r = await api('GET', '/api/v1/componentstatuses');
    expect(r.headers.get('warning')).toBe('299 - "v1 ComponentStatus is deprecated in v1.19+"');
    expect(r.body.kind).toBe('ComponentStatusList');
    expect(r.body.items.map((i: { metadata: { name: string }; conditions: unknown[] }) => [i.metadata.name, i.conditions])).toEqual(
      ['scheduler', 'controller-manager', 'etcd-0'].map((n) => [n, [{ type: 'Healthy', status: 'True', message: 'ok' }]]));
    const one = await api('GET', '/api/v1/componentstatuses/etcd-0');
    expect(one.body).toEqual({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    expect((await api('GET', '/api/v1/componentstatuses/nope')).status).toBe(404);
    const table = await api('GET', '/api/v1/componentstatuses', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Status', 'Message', 'Error']);
    expect(table.body.rows[0].cells).toEqual(['scheduler', 'Healthy', 'ok', '']);
    expect((await api('POST', '/api/v1/componentstatuses', { metadata: { name: 'x' } })).body).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('pods/resize', () => {
  it('changes only container resources, bumps the generation, and refuses what resize may not change', async () => {
    await mkns('resize');
    const created = await api('POST', '/api/v1/namespaces/resize/pods', { ...pod('p'), metadata: { name: 'p', labels: { a: '1' } } });
    expect(created.body.status.qosClass).toBe('Burstable');
    // labels and images in a resize are not the resize's business: ignored, as the strategy drops them
    const r = await api('PATCH', '/api/v1/namespaces/resize/pods/p/resize', {
      metadata: { labels: { a: '2' } }, spec: { containers: [{ name: 'c', image: 'other', resources: resources({ cpu: '150m', memory: '64Mi' }, { cpu: '300m', memory: '128Mi' }) }] },
    }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.spec.containers[0]).toMatchObject({ image: 'i', resources: resources({ cpu: '150m', memory: '64Mi' }, { cpu: '300m', memory: '128Mi' }) });
    expect(r.body.metadata.labels).toEqual({ a: '1' });
    expect(r.body.metadata.generation).toBe(created.body.metadata.generation + 1);
    const got = await api('GET', '/api/v1/namespaces/resize/pods/p/resize');
    expect(got.body.spec.containers[0].resources.limits.cpu).toBe('300m');

    const qos = await api('PATCH', '/api/v1/namespaces/resize/pods/p/resize', { spec: { containers: [{ name: 'c', resources: resources({ cpu: '300m', memory: '128Mi' }, { cpu: '300m', memory: '128Mi' }) }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(qos.body).toMatchObject({ code: 422, details: { causes: [{ field: 'spec', message: 'Forbidden: Pod QOS Class may not change as a result of resizing' }] } });
    const other = await api('PATCH', '/api/v1/namespaces/resize/pods/p/resize', { spec: { containers: [{ name: 'c', resources: { requests: { 'ephemeral-storage': '1Gi' } } }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(other.body).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.containers[0].resources.requests', message: 'Forbidden: only cpu and memory resources are mutable' }] } });
    // the main resource still refuses resource changes
    const direct = await api('PATCH', '/api/v1/namespaces/resize/pods/p', { spec: { containers: [{ name: 'c', resources: resources({ cpu: '120m', memory: '64Mi' }, { cpu: '300m', memory: '128Mi' }) }] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(direct.status).toBe(422);
    expect((await api('GET', '/api/v1/namespaces/resize/pods/p')).body.spec.containers[0].resources.requests.cpu).toBe('150m');
  });
});
