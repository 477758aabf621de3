// OpenAPI v3 as kubectl reads it: the index, the per-group-version documents
// with kube's operations (and the fieldValidation parameter kubectl looks for),
// the component schemas `kubectl explain` walks, and hash-based caching.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { schemaNameForKind, schemas } from '../../src/schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://x${path}`, { headers, redirect: 'manual' });

async function index(): Promise<Record<string, { serverRelativeURL: string }>> {
  const res = await get('/openapi/v3');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await res.json()) as J).paths;
}

async function doc(key: string): Promise<J> {
  const url = (await index())[key].serverRelativeURL;
  const res = await get(url);
  expect(res.status).toBe(200);
  return res.json();
}

describe('/openapi/v3', () => {
  it('lists every served group-version with a hashed URL', async () => {
    const paths = await index();
    expect(paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    expect(paths['apis/apps/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['apis/batch/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/autoscaling/v2', 'apis/events.k8s.io/v1']));
  });

  it("gives the pods item path a PATCH operation with an object GVK and a fieldValidation parameter", async () => {
    const d = await doc('api/v1');
    expect(d.openapi).toBe('3.0.0');
    const item = d.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Pod', version: 'v1' });
    expect(item.patch['x-kubernetes-action']).toBe('patch');
    expect(item.patch.operationId).toBe('patchCoreV1NamespacedPod');
    const params = item.patch.parameters.map((p: J) => p.name);
    expect(params).toEqual(expect.arrayContaining(['fieldValidation', 'fieldManager', 'dryRun', 'force']));
    expect(item.patch.parameters.find((p: J) => p.name === 'fieldValidation').in).toBe('query');
    expect(Object.keys(item.patch.requestBody.content)).toEqual(expect.arrayContaining([
      'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml',
    ]));
    expect(item.get.operationId).toBe('readCoreV1NamespacedPod');
    expect(item.put['x-kubernetes-action']).toBe('put');
    expect(item.delete['x-kubernetes-action']).toBe('delete');
    const collection = d.paths['/api/v1/namespaces/{namespace}/pods'];
    expect(collection.get['x-kubernetes-action']).toBe('list');
    expect(collection.post['x-kubernetes-action']).toBe('post');
    expect(collection.delete['x-kubernetes-action']).toBe('deletecollection');
    expect(d.paths['/api/v1/pods'].get.operationId).toBe('listCoreV1PodForAllNamespaces');
    expect(d.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch.parameters.map((p: J) => p.name)).toContain('fieldValidation');
    // cluster-scoped kinds have no namespace segment
    expect(d.paths['/api/v1/nodes/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Node', version: 'v1' });
  });

  it('serves the scale subresource with the autoscaling/v1 Scale kind', async () => {
    const d = await doc('apis/apps/v1');
    const scale = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale.patch['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
    expect(scale.get.operationId).toBe('readAppsV1NamespacedDeploymentScale');
    expect(d.components.schemas['io.k8s.api.autoscaling.v1.Scale']['x-kubernetes-group-version-kind']).toEqual([{ group: 'autoscaling', kind: 'Scale', version: 'v1' }]);
    expect(d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' });
  });

  it('carries the component schemas kubectl explain walks', async () => {
    const d = await doc('api/v1');
    const s = d.components.schemas;
    expect(s['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(s["io.k8s.api.core.v1.Pod"].properties.spec).toMatchObject({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }], default: {} });
    const container = s['io.k8s.api.core.v1.Container'];
    expect(container.properties.name).toMatchObject({ type: 'string', default: '' });
    expect(container.properties.name.description).toMatch(/DNS_LABEL/);
    expect(container.required).toEqual(['name']);
    expect(container.properties.ports).toMatchObject({
      type: 'array', 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.ContainerPort' }], default: {} },
    });
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.tolerations['x-kubernetes-list-type']).toBe('atomic');
    expect(s['io.k8s.api.core.v1.ContainerPort'].properties.protocol.default).toBe('TCP');
    expect(s['io.k8s.api.core.v1.ConfigMap'].properties.data).toMatchObject({ type: 'object', additionalProperties: { type: 'string', default: '' } });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers).toMatchObject({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(s['io.k8s.api.core.v1.ServicePort'].properties.targetPort).toEqual({ allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }], description: expect.any(String) });
    // every reference resolves inside the document
    const refs = JSON.stringify(d).match(/#\/components\/schemas\/[^"]+/g)!;
    for (const r of new Set(refs)) expect(s[r.slice('#/components/schemas/'.length)], r).toBeDefined();
    // DeleteOptions is listed under every group-version, like kube-apiserver does
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind']).toEqual(expect.arrayContaining([{ group: 'apps', kind: 'DeleteOptions', version: 'v1' }]));
  });

  it('keeps retainKeys on Deployment spec.strategy', async () => {
    const d = await doc('apis/apps/v1');
    expect(d.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }], 'x-kubernetes-patch-strategy': 'retainKeys',
    });
    expect(d.components.schemas['io.k8s.api.apps.v1.DeploymentStatus'].properties.conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
  });

  it('caches hashed URLs for a year, redirects stale hashes, and revalidates unhashed ones', async () => {
    const url = (await index())['apis/apps/v1'].serverRelativeURL;
    const hashed = await get(url);
    expect(hashed.status).toBe(200);
    expect(hashed.headers.get('cache-control')).toBe('public, immutable');
    const expires = Date.parse(hashed.headers.get('expires')!);
    expect(expires - Date.now()).toBeGreaterThan(360 * 24 * 3600 * 1000);
    const etag = hashed.headers.get('etag')!;
    expect(etag).toBe(`"${url.split('hash=')[1]}"`);
    await hashed.arrayBuffer();

    const stale = await get('/openapi/v3/apis/apps/v1?hash=0123ABCD');
    expect(stale.status).toBe(301);
    expect(new URL(stale.headers.get('location')!, 'http://x').pathname + new URL(stale.headers.get('location')!, 'http://x').search).toBe(url);

    const plain = await get('/openapi/v3/apis/apps/v1');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('no-cache, private');
    expect(plain.headers.get('content-type')).toBe('application/json');
    await plain.arrayBuffer();

    const notModified = await get('/openapi/v3/apis/apps/v1', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
  });

  it('answers unknown group-versions with a NotFound Status', async () => {
    const nope = await get('/openapi/v3/apis/nope.example.com/v1');
    expect(nope.status).toBe(404);
    expect(await nope.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('serves /openapi/v2 as Swagger 2.0 made from the v3 documents, its protobuf form 406', async () => {
    const v2 = await get('/openapi/v2');
    expect(v2.status).toBe(200);
    const doc = await v2.json() as { swagger: string; paths: Record<string, Record<string, { operationId: string }>>; definitions: Record<string, unknown> };
    expect(doc.swagger).toBe('2.0');
    const v3 = await (await get('/openapi/v3/api/v1')).json() as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, unknown> } };
    for (const [p, item] of Object.entries(v3.paths)) if (item.get) expect(doc.paths[p].get.operationId).toBe(item.get.operationId);
    for (const name of Object.keys(v3.components.schemas)) expect(doc.definitions[name]).toBeDefined();
    const etag = v2.headers.get('etag')!;
    expect((await get('/openapi/v2', { 'if-none-match': etag })).status).toBe(304);
    const pb = await get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(pb.status).toBe(406);
    expect(await pb.json()).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
  });
});

describe('schema index', () => {
  it('names and resolves the schemas of served kinds', () => {
    expect(schemaNameForKind('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(schemaNameForKind('events.k8s.io', 'v1', 'Event')).toBe('io.k8s.api.events.v1.Event');
    expect(schemaNameForKind('', 'v1', 'Event')).toBe('io.k8s.api.core.v1.Event');
    expect(schemaNameForKind('autoscaling', 'v2', 'HorizontalPodAutoscaler')).toBe('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler');
    expect(schemaNameForKind('discovery.k8s.io', 'v1', 'EndpointSlice')).toBe('io.k8s.api.discovery.v1.EndpointSlice');
    expect(schemaNameForKind('networking.k8s.io', 'v1', 'IPAddress')).toBe('io.k8s.api.networking.v1.IPAddress');
    expect(schemaNameForKind('', 'v1', 'Nope')).toBeUndefined();

    const pod = schemas.forKind('', 'v1', 'Pod')!;
    expect(pod.type).toBe('object');
    if (pod.type !== 'object') return;
    const spec = pod.fields.spec;
    if (spec.type !== 'object') throw new Error('spec');
    expect(spec.name).toBe('io.k8s.api.core.v1.PodSpec');
    const containers = spec.fields.containers;
    expect(containers).toMatchObject({ type: 'array', listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' });
    expect(spec.fields.volumes).toMatchObject({ patchStrategy: 'merge,retainKeys' });
    expect(spec.fields.nodeSelector).toMatchObject({ type: 'map', mapType: 'atomic', values: { type: 'string' } });
    if (containers.type !== 'array' || containers.items.type !== 'object') throw new Error('containers');
    expect(containers.items.fields.ports).toMatchObject({ patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'] });
    // Quantity, IntOrString and RawExtension take anything; times are strings
    const resources = containers.items.fields.resources;
    if (resources.type !== 'object') throw new Error('resources');
    expect(resources.fields.limits).toMatchObject({ type: 'map', values: { type: 'any' } });
    expect((pod.fields.metadata as J).fields.creationTimestamp).toMatchObject({ type: 'string', format: 'date-time' });
    // nodes are shared: the same definition resolves to the same node
    expect(schemas.forKind('', 'v1', 'PodTemplate')).toBeDefined();

    const deployment = schemas.forKind('apps', 'v1', 'Deployment') as J;
    expect(deployment.fields.spec.fields.strategy).toMatchObject({ type: 'object', patchStrategy: 'retainKeys', name: 'io.k8s.api.apps.v1.DeploymentStrategy' });
    expect(deployment.fields.spec.fields.template).toBe((schemas.forKind('', 'v1', 'PodTemplate') as J).fields.template);
    expect((schemas.forKind('apps', 'v1', 'ControllerRevision') as J).fields.data.type).toBe('any');
    expect(schemas.forKind('autoscaling', 'v1', 'Scale')).toBeDefined();
  });
});
