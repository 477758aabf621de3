// ValidatingAdmissionPolicy and its bindings inside workerd: a policy denies,
// warns or only audits by its binding's actions; parameters, match
// conditions, variables, failure policies; custom kinds; bad policies refused.
import { describe, expect, it, beforeAll } from 'vitest';
import { api, mkns, quiesce, type J } from './helpers';
import { widgetCRD } from './crd-helpers';

const NS = 'vap';
const AR = '/apis/admissionregistration.k8s.io/v1';

const deployment = (name: string, replicas: number, labels: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS, labels },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

const policy = (name: string, spec: J) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec });
const binding = (name: string, spec: J) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec });
const deployments = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

async function put(path: string, obj: J) {
  const cur = await api('GET', `${path}/${obj.metadata.name}`);
  const r = cur.status === 200
    ? await api('PUT', `${path}/${obj.metadata.name}`, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.body.metadata.resourceVersion } })
    : await api('POST', path, obj);
  expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
  return r.body;
}

describe('ValidatingAdmissionPolicy', () => {
  beforeAll(async () => {
    await mkns(NS);
    await put(`${AR}/validatingadmissionpolicies`, policy('max-replicas', {
      matchConstraints: deployments,
      matchConditions: [{ name: 'not-exempt', expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)" }],
      variables: [{ name: 'replicas', expression: 'object.spec.replicas' }],
      validations: [{ expression: 'variables.replicas <= 5', messageExpression: "'replicas must be no greater than 5, got ' + string(variables.replicas)" }],
      auditAnnotations: [{ key: 'replicas', valueExpression: "'replicas: ' + string(object.spec.replicas)" }],
    }));
  });

  it('fills the defaults of its spec', async () => {
    const p = (await api('GET', `${AR}/validatingadmissionpolicies/max-replicas`)).body;
    expect(p.spec.failurePolicy).toBe('Fail');
    expect(p.spec.matchConstraints).toMatchObject({ matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} });
    expect(p.spec.matchConstraints.resourceRules[0].scope).toBe('*');
  });

  it('does nothing without a binding; with a Deny binding it refuses with its message', async () => {
    expect((await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('free', 10))).status).toBe(201);
    await put(`${AR}/validatingadmissionpolicybindings`, binding('max-replicas', { policyName: 'max-replicas', validationActions: ['Deny'] }));
    const r = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('big', 10));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(`deployments.apps "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas' denied request: replicas must be no greater than 5, got 10`);
    expect(r.body.details).toMatchObject({ name: 'big', group: 'apps', kind: 'deployments' });
    expect((await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('small', 3))).status).toBe(201);
    // updates are judged too
    const up = await api('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/small`, { spec: { replicas: 8 } }, { 'content-type': 'application/merge-patch+json' });
    expect(up.status).toBe(422);
    // a match condition exempts
    expect((await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('exempt', 10, { exempt: 'yes' }))).status).toBe(201);
  });

  it('Warn admits with a Warning header instead', async () => {
    await put(`${AR}/validatingadmissionpolicybindings`, binding('max-replicas', { policyName: 'max-replicas', validationActions: ['Warn', 'Audit'] }));
    const r = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('warned', 9));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe(`299 - "Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas': replicas must be no greater than 5, got 9"`);
  });

  it('reads its limit from a parameter object, and denies when it is missing (parameterNotFoundAction Deny)', async () => {
    await put(`${AR}/validatingadmissionpolicies`, policy('param-limit', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: deployments,
      validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', message: 'too many replicas for the limit', reason: 'Forbidden' }],
    }));
    await put(`${AR}/validatingadmissionpolicybindings`, binding('param-limit', { policyName: 'param-limit', validationActions: ['Deny'], paramRef: { name: 'limits', namespace: NS }, matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } } } }));
    const missing = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('p1', 1));
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('no params found for policy binding with `Deny` parameterNotFoundAction');
    await api('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: NS }, data: { max: '2' } });
    const over = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('p2', 4));
    expect(over.status).toBe(403);
    expect(over.body.message).toBe(`deployments.apps "p2" is forbidden: ValidatingAdmissionPolicy 'param-limit' with binding 'param-limit' denied request: too many replicas for the limit`);
    expect((await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('p3', 2))).status).toBe(201);
    await api('DELETE', `${AR}/validatingadmissionpolicybindings/param-limit`);
  });

  it('an expression that fails denies under failurePolicy Fail and is skipped under Ignore', async () => {
    const spec = (failurePolicy: string) => ({ failurePolicy, matchConstraints: deployments, validations: [{ expression: 'object.spec.nosuchfield > 1' }] });
    await put(`${AR}/validatingadmissionpolicies`, policy('broken', spec('Fail')));
    await put(`${AR}/validatingadmissionpolicybindings`, binding('broken', { policyName: 'broken', validationActions: ['Deny'] }));
    const r = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('f1', 1));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain("denied request: expression 'object.spec.nosuchfield > 1' resulted in error: ");
    await put(`${AR}/validatingadmissionpolicies`, policy('broken', spec('Ignore')));
    expect((await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('f2', 1))).status).toBe(201);
    await api('DELETE', `${AR}/validatingadmissionpolicybindings/broken`);
  });

  it('applies to custom resources', async () => {
    expect((await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCRD('sprockets', 'Sprocket'))).status).toBe(201);
    await quiesce();
    await put(`${AR}/validatingadmissionpolicies`, policy('small-sprockets', {
      matchConstraints: { resourceRules: [{ apiGroups: ['stable.example.com'], apiVersions: ['*'], operations: ['CREATE'], resources: ['sprockets'] }] },
      validations: [{ expression: "object.spec.size != '9Gi'", message: 'no 9Gi sprockets' }],
    }));
    await put(`${AR}/validatingadmissionpolicybindings`, binding('small-sprockets', { policyName: 'small-sprockets', validationActions: ['Deny'] }));
    const sprocket = (name: string, size: string) => ({ apiVersion: 'stable.example.com/v1', kind: 'Sprocket', metadata: { name, namespace: NS }, spec: { size } });
    const r = await api('POST', `/apis/stable.example.com/v1/namespaces/${NS}/sprockets`, sprocket('s1', '9Gi'));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('no 9Gi sprockets');
    expect((await api('POST', `/apis/stable.example.com/v1/namespaces/${NS}/sprockets`, sprocket('s2', '1Gi'))).status).toBe(201);
  });

  it('reports expressions that do not type-check against the matched kinds in its status', async () => {
    await put(`${AR}/validatingadmissionpolicies`, policy('typo', { matchConstraints: deployments, validations: [{ expression: 'object.spec.replicass > 1' }, { expression: 'object.spec.replicas > 1' }] }));
    await quiesce();
    const p = (await api('GET', `${AR}/validatingadmissionpolicies/typo`)).body;
    expect(p.status.observedGeneration).toBe(p.metadata.generation);
    expect(p.status.typeChecking.expressionWarnings).toHaveLength(1);
    expect(p.status.typeChecking.expressionWarnings[0].fieldRef).toBe('spec.validations[0].expression');
    expect(p.status.typeChecking.expressionWarnings[0].warning).toMatch(/^apps\/v1, Kind=Deployment: ERROR: <input>:1:\d+: undefined field 'replicass'/);
  });

  it('refuses bad policies and bindings with 422', async () => {
    const bad = await api('POST', `${AR}/validatingadmissionpolicies`, policy('bad', { matchConstraints: deployments, validations: [{ expression: 'object.spec.replicas <' }], failurePolicy: 'Sometimes' }));
    expect(bad.status).toBe(422);
    const causes = bad.body.details.causes.map((c: J) => `${c.field}: ${c.message}`);
    expect(causes.join('\n')).toMatch(/spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <": compilation failed: ERROR: <input>:1:\d+: /);
    expect(causes).toContain('spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"');
    const empty = await api('POST', `${AR}/validatingadmissionpolicies`, policy('empty', { matchConstraints: deployments }));
    expect(empty.body.details.causes[0]).toMatchObject({ field: 'spec.validations', message: 'Required value: validations or auditAnnotations must contain at least one item' });
    const both = await api('POST', `${AR}/validatingadmissionpolicybindings`, binding('both', { policyName: 'x', validationActions: ['Deny', 'Warn'] }));
    expect(both.status).toBe(422);
    expect(both.body.details.causes[0].field).toBe('spec.validationActions');
  });
});
