// The x-kubernetes-* list, map and patch metadata of the served types: the
// facts k8s.io/api keeps in +patchMergeKey, +patchStrategy, +listType,
// +listMapKey, +mapType and +structType comments (and patchStrategy struct
// tags). @kubernetes/client-node's models do not carry them, so they are kept
// here by hand, keyed by OpenAPI definition name and JSON field name.
// scripts/gen-schemas.mjs merges them into src/schema/generated/definitions.json.
//
// Strategic merge patch reads patchStrategy/patchMergeKey; server-side apply
// reads listType/listMapKeys/mapType. Lists not named here are "atomic" for
// apply (the default for untagged lists of built-in types).

export interface FieldPatchMetadata {
  /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys", "replace". */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key */
  patchMergeKey?: string;
  /** x-kubernetes-list-type */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys */
  listMapKeys?: string[];
  /** x-kubernetes-map-type, on map (and struct) fields. */
  mapType?: 'atomic' | 'granular';
}

export interface TypePatchMetadata {
  /** x-kubernetes-map-type on the definition itself (+structType=atomic). */
  mapType?: 'atomic' | 'granular';
}

/** A list merged by key with strategic merge patch and a map list for apply. */
const keyed = (...keys: string[]): FieldPatchMetadata => ({ patchStrategy: 'merge', patchMergeKey: keys[0], listType: 'map', listMapKeys: keys });
const atomic: FieldPatchMetadata = { listType: 'atomic' };
const set: FieldPatchMetadata = { listType: 'set' };
const atomicMap: FieldPatchMetadata = { mapType: 'atomic' };
const conditions = keyed('type');

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

const containerFields: Record<string, FieldPatchMetadata> = {
  args: atomic,
  command: atomic,
  ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  env: keyed('name'),
  envFrom: atomic,
  volumeMounts: keyed('mountPath'),
  volumeDevices: keyed('devicePath'),
  resizePolicy: atomic,
  restartPolicyRules: atomic,
};

export const PATCH_METADATA: Record<string, Record<string, FieldPatchMetadata>> = {
  // core/v1: pods and containers
  [CORE + 'PodSpec']: {
    volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    initContainers: keyed('name'),
    containers: keyed('name'),
    ephemeralContainers: keyed('name'),
    imagePullSecrets: keyed('name'),
    tolerations: atomic,
    hostAliases: keyed('ip'),
    topologySpreadConstraints: { patchStrategy: 'merge', patchMergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    resourceClaims: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    schedulingGates: keyed('name'),
    readinessGates: atomic,
    nodeSelector: atomicMap,
  },
  [CORE + 'Container']: containerFields,
  [CORE + 'EphemeralContainer']: containerFields,
  [CORE + 'PodStatus']: {
    conditions,
    podIPs: keyed('ip'),
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
  [CORE + 'ContainerStatus']: { volumeMounts: keyed('mountPath'), allocatedResourcesStatus: keyed('name') },
  [CORE + 'ResourceRequirements']: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [CORE + 'PodSecurityContext']: { supplementalGroups: atomic, sysctls: atomic },
  [CORE + 'Capabilities']: { add: atomic, drop: atomic },
  [CORE + 'PodDNSConfig']: { nameservers: atomic, searches: atomic, options: atomic },
  [CORE + 'ExecAction']: { command: atomic },
  [CORE + 'HTTPGetAction']: { httpHeaders: atomic },
  [CORE + 'NodeAffinity']: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAntiAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAffinityTerm']: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [CORE + 'TopologySpreadConstraint']: { matchLabelKeys: atomic },
  [CORE + 'NodeSelector']: { nodeSelectorTerms: atomic },
  [CORE + 'NodeSelectorTerm']: { matchExpressions: atomic, matchFields: atomic },
  [CORE + 'NodeSelectorRequirement']: { values: atomic },
  [CORE + 'TopologySelectorTerm']: { matchLabelExpressions: atomic },
  [CORE + 'TopologySelectorLabelRequirement']: { values: atomic },
  [CORE + 'ConfigMapVolumeSource']: { items: atomic },
  [CORE + 'SecretVolumeSource']: { items: atomic },
  [CORE + 'DownwardAPIVolumeSource']: { items: atomic },
  [CORE + 'ProjectedVolumeSource']: { sources: atomic },
  [CORE + 'ConfigMapProjection']: { items: atomic },
  [CORE + 'SecretProjection']: { items: atomic },
  [CORE + 'DownwardAPIProjection']: { items: atomic },

  // core/v1: nodes, services, endpoints, storage, namespaces, accounts
  [CORE + 'NodeSpec']: { podCIDRs: { patchStrategy: 'merge', listType: 'set' }, taints: atomic },
  [CORE + 'NodeStatus']: {
    conditions,
    addresses: keyed('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [CORE + 'ServiceSpec']: {
    ports: { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [CORE + 'ServiceStatus']: { conditions },
  [CORE + 'LoadBalancerStatus']: { ingress: atomic },
  [CORE + 'LoadBalancerIngress']: { ports: atomic },
  [CORE + 'Endpoints']: { subsets: atomic },
  [CORE + 'EndpointSubset']: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [CORE + 'ServiceAccount']: { secrets: keyed('name'), imagePullSecrets: atomic },
  [CORE + 'NamespaceSpec']: { finalizers: atomic },
  [CORE + 'NamespaceStatus']: { conditions },
  [CORE + 'PersistentVolumeClaimSpec']: { accessModes: atomic },
  [CORE + 'PersistentVolumeClaimStatus']: { conditions, accessModes: atomic },
  [CORE + 'PersistentVolumeSpec']: { accessModes: atomic, mountOptions: atomic },
  [CORE + 'ReplicationControllerSpec']: { selector: atomicMap },
  [CORE + 'ReplicationControllerStatus']: { conditions },
  [CORE + 'ResourceQuotaSpec']: { scopes: atomic },
  [CORE + 'ScopeSelector']: { matchExpressions: atomic },
  [CORE + 'ScopedResourceSelectorRequirement']: { values: atomic },
  [CORE + 'LimitRangeSpec']: { limits: atomic },

  // meta/v1
  [META + 'ObjectMeta']: {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: keyed('uid'),
    managedFields: atomic,
  },
  [META + 'LabelSelector']: { matchExpressions: atomic },
  [META + 'LabelSelectorRequirement']: { values: atomic },
  [META + 'StatusDetails']: { causes: atomic },

  // apps/v1
  'io.k8s.api.apps.v1.DeploymentSpec': { strategy: { patchStrategy: 'retainKeys' } },
  'io.k8s.api.apps.v1.DeploymentStatus': { conditions },
  'io.k8s.api.apps.v1.StatefulSetSpec': { volumeClaimTemplates: atomic },
  'io.k8s.api.apps.v1.StatefulSetStatus': { conditions },
  'io.k8s.api.apps.v1.DaemonSetStatus': { conditions },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { conditions },

  // batch/v1
  'io.k8s.api.batch.v1.JobStatus': { conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' } },
  'io.k8s.api.batch.v1.CronJobStatus': { active: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicy': { rules: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicyRule': { onPodConditions: atomic },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': { values: set },
  'io.k8s.api.batch.v1.SuccessPolicy': { rules: atomic },

  // autoscaling/v2
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { metrics: atomic },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { conditions, currentMetrics: atomic },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { policies: atomic },

  // policy/v1
  'io.k8s.api.policy.v1.PodDisruptionBudgetSpec': { selector: { patchStrategy: 'replace' } },
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions },

  // networking.k8s.io/v1
  'io.k8s.api.networking.v1.IngressSpec': { rules: atomic, tls: atomic },
  'io.k8s.api.networking.v1.IngressTLS': { hosts: atomic },
  'io.k8s.api.networking.v1.HTTPIngressRuleValue': { paths: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerStatus': { ingress: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerIngress': { ports: atomic },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { ingress: atomic, egress: atomic, policyTypes: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyIngressRule': { ports: atomic, from: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyEgressRule': { ports: atomic, to: atomic },

  // rbac.authorization.k8s.io/v1
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec': { usages: atomic, groups: atomic },
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus': { conditions: { listType: 'map', listMapKeys: ['type'] } },
  'io.k8s.api.rbac.v1.Role': { rules: atomic },
  'io.k8s.api.rbac.v1.ClusterRole': { rules: atomic },
  'io.k8s.api.rbac.v1.PolicyRule': { verbs: atomic, apiGroups: atomic, resources: atomic, resourceNames: atomic, nonResourceURLs: atomic },
  'io.k8s.api.rbac.v1.RoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.AggregationRule': { clusterRoleSelectors: atomic },

  // discovery.k8s.io/v1
  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: atomic, ports: atomic },
  'io.k8s.api.discovery.v1.Endpoint': { addresses: set },
  'io.k8s.api.discovery.v1.EndpointHints': { forZones: atomic, forNodes: atomic },

  // storage.k8s.io/v1
  'io.k8s.api.storage.v1.StorageClass': { mountOptions: atomic, allowedTopologies: atomic },
};

/** Definitions that are atomic as a whole (+structType=atomic / +mapType=atomic on the type). */
export const TYPE_METADATA: Record<string, TypePatchMetadata> = {
  [CORE + 'ObjectReference']: { mapType: 'atomic' },
  [CORE + 'LocalObjectReference']: { mapType: 'atomic' },
  [CORE + 'TypedLocalObjectReference']: { mapType: 'atomic' },
  [CORE + 'SecretReference']: { mapType: 'atomic' },
  [CORE + 'ConfigMapKeySelector']: { mapType: 'atomic' },
  [CORE + 'SecretKeySelector']: { mapType: 'atomic' },
  [CORE + 'FileKeySelector']: { mapType: 'atomic' },
  [CORE + 'ObjectFieldSelector']: { mapType: 'atomic' },
  [CORE + 'ResourceFieldSelector']: { mapType: 'atomic' },
  [CORE + 'NodeSelector']: { mapType: 'atomic' },
  [CORE + 'NodeSelectorTerm']: { mapType: 'atomic' },
  [CORE + 'TopologySelectorTerm']: { mapType: 'atomic' },
  [META + 'LabelSelector']: { mapType: 'atomic' },
};
