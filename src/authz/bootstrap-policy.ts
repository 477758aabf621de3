// The roles and bindings kube-apiserver bootstraps (plugin/pkg/auth/
// authorizer/rbac/bootstrappolicy), reconciled on start: missing ones are
// created, and ones lacking a default rule or subject get it back unless
// annotated rbac.authorization.kubernetes.io/autoupdate: "false".
import type { KObject } from '../resources/types';
import type { PolicyRule } from './rules';

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const AGGREGATE = (to: string) => ({ [`${RBAC}/aggregate-to-${to}`]: 'true' });
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const signer = (verb: string, name: string): PolicyRule => ({ verbs: [verb], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: [name] });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregate?: string[]): KObject {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { [`${RBAC}/autoupdate`]: 'true' } },
    ...(aggregate ? { aggregationRule: { clusterRoleSelectors: aggregate.map((to) => ({ matchLabels: AGGREGATE(to) })) } } : {}),
    rules: aggregate ? [] : rules,
  };
}

function clusterRoleBinding(name: string, role: string, subjects: { kind: string; name: string; namespace?: string }[]): KObject {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [`${RBAC}/autoupdate`]: 'true' } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? s : { apiGroup: RBAC, ...s })),
  };
}

const group = (name: string) => ({ kind: 'Group', name });

const VIEW: PolicyRule[] = [
  rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
  rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

const EDIT: PolicyRule[] = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
  rule([...READ, ...WRITE], ['coordination.k8s.io'], ['leases']),
  rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
];

const ADMIN: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule([...READ, ...WRITE], [RBAC], ['rolebindings', 'roles']),
];

export const DEFAULT_CLUSTER_ROLES: KObject[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('admin', [], {}, ['admin']),
  clusterRole('edit', [], AGGREGATE('admin'), ['edit']),
  clusterRole('view', [], AGGREGATE('edit'), ['view']),
  clusterRole('system:aggregate-to-admin', ADMIN, AGGREGATE('admin')),
  clusterRole('system:aggregate-to-edit', EDIT, AGGREGATE('edit')),
  clusterRole('system:aggregate-to-view', VIEW, AGGREGATE('view')),
  // what metrics-server installs with the metrics API: whoever may view may read usage
  clusterRole('system:aggregated-metrics-reader', [rule(READ, ['metrics.k8s.io'], ['pods', 'nodes'])], { ...AGGREGATE('view'), ...AGGREGATE('edit'), ...AGGREGATE('admin') }),
  clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [signer('approve', 'kubernetes.io/kube-apiserver-client')]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [signer('approve', 'kubernetes.io/kube-apiserver-client-kubelet')]),
  clusterRole('system:auth-delegator', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:heapster', [rule(READ, [''], ['events', 'namespaces', 'nodes', 'pods']), rule(READ, ['apps'], ['deployments'])]),
  clusterRole('system:node-proxier', [
    rule(READ, [''], ['endpoints', 'services']), rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']), rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  ]),
  clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
];

export const DEFAULT_CLUSTER_ROLE_BINDINGS: KObject[] = [
  clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  clusterRoleBinding('system:node-proxier', 'system:node-proxier', [{ kind: 'User', name: 'system:kube-proxy' }]),
  // What kubeadm binds so that nodes join with bootstrap tokens: a bootstrap
  // token may ask for a node credential, which is approved automatically, and
  // a node may renew its own.
  clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')]),
];

const key = (v: unknown) => JSON.stringify(v);

/**
 * The reconciled form of a default object kube would write: the defaults'
 * rules (or subjects) with whatever the stored one added; undefined when
 * nothing needs writing.
 */
export function reconcile(desired: KObject, existing: KObject): KObject | undefined {
  if (existing.metadata?.annotations?.[`${RBAC}/autoupdate`] === 'false') return undefined;
  const field = desired.kind === 'ClusterRole' ? 'rules' : 'subjects';
  if (desired.aggregationRule && key(existing.aggregationRule) !== key(desired.aggregationRule)) {
    return { ...existing, aggregationRule: desired.aggregationRule };
  }
  if (desired.aggregationRule) return undefined;
  const have = (existing[field] ?? []) as unknown[];
  const missing = (desired[field] as unknown[]).filter((d) => !have.some((h) => key(h) === key(d)));
  const refChanged = desired.roleRef && key(existing.roleRef) !== key(desired.roleRef);
  if (!missing.length || refChanged) return undefined;
  return { ...existing, [field]: [...have, ...missing] };
}
