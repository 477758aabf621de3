// Discovery documents compared whole with kube-apiserver 1.35's, for every served group/version.
// Sources (each expected document below names its own):
//   [rec] kubernetes/kubernetes api/discovery/<path>.json, the documents kube records of its own
//     discovery. The index holds them at mixed commits; where a copy predates or postdates 1.35 the
//     difference is named at the document (a resource added later, a verb missing from an old copy).
//   [k0s] a public transcript of `curl https://kubernetes/api/v1` inside a pod of a k0s cluster
//     (service account token issued 2026-04-23), found in the GitHub code index (file id 53266462249):
//     kube's legacy core list as served, key order and all; it agrees with [rec] api__v1.json apart
//     from that copy's feature-gated pods/checkpoint.
//   [agg] kubernetes/kubernetes api/discovery/aggregated_v2.json (the aggregated form; responseKind
//     names a group and version only where the APIResource does, as
//     k8s.io/apiserver pkg/endpoints/installer.go ConvertGroupVersionIntoToDiscovery makes it).
//   [prio] kube's APIService priorities (pkg/controlplane/apiserver/aggregator.go and
//     cmd/kube-apiserver/app/aggregator.go): the order of groups in /apis and of versions in a group.
//   storageVersionHash: k8s.io/apiserver pkg/endpoints/discovery/storageversionhash.go (the first 8
//     bytes of sha256 of "group/version/kind" of the storage version, base64). A kind served in two
//     versions from one storage lists the storage version's hash in both (autoscaling/v1 and v2;
//     core and events.k8s.io Event). EndpointSlice is stored as discovery.k8s.io/v1 since 1.22
//     (qgS0xkrxYAI=; the [rec] copy is from 1.21, when it was still stored as v1beta1: Nx3SIv6I0mE=).

import { describe, expect, it } from 'vitest';
import { api } from './helpers';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB = ['get', 'patch', 'update'];
const status = (name: string, kind: string) => ({ name: `${name}/status`, singularName: '', namespaced: true, kind, verbs: SUB });
const scale = (name: string) => ({ name: `${name}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUB });

const APPS_V1 = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1',
  resources: [
    { name: 'controllerrevisions', singularName: 'controllerrevision', namespaced: true, kind: 'ControllerRevision', verbs: VERBS, storageVersionHash: '85nkx63pcBU=' },
    { name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs: VERBS, shortNames: ['ds'], categories: ['all'], storageVersionHash: 'dd7pWHUlMKQ=' },
    status('daemonsets', 'DaemonSet'),
    { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: VERBS, shortNames: ['deploy'], categories: ['all'], storageVersionHash: '8aSe+NMegvE=' },
    scale('deployments'),
    status('deployments', 'Deployment'),
    { name: 'replicasets', singularName: 'replicaset', namespaced: true, kind: 'ReplicaSet', verbs: VERBS, shortNames: ['rs'], categories: ['all'], storageVersionHash: 'P1RzHs8/mWQ=' },
    scale('replicasets'),
    status('replicasets', 'ReplicaSet'),
    { name: 'statefulsets', singularName: 'statefulset', namespaced: true, kind: 'StatefulSet', verbs: VERBS, shortNames: ['sts'], categories: ['all'], storageVersionHash: 'H+vl74LkKdo=' },
    scale('statefulsets'),
    status('statefulsets', 'StatefulSet'),
  ],
};

const COORDINATION_V1 = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'coordination.k8s.io/v1',
  resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: VERBS, storageVersionHash: 'gqkMMb/YqFM=' }],
};

const list = (groupVersion: string, resources: unknown[]) => ({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources });
const sub = (name: string, kind: string, verbs: string[], namespaced = true) => ({ name, singularName: '', namespaced, kind, verbs });
const review = (name: string, kind: string, namespaced = false) => ({ name, singularName: name.slice(0, -1), namespaced, kind, verbs: ['create'] });

/** [k0s], whole. The legacy core list alone has no apiVersion. */
const CORE_V1 = {
  kind: 'APIResourceList', groupVersion: 'v1',
  resources: [
    { name: 'bindings', singularName: 'binding', namespaced: true, kind: 'Binding', verbs: ['create'] },
    { name: 'componentstatuses', singularName: 'componentstatus', namespaced: false, kind: 'ComponentStatus', verbs: ['get', 'list'], shortNames: ['cs'] },
    { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: VERBS, shortNames: ['cm'], storageVersionHash: 'qFsyl6wFWjQ=' },
    { name: 'endpoints', singularName: 'endpoints', namespaced: true, kind: 'Endpoints', verbs: VERBS, shortNames: ['ep'], storageVersionHash: 'fWeeMqaN/OA=' },
    { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: VERBS, shortNames: ['ev'], storageVersionHash: 'r2yiGXH7wu8=' },
    { name: 'limitranges', singularName: 'limitrange', namespaced: true, kind: 'LimitRange', verbs: VERBS, shortNames: ['limits'], storageVersionHash: 'EBKMFVe6cwo=' },
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: VERBS.filter((v) => v !== 'deletecollection'), shortNames: ['ns'], storageVersionHash: 'Q3oi5N2YM8M=' },
    sub('namespaces/finalize', 'Namespace', ['update'], false),
    sub('namespaces/status', 'Namespace', SUB, false),
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: VERBS, shortNames: ['no'], storageVersionHash: 'XwShjMxG9Fs=' },
    sub('nodes/proxy', 'NodeProxyOptions', ['create', 'delete', 'get', 'patch', 'update'], false),
    sub('nodes/status', 'Node', SUB, false),
    { name: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', namespaced: true, kind: 'PersistentVolumeClaim', verbs: VERBS, shortNames: ['pvc'], storageVersionHash: 'QWTyNDq0dC4=' },
    sub('persistentvolumeclaims/status', 'PersistentVolumeClaim', SUB),
    { name: 'persistentvolumes', singularName: 'persistentvolume', namespaced: false, kind: 'PersistentVolume', verbs: VERBS, shortNames: ['pv'], storageVersionHash: 'HN/zwEC+JgM=' },
    sub('persistentvolumes/status', 'PersistentVolume', SUB, false),
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: VERBS, shortNames: ['po'], categories: ['all'], storageVersionHash: 'xPOwRZ+Yhw8=' },
    sub('pods/attach', 'PodAttachOptions', ['create', 'get']),
    sub('pods/binding', 'Binding', ['create']),
    sub('pods/ephemeralcontainers', 'Pod', SUB),
    { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    sub('pods/exec', 'PodExecOptions', ['create', 'get']),
    sub('pods/log', 'Pod', ['get']),
    sub('pods/portforward', 'PodPortForwardOptions', ['create', 'get']),
    sub('pods/proxy', 'PodProxyOptions', ['create', 'delete', 'get', 'patch', 'update']),
    sub('pods/resize', 'Pod', SUB),
    sub('pods/status', 'Pod', SUB),
    { name: 'podtemplates', singularName: 'podtemplate', namespaced: true, kind: 'PodTemplate', verbs: VERBS, storageVersionHash: 'LIXB2x4IFpk=' },
    { name: 'replicationcontrollers', singularName: 'replicationcontroller', namespaced: true, kind: 'ReplicationController', verbs: VERBS, shortNames: ['rc'], categories: ['all'], storageVersionHash: 'Jond2If31h0=' },
    { name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUB },
    sub('replicationcontrollers/status', 'ReplicationController', SUB),
    { name: 'resourcequotas', singularName: 'resourcequota', namespaced: true, kind: 'ResourceQuota', verbs: VERBS, shortNames: ['quota'], storageVersionHash: '8uhSgffRX6w=' },
    sub('resourcequotas/status', 'ResourceQuota', SUB),
    { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: VERBS, storageVersionHash: 'S6u1pOWzb84=' },
    { name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount', verbs: VERBS, shortNames: ['sa'], storageVersionHash: 'pbx9ZvyFpBE=' },
    { name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] },
    { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs: VERBS, shortNames: ['svc'], categories: ['all'], storageVersionHash: '0/CO1lhkEBI=' },
    sub('services/proxy', 'ServiceProxyOptions', ['create', 'delete', 'get', 'patch', 'update']),
    sub('services/status', 'Service', SUB),
  ],
};

const hpa = (gv: string) => list(gv, [
  { name: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', namespaced: true, kind: 'HorizontalPodAutoscaler', verbs: VERBS, shortNames: ['hpa'], categories: ['all'], storageVersionHash: 'qwQve8ut294=' },
  sub('horizontalpodautoscalers/status', 'HorizontalPodAutoscaler', SUB),
]);

/** Every other served group/version, whole, by its [rec] document. */
const NAMED: Record<string, unknown> = {
  // [rec] apis__apps__v1.json and apis__coordination.k8s.io__v1.json (copies without the "watch" verb every
  // resource backed by a watchable store lists, as public `kubectl get --raw /apis/apps/v1` output shows)
  'apps/v1': APPS_V1,
  'coordination.k8s.io/v1': COORDINATION_V1,
  // [rec] apis__events.k8s.io__v1.json
  'events.k8s.io/v1': list('events.k8s.io/v1', [{ name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: VERBS, shortNames: ['ev'], storageVersionHash: 'r2yiGXH7wu8=' }]),
  // [agg] authentication.k8s.io v1 (answers, never stored: no storageVersionHash)
  'authentication.k8s.io/v1': list('authentication.k8s.io/v1', [review('selfsubjectreviews', 'SelfSubjectReview'), review('tokenreviews', 'TokenReview')]),
  // [agg] authorization.k8s.io v1
  'authorization.k8s.io/v1': list('authorization.k8s.io/v1', [
    review('localsubjectaccessreviews', 'LocalSubjectAccessReview', true), review('selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
    review('selfsubjectrulesreviews', 'SelfSubjectRulesReview'), review('subjectaccessreviews', 'SubjectAccessReview'),
  ]),
  // [rec] apis__autoscaling__v1.json; v2 alike (apis__autoscaling__v2.json), both from the v2 storage
  'autoscaling/v2': hpa('autoscaling/v2'),
  'autoscaling/v1': hpa('autoscaling/v1'),
  // [rec] apis__batch__v1.json
  'batch/v1': list('batch/v1', [
    { name: 'cronjobs', singularName: 'cronjob', namespaced: true, kind: 'CronJob', verbs: VERBS, shortNames: ['cj'], categories: ['all'], storageVersionHash: 'sd5LIXh4Fjs=' },
    sub('cronjobs/status', 'CronJob', SUB),
    { name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: VERBS, categories: ['all'], storageVersionHash: 'mudhfqk/qZY=' },
    sub('jobs/status', 'Job', SUB),
  ]),
  // [rec] apis__certificates.k8s.io__v1.json, without podcertificaterequests (certificates.k8s.io/v1beta1 in
  // 1.35, off by default; that copy is from after its promotion)
  'certificates.k8s.io/v1': list('certificates.k8s.io/v1', [
    { name: 'certificatesigningrequests', singularName: 'certificatesigningrequest', namespaced: false, kind: 'CertificateSigningRequest', verbs: VERBS, shortNames: ['csr'], storageVersionHash: '95fRKMXA+00=' },
    sub('certificatesigningrequests/approval', 'CertificateSigningRequest', SUB, false),
    sub('certificatesigningrequests/status', 'CertificateSigningRequest', SUB, false),
  ]),
  // [rec] apis__policy__v1.json
  'policy/v1': list('policy/v1', [
    { name: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', namespaced: true, kind: 'PodDisruptionBudget', verbs: VERBS, shortNames: ['pdb'], storageVersionHash: 'EVWiDmWqyJw=' },
    sub('poddisruptionbudgets/status', 'PodDisruptionBudget', SUB),
  ]),
  // [rec] apis__rbac.authorization.k8s.io__v1.json
  'rbac.authorization.k8s.io/v1': list('rbac.authorization.k8s.io/v1', [
    { name: 'clusterrolebindings', singularName: 'clusterrolebinding', namespaced: false, kind: 'ClusterRoleBinding', verbs: VERBS, storageVersionHash: '48tpQ8gZHFc=' },
    { name: 'clusterroles', singularName: 'clusterrole', namespaced: false, kind: 'ClusterRole', verbs: VERBS, storageVersionHash: 'bYE5ZWDrJ44=' },
    { name: 'rolebindings', singularName: 'rolebinding', namespaced: true, kind: 'RoleBinding', verbs: VERBS, storageVersionHash: 'eGsCzGH6b1g=' },
    { name: 'roles', singularName: 'role', namespaced: true, kind: 'Role', verbs: VERBS, storageVersionHash: '7FuwZcIIItM=' },
  ]),
  // [rec] apis__scheduling.k8s.io__v1.json
  // kube's admissionregistration.k8s.io/v1 less the webhook configurations, which are not served here (no webhooks are called)
  'admissionregistration.k8s.io/v1': list('admissionregistration.k8s.io/v1', [
    { name: 'validatingadmissionpolicies', singularName: 'validatingadmissionpolicy', namespaced: false, kind: 'ValidatingAdmissionPolicy', verbs: VERBS, categories: ['api-extensions'], storageVersionHash: '6OxvlMmQ6is=' },
    sub('validatingadmissionpolicies/status', 'ValidatingAdmissionPolicy', SUB, false),
    { name: 'validatingadmissionpolicybindings', singularName: 'validatingadmissionpolicybinding', namespaced: false, kind: 'ValidatingAdmissionPolicyBinding', verbs: VERBS, categories: ['api-extensions'], storageVersionHash: 'v9715VZqakg=' },
  ]),
  // apiextensions-apiserver's CRD storage (registry/customresourcedefinition/etcd.go): short names crd and crds,
  // category api-extensions; the hash is discovery.StorageVersionHash of apiextensions.k8s.io/v1 CustomResourceDefinition
  'apiextensions.k8s.io/v1': list('apiextensions.k8s.io/v1', [
    { name: 'customresourcedefinitions', singularName: 'customresourcedefinition', namespaced: false, kind: 'CustomResourceDefinition', verbs: VERBS, shortNames: ['crd', 'crds'], categories: ['api-extensions'], storageVersionHash: 'M5uH+AlWATY=' },
    sub('customresourcedefinitions/status', 'CustomResourceDefinition', SUB, false),
  ]),
  'scheduling.k8s.io/v1': list('scheduling.k8s.io/v1', [
    { name: 'priorityclasses', singularName: 'priorityclass', namespaced: false, kind: 'PriorityClass', verbs: VERBS, shortNames: ['pc'], storageVersionHash: '1QwjyaZjj3Y=' },
  ]),
  // [rec] apis__networking.k8s.io__v1.json (a copy without "watch"), with ipaddresses and servicecidrs, GA
  // and served in v1 since 1.33 (KEP-1880), stored as v1 since 1.34
  'networking.k8s.io/v1': list('networking.k8s.io/v1', [
    { name: 'ingressclasses', singularName: 'ingressclass', namespaced: false, kind: 'IngressClass', verbs: VERBS, storageVersionHash: 'l/iqIbDgFyQ=' },
    { name: 'ingresses', singularName: 'ingress', namespaced: true, kind: 'Ingress', verbs: VERBS, shortNames: ['ing'], storageVersionHash: '39NQlfNR+bo=' },
    sub('ingresses/status', 'Ingress', SUB),
    { name: 'ipaddresses', singularName: 'ipaddress', namespaced: false, kind: 'IPAddress', verbs: VERBS, shortNames: ['ip'], storageVersionHash: '3f/plJFChNE=' },
    { name: 'networkpolicies', singularName: 'networkpolicy', namespaced: true, kind: 'NetworkPolicy', verbs: VERBS, shortNames: ['netpol'], storageVersionHash: 'YpfwF18m1G8=' },
    { name: 'servicecidrs', singularName: 'servicecidr', namespaced: false, kind: 'ServiceCIDR', verbs: VERBS, storageVersionHash: 'gNLvruQhW2g=' },
    sub('servicecidrs/status', 'ServiceCIDR', SUB, false),
  ]),
  // [rec] apis__storage.k8s.io__v1.json (a copy without "watch"), with volumeattributesclasses, GA and served
  // in v1 since 1.34 (KEP-3751), stored as v1 from 1.35
  'storage.k8s.io/v1': list('storage.k8s.io/v1', [
    { name: 'csidrivers', singularName: 'csidriver', namespaced: false, kind: 'CSIDriver', verbs: VERBS, storageVersionHash: 'hL6j/rwBV5w=' },
    { name: 'csinodes', singularName: 'csinode', namespaced: false, kind: 'CSINode', verbs: VERBS, storageVersionHash: 'Pe62DkZtjuo=' },
    { name: 'csistoragecapacities', singularName: 'csistoragecapacity', namespaced: true, kind: 'CSIStorageCapacity', verbs: VERBS, storageVersionHash: 'xeVl+2Ly1kE=' },
    { name: 'storageclasses', singularName: 'storageclass', namespaced: false, kind: 'StorageClass', verbs: VERBS, shortNames: ['sc'], storageVersionHash: 'K+m6uJwbjGY=' },
    { name: 'volumeattachments', singularName: 'volumeattachment', namespaced: false, kind: 'VolumeAttachment', verbs: VERBS, storageVersionHash: 'tJx/ezt6UDU=' },
    sub('volumeattachments/status', 'VolumeAttachment', SUB, false),
    { name: 'volumeattributesclasses', singularName: 'volumeattributesclass', namespaced: false, kind: 'VolumeAttributesClass', verbs: VERBS, shortNames: ['vac'], storageVersionHash: 'tIjydgKBC5w=' },
  ]),
  // [rec] apis__discovery.k8s.io__v1.json, with the v1 storage's hash (see above)
  'discovery.k8s.io/v1': list('discovery.k8s.io/v1', [
    { name: 'endpointslices', singularName: 'endpointslice', namespaced: true, kind: 'EndpointSlice', verbs: VERBS, storageVersionHash: 'qgS0xkrxYAI=' },
  ]),
  // metrics-server's document (k8s.io/metrics, registered by sigs.k8s.io/metrics-server pkg/api/install.go): no
  // singular names, get and list only, no storage
  'metrics.k8s.io/v1beta1': list('metrics.k8s.io/v1beta1', [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ]),
};

/** Compares as JSON does: key order aside. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;

/** Keys in order, as Go writes them: the comparison covers key order too. */
const keysDeep = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(keysDeep) : v && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, keysDeep(x)]) : v;

describe('discovery as kube 1.35 serves it', () => {
  it("/api/v1, whole, in kube's order", async () => {
    const got = (await api('GET', '/api/v1')).body;
    expect(got).toEqual(CORE_V1);
    expect(keysDeep(got)).toEqual(keysDeep(CORE_V1));
  });

  it('has a kube document for every group/version served', async () => {
    const served = (await api('GET', '/apis')).body.groups.flatMap((g: { versions: { groupVersion: string }[] }) => g.versions.map((v) => v.groupVersion));
    expect([...served].sort()).toEqual(Object.keys(NAMED).sort());
  });

  it.each(Object.keys(NAMED))('/apis/%s, whole', async (gv) => {
    const got = (await api('GET', `/apis/${gv}`)).body;
    expect(sorted(got)).toEqual(sorted(NAMED[gv]));
    // resources in kube's order, by name
    expect(got.resources.map((r: { name: string }) => r.name)).toEqual((NAMED[gv] as { resources: { name: string }[] }).resources.map((r) => r.name));
  });

  it("/apis lists the groups in kube's priority order, the preferred version first [prio]", async () => {
    const got = (await api('GET', '/apis')).body;
    expect(got.kind).toBe('APIGroupList');
    const names = got.groups.map((g: { name: string }) => g.name);
    // kube 1.35's order, less the groups edgekube does not serve
    const kube = ['apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch',
      'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
      'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
      // metrics-server's APIService (groupPriorityMinimum 100) after every built-in group
      'metrics.k8s.io'];
    expect(names).toEqual(kube.filter((n) => names.includes(n)));
    expect(got.groups.find((g: { name: string }) => g.name === 'autoscaling')).toEqual({
      name: 'autoscaling',
      versions: [{ groupVersion: 'autoscaling/v2', version: 'v2' }, { groupVersion: 'autoscaling/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
  });

  it('aggregated discovery: apps whole, as [agg] records it', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const got = (await api('GET', '/apis', undefined, { accept })).body;
    const scaleSub = { responseKind: { group: 'autoscaling', kind: 'Scale', version: 'v1' }, subresource: 'scale', verbs: SUB };
    const statusSub = (kind: string) => ({ responseKind: { group: '', kind, version: '' }, subresource: 'status', verbs: SUB });
    const workload = (resource: string, kind: string, shortName: string, subresources: unknown[]) => ({
      categories: ['all'], resource, responseKind: { group: '', kind, version: '' }, scope: 'Namespaced', shortNames: [shortName],
      singularResource: resource.slice(0, -1), subresources, verbs: VERBS,
    });
    const apps = {
      metadata: { name: 'apps' },
      versions: [{
        freshness: 'Current', version: 'v1',
        resources: [
          { resource: 'controllerrevisions', responseKind: { group: '', kind: 'ControllerRevision', version: '' }, scope: 'Namespaced', singularResource: 'controllerrevision', verbs: VERBS },
          workload('daemonsets', 'DaemonSet', 'ds', [statusSub('DaemonSet')]),
          workload('deployments', 'Deployment', 'deploy', [scaleSub, statusSub('Deployment')]),
          workload('replicasets', 'ReplicaSet', 'rs', [scaleSub, statusSub('ReplicaSet')]),
          workload('statefulsets', 'StatefulSet', 'sts', [scaleSub, statusSub('StatefulSet')]),
        ],
      }],
    };
    // 1.35 omits the zero creationTimestamp ([agg]'s copy predates `omitzero` and writes it as null)
    expect(sorted(got.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps'))).toEqual(sorted(apps));
    expect(got.items.find((g: { metadata: { name: string } }) => g.metadata.name === 'autoscaling').versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
    const core = (await api('GET', '/api', undefined, { accept })).body.items[0];
    expect(core.metadata).toEqual({});
    const pods = core.versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods.subresources.map((x: { subresource: string }) => x.subresource)).toEqual(['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status']);
    expect(pods.subresources.find((x: { subresource: string }) => x.subresource === 'eviction').responseKind).toEqual({ group: 'policy', kind: 'Eviction', version: 'v1' });
  });

  it('aggregated discovery of every group is its legacy documents converted as kube converts them [agg]', async () => {
    type Legacy = { groupVersion: string; resources: { name: string; namespaced: boolean; group?: string; version?: string; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[]; singularName: string }[] };
    // ConvertGroupVersionIntoToDiscovery, applied to the expected documents above (not to what the server lists)
    const convert = (doc: Legacy) => {
      const kind = (r: Legacy['resources'][number]) => ({ group: r.group ?? '', kind: r.kind, version: r.version ?? '' });
      const top = doc.resources.filter((r) => !r.name.includes('/'));
      return top.map((r) => {
        const subs = doc.resources.filter((x) => x.name.startsWith(`${r.name}/`)).map((x) => ({ subresource: x.name.split('/')[1], responseKind: kind(x), verbs: x.verbs }));
        return {
          resource: r.name, responseKind: kind(r), scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singularName, verbs: r.verbs,
          ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}), ...(subs.length ? { subresources: subs } : {}),
        };
      });
    };
    const accept = { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
    const named = (await api('GET', '/apis', undefined, accept)).body.items;
    const legacyGroups = (await api('GET', '/apis')).body.groups;
    const expected = legacyGroups.map((g: { name: string; versions: { groupVersion: string; version: string }[] }) => ({
      metadata: { name: g.name },
      versions: g.versions.map((v) => ({ version: v.version, resources: convert(NAMED[v.groupVersion] as Legacy), freshness: 'Current' })),
    }));
    expect(keysDeep(named)).toEqual(keysDeep(expected));
    const core = (await api('GET', '/api', undefined, accept)).body.items;
    expect(keysDeep(core)).toEqual(keysDeep([{ metadata: {}, versions: [{ version: 'v1', resources: convert(CORE_V1 as Legacy), freshness: 'Current' }] }]));
  });

  it('aggregated v2beta1 is gone in 1.35: a client that settles on it gets a bare 404 (AggregatedDiscoveryRemoveBetaType)', async () => {
    const beta = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    for (const path of ['/api', '/apis']) {
      const r = await api('GET', path, undefined, { accept: beta });
      expect([r.status, r.body]).toEqual([404, '']);
    }
    // kubectl and client-go ask for v2 first, and get it
    const both = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' + beta;
    expect((await api('GET', '/apis', undefined, { accept: both })).body.apiVersion).toBe('apidiscovery.k8s.io/v2');
  });

  it('versions served from one storage share its hash; answers that are never stored have none', async () => {
    const hashOf = async (path: string, name: string) => (await api('GET', path)).body.resources.find((r: { name: string }) => r.name === name).storageVersionHash;
    // sha256("autoscaling/v2/HorizontalPodAutoscaler") and sha256("/v1/Event"), first 8 bytes
    expect(await hashOf('/apis/autoscaling/v2', 'horizontalpodautoscalers')).toBe('qwQve8ut294=');
    expect(await hashOf('/apis/autoscaling/v1', 'horizontalpodautoscalers')).toBe('qwQve8ut294=');
    expect(await hashOf('/api/v1', 'events')).toBe('r2yiGXH7wu8=');
    expect(await hashOf('/apis/events.k8s.io/v1', 'events')).toBe('r2yiGXH7wu8=');
    expect(await hashOf('/apis/authorization.k8s.io/v1', 'selfsubjectaccessreviews')).toBeUndefined();
  });
});
