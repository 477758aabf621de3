// The resource definitions on their own: identity and discovery facts,
// defaulting, validation messages and table cells, checked against what
// kube-apiserver 1.35 answers for the same input.
import { describe, expect, it } from 'vitest';
import { DEFINITIONS } from '../../src/resources/defs';
import { applyDefaults } from '../../src/resources/defaults';
import type { KObject, ResourceDefinition } from '../../src/resources/types';
import { dns1035Label, isIP } from '../../src/resources/validation';
import { formatLabelSelector, formatLabels, selectorMatches } from '../../src/resources/defs/shared';

const def = (group: string, resource: string): ResourceDefinition => {
  const d = DEFINITIONS.find((x) => x.group === group && x.resource === resource);
  if (!d) throw new Error(`no definition for ${group}/${resource}`);
  return d;
};

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** What a create does with a body: defaults, create preparation, then validation. */
function create(d: ResourceDefinition, obj: KObject) {
  const o = structuredClone(obj);
  o.metadata ??= {};
  o.metadata.uid ??= '0b7e8d3c-1111-2222-3333-444455556666';
  applyDefaults(d, o);
  d.prepareForCreate?.(o);
  return { obj: o, errors: d.validate?.(o) ?? [] };
}

/** An update of `stored` to `body`: defaults, update preparation, then both validations. */
function update(d: ResourceDefinition, stored: KObject, body: KObject) {
  const n = structuredClone(body);
  // As the update path does: with a status subresource, the main resource keeps the stored status.
  if (d.statusSubresource) n.status = stored.status;
  applyDefaults(d, n);
  d.prepareForUpdate?.(n, stored);
  return { obj: n, errors: [...(d.validate?.(n) ?? []), ...(d.validateUpdate?.(n, stored) ?? [])] };
}

const cells = (d: ResourceDefinition, obj: KObject, wide = false) =>
  Object.fromEntries((d.columns ?? []).filter((c) => wide || !c.priority).map((c) => [c.name, c.cell(obj, NOW)]));

const deployment = (labels: Record<string, string>): KObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
  },
});

describe('definitions table', () => {
  it('has one definition per group/version/resource, each complete', () => {
    const keys = DEFINITIONS.map((d) => `${d.group}/${d.version}/${d.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const d of DEFINITIONS) {
      expect(d.resource).toMatch(/^[a-z]+$/);
      // metrics-server registers its kinds without singular names
      expect(d.singular).toBe(d.group === 'metrics.k8s.io' ? '' : d.kind.toLowerCase());
      expect(d.version).toMatch(/^v\d+/);
      for (const c of d.columns ?? []) expect(['string', 'integer', 'number', 'boolean', 'date']).toContain(c.type);
    }
  });

  it('lists core first, and covers every group the server claims', () => {
    expect(DEFINITIONS[0].group).toBe('');
    const groups = [...new Set(DEFINITIONS.map((d) => d.group))];
    expect(groups).toEqual(['', 'apps', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'events.k8s.io', 'discovery.k8s.io', 'rbac.authorization.k8s.io', 'policy', 'networking.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'autoscaling', 'authentication.k8s.io', 'authorization.k8s.io', 'metrics.k8s.io']);
    expect(DEFINITIONS.filter((d) => d.group === '').map((d) => d.resource)).toEqual(expect.arrayContaining(['pods', 'configmaps', 'namespaces', 'services', 'secrets', 'nodes', 'events']));
  });

  it('carries the well-known short names', () => {
    const expected: Record<string, [string, string]> = {
      po: ['', 'pods'], svc: ['', 'services'], cm: ['', 'configmaps'], ns: ['', 'namespaces'], no: ['', 'nodes'],
      deploy: ['apps', 'deployments'], rs: ['apps', 'replicasets'], ds: ['apps', 'daemonsets'], sts: ['apps', 'statefulsets'],
      cj: ['batch', 'cronjobs'], ev: ['', 'events'], pvc: ['', 'persistentvolumeclaims'], pv: ['', 'persistentvolumes'],
      rc: ['', 'replicationcontrollers'], sa: ['', 'serviceaccounts'], ep: ['', 'endpoints'], ing: ['networking.k8s.io', 'ingresses'],
      netpol: ['networking.k8s.io', 'networkpolicies'], pdb: ['policy', 'poddisruptionbudgets'], hpa: ['autoscaling', 'horizontalpodautoscalers'],
      sc: ['storage.k8s.io', 'storageclasses'], pc: ['scheduling.k8s.io', 'priorityclasses'], quota: ['', 'resourcequotas'], limits: ['', 'limitranges'], csr: ['certificates.k8s.io', 'certificatesigningrequests'],
    };
    for (const [short, [group, resource]] of Object.entries(expected)) expect(def(group, resource).shortNames, short).toContain(short);
    expect(def('events.k8s.io', 'events').shortNames).toEqual(['ev']);
    expect(def('', 'secrets').shortNames).toBeUndefined();
  });

  it('puts exactly the kube "all" kinds in the all category', () => {
    const all = [...new Set(DEFINITIONS.filter((d) => d.categories?.includes('all')).map((d) => d.resource))].sort();
    expect(all).toEqual(['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
  });

  it('describes scope, subresources and verbs as discovery reports them', () => {
    for (const r of ['namespaces', 'nodes', 'persistentvolumes']) expect(def('', r).namespaced).toBe(false);
    expect(def('rbac.authorization.k8s.io', 'clusterroles').namespaced).toBe(false);
    expect(def('networking.k8s.io', 'ipaddresses').namespaced).toBe(false);
    expect(def('', 'namespaces').verbs).not.toContain('deletecollection');
    const scale = def('apps', 'deployments').subresources?.find((s) => s.name === 'scale');
    expect(scale).toEqual({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
    for (const [g, r] of [['', 'replicationcontrollers'], ['apps', 'replicasets'], ['apps', 'statefulsets']]) {
      expect(def(g, r).subresources?.map((s) => s.name)).toEqual(['scale', 'status']);
    }
    for (const d of DEFINITIONS) {
      expect(!!d.statusSubresource, d.resource).toBe(!!d.subresources?.some((s) => s.name === 'status'));
    }
    expect(def('', 'namespaces').subresources?.map((s) => s.name)).toEqual(['finalize', 'status']);
  });

  it('offers the field selectors kube supports', () => {
    expect(Object.keys(def('', 'events').selectableFields ?? {}).sort()).toEqual([
      'involvedObject.apiVersion', 'involvedObject.fieldPath', 'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace',
      'involvedObject.resourceVersion', 'involvedObject.uid', 'reason', 'reportingComponent', 'source', 'type',
    ]);
    expect(def('', 'secrets').selectableFields?.type?.({ type: 'Opaque' })).toBe('Opaque');
    expect(def('', 'nodes').selectableFields?.['spec.unschedulable']?.({ spec: {} })).toBe('false');
    expect(def('batch', 'jobs').selectableFields?.['status.successful']?.({ status: { succeeded: 2 } })).toBe('2');
    expect(def('', 'namespaces').selectableFields?.['status.phase']?.({ status: { phase: 'Active' } })).toBe('Active');
    expect(def('events.k8s.io', 'events').fieldAliases?.['regarding.kind']).toBe('involvedObject.kind');
  });
});

describe('validation', () => {
  it('rejects a pod without containers at spec.containers', () => {
    const { errors } = create(def('', 'pods'), { metadata: { name: 'p', namespace: 'default' }, spec: {} });
    expect(errors).toContainEqual({ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' });
  });

  it('requires a deployment template to match its selector', () => {
    const { errors } = create(def('apps', 'deployments'), deployment({ app: 'other' }));
    expect(errors).toEqual([{
      reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels',
      message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    }]);
    expect(create(def('apps', 'deployments'), deployment({ app: 'web' })).errors).toEqual([]);
  });

  it('keeps a deployment selector immutable', () => {
    const d = def('apps', 'deployments');
    const stored = create(d, deployment({ app: 'web', tier: 'fe' })).obj;
    const body = structuredClone(stored);
    body.spec.selector = { matchLabels: { tier: 'fe' } };
    expect(update(d, stored, body).errors.map((e) => [e.field, e.message.split(': ').pop()])).toEqual([['spec.selector', 'field is immutable']]);
  });

  it('checks service ports, names and type', () => {
    const s = def('', 'services');
    const bad = create(s, { metadata: { name: '1svc', namespace: 'default' }, spec: { type: 'Weird', ports: [{ port: 80 }, { port: 70000, name: 'b' }] } });
    expect(bad.errors.map((e) => `${e.field}: ${e.reason}`)).toEqual([
      'metadata.name: FieldValueInvalid',
      'spec.type: FieldValueNotSupported',
      'spec.ports[0].name: FieldValueRequired',
      'spec.ports[1].port: FieldValueInvalid',
      'spec.ports[1].targetPort: FieldValueInvalid',
    ]);
    expect(bad.errors[0].message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
    expect(bad.errors[1].message).toBe('Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    expect(create(s, { metadata: { name: 'none', namespace: 'default' }, spec: {} }).errors).toContainEqual({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
    expect(create(s, { metadata: { name: 'headless', namespace: 'default' }, spec: { clusterIP: 'None' } }).errors).toEqual([]);
    expect(create(s, { metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } }).errors).toEqual([]);
  });

  it('keeps an allocated cluster IP, and refuses to change it', () => {
    const s = def('', 'services');
    const stored = create(s, { metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }).obj;
    stored.spec.clusterIP = '10.96.0.10';
    stored.spec.clusterIPs = ['10.96.0.10'];
    const reapplied = update(s, stored, { metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    expect(reapplied.errors).toEqual([]);
    expect(reapplied.obj.spec.clusterIPs).toEqual(['10.96.0.10']);
    const changed = update(s, stored, { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.11', ports: [{ port: 80 }] } });
    expect(changed.errors).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: ["10.96.0.11"]: may not change once set' }]);
  });

  it('requires a job restart policy of OnFailure or Never, and generates its selector', () => {
    const j = def('batch', 'jobs');
    const body = { metadata: { name: 'pi', namespace: 'default', uid: 'u-1' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } } };
    expect(create(j, body).errors).toEqual([{ reason: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"' }]);
    const ok = create(j, { ...body, spec: { template: { spec: { ...body.spec.template.spec, restartPolicy: 'Never' } } } });
    expect(ok.errors).toEqual([]);
    expect(ok.obj.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } } });
    expect(ok.obj.metadata.labels).toEqual({ 'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi' });
  });

  it('parses cron schedules the way the cronjob validation does', () => {
    const c = def('batch', 'cronjobs');
    const body = (schedule: string) => ({
      metadata: { name: 'c', namespace: 'default' },
      spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    });
    expect(create(c, body('*/5 * * * *')).errors).toEqual([]);
    expect(create(c, body('@hourly')).errors).toEqual([]);
    expect(create(c, body('* * *')).errors).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.schedule', message: 'Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]' }]);
    expect(create(c, body('61 * * * *')).errors[0].message).toBe('Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    expect(create(c, body('')).errors).toContainEqual({ reason: 'FieldValueRequired', field: 'spec.schedule', message: 'Required value' });
  });

  it('validates RBAC rules and freezes roleRef', () => {
    const role = create(def('rbac.authorization.k8s.io', 'roles'), { metadata: { name: 'r', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'] }] });
    expect(role.errors).toEqual([{ reason: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value: verbs must contain at least one value' }]);
    const rb = def('rbac.authorization.k8s.io', 'rolebindings');
    const stored = create(rb, { metadata: { name: 'b', namespace: 'default' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }] });
    expect(stored.errors).toEqual([]);
    expect(stored.obj.roleRef.apiGroup).toBe('rbac.authorization.k8s.io');
    const body = structuredClone(stored.obj);
    body.roleRef.name = 'other';
    expect(update(rb, stored.obj, body).errors.map((e) => `${e.field}: ${e.message.split(': ').pop()}`)).toEqual(['roleRef: cannot change roleRef']);
  });

  it('requires an endpoint slice address type', () => {
    const es = def('discovery.k8s.io', 'endpointslices');
    expect(create(es, { metadata: { name: 'e', namespace: 'default' } }).errors).toEqual([{ reason: 'FieldValueRequired', field: 'addressType', message: 'Required value' }]);
    expect(create(es, { metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv5' }).errors[0].reason).toBe('FieldValueNotSupported');
  });
});

describe('defaults', () => {
  it('defaults a service as kube-apiserver does, without allocating an IP', () => {
    const { obj } = create(def('', 'services'), { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'https', port: 443, targetPort: 'https' }] } });
    expect(obj.spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }],
      type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
    });
    expect(obj.spec.clusterIP).toBeUndefined();
    const np = create(def('', 'services'), { metadata: { name: 'np', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }).obj;
    expect(np.spec.externalTrafficPolicy).toBe('Cluster');
  });

  it('defaults a deployment and its pod template', () => {
    const { obj } = create(def('apps', 'deployments'), deployment({ app: 'web' }));
    expect(obj.spec).toMatchObject({
      replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(obj.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} });
    expect(obj.spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(obj.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} });
    expect(obj.status).toEqual({});
  });

  it('starts a namespace Active with the kubernetes finalizer and its name label', () => {
    const ns = def('', 'namespaces');
    const { obj } = create(ns, { metadata: { name: 'team-a' } });
    expect(obj.spec.finalizers).toEqual(['kubernetes']);
    expect(obj.status).toEqual({ phase: 'Active' });
    expect(obj.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    const next = update(ns, obj, { metadata: { name: 'team-a', labels: { x: 'y' } }, spec: { finalizers: [] }, status: { phase: 'Terminating' } }).obj;
    expect(next.spec.finalizers).toEqual(['kubernetes']);
    expect(next.status).toEqual({ phase: 'Active' });
    expect(next.metadata.labels).toEqual({ x: 'y', 'kubernetes.io/metadata.name': 'team-a' });
  });

  it('folds secret stringData into base64 data', () => {
    const { obj, errors } = create(def('', 'secrets'), { metadata: { name: 's', namespace: 'default' }, data: { a: 'eA==' }, stringData: { b: 'héllo', a: 'y' } });
    expect(errors).toEqual([]);
    expect(obj).toMatchObject({ type: 'Opaque', data: { a: 'eQ==', b: 'aMOpbGxv' } });
    expect(obj.stringData).toBeUndefined();
    const tls = create(def('', 'secrets'), { metadata: { name: 't', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
    expect(tls.errors).toEqual([{ reason: 'FieldValueRequired', field: 'data[tls.key]', message: 'Required value' }]);
  });

  it('defaults a cron job and an HPA', () => {
    const cj = create(def('batch', 'cronjobs'), { metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } } } } } }).obj;
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const hpa = create(def('autoscaling', 'horizontalpodautoscalers'), { metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } });
    expect(hpa.errors).toEqual([]);
    expect(hpa.obj.spec).toMatchObject({ minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
  });
});

describe('events.k8s.io storage conversion', () => {
  const ev = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' },
    eventTime: '2026-01-01T11:59:00.000000Z', reportingController: 'example.com/ctl', reportingInstance: 'ctl-1', action: 'Scale', reason: 'Scaled',
    regarding: { kind: 'Deployment', name: 'web', namespace: 'default' }, note: 'scaled up', type: 'Normal',
  };

  it('stores events.k8s.io events as core events and reads them back', () => {
    const d = def('events.k8s.io', 'events');
    expect(d.storage?.resource).toBe('events');
    expect(d.validate?.(ev)).toEqual([]);
    const core = d.storage!.toStorage(ev);
    expect(core).toMatchObject({ apiVersion: 'v1', kind: 'Event', message: 'scaled up', involvedObject: { kind: 'Deployment', name: 'web' }, reportingComponent: 'example.com/ctl', reportingInstance: 'ctl-1' });
    expect(def('', 'events').validate?.(core)).toEqual([]);
    expect(d.storage!.fromStorage(core)).toMatchObject(ev);
    expect(cells(d, ev)).toEqual(cells(def('', 'events'), core));
  });

  it('requires the new-style fields on events.k8s.io', () => {
    const errs = def('events.k8s.io', 'events').validate?.({ metadata: { name: 'e', namespace: 'default' }, regarding: { namespace: 'default' } }) ?? [];
    expect(errs.map((e) => e.field)).toEqual(expect.arrayContaining(['eventTime', 'type']));
  });
});

describe('table cells', () => {
  it('prints a deployment like printDeployment', () => {
    const d = def('apps', 'deployments');
    const obj = create(d, deployment({ app: 'web' })).obj;
    obj.metadata.creationTimestamp = ago(300);
    obj.spec.replicas = 3;
    obj.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    expect(cells(d, obj, true)).toEqual({ Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '5m', Containers: 'nginx', Images: 'nginx:1.27', Selector: 'app=web' });
    expect((d.columns ?? []).map((c) => [c.name, c.priority ?? 0])).toEqual([['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  });

  it('prints a service like printService', () => {
    const d = def('', 'services');
    const obj = create(d, { metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(90) }, spec: { type: 'NodePort', selector: { tier: 'fe', app: 'web' }, ports: [{ port: 80 }, { name: 'https', port: 443, nodePort: 30443 }] } }).obj;
    obj.spec.clusterIPs = ['10.96.0.20'];
    expect(cells(d, obj, true)).toEqual({ Type: 'NodePort', 'Cluster-IP': '10.96.0.20', 'External-IP': '<none>', 'Port(s)': '80/TCP,443:30443/TCP', Age: '90s', Selector: 'app=web,tier=fe' });
    const lb = { spec: { type: 'LoadBalancer', ports: [] }, status: { loadBalancer: {} } };
    expect(cells(d, lb)['External-IP']).toBe('<pending>');
    expect(cells(d, lb)['Port(s)']).toBe('<none>');
  });

  it('prints a node like printNode', () => {
    const d = def('', 'nodes');
    const node = {
      metadata: { name: 'n1', creationTimestamp: ago(3 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }],
        nodeInfo: { kubeletVersion: 'v1.35.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://2.0.0' },
      },
    };
    expect(cells(d, node, true)).toEqual({
      Status: 'Ready,SchedulingDisabled', Roles: 'control-plane,worker', Age: '3d', Version: 'v1.35.0',
      'Internal-IP': '10.0.0.5', 'External-IP': '<none>', 'OS-Image': 'Debian GNU/Linux 12', 'Kernel-Version': '6.1.0', 'Container-Runtime': 'containerd://2.0.0',
    });
    expect(cells(d, { metadata: {}, status: {} })).toMatchObject({ Status: 'Unknown', Roles: '<none>', Age: '<unknown>' });
  });

  it('prints jobs, cron jobs and events', () => {
    const job = { spec: { completions: 3, template: { spec: { containers: [] } } }, status: { succeeded: 1, startTime: ago(125), conditions: [] }, metadata: { creationTimestamp: ago(130) } };
    expect(cells(def('batch', 'jobs'), job)).toEqual({ Status: 'Running', Completions: '1/3', Duration: '2m5s', Age: '2m10s' });
    const cj = { spec: { schedule: '*/5 * * * *', suspend: false }, status: {}, metadata: { creationTimestamp: ago(60) } };
    expect(cells(def('batch', 'cronjobs'), cj)).toEqual({ Schedule: '*/5 * * * *', Timezone: '<none>', Suspend: 'False', Active: 0, 'Last Schedule': '<none>', Age: '60s' });
    const ev = { metadata: { name: 'web-1.17f' }, involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' }, reason: 'Pulled', type: 'Normal', message: 'ok \n', source: { component: 'kubelet', host: 'n1' }, firstTimestamp: ago(600), lastTimestamp: ago(30), count: 4 };
    expect(cells(def('', 'events'), ev, true)).toEqual({ 'Last Seen': '30s', Type: 'Normal', Reason: 'Pulled', Object: 'pod/web-1', Subobject: 'spec.containers{web}', Source: 'kubelet, n1', Message: 'ok', 'First Seen': '10m', Count: 4, Name: 'web-1.17f' });
  });

  it('prints bindings, roles and IP addresses', () => {
    const crb = { roleRef: { kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }], metadata: { creationTimestamp: ago(10) } };
    expect(cells(def('rbac.authorization.k8s.io', 'clusterrolebindings'), crb, true)).toEqual({ Role: 'ClusterRole/admin', Age: '10s', Users: 'a', Groups: '', ServiceAccounts: 'ns/sa' });
    expect(cells(def('rbac.authorization.k8s.io', 'roles'), { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } })).toEqual({ 'Created At': '2026-01-01T00:00:00Z' });
    const ip = { metadata: { name: '10.96.0.1' }, spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name: 'kubernetes' } } };
    expect(cells(def('networking.k8s.io', 'ipaddresses'), ip)).toEqual({ ParentRef: 'services/default/kubernetes' });
    expect(def('networking.k8s.io', 'ipaddresses').validate?.(ip)).toEqual([]);
    expect(def('networking.k8s.io', 'ipaddresses').validate?.({ metadata: { name: '10.96.0.1' }, spec: {} })).toEqual([{ reason: 'FieldValueRequired', field: 'spec.parentRef', message: 'Required value' }]);
  });
});

describe('shared helpers', () => {
  it('formats selectors and label maps as kube printers do', () => {
    expect(formatLabelSelector({ matchLabels: { tier: 'fe' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }, { key: 'z', operator: 'DoesNotExist' }] })).toBe('app in (a,b),tier=fe,!z');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels(undefined)).toBe('<none>');
  });

  it('matches label selectors', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }, { key: 'tier', operator: 'Exists' }] };
    expect(selectorMatches(sel, { app: 'web', tier: 'fe' })).toBe(true);
    expect(selectorMatches(sel, { app: 'web', tier: 'fe', env: 'prod' })).toBe(false);
    expect(selectorMatches(sel, { app: 'web' })).toBe(false);
  });

  it('checks DNS-1035 labels and IP addresses', () => {
    expect(dns1035Label('web-1')).toEqual([]);
    expect(dns1035Label('1web')).toHaveLength(1);
    for (const ip of ['10.96.0.1', '::1', '::', '2001:db8::ffff', '1:2:3:4:5:6:7:8', '::ffff:1.2.3.4']) expect(isIP(ip), ip).toBe(true);
    for (const ip of ['10.96.0', '256.1.1.1', '01.2.3.4', 'abc', '1:2:3:4:5:6:7:8:9', '1::2::3', '']) expect(isIP(ip), ip).toBe(false);
  });
});
