// CustomResourceDefinitions end to end inside workerd: a CRD becomes an API
// (names accepted, established, discovered), its custom resources are
// pruned, defaulted and validated by its schema, served with status and scale
// subresources, printer columns and selectable fields, and go with their CRD.
import { describe, expect, it, beforeAll } from 'vitest';
import { api, cluster, mkns, quiesce, type J } from './helpers';
import { GROUP, widgetCRD } from './crd-helpers';

const NS = 'crd-unit';
const BASE = `/apis/${GROUP}/v1`;
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

const widget = (name: string, spec: J = { size: '1Gi' }, extra: J = {}) => ({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: NS }, spec, ...extra });

describe('CustomResourceDefinitions', () => {
  beforeAll(async () => {
    await mkns(NS);
    const r = await api('POST', CRD_PATH, widgetCRD());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await quiesce();
  });

  it('a new CRD has its names accepted and is established, with the storage version stored', async () => {
    const crd = (await api('GET', `${CRD_PATH}/widgets.${GROUP}`)).body;
    const cond = (t: string) => crd.status.conditions.find((c: J) => c.type === t);
    expect(cond('NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect(cond('Established')).toMatchObject({ status: 'True', reason: 'InitialNamesAccepted' });
    expect(crd.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget', listKind: 'WidgetList', singular: 'widget', shortNames: ['wix'] });
    expect(crd.status.storedVersions).toEqual(['v1']);
    expect(crd.spec.conversion).toEqual({ strategy: 'None' });
  });

  it('discovery lists the custom resources in legacy and aggregated form', async () => {
    const list = (await api('GET', BASE)).body;
    expect(list.resources.map((r: J) => r.name)).toEqual(['widgets', 'widgets/scale', 'widgets/status']);
    expect(list.resources[0]).toMatchObject({ kind: 'Widget', namespaced: true, shortNames: ['wix'], categories: ['all'], singularName: 'widget' });
    const groups = (await api('GET', '/apis')).body.groups.map((g: J) => g.name);
    expect(groups).toContain(GROUP);
    const agg = (await api('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).body;
    const g = agg.items.find((i: J) => i.metadata.name === GROUP);
    expect(g.versions[0].resources[0]).toMatchObject({ resource: 'widgets', scope: 'Namespaced', responseKind: { kind: 'Widget' } });
  });

  it('publishes the OpenAPI v3 document of the group-version, with a new hash when the CRD changes', async () => {
    const index = (await api('GET', '/openapi/v3')).body.paths;
    const url = index[`apis/${GROUP}/v1`].serverRelativeURL;
    expect(url).toMatch(/\?hash=[0-9A-F]{128}$/);
    const doc = (await api('GET', url)).body;
    const widget = doc.components.schemas['com.example.stable.v1.Widget'];
    expect(widget['x-kubernetes-group-version-kind']).toEqual([{ group: GROUP, kind: 'Widget', version: 'v1' }]);
    expect(widget.properties.spec.properties.color).toMatchObject({ type: 'string', enum: ['red', 'green'], default: 'red' });
    expect(widget.properties.metadata.allOf[0].$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    const patch = doc.paths[`${BASE}/namespaces/{namespace}/widgets/{name}`].patch;
    expect(patch.parameters.map((p: J) => p.name)).toContain('fieldValidation');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: GROUP, kind: 'Widget', version: 'v1' });
    // a change to the CRD is a new document
    const crd = (await api('GET', `${CRD_PATH}/widgets.${GROUP}`)).body;
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.description = 'What a widget should be.';
    expect((await api('PUT', `${CRD_PATH}/widgets.${GROUP}`, crd)).status).toBe(200);
    const after = (await api('GET', '/openapi/v3')).body.paths[`apis/${GROUP}/v1`].serverRelativeURL;
    expect(after).not.toBe(url);
    expect((await api('GET', after)).body.components.schemas['com.example.stable.v1.Widget'].properties.spec.description).toBe('What a widget should be.');
    // the stale URL leads to the current document (a redirect, which the test client follows)
    expect((await api('GET', url)).body.components.schemas['com.example.stable.v1.Widget'].properties.spec.description).toBe('What a widget should be.');
  });

  it('creates with defaults, prunes unknown fields (with a warning) and keeps preserved ones', async () => {
    const r = await api('POST', `${BASE}/namespaces/${NS}/widgets?fieldValidation=Warn`, widget('w1', { size: '1Gi', bogus: 1, extra: { any: { thing: true } } }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.spec).toEqual({ size: '1Gi', replicas: 1, color: 'red', extra: { any: { thing: true } } });
    expect(r.body.metadata.generation).toBe(1);
    expect(r.headers.get('warning')).toContain('unknown field \\"spec.bogus\\"');
    const strict = await api('POST', `${BASE}/namespaces/${NS}/widgets?fieldValidation=Strict`, widget('w-strict', { size: '1Gi', bogus: 1 }));
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.bogus"');
  });

  it('refuses invalid objects with 422 and one cause per error, storing nothing', async () => {
    const r = await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('w-bad', { size: 'big', replicas: 11, color: 'blue', tags: ['a', 'a'] }));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    const causes = Object.fromEntries(r.body.details.causes.map((c: J) => [c.field, c.message]));
    expect(causes['spec.size']).toBe(`Invalid value: "big": spec.size in body should match '^[0-9]+(Mi|Gi)$'`);
    expect(causes['spec.replicas']).toBe('Invalid value: 11: spec.replicas in body should be less than or equal to 10');
    expect(causes['spec.color']).toBe('Unsupported value: "blue": supported values: "red", "green"');
    expect(causes['spec.tags[1]']).toBe('Duplicate value: "a"');
    const missing = await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('w-bad2', { replicas: 'x' }));
    expect(missing.status).toBe(422);
    expect(missing.body.details.causes).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'spec.size', reason: 'FieldValueRequired' }),
      expect.objectContaining({ field: 'spec.replicas', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' }),
    ]));
    expect((await api('GET', `${BASE}/namespaces/${NS}/widgets/w-bad`)).status).toBe(404);
  });

  it('lists by selectable field, prints its columns, and answers watches', async () => {
    await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('w-green', { size: '2Gi', color: 'green', replicas: 3 }));
    const green = (await api('GET', `${BASE}/namespaces/${NS}/widgets?fieldSelector=spec.color%3Dgreen`)).body;
    expect(green.kind).toBe('WidgetList');
    expect(green.items.map((i: J) => i.metadata.name)).toEqual(['w-green']);
    const bad = await api('GET', `${BASE}/namespaces/${NS}/widgets?fieldSelector=spec.size%3D1Gi`);
    expect(bad.status).toBe(400);
    const table = (await api('GET', `${BASE}/namespaces/${NS}/widgets/w-green`, undefined, { accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' })).body;
    expect(table.columnDefinitions.map((c: J) => [c.name, c.type, c.priority])).toEqual([['Name', 'string', 0], ['Size', 'string', 0], ['Replicas', 'integer', 0], ['Phase', 'string', 1]]);
    expect(table.rows[0].cells).toEqual(['w-green', '2Gi', 3, null]);
  });

  it('status and spec are written apart; generation moves with spec only', async () => {
    const created = (await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('w-st'))).body;
    const withStatus = { ...created, status: { replicas: 2, phase: 'Ready' } };
    const main = (await api('PUT', `${BASE}/namespaces/${NS}/widgets/w-st`, withStatus)).body;
    expect(main, JSON.stringify(main)).not.toHaveProperty('status');
    expect(main.metadata.generation).toBe(1);
    const st = await api('PUT', `${BASE}/namespaces/${NS}/widgets/w-st/status`, { ...main, spec: { size: '9Gi' }, status: { replicas: 2, phase: 'Ready' } });
    expect(st.status, JSON.stringify(st.body)).toBe(200);
    expect(st.body.spec.size).toBe('1Gi');
    expect(st.body.status).toEqual({ replicas: 2, phase: 'Ready' });
    expect(st.body.metadata.generation).toBe(1);
    const patched = await api('PATCH', `${BASE}/namespaces/${NS}/widgets/w-st`, { spec: { size: '3Gi' } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.body.metadata.generation).toBe(2);
    expect(patched.body.status).toEqual({ replicas: 2, phase: 'Ready' });
  });

  it('scale reads and writes the CRD paths', async () => {
    await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('w-sc', { size: '1Gi', replicas: 2, selector: 'app=w' }));
    const scale = (await api('GET', `${BASE}/namespaces/${NS}/widgets/w-sc/scale`)).body;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=w' } });
    const r = await api('PATCH', `${BASE}/namespaces/${NS}/widgets/w-sc/scale`, { spec: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await api('GET', `${BASE}/namespaces/${NS}/widgets/w-sc`)).body.spec.replicas).toBe(5);
    const over = await api('PATCH', `${BASE}/namespaces/${NS}/widgets/w-sc/scale`, { spec: { replicas: 50 } }, { 'content-type': 'application/merge-patch+json' });
    expect(over.status).toBe(422);
  });

  it('refuses strategic merge patches and protobuf bodies with 415, as kube does for custom resources', async () => {
    const smp = await api('PATCH', `${BASE}/namespaces/${NS}/widgets/w1`, { spec: { color: 'green' } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(415);
    expect(smp.body.message).not.toContain('strategic');
    const pb = await api('POST', `${BASE}/namespaces/${NS}/widgets`, new Uint8Array([0x6b, 0x38, 0x73, 0]), { 'content-type': 'application/vnd.kubernetes.protobuf' });
    expect(pb.status).toBe(415);
    const json = await api('GET', `${BASE}/namespaces/${NS}/widgets/w1`, undefined, { accept: 'application/vnd.kubernetes.protobuf, application/json' });
    expect(json.headers.get('content-type')).toContain('application/json');
  });

  it('refuses bad CRDs with 422 and stores nothing', async () => {
    const before = await cluster().currentResourceVersion();
    const cases: [J, string, string][] = [
      [{ ...widgetCRD('gadgets', 'Gadget'), metadata: { name: 'wrong.stable.example.com' } }, 'metadata.name', 'must be spec.names.plural+"."+spec.group'],
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); delete c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.type; return c; })(),
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].type', 'Required value: must not be empty for specified object fields'],
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); c.spec.versions.push({ ...c.spec.versions[0], name: 'v2' }); return c; })(), 'spec.versions', 'must have exactly one version marked as storage version'],
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); c.spec.versions[0].schema.openAPIV3Schema.properties.metadata = { type: 'object', properties: { labels: { type: 'object' } } }; return c; })(),
        'spec.versions[0].schema.openAPIV3Schema.properties[metadata]', 'must not specify anything other than name and generateName'],
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); c.spec.group = 'nodots'; c.metadata.name = 'gadgets.nodots'; return c; })(), 'spec.group', 'should be a domain with at least one dot'],
      // wrong JSON types anywhere, even deep in a schema, are told apart from everything else
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.properties = 'oops'; return c; })(),
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].properties', 'Invalid value: "oops": must be of type object, not string'],
      [(() => { const c = widgetCRD('gadgets', 'Gadget'); c.spec.names.shortNames = 'gd'; c.spec.versions = 'v1'; return c; })(), 'spec.versions', 'must be of type array, not string'],
    ];
    for (const [crd, field, message] of cases) {
      const r = await api('POST', CRD_PATH, crd);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.details.causes.filter((c: J) => c.field === field).map((c: J) => c.message).join('\n')).toContain(message);
    }
    expect(await cluster().currentResourceVersion()).toBe(before);
  });

  it('runs x-kubernetes-validations: messageExpression, transition rules, and CEL that does not compile is a 422', async () => {
    const crd = widgetCRD('limits', 'Limit');
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.minReplicas = { type: 'integer' };
    spec.properties.size['x-kubernetes-validations'] = [{ rule: 'self == oldSelf', message: 'size is immutable' }];
    spec['x-kubernetes-validations'] = [{ rule: '!has(self.minReplicas) || self.replicas >= self.minReplicas', messageExpression: "'replicas must be at least ' + string(self.minReplicas)", fieldPath: '.replicas' }];
    expect((await api('POST', CRD_PATH, crd)).status).toBe(201);
    await quiesce();
    const path = `${BASE}/namespaces/${NS}/limits`;
    const low = await api('POST', path, { ...widget('l1', { size: '1Gi', replicas: 1, minReplicas: 2 }), kind: 'Limit' });
    expect(low.status).toBe(422);
    expect(low.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: "object": replicas must be at least 2' }]);
    expect(low.body.message).toBe('Limit.stable.example.com "l1" is invalid: spec.replicas: Invalid value: "object": replicas must be at least 2');
    expect((await api('POST', path, { ...widget('l1', { size: '1Gi', replicas: 3, minReplicas: 2 }), kind: 'Limit' })).status).toBe(201);
    const lowered = await api('PATCH', `${path}/l1`, { spec: { replicas: 1 } }, { 'content-type': 'application/merge-patch+json' });
    expect(lowered.status).toBe(422);
    expect(lowered.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: "object": replicas must be at least 2' }]);
    const moved = await api('PATCH', `${path}/l1`, { spec: { size: '2Gi' } }, { 'content-type': 'application/merge-patch+json' });
    expect(moved.status).toBe(422);
    expect(moved.body.details.causes[0]).toMatchObject({ field: 'spec.size', message: 'Invalid value: "string": size is immutable' });
    // rules that do not compile, or cost too much, keep the CRD out
    const bad = widgetCRD('badrules', 'BadRule');
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: 'self.nosuchfield > 1' }];
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.tags = { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x == y))' }] };
    const r = await api('POST', CRD_PATH, bad);
    expect(r.status).toBe(422);
    const causes = r.body.details.causes.map((c: J) => `${c.field}: ${c.message}`).join('\n');
    expect(causes).toMatch(/spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:\d+: undefined field 'nosuchfield'/);
    expect(causes).toContain('properties[spec].properties[tags].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of');
    expect((await api('GET', `${CRD_PATH}/badrules.${GROUP}`)).status).toBe(404);
  });

  it('serves two versions from one storage (apiVersion rewritten), warns about a deprecated one, and does not serve webhook conversion', async () => {
    const crd = widgetCRD('gears', 'Gear');
    crd.spec.versions.push({ ...structuredClone(crd.spec.versions[0]), name: 'v1beta1', storage: false, deprecated: true });
    crd.spec.versions[1].schema.openAPIV3Schema.properties.spec.description = 'beta';
    expect((await api('POST', CRD_PATH, crd)).status).toBe(201);
    await quiesce();
    const made = await api('POST', `/apis/${GROUP}/v1beta1/namespaces/${NS}/gears`, { ...widget('g1'), apiVersion: `${GROUP}/v1beta1`, kind: 'Gear' });
    expect(made.status).toBe(201);
    expect(made.body.apiVersion).toBe(`${GROUP}/v1beta1`);
    expect(made.headers.get('warning')).toBe(`299 - "${GROUP}/v1beta1 Gear is deprecated"`);
    expect((await api('GET', `${BASE}/namespaces/${NS}/gears/g1`)).body.apiVersion).toBe(`${GROUP}/v1`);
    const stored = await cluster().get(`/${GROUP}/gears/${NS}/g1`);
    expect(JSON.parse(stored!.object).apiVersion).toBe(`${GROUP}/v1`);
    expect((await api('GET', `/apis/${GROUP}`)).body.preferredVersion.version).toBe('v1');
    const webhook = widgetCRD('cogs', 'Cog', { conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://convert.example.com' }, conversionReviewVersions: ['v1'] } } });
    webhook.spec.versions.push({ ...structuredClone(webhook.spec.versions[0]), name: 'v2', storage: false });
    webhook.spec.versions[1].schema.openAPIV3Schema.properties.spec.description = 'v2';
    expect((await api('POST', CRD_PATH, webhook)).status).toBe(201);
    await quiesce();
    const cogs = (await api('GET', `${CRD_PATH}/cogs.${GROUP}`)).body;
    expect(cogs.status.conditions.find((c: J) => c.type === 'Established')).toMatchObject({ status: 'False', reason: 'WebhookConversionNotSupported' });
    expect((await api('GET', `${BASE}/namespaces/${NS}/cogs`)).status).toBe(404);
  });

  it('answers malformed CRDs and custom resources with 4xx, never a 500', async () => {
    const crdCases: J[] = [
      { ...widgetCRD('mal1', 'Mal'), spec: 'x' },
      { ...widgetCRD('mal2', 'Mal'), spec: { ...widgetCRD('mal2', 'Mal').spec, versions: [null, 1] } },
      { ...widgetCRD('mal3', 'Mal'), spec: { ...widgetCRD('mal3', 'Mal').spec, names: { plural: 'mal3', kind: 7 } } },
      (() => { const c = widgetCRD('mal4', 'Mal'); c.spec.versions[0].schema.openAPIV3Schema['x-kubernetes-validations'] = [1, { rule: 5 }]; return c; })(),
      (() => { const c = widgetCRD('mal5', 'Mal'); c.spec.versions[0].schema.openAPIV3Schema.properties.spec.additionalProperties = 'x'; return c; })(),
      (() => { const c = widgetCRD('mal6', 'Mal'); c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.enum = 'red'; return c; })(),
      (() => { const c = widgetCRD('mal7', 'Mal'); c.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'string', jsonPath: 3 }]; return c; })(),
    ];
    for (const c of crdCases) {
      const r = await api('POST', CRD_PATH, c);
      expect(r.status, `${JSON.stringify(c).slice(0, 200)} -> ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const crCases: J[] = [
      { ...widget('bad-1'), spec: 'x' }, { ...widget('bad-2'), spec: [1] }, { ...widget('bad-3'), spec: { size: '1Gi', tags: 'a' } },
      { ...widget('bad-4'), spec: { size: '1Gi', extra: [] } }, 
    ];
    for (const c of crCases) {
      const r = await api('POST', `${BASE}/namespaces/${NS}/widgets`, c);
      expect(r.status, `${JSON.stringify(c)} -> ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    // a create cannot set status when there is a status subresource: it is dropped, whatever it held
    const withStatus = await api('POST', `${BASE}/namespaces/${NS}/widgets`, { ...widget('st-dropped'), status: 'x' });
    expect(withStatus.status).toBe(201);
    expect(withStatus.body).not.toHaveProperty('status');
    for (const [type, body] of [['application/merge-patch+json', { spec: { replicas: 'many' } }], ['application/json-patch+json', [{ op: 'replace', path: '/spec', value: 3 }]], ['application/apply-patch+yaml', { apiVersion: `${GROUP}/v1`, kind: 'Widget', spec: { replicas: 'x' } }]] as const) {
      const r = await api('PATCH', `${BASE}/namespaces/${NS}/widgets/w1?fieldManager=t`, body, { 'content-type': type });
      expect(r.status, `${type} -> ${JSON.stringify(r.body)}`).toBeGreaterThanOrEqual(400);
      if (type !== 'application/apply-patch+yaml') expect(r.status).toBeLessThan(500);
    }
  });

  it('refuses a schema nested 400 deep with 422, and one nested 1,000 deep (2,000 JSON levels) with 400, not a 500', async () => {
    const deep = (levels: number) => {
      const crd = widgetCRD('deeps', 'Deep');
      let node: J = { type: 'string' };
      for (let i = 0; i < levels; i++) node = { type: 'object', properties: { a: node } };
      crd.spec.versions[0].schema.openAPIV3Schema.properties.spec = node;
      return crd;
    };
    const r = await api('POST', CRD_PATH, deep(400));
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].message).toContain('must not be nested more than');
    const past = await api('POST', CRD_PATH, deep(1000));
    expect(past.status).toBe(400);
    expect(past.body.message).toContain('exceeded max depth');
  });

  it('a CRD whose kinds another CRD of the group holds is not established (the last conflict found is reported, as kube does)', async () => {
    const r = await api('POST', CRD_PATH, widgetCRD('gizmos', 'Widget'));
    expect(r.status).toBe(201);
    await quiesce();
    const crd = (await api('GET', `${CRD_PATH}/gizmos.${GROUP}`)).body;
    expect(crd.status.conditions.find((c: J) => c.type === 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'ListKindConflict', message: '"WidgetList" is already in use' });
    expect(crd.status.conditions.find((c: J) => c.type === 'Established')).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    expect((await api('GET', `${BASE}/namespaces/${NS}/gizmos`)).status).toBe(404);
    expect((await api('DELETE', `${CRD_PATH}/gizmos.${GROUP}`)).status).toBe(200);
    await quiesce();
    expect((await api('GET', `${CRD_PATH}/gizmos.${GROUP}`)).status).toBe(404);
  });

  it('ratchets: an update may keep a value a tightened schema or rule refuses, but not change it', async () => {
    const crd = widgetCRD('ratchets', 'Ratchet');
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.label = { type: 'string', maxLength: 10 };
    expect((await api('POST', CRD_PATH, crd)).status).toBe(201);
    await quiesce();
    const path = `${BASE}/namespaces/${NS}/ratchets`;
    expect((await api('POST', path, { ...widget('r1', { size: '1Gi', label: 'abcdefgh' }), kind: 'Ratchet' })).status).toBe(201);
    const cur = (await api('GET', `${CRD_PATH}/ratchets.${GROUP}`)).body;
    cur.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.label.maxLength = 3;
    cur.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: "self.label != 'abcdefgh' || self.replicas < 5", message: 'no more than 4' }];
    expect((await api('PUT', `${CRD_PATH}/ratchets.${GROUP}`, cur)).status).toBe(200);
    const other = await api('PATCH', `${path}/r1`, { metadata: { labels: { touched: 'yes' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    const changed = await api('PATCH', `${path}/r1`, { spec: { label: 'abcdefghi' } }, { 'content-type': 'application/merge-patch+json' });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes[0]).toMatchObject({ field: 'spec.label', reason: 'FieldValueTooLong' });
    // the spec changed, so its rule runs again
    const more = await api('PATCH', `${path}/r1`, { spec: { replicas: 6 } }, { 'content-type': 'application/merge-patch+json' });
    expect(more.status).toBe(422);
    expect(more.body.details.causes.map((c: J) => c.message)).toEqual(['Invalid value: "object": no more than 4']);
  });

  it('deleting a namespace deletes the custom resources in it', async () => {
    await mkns('crd-doomed');
    expect((await api('POST', `${BASE}/namespaces/crd-doomed/widgets`, { ...widget('inside'), metadata: { name: 'inside', namespace: 'crd-doomed' } })).status).toBe(201);
    expect((await api('DELETE', '/api/v1/namespaces/crd-doomed')).status).toBe(200);
    await quiesce();
    for (let i = 0; i < 50 && (await api('GET', '/api/v1/namespaces/crd-doomed')).status !== 404; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await api('GET', '/api/v1/namespaces/crd-doomed')).status).toBe(404);
    expect((await api('GET', `${BASE}/namespaces/crd-doomed/widgets/inside`)).status).toBe(404);
  });

  it('the garbage collector follows owner references to and from custom resources', async () => {
    const owner = (await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('gc-owner'))).body;
    const ref = (o: J) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid }];
    const cm = await api('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gc-dependent', namespace: NS, ownerReferences: ref(owner) } });
    expect(cm.status).toBe(201);
    const parent = (await api('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gc-parent', namespace: NS } })).body;
    expect((await api('POST', `${BASE}/namespaces/${NS}/widgets`, widget('gc-child', { size: '1Gi' }, { metadata: { name: 'gc-child', namespace: NS, ownerReferences: ref(parent) } }))).status).toBe(201);
    await quiesce();
    // owners that exist hold their dependents
    expect((await api('GET', `/api/v1/namespaces/${NS}/configmaps/gc-dependent`)).status).toBe(200);
    expect((await api('GET', `${BASE}/namespaces/${NS}/widgets/gc-child`)).status).toBe(200);
    await api('DELETE', `${BASE}/namespaces/${NS}/widgets/gc-owner`);
    await api('DELETE', `/api/v1/namespaces/${NS}/configmaps/gc-parent`);
    await quiesce();
    expect((await api('GET', `/api/v1/namespaces/${NS}/configmaps/gc-dependent`)).status).toBe(404);
    expect((await api('GET', `${BASE}/namespaces/${NS}/widgets/gc-child`)).status).toBe(404);
  });

  it('deleting a CRD deletes its custom resources, then the CRD and its discovery', async () => {
    const crd = widgetCRD('things', 'Thing');
    expect((await api('POST', CRD_PATH, crd)).status).toBe(201);
    await quiesce();
    for (const n of ['t1', 't2']) expect((await api('POST', `${BASE}/namespaces/${NS}/things`, { ...widget(n), kind: 'Thing' })).status).toBe(201);
    const del = await api('DELETE', `${CRD_PATH}/things.${GROUP}`);
    expect(del.status).toBe(200);
    expect(del.body.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(del.body.status.conditions.find((c: J) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionPending' });
    const refused = await api('POST', `${BASE}/namespaces/${NS}/things`, { ...widget('t3'), kind: 'Thing' });
    expect(refused.status).toBe(405);
    await quiesce();
    expect((await api('GET', `${CRD_PATH}/things.${GROUP}`)).status).toBe(404);
    expect((await api('GET', `${BASE}/namespaces/${NS}/things`)).status).toBe(404);
    expect((await api('GET', BASE)).body.resources.map((r: J) => r.name)).not.toContain('things');
    const left = await cluster().list({ prefix: `/${GROUP}/things/` });
    expect(left.ok && left.value.items).toEqual([]);
  });
});
