// The smallest valid object of every served kind, as a user would write it
// (what `kubectl create` generators and the Kubernetes docs' examples hold):
// the protobuf twin test posts each one in both encodings, the defaults test
// reads each one back. Keyed by "<group>/<version>/<resource>"; `name` and `ns` make
// each object unique to its test.

import type { J } from './helpers';

type Make = (name: string, ns: string) => J;

const podSpec = { containers: [{ name: 'c', image: 'nginx' }] };
const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: podSpec });
const meta = (name: string, ns?: string) => ({ name, ...(ns ? { namespace: ns } : {}) });

export const MINIMAL: Record<string, Make> = {
  'v1/configmaps': (name, ns) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, ns), data: { k: 'v' } }),
  'v1/endpoints': (name, ns) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name, ns), subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] }),
  'v1/events': (name, ns) => ({
    apiVersion: 'v1', kind: 'Event', metadata: meta(name, ns),
    involvedObject: { kind: 'Pod', name: 'p', namespace: ns }, reason: 'Tested', message: 'hello', type: 'Normal',
  }),
  'v1/limitranges': (name, ns) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: meta(name, ns), spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } }),
  'v1/namespaces': (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(name) }),
  'v1/nodes': (name) => ({ apiVersion: 'v1', kind: 'Node', metadata: meta(name), spec: { unschedulable: true } }),
  'v1/persistentvolumeclaims': (name, ns) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(name, ns),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' },
  }),
  'v1/persistentvolumes': (name) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta(name),
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/pv' }, storageClassName: 'manual' },
  }),
  'v1/pods': (name, ns) => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta(name, ns), spec: { ...podSpec, nodeName: 'nowhere' } }),
  'v1/podtemplates': (name, ns) => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: meta(name, ns), template: template({ app: name }) }),
  'v1/replicationcontrollers': (name, ns) => ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: meta(name, ns), spec: { replicas: 0, selector: { app: name }, template: template({ app: name }) } }),
  'v1/resourcequotas': (name, ns) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta(name, ns), spec: { hard: { pods: '10' } } }),
  'v1/secrets': (name, ns) => ({ apiVersion: 'v1', kind: 'Secret', metadata: meta(name, ns), data: { k: btoa('v') } }),
  'v1/serviceaccounts': (name, ns) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, ns) }),
  'v1/services': (name, ns) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(name, ns), spec: { selector: { app: name }, ports: [{ port: 80 }] } }),
  'apps/v1/controllerrevisions': (name, ns) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta(name, ns), revision: 1, data: { a: 1 } }),
  'apps/v1/daemonsets': (name, ns) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(name, ns), spec: { selector: { matchLabels: { app: name } }, template: template({ app: name }) } }),
  'apps/v1/deployments': (name, ns) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name, ns), spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template({ app: name }) } }),
  'apps/v1/replicasets': (name, ns) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(name, ns), spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template({ app: name }) } }),
  'apps/v1/statefulsets': (name, ns) => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(name, ns),
    spec: { replicas: 0, serviceName: name, selector: { matchLabels: { app: name } }, template: template({ app: name }) },
  }),
  'batch/v1/cronjobs': (name, ns) => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(name, ns),
    spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } },
  }),
  'batch/v1/jobs': (name, ns) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(name, ns), spec: { suspend: true, template: { spec: { ...podSpec, restartPolicy: 'Never' } } } }),
  'certificates.k8s.io/v1/certificatesigningrequests': (name) => ({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: meta(name),
    spec: { request: CSR_PEM_BASE64, signerName: 'example.com/signer', usages: ['digital signature'] },
  }),
  'coordination.k8s.io/v1/leases': (name, ns) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta(name, ns), spec: { holderIdentity: 'me' } }),
  'events.k8s.io/v1/events': (name, ns) => ({
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta(name, ns), eventTime: '2026-01-01T00:00:00.000000Z',
    reportingController: 'example.com/tester', reportingInstance: 'tester-1', action: 'Test', reason: 'Tested', type: 'Normal',
    regarding: { kind: 'Pod', name: 'p', namespace: ns },
  }),
  'discovery.k8s.io/v1/endpointslices': (name, ns) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(name, ns), addressType: 'IPv4', endpoints: [{ addresses: ['10.1.2.3'] }] }),
  'rbac.authorization.k8s.io/v1/clusterrolebindings': (name) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' }],
  }),
  'rbac.authorization.k8s.io/v1/clusterroles': (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(name), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
  'rbac.authorization.k8s.io/v1/rolebindings': (name, ns) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(name, ns),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  }),
  'rbac.authorization.k8s.io/v1/roles': (name, ns) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name, ns), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
  'policy/v1/poddisruptionbudgets': (name, ns) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(name, ns), spec: { minAvailable: 1, selector: { matchLabels: { app: name } } } }),
  'networking.k8s.io/v1/ingressclasses': (name) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta(name), spec: { controller: 'example.com/ingress' } }),
  'networking.k8s.io/v1/ingresses': (name, ns) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta(name, ns),
    spec: { rules: [{ host: 'foo.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  }),
  'networking.k8s.io/v1/servicecidrs': (name) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: meta(name), spec: { cidrs: ['10.100.0.0/16'] } }),
  'networking.k8s.io/v1/ipaddresses': () => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', metadata: meta(`192.168.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`),
    spec: { parentRef: { resource: 'services', name: 'web', namespace: 'default' } },
  }),
  'networking.k8s.io/v1/networkpolicies': (name, ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(name, ns), spec: { podSelector: {} } }),
  'storage.k8s.io/v1/csidrivers': (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta(name), spec: {} }),
  'storage.k8s.io/v1/csinodes': (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: meta(name), spec: { drivers: [{ name: 'csi.example.com', nodeID: name }] } }),
  'storage.k8s.io/v1/csistoragecapacities': (name, ns) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: meta(name, ns), storageClassName: 'standard', capacity: '10Gi' }),
  'storage.k8s.io/v1/volumeattachments': (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: meta(name), spec: { attacher: 'csi.example.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } } }),
  'storage.k8s.io/v1/volumeattributesclasses': (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: meta(name), driverName: 'csi.example.com', parameters: { iops: '3000' } }),
  'storage.k8s.io/v1/storageclasses': (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta(name), provisioner: 'example.com/disk' }),
  'admissionregistration.k8s.io/v1/validatingadmissionpolicies': (name) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: meta(name),
    spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'object.spec.replicas <= 100' }] },
  }),
  'admissionregistration.k8s.io/v1/validatingadmissionpolicybindings': (name) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: meta(name),
    spec: { policyName: 'no-such-policy', validationActions: ['Warn'] },
  }),
  // a CRD's name is <plural>.<group>: the test's name becomes the plural
  'apiextensions.k8s.io/v1/customresourcedefinitions': (name) => ({
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: meta(`${name}.example.com`),
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: name, kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
    },
  }),
  'scheduling.k8s.io/v1/priorityclasses': (name) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta(name), value: 1000 }),
  'autoscaling/v2/horizontalpodautoscalers': (name, ns) => ({
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(name, ns),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 },
  }),
  'autoscaling/v1/horizontalpodautoscalers': (name, ns) => ({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta(name, ns),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
  }),
  'authentication.k8s.io/v1/selfsubjectreviews': () => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  'authentication.k8s.io/v1/tokenreviews': () => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'not-a-token' } }),
  'authorization.k8s.io/v1/localsubjectaccessreviews': (_name, ns) => ({
    apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: ns },
    spec: { user: 'u', resourceAttributes: { namespace: ns, verb: 'get', resource: 'pods' } },
  }),
  'authorization.k8s.io/v1/selfsubjectaccessreviews': (_name, ns) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: ns, verb: 'get', resource: 'pods' } } }),
  'authorization.k8s.io/v1/selfsubjectrulesreviews': (_name, ns) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } }),
  'authorization.k8s.io/v1/subjectaccessreviews': () => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', nonResourceAttributes: { path: '/healthz', verb: 'get' } } }),
};

/** A PEM certificate request (openssl req -new, CN=tester, P-256), base64 as the API carries it. */
const CSR_PEM_BASE64 = btoa(`-----BEGIN CERTIFICATE REQUEST-----
MIHLMHMCAQAwETEPMA0GA1UEAwwGdGVzdGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE9TYJT0nb0yt/YE3m6NbEjseh81Otj6t6syA77s9RsuCEH38bqq3j25uW
m37AMX+a9DzjOMCXJLQIjJhWL5k7/KAAMAoGCCqGSM49BAMCA0gAMEUCID6adrQK
i2S02iXYk6jlrik0oREkW2WJiT7TqCIZm+LBAiEA4uV75F9qDoVHvUxQ+gEU3Osv
zESmkUGsLcX7jh6ov6U=
-----END CERTIFICATE REQUEST-----
`);
