// Every served kind: the minimal object of test/unit/minimal-objects.ts, read
// back, carries exactly kube 1.35's defaults, nested types included. Each
// expectation names its source in kubernetes/kubernetes v1.35:
//   core     pkg/apis/core/v1/defaults.go        apps     pkg/apis/apps/v1/defaults.go
//   batch    pkg/apis/batch/v1/defaults.go       autosc.  pkg/apis/autoscaling/v{1,2}/defaults.go
//   net      pkg/apis/networking/v1/defaults.go  disc.    pkg/apis/discovery/v1/defaults.go
//   storage  pkg/apis/storage/v1/defaults.go     sched.   pkg/apis/scheduling/v1/defaults.go
//   rbac     pkg/apis/rbac/v1/defaults.go
// (SetDefaults_<Type> of the type named), and "zero" where the value is the Go
// zero value of a field kube always serializes (no omitempty).
// Everything but metadata and status is compared whole: what is not listed
// here must read back as it was sent. What a kind's strategy sets on create
// (PrepareForCreate in pkg/registry/<group>/<kind>/strategy.go) is listed too,
// marked "strategy", with generated values (uids, cluster IPs) replaced.

import { beforeAll, describe, expect, it } from 'vitest';
import { definitions, gvString } from '../../src/resources/registry';
import { api, mkns, type J } from './helpers';
import { MINIMAL } from './minimal-objects';

const NS = 'defaults';

/** core SetDefaults_Container, _Probe/_ContainerPort not reached: a minimal container. */
const container = { name: 'c', image: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} };
/** core SetDefaults_PodSpec. */
const podSpec = { containers: [container], restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler' };
const template = (labels: J, spec: J = podSpec) => ({ metadata: { labels }, spec });

/** What the defaults add, per "<group>/<version>/<resource>", as a function of the object's name. */
const EXPECTED: Record<string, (name: string) => J> = {
  'v1/configmaps': () => ({}),
  'v1/endpoints': () => ({ subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }] }), // core SetDefaults_EndpointPort
  // zero: an Event's structs, times and strings without omitempty
  'v1/events': () => ({ source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' }),
  'v1/limitranges': () => ({ spec: { limits: [{ type: 'Container', max: { cpu: '2' }, default: { cpu: '2' }, defaultRequest: { cpu: '2' } }] } }), // core SetDefaults_LimitRangeItem
  'v1/namespaces': (name) => ({ metadata: { labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] } }), // core SetDefaults_Namespace; strategy: the finalizer
  'v1/nodes': () => ({}),
  'v1/persistentvolumeclaims': () => ({ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }), // core SetDefaults_PersistentVolumeClaimSpec, _PersistentVolumeClaim
  'v1/persistentvolumes': () => ({ spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', hostPath: { path: '/tmp/pv', type: '' } } }), // core SetDefaults_PersistentVolume, _HostPathVolumeSource
  'v1/pods': () => ({ spec: { ...podSpec, nodeName: 'nowhere', enableServiceLinks: true } }), // core SetDefaults_Pod, _PodSpec, _Container
  'v1/podtemplates': (name) => ({ template: template({ app: name }) }),
  'v1/replicationcontrollers': (name) => ({ metadata: { labels: { app: name } }, spec: { replicas: 0, selector: { app: name }, template: template({ app: name }) } }), // core SetDefaults_ReplicationController
  'v1/resourcequotas': () => ({}),
  'v1/secrets': () => ({ type: 'Opaque' }), // core SetDefaults_Secret
  'v1/serviceaccounts': () => ({}),
  // core SetDefaults_Service: session affinity, type, port protocol and targetPort, internal traffic policy
  // strategy (the service REST's allocator): a single-stack IPv4 cluster IP
  'v1/services': () => ({
    spec: {
      sessionAffinity: 'None', type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], internalTrafficPolicy: 'Cluster',
      clusterIP: 'CLUSTER-IP', clusterIPs: ['CLUSTER-IP'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
    },
  }),
  'apps/v1/controllerrevisions': () => ({}),
  // apps SetDefaults_DaemonSet
  'apps/v1/daemonsets': (name) => ({ spec: { template: template({ app: name }), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 } }),
  // apps SetDefaults_Deployment
  'apps/v1/deployments': (name) => ({
    spec: { replicas: 0, template: template({ app: name }), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
  }),
  'apps/v1/replicasets': (name) => ({ spec: { replicas: 0, template: template({ app: name }) } }),
  // apps SetDefaults_StatefulSet
  'apps/v1/statefulsets': (name) => ({
    spec: {
      replicas: 0, serviceName: name, template: template({ app: name }), podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, revisionHistoryLimit: 10,
    },
  }),
  // batch SetDefaults_CronJob, and the job template's pod spec
  'batch/v1/cronjobs': () => ({
    spec: {
      schedule: '0 0 1 1 *', suspend: true, concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      // Go writes an ObjectMeta struct even when empty: the job template's and its pod template's
      jobTemplate: { metadata: {}, spec: { template: { metadata: {}, spec: { ...podSpec, restartPolicy: 'Never' } } } },
    },
  }),
  // batch SetDefaults_Job
  // strategy: the generated selector and the labels it selects
  'batch/v1/jobs': (name) => {
    const labels = { 'batch.kubernetes.io/controller-uid': 'UID', 'batch.kubernetes.io/job-name': name, 'controller-uid': 'UID', 'job-name': name };
    return {
      spec: {
        suspend: true, completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', podReplacementPolicy: 'TerminatingOrFailed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'UID' } }, template: template(labels, { ...podSpec, restartPolicy: 'Never' }),
      },
    };
  },
  'certificates.k8s.io/v1/certificatesigningrequests': () => ({ spec: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } }), // strategy: the requester
  'coordination.k8s.io/v1/leases': () => ({}),
  'events.k8s.io/v1/events': () => ({ deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null }), // zero, as the v1 conversion writes it
  // Go's encoding: a conditions struct is always written, and ports has no omitempty (null)
  'discovery.k8s.io/v1/endpointslices': () => ({ endpoints: [{ addresses: ['10.1.2.3'], conditions: {} }], ports: null }),
  'rbac.authorization.k8s.io/v1/clusterrolebindings': () => ({}),
  'rbac.authorization.k8s.io/v1/clusterroles': () => ({}),
  'rbac.authorization.k8s.io/v1/rolebindings': () => ({ subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: NS }] }),
  'rbac.authorization.k8s.io/v1/roles': () => ({}),
  'policy/v1/poddisruptionbudgets': () => ({}),
  'networking.k8s.io/v1/ingressclasses': () => ({}),
  'networking.k8s.io/v1/ingresses': () => ({}),
  'networking.k8s.io/v1/ipaddresses': () => ({}),
  'networking.k8s.io/v1/servicecidrs': () => ({ status: {} }), // PrepareForCreate's zero status
  'networking.k8s.io/v1/networkpolicies': () => ({ spec: { podSelector: {}, policyTypes: ['Ingress'] } }), // net SetDefaults_NetworkPolicy
  'storage.k8s.io/v1/csidrivers': () => ({ // storage SetDefaults_CSIDriver
    spec: { attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false },
  }),
  'storage.k8s.io/v1/csinodes': (name) => ({ spec: { drivers: [{ name: 'csi.example.com', nodeID: name, topologyKeys: null }] } }), // topologyKeys has no omitempty
  'storage.k8s.io/v1/csistoragecapacities': () => ({}),
  'storage.k8s.io/v1/volumeattachments': () => ({ status: { attached: false } }), // PrepareForCreate's zero status, as Go writes it
  'storage.k8s.io/v1/volumeattributesclasses': () => ({}),
  'storage.k8s.io/v1/storageclasses': () => ({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }), // storage SetDefaults_StorageClass
  'scheduling.k8s.io/v1/priorityclasses': () => ({ preemptionPolicy: 'PreemptLowerPriority' }), // sched. SetDefaults_PriorityClass
  'admissionregistration.k8s.io/v1/validatingadmissionpolicies': () => ({ // admissionregistration v1 SetDefaults_ValidatingAdmissionPolicySpec, _MatchResources, _Rule
    spec: { failurePolicy: 'Fail', matchConstraints: { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'], scope: '*' }] } },
  }),
  'admissionregistration.k8s.io/v1/validatingadmissionpolicybindings': () => ({}),
  'apiextensions.k8s.io/v1/customresourcedefinitions': () => ({ spec: { names: { singular: 'widget', listKind: 'WidgetList' }, conversion: { strategy: 'None' } } }), // apiextensions v1 SetDefaults_CustomResourceDefinitionSpec
  // autosc. v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, an 80% CPU target
  'autoscaling/v2/horizontalpodautoscalers': () => ({ spec: { minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } }),
  'autoscaling/v1/horizontalpodautoscalers': () => ({ spec: { minReplicas: 1 } }), // autosc. v1 SetDefaults_HorizontalPodAutoscaler
};

/** Deep merge of the defaults into the object sent (arrays and scalars replace). */
function merge(base: J, extra: J): J {
  if (!extra || typeof extra !== 'object' || Array.isArray(extra) || !base || typeof base !== 'object' || Array.isArray(base)) return extra;
  const out: J = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

const stored = definitions().filter((d) => !d.review && !d.virtual && (d.verbs ?? ['create']).includes('create'));

describe('kube 1.35 defaults of every served kind', () => {
  beforeAll(() => mkns(NS));

  it('has an expectation for every creatable kind', () => {
    expect(stored.map((d) => `${gvString(d)}/${d.resource}`).filter((k) => !EXPECTED[k])).toEqual([]);
  });

  it.each(stored.map((d) => [`${gvString(d)} ${d.kind}`, d] as const))('%s', async (_label, d) => {
    const key = `${gvString(d)}/${d.resource}`;
    const name = `dflt-${d.group.split('.')[0] || 'core'}-${d.version}-${d.resource.slice(0, 16)}`;
    const sent = MINIMAL[key](name, NS);
    const path = `${d.group ? `/apis/${d.group}/${d.version}` : '/api/v1'}${d.namespaced ? `/namespaces/${NS}` : ''}/${d.resource}`;
    const created = await api('POST', path, sent);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = (await api('GET', `${path}/${created.body.metadata.name}`)).body;
    let text = JSON.stringify(read).replaceAll(read.metadata.uid, 'UID');
    if (read.spec?.clusterIP) text = text.replaceAll(read.spec.clusterIP, 'CLUSTER-IP');
    const got = JSON.parse(text);
    // the volume binder may have bound the volume to the claim made just before it: that is not a default
    if (d.resource === 'persistentvolumes') delete got.spec.claimRef;
    const want = merge(sent, EXPECTED[key](name));
    const { metadata: gotMeta, status: gotStatus, ...gotRest } = got;
    const { metadata: wantMeta, status: wantStatus, ...wantRest } = want;
    expect(gotRest).toEqual(wantRest);
    expect(gotMeta).toMatchObject(wantMeta);
    if (wantStatus) expect(gotStatus).toMatchObject(wantStatus);
  });
});
