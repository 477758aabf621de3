// Server-side apply and managedFields (src/apply), table-driven from
// documented kube-apiserver behaviour: the ServerSideApply e2e tests
// (test/e2e/apimachinery/apply.go), the "Server-Side Apply" reference page,
// and structured-merge-diff's FieldsV1 format.
import { describe, expect, it } from 'vitest';
import type { SchemaNode } from '../../src/schema/types';
import {
  apply, conflictError, conflictMessage, decodeFieldsV1, defaultManager, encodeFieldsV1, FieldSet, fieldSetOf,
  LAST_APPLIED_ANNOTATION, managerOrUserAgent, updateManagedFields, validateFieldManager, writeOptionsError,
  type ApplyArgs, type ApplyConflict,
} from '../../src/apply';
import { ApiError } from '../../src/status/status';
import { schemas } from '../../src/schema/index';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

// ---------------------------------------------------------------------------
// Hand-built schemas (the shapes of the generated OpenAPI)
// ---------------------------------------------------------------------------

const str: SchemaNode = { type: 'string' };
const int: SchemaNode = { type: 'integer', format: 'int32' };
const bool: SchemaNode = { type: 'boolean' };
const time: SchemaNode = { type: 'string', format: 'date-time' };
const any: SchemaNode = { type: 'any' };
const stringMap: SchemaNode = { type: 'map', values: str };

const ownerReference: SchemaNode = {
  type: 'object', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', mapType: 'atomic',
  fields: { apiVersion: str, kind: str, name: str, uid: str, controller: bool },
};
const objectMeta: SchemaNode = {
  type: 'object', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  fields: {
    name: str, namespace: str, generateName: str, uid: str, resourceVersion: str, generation: int,
    creationTimestamp: time, deletionTimestamp: time, labels: stringMap, annotations: stringMap,
    finalizers: { type: 'array', items: str, listType: 'set', patchStrategy: 'merge' },
    ownerReferences: { type: 'array', items: ownerReference, listType: 'map', listMapKeys: ['uid'] },
    managedFields: { type: 'array', items: any, listType: 'atomic' },
  },
};
const configMap: SchemaNode = {
  type: 'object', name: 'io.k8s.api.core.v1.ConfigMap',
  fields: { apiVersion: str, kind: str, metadata: objectMeta, data: stringMap, binaryData: { type: 'map', values: { type: 'string', format: 'byte' } }, immutable: bool },
};
const containerPort: SchemaNode = { type: 'object', name: 'io.k8s.api.core.v1.ContainerPort', fields: { containerPort: int, protocol: str, name: str, hostPort: int } };
const envVar: SchemaNode = { type: 'object', name: 'io.k8s.api.core.v1.EnvVar', fields: { name: str, value: str } };
const container: SchemaNode = {
  type: 'object', name: 'io.k8s.api.core.v1.Container',
  fields: {
    name: str, image: str, imagePullPolicy: str,
    args: { type: 'array', items: str, listType: 'atomic' },
    ports: { type: 'array', items: containerPort, listType: 'map', listMapKeys: ['containerPort', 'protocol'], patchStrategy: 'merge', patchMergeKey: 'containerPort' },
    env: { type: 'array', items: envVar, listType: 'map', listMapKeys: ['name'] },
    resources: { type: 'object', name: 'io.k8s.api.core.v1.ResourceRequirements', fields: { limits: { type: 'map', values: any }, requests: { type: 'map', values: any } } },
  },
};
const toleration: SchemaNode = { type: 'object', name: 'io.k8s.api.core.v1.Toleration', fields: { key: str, operator: str, value: str, effect: str } };
const podSpec: SchemaNode = {
  type: 'object', name: 'io.k8s.api.core.v1.PodSpec',
  fields: {
    containers: { type: 'array', items: container, listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' },
    tolerations: { type: 'array', items: toleration, listType: 'atomic' },
    nodeSelector: { type: 'map', values: str, mapType: 'atomic' },
    hostname: str, restartPolicy: str,
  },
};
const podTemplate: SchemaNode = { type: 'object', name: 'io.k8s.api.core.v1.PodTemplateSpec', fields: { metadata: objectMeta, spec: podSpec } };
const labelSelector: SchemaNode = {
  type: 'object', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', mapType: 'atomic',
  fields: { matchLabels: stringMap, matchExpressions: { type: 'array', items: any, listType: 'atomic' } },
};
const deployment: SchemaNode = {
  type: 'object', name: 'io.k8s.api.apps.v1.Deployment',
  fields: {
    apiVersion: str, kind: str, metadata: objectMeta,
    spec: {
      type: 'object', name: 'io.k8s.api.apps.v1.DeploymentSpec',
      fields: {
        replicas: int, selector: labelSelector, template: podTemplate, minReadySeconds: int, paused: bool,
        strategy: {
          type: 'object', name: 'io.k8s.api.apps.v1.DeploymentStrategy', patchStrategy: 'retainKeys',
          fields: { type: str, rollingUpdate: { type: 'object', name: 'io.k8s.api.apps.v1.RollingUpdateDeployment', fields: { maxSurge: any, maxUnavailable: any } } },
        },
      },
    },
    status: {
      type: 'object', name: 'io.k8s.api.apps.v1.DeploymentStatus',
      fields: {
        replicas: int, readyReplicas: int, observedGeneration: int,
        conditions: { type: 'array', items: { type: 'object', name: 'io.k8s.api.apps.v1.DeploymentCondition', fields: { type: str, status: str, reason: str } }, listType: 'map', listMapKeys: ['type'] },
      },
    },
  },
};
/** A custom resource schema like the e2e test's CRD (spec preserves unknown fields; metadata is not declared). */
const noxu: SchemaNode = {
  type: 'object',
  fields: {
    spec: {
      type: 'object', preserveUnknownFields: true,
      fields: {
        cronSpec: str,
        ports: { type: 'array', listType: 'map', listMapKeys: ['containerPort', 'protocol'], items: { type: 'object', fields: { containerPort: int, hostIP: str, hostPort: int, name: str, protocol: str } } },
        atomicList: { type: 'array', items: str, listType: 'atomic' },
      },
    },
  },
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:01:00Z';
const T2 = '2024-05-01T10:02:00Z';

const base = { force: false, now: T0 };
const dArgs = (live: J, applied: J, manager: string, extra: Partial<ApplyArgs> = {}): ApplyArgs =>
  ({ ...base, schema: deployment, apiVersion: 'apps/v1', kind: 'Deployment', live, applied, manager, ...extra });
const cArgs = (live: J, applied: J, manager: string, extra: Partial<ApplyArgs> = {}): ApplyArgs =>
  ({ ...base, schema: configMap, apiVersion: 'v1', kind: 'ConfigMap', live, applied, manager, ...extra });

function ok(r: ReturnType<typeof apply>): J {
  if ('conflicts' in r) throw new Error(conflictMessage(r.conflicts));
  return r.object;
}
function conflicts(r: ReturnType<typeof apply>): ApplyConflict[] {
  if (!('conflicts' in r)) throw new Error('expected conflicts');
  return r.conflicts;
}
/** A stored object: what the registry adds on create. */
const stored = (obj: J, uid = 'u-1'): J => ({ ...obj, metadata: { ...obj.metadata, uid, creationTimestamp: '2024-05-01T09:00:00Z', resourceVersion: '1' } });
const entry = (obj: J, manager: string, operation = 'Apply') => obj.metadata.managedFields?.find((e: J) => e.manager === manager && e.operation === operation);
const fields = (obj: J, manager: string, operation = 'Apply') => JSON.stringify(entry(obj, manager, operation)?.fieldsV1);
const managers = (obj: J) => (obj.metadata.managedFields ?? []).map((e: J) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);

/** The e2e tests' Deployment. */
const e2eDeployment = (spec: J = {}, name = 'deployment'): J => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name, labels: { app: 'nginx' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
    },
    ...spec,
  },
});
const E2E_DEPLOYMENT_FIELDS = '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},'
  + '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}';

const cm = (data: Record<string, string>, extra: J = {}): J => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', ...extra }, data });

/** A non-apply write: the patched object and the writer's Update entry. */
const update = (oldObj: J, mutate: (o: J) => void, manager: string, now = T1, schema: SchemaNode = deployment, apiVersion = 'apps/v1', subresource?: string): J => {
  const next = structuredClone(oldObj);
  mutate(next);
  return updateManagedFields({ schema, oldObj, newObj: next, manager, apiVersion, now, subresource });
};

// ---------------------------------------------------------------------------
// FieldsV1
// ---------------------------------------------------------------------------

describe('FieldsV1 encoding', () => {
  const literals: [string, string][] = [
    ['struct fields, map keys and a list-map item (brief)', '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}'],
    ['e2e Pod applier', '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"test-container\\"}":{".":{},"f:image":{},"f:name":{}}}}}'],
    ['e2e Service applier (numeric and string keys, sorted)', '{"f:spec":{"f:ports":{"k:{\\"port\\":8080,\\"protocol\\":\\"UDP\\"}":{".":{},"f:port":{},"f:protocol":{}}}}}'],
    ['set items', '{"f:metadata":{"f:finalizers":{".":{},"v:\\"a.example.com/x\\"":{},"v:\\"b\\"":{}}}}'],
    ['controller status entry', '{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},"k:{\\"type\\":\\"Available\\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}'],
    ['set values order: numbers, strings, booleans', '{"f:s":{"v:1":{},"v:2.5":{},"v:\\"a\\"":{},"v:false":{},"v:true":{}}}'],
    ['indexes in numeric order', '{"f:l":{"i:0":{},"i:2":{},"i:10":{}}}'],
    ['byte order of field names', '{"f:Z":{},"f:a":{},"f:a.b":{},"f:a/b":{}}'],
    ['empty set', '{}'],
  ];
  it.each(literals)('round-trips %s exactly', (_, literal) => {
    const set = decodeFieldsV1(literal);
    expect(set.toJSON()).toBe(literal);
    expect(JSON.stringify(encodeFieldsV1(decodeFieldsV1(JSON.parse(literal))))).toBe(literal);
  });

  it('builds the upstream literal from paths, members before their own children', () => {
    const set = FieldSet.of(
      [{ f: 'metadata' }, { f: 'labels' }],
      [{ f: 'metadata' }, { f: 'labels' }, { f: 'app' }],
      [{ f: 'spec' }, { f: 'containers' }, { k: [['name', 'nginx']] }, { f: 'name' }],
      [{ f: 'spec' }, { f: 'containers' }, { k: [['name', 'nginx']] }],
      [{ f: 'spec' }, { f: 'containers' }, { k: [['name', 'nginx']] }, { f: 'image' }],
    );
    expect(set.toJSON()).toBe(literals[0][1]);
    expect(set.paths().length).toBe(5);
  });

  it('sorts key fields by name and elements by kind (f, k, v, i)', () => {
    const set = decodeFieldsV1({ 'f:spec': { 'i:1': {}, 'v:"x"': {}, 'k:{"protocol":"TCP","containerPort":80}': {}, 'f:a': {} } });
    expect(set.toJSON()).toBe('{"f:spec":{"f:a":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{},"v:\\"x\\"":{},"i:1":{}}}');
  });

  it('escapes like Go (HTML-safe) and rejects malformed keys', () => {
    // The element is serialised (HTML-safe) and then written as a JSON key, so its escapes are escaped again, as in Go.
    expect(FieldSet.of([{ f: 'a' }, { v: '<b>&' }]).toJSON()).toBe(String.raw`{"f:a":{"v:\"\\u003cb\\u003e\\u0026\"":{}}}`);
    expect(decodeFieldsV1(FieldSet.of([{ f: 'a' }, { v: '<b>&' }]).toJSON()).has([{ f: 'a' }, { v: '<b>&' }])).toBe(true);
    expect(() => decodeFieldsV1({ x: {} })).toThrow(/2 characters/);
    expect(() => decodeFieldsV1({ 'fa': {} })).toThrow(/missing colon/);
    expect(decodeFieldsV1({ 'z:future': {}, 'f:a': {} }).toJSON()).toBe('{"f:a":{}}');
  });
});

// ---------------------------------------------------------------------------
// fieldSetOf
// ---------------------------------------------------------------------------

describe('fieldSetOf', () => {
  const cases: [string, SchemaNode | undefined, J, string][] = [
    ['ConfigMap: map keys are members, struct fields are not', configMap, cm({ a: '1', b: '2' }, { labels: { app: 'x' } }),
      '{"f:apiVersion":{},"f:data":{"f:a":{},"f:b":{}},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{},"f:namespace":{}}}'],
    ['atomic list, atomic map and atomic struct are one leaf', deployment,
      { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { tolerations: [{ key: 'k', operator: 'Exists' }], nodeSelector: { disk: 'ssd' } } } } },
      '{"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:nodeSelector":{},"f:tolerations":{}}}}}'],
    ['set items by value, list-map items by key, `any` values as leaves', deployment,
      { metadata: { finalizers: ['b', 'a'] }, spec: { template: { spec: { containers: [{ name: 'c', args: ['x'], resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 8080, protocol: 'UDP' }] }] } } } },
      '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:args":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":8080,\\"protocol\\":\\"UDP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{"f:limits":{"f:cpu":{}}}}}}}}}'],
    ['an empty or null struct is owned as itself', deployment, { spec: { strategy: {}, paused: null, template: { metadata: null } } },
      '{"f:spec":{"f:paused":{},"f:strategy":{},"f:template":{"f:metadata":{}}}}'],
    ['an empty list-map list specifies nothing', deployment, { spec: { template: { spec: { containers: [] } } } }, '{}'],
    ['a port without protocol is keyed with the default TCP', deployment, { spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } } } },
      '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}'],
    ['no schema: every map key is a member, lists are atomic', undefined, { spec: { a: { b: 1 }, l: [1, 2] } },
      '{"f:spec":{".":{},"f:a":{".":{},"f:b":{}},"f:l":{}}}'],
    ['preserve-unknown-fields: declared fields typed, unknown ones deduced', noxu,
      { spec: { cronSpec: '* * * * */5', replicas: 1, ports: [{ name: 'x', containerPort: 80, protocol: 'TCP' }] } },
      '{"f:spec":{"f:cronSpec":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:replicas":{}}}'],
    ['duplicate keys in a stored list: the item is owned whole', deployment,
      { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }, { name: 'B', value: '3' }] }] } } } },
      '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:env":{"k:{\\"name\\":\\"A\\"}":{},"k:{\\"name\\":\\"B\\"}":{".":{},"f:name":{},"f:value":{}}},"f:name":{}}}}}}}'],
  ];
  it.each(cases)('%s', (_, schema, obj, expected) => {
    expect(fieldSetOf(schema, obj).toJSON()).toBe(expected);
  });
});

// ---------------------------------------------------------------------------
// apply
// ---------------------------------------------------------------------------

describe('apply: create, co-ownership, removal', () => {
  it('creates the object from nothing, owned by the applier', () => {
    const obj = ok(apply(cArgs(undefined, cm({ a: '1' }, { labels: { app: 'x' } }), 'apply_test')));
    expect(obj.data).toEqual({ a: '1' });
    expect(obj.metadata.labels).toEqual({ app: 'x' });
    expect(obj.metadata.managedFields).toEqual([{
      manager: 'apply_test', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } },
    }]);
    // The entry's keys are in the apiserver's order.
    expect(Object.keys(obj.metadata.managedFields[0])).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  });

  it('lets a second manager applying identical values co-own every field (e2e: managedFields match exactly)', () => {
    const first = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    expect(fields(first, 'apply_test')).toBe(E2E_DEPLOYMENT_FIELDS);
    const second = ok(apply(dArgs(first, e2eDeployment(), 'apply_test_2', { now: T1 })));
    expect(fields(second, 'apply_test')).toBe(E2E_DEPLOYMENT_FIELDS);
    expect(fields(second, 'apply_test_2')).toBe(E2E_DEPLOYMENT_FIELDS);
    const { managedFields: _a, ...meta1 } = first.metadata;
    const { managedFields: _b, ...meta2 } = second.metadata;
    expect(meta2).toEqual(meta1);
    expect(second.spec).toEqual(first.spec);
    // The object did not change, so (as upstream) the new entry carries no time.
    expect(entry(second, 'apply_test').time).toBe(T0);
    expect(entry(second, 'apply_test_2').time).toBeUndefined();
  });

  it('re-applying the same configuration is a no-op: the object comes back identical', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    expect(ok(apply(dArgs(live, e2eDeployment(), 'apply_test', { now: T2 })))).toEqual(live);
  });

  it('removes a field the applier owned and no longer sends (e2e: container ports)', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    const next = e2eDeployment();
    delete next.spec.template.spec.containers[0].ports;
    const obj = ok(apply(dArgs(live, next, 'apply_test', { now: T1 })));
    expect(obj.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'registry.k8s.io/nginx:1.27' }]);
    expect(fields(obj, 'apply_test')).not.toContain('ports');
    expect(entry(obj, 'apply_test').time).toBe(T1);
  });

  it('keeps a field the applier drops while another manager still owns it (e2e: shared unset)', () => {
    const cfg = e2eDeployment({ template: { metadata: { labels: { app: 'nginx' } }, spec: { hostname: 'test-hostname', containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx:1.27' }] } } });
    let live = stored(ok(apply(dArgs(undefined, cfg, 'shared_owner_1'))));
    live = ok(apply(dArgs(live, cfg, 'shared_owner_2')));
    const unset = structuredClone(cfg);
    delete unset.spec.replicas;
    delete unset.spec.template.spec.hostname;
    const obj = ok(apply(dArgs(live, unset, 'shared_owner_1', { now: T1 })));
    expect(obj.spec.replicas).toBe(3);
    expect(obj.spec.template.spec.hostname).toBe('test-hostname');
    expect(fields(obj, 'shared_owner_1')).not.toMatch(/replicas|hostname/);
    expect(fields(obj, 'shared_owner_2')).toMatch(/f:replicas.*f:hostname/);
  });

  it('removes unowned struct contents with the struct the applier stops sending, keeps unowned fields elsewhere', () => {
    // strategy.rollingUpdate came from defaulting (nobody owns it); the applier owned strategy.type.
    const cfg = e2eDeployment({ strategy: { type: 'RollingUpdate' } });
    const live = stored(ok(apply(dArgs(undefined, cfg, 'apply_test'))));
    live.spec.strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%' };
    live.spec.template.spec.restartPolicy = 'Always';
    const obj = ok(apply(dArgs(live, e2eDeployment(), 'apply_test', { now: T1 })));
    expect(obj.spec.strategy).toBeUndefined();
    expect(obj.spec.template.spec.restartPolicy).toBe('Always');
  });
});

describe('apply: edge cases', () => {
  it('removing the last owned key of a map removes the map; an explicit null unsets a field but keeps it owned', () => {
    const live = stored(ok(apply(cArgs(undefined, cm({ a: '1' }, { labels: { app: 'x' } }), 'me'))));
    const obj = ok(apply(cArgs(live, { ...cm({ a: null as unknown as string }) }, 'me', { now: T1 })));
    expect(obj.metadata.labels).toBeUndefined();
    expect(obj.data ?? {}).toEqual({});
    expect(fields(obj, 'me')).toBe('{"f:data":{"f:a":{}}}');
    expect(obj.metadata.creationTimestamp).toBe(live.metadata.creationTimestamp);
  });

  it('a configuration sending creationTimestamp: null (kubectl create --dry-run -o yaml) is still a no-op', () => {
    const cfg = cm({ a: '1' }, { creationTimestamp: null });
    const live = stored(ok(apply(cArgs(undefined, cfg, 'me'))));
    expect(ok(apply(cArgs(live, cfg, 'me', { now: T1 })))).toEqual(live);
  });

  it('duplicates in a stored list: kept unless the configuration names the key, then replaced by its item', () => {
    const withEnv = (env: J[]) => e2eDeployment({ template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'i', env }] } } });
    const live = stored(ok(apply(dArgs(undefined, withEnv([{ name: 'B', value: 'b' }]), 'me'))));
    live.spec.template.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'B', value: 'b' }, { name: 'A', value: '2' }];
    const kept = ok(apply(dArgs(live, withEnv([{ name: 'B', value: 'c' }]), 'me', { now: T1 })));
    expect(kept.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'c' }, { name: 'A', value: '2' }]);
    const replaced = ok(apply(dArgs(live, withEnv([{ name: 'B', value: 'b' }, { name: 'A', value: '3' }]), 'me', { now: T1 })));
    expect(replaced.spec.template.spec.containers[0].env).toEqual([{ name: 'B', value: 'b' }, { name: 'A', value: '3' }]);
  });

  it('a write that removes a list item takes it (and everything below) out of every set', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    const obj = update(live, (o) => { o.spec.template.spec.containers[0].ports = []; }, 'kubectl-edit');
    expect(fields(obj, 'apply_test')).not.toContain('ports');
    expect(entry(obj, 'kubectl-edit', 'Update')).toBeUndefined();
  });
});

describe('apply: conflicts and force', () => {
  const applied = () => stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));

  it('conflicts with the manager that changed a field, one cause per field, with kube\'s 409 wording', () => {
    // e2e: a merge patch (manager from the user agent) sets replicas to 5.
    const live = update(applied(), (o) => { o.spec.replicas = 5; }, 'kubectl-client-side-apply');
    expect(fields(live, 'kubectl-client-side-apply', 'Update')).toBe('{"f:spec":{"f:replicas":{}}}');
    const cs = conflicts(apply(dArgs(live, e2eDeployment(), 'apply_test', { now: T2 })));
    expect(cs).toEqual([{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', field: '.spec.replicas' }]);
    expect(conflictMessage(cs)).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    const err = conflictError(cs);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] },
    });
  });

  it('does not conflict when the other owner has the same value', () => {
    const live = update(applied(), (o) => { o.spec.replicas = 5; }, 'kubectl-edit');
    const same = e2eDeployment({ replicas: 5 });
    const obj = ok(apply(dArgs(live, same, 'apply_test', { now: T2 })));
    expect(fields(obj, 'kubectl-edit', 'Update')).toBe('{"f:spec":{"f:replicas":{}}}');
    expect(fields(obj, 'apply_test')).toContain('"f:replicas"');
  });

  it('groups several conflicts by manager in the message', () => {
    let live = stored(ok(apply(cArgs(undefined, cm({ a: '1', b: '2' }), 'alpha'))));
    live = ok(apply(cArgs(live, cm({ c: '3' }, { labels: { tier: 'x' } }), 'beta')));
    const cs = conflicts(apply(cArgs(live, cm({ a: 'A', b: 'B', c: 'C' }, { labels: { tier: 'y' } }), 'gamma')));
    expect(cs.map((c) => `${c.manager} ${c.field}`)).toEqual(['alpha .data.a', 'alpha .data.b', 'beta .data.c', 'beta .metadata.labels.tier']);
    expect(conflictMessage(cs)).toBe(
      'Apply failed with 4 conflicts: conflicts with "alpha":\n- .data.a\n- .data.b\nconflicts with "beta":\n- .data.c\n- .metadata.labels.tier',
    );
    expect(conflictError(cs).status.details?.causes).toHaveLength(4);
  });

  it('with force takes ownership: the value is applied and the other manager loses the field', () => {
    const live = update(applied(), (o) => { o.spec.replicas = 5; o.metadata.labels.team = 'a'; }, 'kubectl-edit');
    const obj = ok(apply(dArgs(live, e2eDeployment(), 'apply_test', { force: true, now: T2 })));
    expect(obj.spec.replicas).toBe(3);
    expect(obj.metadata.labels).toEqual({ app: 'nginx', team: 'a' });
    expect(fields(obj, 'kubectl-edit', 'Update')).toBe('{"f:metadata":{"f:labels":{"f:team":{}}}}');
    expect(fields(obj, 'apply_test')).toBe(E2E_DEPLOYMENT_FIELDS);
    expect(entry(obj, 'apply_test').time).toBe(T2);
  });

  it('drops the entry of a manager left with nothing', () => {
    const live = update(applied(), (o) => { o.spec.replicas = 5; }, 'kubectl-edit');
    const obj = ok(apply(dArgs(live, e2eDeployment(), 'apply_test', { force: true, now: T2 })));
    expect(managers(obj)).toEqual(['apply_test/Apply']);
  });

  it('an Update takes ownership and the applier then leaves the field alone (e2e: controller takes replicas)', () => {
    const live = update(applied(), (o) => { o.spec.replicas = 4; }, 'kubectl-edit');
    expect(fields(live, 'apply_test')).not.toContain('replicas');
    const cfg = e2eDeployment();
    delete cfg.spec.replicas;
    const obj = ok(apply(dArgs(live, cfg, 'apply_test', { now: T2 })));
    expect(obj.spec.replicas).toBe(4);
    expect(fields(obj, 'kubectl-edit', 'Update')).toBe('{"f:spec":{"f:replicas":{}}}');
  });

  it('reports a subresource owner as kube prints it', () => {
    expect(conflictMessage([{ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', subresource: 'status', field: '.status.phase' }]))
      .toBe('Apply failed with 1 conflict: conflict with "kubelet" with subresource "status" using v1: .status.phase');
    expect(conflictMessage([{ manager: 'helm', field: '.data.x' }])).toBe('Apply failed with 1 conflict: conflict with "helm": .data.x');
  });
});

describe('apply: list types', () => {
  const twoContainers = (a: J, b?: J) => e2eDeployment({ template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: b ? [a, b] : [a] } } });
  const minimal = (containers: J[]): J => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deployment' }, spec: { template: { spec: { containers } } } });

  it('listType=map: two managers own different containers, item by item', () => {
    let live = stored(ok(apply(dArgs(undefined, twoContainers({ name: 'a', image: 'a:1' }), 'alpha'))));
    live = ok(apply(dArgs(live, minimal([{ name: 'b', image: 'b:1' }]), 'beta')));
    expect(live.spec.template.spec.containers.map((c: J) => c.name)).toEqual(['a', 'b']);
    expect(fields(live, 'beta')).toBe('{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"b\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}');
    expect(fields(live, 'alpha')).toContain('k:{\\"name\\":\\"a\\"}');
    expect(fields(live, 'alpha')).not.toContain('k:{\\"name\\":\\"b\\"}');
    // beta changing alpha's container conflicts on that item's field only.
    const cs = conflicts(apply(dArgs(live, minimal([{ name: 'a', image: 'a:2' }, { name: 'b', image: 'b:1' }]), 'beta')));
    expect(cs.map((c) => c.field)).toEqual(['.spec.template.spec.containers[name="a"].image']);
    // alpha dropping its container removes it and leaves beta's.
    const noA = twoContainers({ name: 'a', image: 'a:1' });
    noA.spec.template.spec.containers = [];
    const obj = ok(apply(dArgs(live, noA, 'alpha', { now: T1 })));
    expect(obj.spec.template.spec.containers).toEqual([{ name: 'b', image: 'b:1' }]);
  });

  it('listType=map keyed by containerPort+protocol: editing an existing item conflicts once, adding one merges (e2e CRD)', () => {
    const cr = (ports: J[]) => ({ apiVersion: 'noxu.example.com/v1', kind: 'Noxu', metadata: { name: 'mytest', finalizers: ['test-finalizer'] }, spec: { cronSpec: '* * * * */5', replicas: 1, ports } });
    const args = (live: J, obj: J, manager: string, extra: Partial<ApplyArgs> = {}): ApplyArgs =>
      ({ ...base, schema: noxu, apiVersion: 'noxu.example.com/v1', kind: 'Noxu', live, applied: obj, manager, resetFields: [], ...extra });
    const live = stored(ok(apply(args(undefined, cr([{ name: 'x', containerPort: 80, protocol: 'TCP' }]), 'apply_test'))));
    const other = (ports: J[]) => ({ apiVersion: 'noxu.example.com/v1', kind: 'Noxu', metadata: { name: 'mytest' }, spec: { ports } });
    const cs = conflicts(apply(args(live, other([{ name: 'y', containerPort: 80, protocol: 'TCP' }]), 'apply_test_2')));
    expect(cs).toEqual([{ manager: 'apply_test', operation: 'Apply', apiVersion: 'noxu.example.com/v1', field: '.spec.ports[containerPort=80,protocol="TCP"].name' }]);
    const obj = ok(apply(args(live, other([{ name: 'y', containerPort: 8080, protocol: 'TCP' }]), 'apply_test_2')));
    expect(obj.spec.ports).toEqual([{ name: 'x', containerPort: 80, protocol: 'TCP' }, { name: 'y', containerPort: 8080, protocol: 'TCP' }]);
    // The CRD declares no metadata, yet finalizers are a set (the apiserver types every root's metadata as ObjectMeta).
    const patched = updateManagedFields({ schema: noxu, oldObj: live, newObj: { ...live, metadata: { ...live.metadata, finalizers: ['test-finalizer', 'another-one'] } }, manager: 'e2e.test', apiVersion: 'noxu.example.com/v1', now: T1, resetFields: [] });
    const reapplied = ok(apply(args(patched, cr([{ name: 'x', containerPort: 80, protocol: 'TCP' }]), 'apply_test', { now: T2 })));
    expect(reapplied.metadata.finalizers).toEqual(['test-finalizer', 'another-one']);
    expect(fields(reapplied, 'apply_test')).toBe('{"f:metadata":{"f:finalizers":{"v:\\"test-finalizer\\"":{}}},"f:spec":{"f:cronSpec":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:replicas":{}}}');
  });

  it('listType=set: items added by others survive a re-apply, the applier removes only its own (e2e finalizers)', () => {
    const cfg = (finalizers?: string[]) => cm({ a: '1' }, finalizers ? { finalizers } : {});
    let live = stored(ok(apply(cArgs(undefined, cfg(['test-finalizer']), 'apply_test'))));
    live = update(live, (o) => { o.metadata.finalizers = ['test-finalizer', 'another-one']; }, 'e2e.test', T1, configMap, 'v1');
    expect(fields(live, 'e2e.test', 'Update')).toBe('{"f:metadata":{"f:finalizers":{"v:\\"another-one\\"":{}}}}');
    live = ok(apply(cArgs(live, cfg(['test-finalizer']), 'apply_test', { now: T2 })));
    expect(live.metadata.finalizers).toEqual(['test-finalizer', 'another-one']);
    const obj = ok(apply(cArgs(live, cfg(), 'apply_test', { now: T2 })));
    expect(obj.metadata.finalizers).toEqual(['another-one']);
  });

  it('set and map items keep live order, with the configuration\'s order for shared items', () => {
    let live = stored(ok(apply(cArgs(undefined, cm({}, { finalizers: ['x', 'a', 'b'] }), 'one'))));
    live = ok(apply(cArgs(live, cm({}, { finalizers: ['b', 'c', 'a'] }), 'two')));
    expect(live.metadata.finalizers).toEqual(['x', 'b', 'c', 'a']);
  });

  it('atomic list: a forced apply replaces the whole list and takes it (e2e atomicList)', () => {
    const cr = (atomicList: string[]) => ({ apiVersion: 'noxu.example.com/v1', kind: 'Noxu', metadata: { name: 'mytest' }, spec: { atomicList } });
    const args = (live: J, obj: J, manager: string, extra: Partial<ApplyArgs> = {}): ApplyArgs =>
      ({ ...base, schema: noxu, apiVersion: 'noxu.example.com/v1', live, applied: obj, manager, ...extra });
    const live = stored(ok(apply(args(undefined, cr(['item1']), 'apply_test'))));
    expect(conflicts(apply(args(live, cr(['item2']), 'apply_test_2'))).map((c) => c.field)).toEqual(['.spec.atomicList']);
    const obj = ok(apply(args(live, cr(['item2']), 'apply_test_2', { force: true })));
    expect(obj.spec.atomicList).toEqual(['item2']);
    expect(managers(obj)).toEqual(['apply_test_2/Apply']);
    expect(fields(obj, 'apply_test_2')).toBe('{"f:spec":{"f:atomicList":{}}}');
  });

  it('atomic tolerations: the list is one leaf, replaced whole', () => {
    const withTol = (tol: J[]) => e2eDeployment({ template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'i' }], tolerations: tol } } });
    const live = stored(ok(apply(dArgs(undefined, withTol([{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }]), 'apply_test'))));
    const obj = ok(apply(dArgs(live, withTol([{ key: 'c', operator: 'Exists' }]), 'apply_test', { now: T1 })));
    expect(obj.spec.template.spec.tolerations).toEqual([{ key: 'c', operator: 'Exists' }]);
    expect(fields(obj, 'apply_test')).toContain('"f:tolerations":{}');
  });
});

describe('apply: status, last-applied, errors', () => {
  it('ignores status on the main resource and applies it on /status (e2e subresources)', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    const statusCfg = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deployment' }, status: { conditions: [{ type: 'MyStatus', status: 'True' }] } };
    const main = ok(apply(dArgs(live, statusCfg, 'apply_test2')));
    expect(main.status).toBeUndefined();
    expect(main).toEqual(live);
    const viaStatus = ok(apply(dArgs(live, { ...statusCfg, spec: { replicas: 9 } }, 'apply_test2', { subresource: 'status', now: T1 })));
    expect(viaStatus.status).toEqual({ conditions: [{ type: 'MyStatus', status: 'True' }] });
    expect(viaStatus.spec.replicas).toBe(3);
    expect(entry(viaStatus, 'apply_test2')).toEqual({
      manager: 'apply_test2', operation: 'Apply', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"MyStatus"}': { '.': {}, 'f:status': {}, 'f:type': {} } } } }, subresource: 'status',
    });
  });

  it('kubectl taking over from client-side apply: conflicts on fields still matching last-applied are allowed, and the annotation follows', () => {
    const csa = e2eDeployment();
    const lastApplied = JSON.stringify(csa);
    const created = updateManagedFields({
      schema: deployment, oldObj: undefined, manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', now: T0,
      newObj: { ...csa, metadata: { ...csa.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: lastApplied } } },
    });
    const live = stored(created);
    const next = e2eDeployment({ replicas: 4 });
    // Another manager conflicts as usual.
    expect(conflicts(apply(dArgs(live, next, 'someone'))).map((c) => c.field)).toEqual(['.spec.replicas']);
    const obj = ok(apply(dArgs(live, next, 'kubectl', { now: T1 })));
    expect(obj.spec.replicas).toBe(4);
    expect(fields(obj, 'kubectl-client-side-apply', 'Update')).not.toContain('f:replicas');
    const annotation = obj.metadata.annotations[LAST_APPLIED_ANNOTATION];
    expect(annotation.endsWith('\n')).toBe(true);
    expect(JSON.parse(annotation)).toEqual(next);
    expect(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels"')).toBe(true);
    // A field changed since the last client-side apply still conflicts.
    const drifted = update(live, (o) => { o.spec.replicas = 7; }, 'kubectl-client-side-apply', T1);
    expect(conflicts(apply(dArgs(drifted, next, 'kubectl', { now: T2 }))).map((c) => c.field)).toEqual(['.spec.replicas']);
  });

  const errors: [string, Partial<ApplyArgs>, number, string][] = [
    ['another kind', { applied: { ...e2eDeployment(), kind: 'ReplicaSet' } }, 400, 'invalid object type: apps/v1, Kind=ReplicaSet'],
    ['no apiVersion or kind', { applied: { metadata: { name: 'd' } } }, 400, 'invalid object type: /, Kind='],
    ['another version (no kind to check)', { kind: undefined, applied: { ...e2eDeployment(), apiVersion: 'apps/v1beta1' } }, 400, 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1'],
    ['managedFields in the configuration', { applied: { ...e2eDeployment(), metadata: { name: 'd', managedFields: [] } } }, 400, 'metadata.managedFields must be nil'],
    ['an undeclared field', { applied: e2eDeployment({ topologyKeys: ['x'] }) }, 400, 'failed to create typed patch object (/deployment; apps/v1, Kind=Deployment): .spec.topologyKeys: field not declared in schema'],
    ['duplicate keys', { applied: e2eDeployment({ template: { spec: { containers: [{ name: 'c', env: [{ name: 'FOO' }, { name: 'FOO' }] }] } } }) }, 400,
      'failed to create typed patch object (/deployment; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="c"].env: duplicate entries for key [name="FOO"]'],
    ['wrong scalar types', { applied: e2eDeployment({ replicas: '3', paused: 'yes' }) }, 400,
      'failed to create typed patch object (/deployment; apps/v1, Kind=Deployment): errors:\n  .spec.replicas: expected numeric (int or float), got string\n  .spec.paused: expected boolean, got &{yes}'],
  ];
  it.each(errors)('rejects %s', (_, extra, code, message) => {
    let thrown: unknown;
    try { apply(dArgs(undefined, e2eDeployment(), 'm', extra)); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).status.code).toBe(code);
    expect((thrown as ApiError).status.message).toBe(message);
  });
});

// ---------------------------------------------------------------------------
// Non-apply writes
// ---------------------------------------------------------------------------

describe('updateManagedFields', () => {
  it('records a create the way kubectl create shows it (zero-valued structs carry no ".")', () => {
    const obj = updateManagedFields({
      schema: deployment, oldObj: undefined, manager: 'kubectl-create', apiVersion: 'apps/v1', now: T0,
      newObj: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'nginx' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always' }], restartPolicy: 'Always' } },
        },
        status: {},
      },
    });
    expect(obj.metadata.managedFields).toEqual([{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: expect.anything(),
    }]);
    expect(fields(obj, 'kubectl-create', 'Update')).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},'
      + '"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{}}},"f:restartPolicy":{}}}}}',
    );
  });

  it('records a custom resource create with its top-level structs as added', () => {
    const obj = updateManagedFields({ schema: noxu, oldObj: undefined, manager: 'kubectl-create', apiVersion: 'noxu.example.com/v1', now: T0,
      newObj: { apiVersion: 'noxu.example.com/v1', kind: 'Noxu', metadata: { name: 'x' }, spec: { cronSpec: 'c' } } });
    expect(fields(obj, 'kubectl-create', 'Update')).toBe('{"f:spec":{".":{},"f:cronSpec":{}}}');
  });

  it('kubectl-edit takes the fields it changes from an applier; removed fields leave every set', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    const edited = update(live, (o) => { o.spec.replicas = 5; delete o.metadata.labels.app; o.spec.paused = true; }, 'kubectl-edit');
    expect(managers(edited)).toEqual(['apply_test/Apply', 'kubectl-edit/Update']);
    expect(fields(edited, 'kubectl-edit', 'Update')).toBe('{"f:spec":{"f:paused":{},"f:replicas":{}}}');
    expect(entry(edited, 'kubectl-edit', 'Update').time).toBe(T1);
    expect(fields(edited, 'apply_test')).toBe(E2E_DEPLOYMENT_FIELDS.replace('"f:metadata":{"f:labels":{"f:app":{}}},', '').replace('"f:replicas":{},', ''));
    // A later edit by the same manager adds to its entry.
    const again = update(edited, (o) => { o.spec.minReadySeconds = 3; }, 'kubectl-edit', T2);
    expect(fields(again, 'kubectl-edit', 'Update')).toBe('{"f:spec":{"f:minReadySeconds":{},"f:paused":{},"f:replicas":{}}}');
    expect(entry(again, 'kubectl-edit', 'Update').time).toBe(T2);
    // A write that changes nothing leaves the entries as they were.
    expect(update(again, () => {}, 'kubectl-edit', '2024-05-01T11:00:00Z').metadata.managedFields).toEqual(again.metadata.managedFields);
  });

  it('status writes are tracked per subresource and ignore spec; main writes ignore status', () => {
    const live = stored(ok(apply(dArgs(undefined, e2eDeployment(), 'apply_test'))));
    const st = update(live, (o) => { o.status = { replicas: 3, readyReplicas: 3 }; o.spec.replicas = 1; }, 'kube-controller-manager', T1, deployment, 'apps/v1', 'status');
    expect(entry(st, 'kube-controller-manager', 'Update')).toEqual({
      manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } }, subresource: 'status',
    });
    const main = update(live, (o) => { o.status = { replicas: 9 }; }, 'someone', T1);
    expect(entry(main, 'someone', 'Update')).toBeUndefined();
  });

  it('leaves an untracked existing object untracked, tracks creates, and honours a managedFields reset', () => {
    const plain = stored(cm({ a: '1' }));
    expect(update(plain, (o) => { o.data.b = '2'; }, 'x', T1, configMap, 'v1').metadata.managedFields).toBeUndefined();
    const created = updateManagedFields({ schema: configMap, oldObj: undefined, newObj: cm({ a: '1' }), manager: '', apiVersion: 'v1', now: T0 });
    expect(managers(created)).toEqual(['unknown/Update']);
    const tracked = stored(created);
    expect(update(tracked, (o) => { o.metadata.managedFields = []; }, 'x', T1, configMap, 'v1').metadata.managedFields).toBeUndefined();
    expect(update(tracked, (o) => { o.metadata.managedFields = [{}]; o.data.b = '2'; }, 'x', T1, configMap, 'v1').metadata.managedFields).toBeUndefined();
    // Entries the request sends replace the stored ones (that is how they are edited).
    const edited = update(tracked, (o) => { o.metadata.managedFields[0].manager = 'renamed'; }, 'x', T1, configMap, 'v1');
    expect(managers(edited)).toEqual(['renamed/Update']);
  });

  it('keeps at most ten Update entries, folding the oldest into "ancient-changes"', () => {
    let obj = stored(updateManagedFields({ schema: configMap, oldObj: undefined, newObj: cm({ k0: 'v' }), manager: 'm00', apiVersion: 'v1', now: '2024-05-01T10:00:00Z' }));
    for (let i = 1; i <= 10; i++) {
      obj = update(obj, (o) => { o.data[`k${i}`] = 'v'; }, `m${String(i).padStart(2, '0')}`, `2024-05-01T10:00:${String(i).padStart(2, '0')}Z`, configMap, 'v1');
    }
    const names = managers(obj);
    expect(names).toHaveLength(10);
    expect(names[0]).toBe('ancient-changes/Update');
    expect(names).not.toContain('m00/Update');
    expect(names).not.toContain('m01/Update');
    // A ConfigMap's data is omitempty in Go, so the creator added the map itself (".").
    expect(fields(obj, 'ancient-changes', 'Update')).toBe('{"f:data":{".":{},"f:k0":{},"f:k1":{}}}');
    expect(entry(obj, 'ancient-changes', 'Update').time).toBe('2024-05-01T10:00:01Z');
  });

  it('stores times to the second, sorted Apply before Update then by time', () => {
    let obj = stored(updateManagedFields({ schema: configMap, oldObj: undefined, newObj: cm({ a: '1' }), manager: 'zz', apiVersion: 'v1', now: '2024-05-01T10:00:05.999Z' }));
    obj = update(obj, (o) => { o.data.b = '2'; }, 'aa', '2024-05-01T10:00:07Z', configMap, 'v1');
    obj = ok(apply(cArgs(obj, cm({ c: '3' }), 'applier', { now: '2024-05-01T10:00:09Z' })));
    expect(obj.metadata.managedFields.map((e: J) => `${e.manager} ${e.time}`)).toEqual([
      'applier 2024-05-01T10:00:09Z', 'zz 2024-05-01T10:00:05Z', 'aa 2024-05-01T10:00:07Z',
    ]);
  });
});

// ---------------------------------------------------------------------------
// Managers and options
// ---------------------------------------------------------------------------

describe('field managers', () => {
  it.each([
    ['kubectl/v1.35.2 (linux/amd64) kubernetes/abcdef0', 'kubectl'],
    ['Helm/4.1.4', 'Helm'],
    ['node-fetch', 'node-fetch'],
    ['e2e.test/v1.35.0 (linux/amd64) kubernetes/abc -- [sig-api-machinery]', 'e2e.test'],
    ['a\x07b\tc/1', 'abc'],
    [undefined, ''],
    ['x'.repeat(200), 'x'.repeat(128)],
    [`${'é'.repeat(63)}ab/1`, `${'é'.repeat(63)}ab`],
    [`${'é'.repeat(64)}a/1`, 'é'.repeat(64)],
  ])('defaultManager(%j) = %j', (ua, manager) => {
    expect(defaultManager(ua)).toBe(manager);
  });

  it('prefers the fieldManager parameter', () => {
    expect(managerOrUserAgent('kubectl-client-side-apply', 'kubectl/v1.35.2')).toBe('kubectl-client-side-apply');
    expect(managerOrUserAgent(undefined, 'Helm/4.1.4')).toBe('Helm');
  });

  it('validates fieldManager as metav1 does', () => {
    expect(validateFieldManager('kubectl')).toEqual([]);
    expect(validateFieldManager('x'.repeat(128))).toEqual([]);
    expect(validateFieldManager('x'.repeat(129))).toEqual([{ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' }]);
    expect(validateFieldManager('', { apply: true })).toEqual([{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
    expect(validateFieldManager('a\x07')).toEqual([{ reason: 'FieldValueInvalid', field: 'fieldManager', message: 'Invalid value: "a\\a": invalid character U+0007 (at position 1)' }]);
    const err = writeOptionsError('PatchOptions', { apply: true, fieldManager: '' });
    expect(err?.status.code).toBe(422);
    expect(err?.status.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    expect(writeOptionsError('PatchOptions', { apply: false, forceSpecified: true, fieldManager: 'm' })?.status.message)
      .toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    expect(writeOptionsError('CreateOptions', { fieldManager: 'kubectl-create' })).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// With the generated schemas (src/schema)
// ---------------------------------------------------------------------------

describe('with the generated OpenAPI schemas', () => {
  const realDeployment = schemas.forKind('apps', 'v1', 'Deployment')!;
  const realPod = schemas.forKind('', 'v1', 'Pod')!;
  const realService = schemas.forKind('', 'v1', 'Service')!;
  const realConfigMap = schemas.forKind('', 'v1', 'ConfigMap')!;
  const real = (schema: SchemaNode, apiVersion: string, kind: string) =>
    (live: J, applied: J, manager: string, extra: Partial<ApplyArgs> = {}): ApplyArgs => ({ ...base, schema, apiVersion, kind, live, applied, manager, ...extra });

  it('has the kinds', () => {
    for (const s of [realDeployment, realPod, realService, realConfigMap]) expect(s?.type).toBe('object');
  });

  // e2e "should create an applied object if it does not already exist": both appliers own exactly this.
  const created: [string, () => SchemaNode, string, J, string][] = [
    ['pods', () => realPod, 'Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'test-pod' }, spec: { containers: [{ name: 'test-container', image: 'test-image' }] } },
      '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"test-container\\"}":{".":{},"f:image":{},"f:name":{}}}}}'],
    ['services', () => realService, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'test-svc' }, spec: { ports: [{ port: 8080, protocol: 'UDP' }] } },
      '{"f:spec":{"f:ports":{"k:{\\"port\\":8080,\\"protocol\\":\\"UDP\\"}":{".":{},"f:port":{},"f:protocol":{}}}}}'],
  ];
  it.each(created)('e2e create + co-own (%s): managedFields match the upstream literal', (_, schema, kind, body, literal) => {
    const args = real(schema(), 'v1', kind);
    const first = stored(ok(apply(args(undefined, body, 'apply_test'))));
    const second = ok(apply(args(first, body, 'apply_test_2', { now: T1 })));
    expect(fields(second, 'apply_test')).toBe(literal);
    expect(fields(second, 'apply_test_2')).toBe(literal);
  });

  it('Deployment: the e2e configuration, a conflicting edit, force', () => {
    const args = real(realDeployment, 'apps/v1', 'Deployment');
    const live = stored(ok(apply(args(undefined, e2eDeployment(), 'apply_test'))));
    expect(fields(live, 'apply_test')).toBe(E2E_DEPLOYMENT_FIELDS);
    const edited = updateManagedFields({ schema: realDeployment, oldObj: live, newObj: { ...live, spec: { ...live.spec, replicas: 5 } }, manager: 'e2e.test', apiVersion: 'apps/v1', now: T1 });
    const cs = conflicts(apply(args(edited, e2eDeployment(), 'apply_test', { now: T2 })));
    expect(conflictMessage(cs)).toBe('Apply failed with 1 conflict: conflict with "e2e.test" using apps/v1: .spec.replicas');
    const forced = ok(apply(args(edited, e2eDeployment(), 'apply_test', { now: T2, force: true })));
    expect(forced.spec.replicas).toBe(3);
    expect(managers(forced)).toEqual(['apply_test/Apply']);
  });

  it('Deployment: kubectl create\'s Update entry', () => {
    const obj = updateManagedFields({
      schema: realDeployment, oldObj: undefined, manager: 'kubectl-create', apiVersion: 'apps/v1', now: T0,
      newObj: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'nginx' } }, progressDeadlineSeconds: 600, revisionHistoryLimit: 10,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          template: {
            metadata: { labels: { app: 'nginx' } },
            spec: {
              containers: [{ name: 'nginx', image: 'nginx', imagePullPolicy: 'Always', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
              dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
            },
          },
        },
      },
    });
    expect(fields(obj, 'kubectl-create', 'Update')).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},'
      + '"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},'
      + '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},'
      + '"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}',
    );
  });

  it('Pod: ports without protocol key on TCP, a removed port goes, tolerations stay atomic', () => {
    const args = real(realPod, 'v1', 'Pod');
    const pod = (ports: J[], tolerations?: J[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', ports }], ...(tolerations ? { tolerations } : {}) } });
    const live = stored(ok(apply(args(undefined, pod([{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }], [{ key: 'a', operator: 'Exists' }]), 'me'))));
    expect(fields(live, 'me')).toContain('k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}');
    expect(fields(live, 'me')).toContain('"f:tolerations":{}');
    const obj = ok(apply(args(live, pod([{ containerPort: 80 }]), 'me', { now: T1 })));
    expect(obj.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
    expect(obj.spec.tolerations).toBeUndefined();
  });

  it('rejects what the typed conversion rejects (400, where kube-apiserver answers 500)', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'admin-api', namespace: 'general' }, spec: { topologyKeys: ['x'], ports: [{ port: 80 }] } };
    expect(() => apply(real(realService, 'v1', 'Service')(undefined, svc, 'm'))).toThrow(
      'failed to create typed patch object (general/admin-api; /v1, Kind=Service): .spec.topologyKeys: field not declared in schema',
    );
    const dup = e2eDeployment({ template: { spec: { containers: [{ name: 'c', env: [{ name: 'FOO', value: 'a' }, { name: 'FOO', value: 'b' }], ports: [{ containerPort: 93 }, { containerPort: 93, protocol: 'TCP' }] }] } } });
    dup.metadata.namespace = 'default';
    dup.metadata.name = 'ssa-test';
    expect(() => apply(real(realDeployment, 'apps/v1', 'Deployment')(undefined, dup, 'm'))).toThrow(
      'failed to create typed patch object (default/ssa-test; apps/v1, Kind=Deployment): errors:\n'
      + '  .spec.template.spec.containers[name="c"].env: duplicate entries for key [name="FOO"]\n'
      + '  .spec.template.spec.containers[name="c"].ports: duplicate entries for key [containerPort=93,protocol="TCP"]',
    );
  });

  it('ConfigMap (Helm 4 style): install, upgrade drops a key, a kubectl edit conflicts', () => {
    const args = real(realConfigMap, 'v1', 'ConfigMap');
    const chart = (data: J) => cm(data, { labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'rel1', 'meta.helm.sh/release-namespace': 'default' } });
    let live = stored(ok(apply(args(undefined, chart({ a: '1', b: '2' }), 'helm'))));
    expect(fields(live, 'helm')).toBe('{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:annotations":{"f:meta.helm.sh/release-name":{},"f:meta.helm.sh/release-namespace":{}},"f:labels":{"f:app.kubernetes.io/managed-by":{}}}}');
    live = ok(apply(args(live, chart({ a: '1' }), 'helm', { now: T1 })));
    expect(live.data).toEqual({ a: '1' });
    live = updateManagedFields({ schema: realConfigMap, oldObj: live, newObj: { ...live, data: { a: 'edited' } }, manager: 'kubectl-edit', apiVersion: 'v1', now: T2 });
    const cs = conflicts(apply(args(live, chart({ a: '1' }), 'helm', { now: T2 })));
    expect(conflictMessage(cs)).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
  });
});
