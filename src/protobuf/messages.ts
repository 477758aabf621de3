// Message descriptors for the Kubernetes protobuf wire format (k8s.io/api and
// k8s.io/apimachinery generated.proto, v1.35): message name -> field number ->
// JSON field name and type. One generic decoder (./decode.ts) walks these; no
// kind has a hand-written decoder.
//
// Each message is written as lines of `<number> <jsonName> <type> [flags]`:
//   type   string | int32 | int64 | bool | bytes | double | <Message>
//          []<type> (repeated) | map<string,string> | map<string,bytes> | map<string,<Message>>
//   flags  ptr     the Go field is a pointer (*int32, *bool, *string, *IntOrString ...): a zero
//                  value on the wire was set on purpose and is kept (gracePeriodSeconds: 0,
//                  replicas: 0, optional: false)
//          keep    the Go JSON tag has no omitempty: a zero value on the wire is kept
//          inline  the Go field is embedded with `json:",inline"`: its fields join the parent
// Without a flag a zero scalar ("" / 0 / false) is treated as unset, as Go's omitempty does:
// Go's protobuf marshalling writes every non-pointer field, set or not.
//
// Names are the proto message names without package; they are unique across the
// packages used here. Well-known apimachinery types with a custom JSON form are
// listed in SPECIAL_MESSAGES.

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';
export type FieldType =
  | ScalarType
  | `message:${string}`
  | 'map<string,string>'
  | 'map<string,bytes>'
  | `map<string,message:${string}>`;

export interface FieldDescriptor {
  /** JSON field name (for inline fields, the Go field name; its keys join the parent). */
  name: string;
  type: FieldType;
  repeated?: true;
  /** Pointer in Go: keep zero values that are present on the wire. */
  ptr?: true;
  /** No omitempty in the Go JSON tag: keep zero values that are present on the wire. */
  keep?: true;
  /** Embedded with json:",inline". */
  inline?: true;
}

export type MessageDescriptor = Record<number, FieldDescriptor>;

/** apimachinery types whose JSON is not an object of their proto fields. */
export const SPECIAL_MESSAGES = {
  Time: 'time', // metav1.Time: RFC 3339, seconds precision
  MicroTime: 'microtime', // metav1.MicroTime: RFC 3339 with microseconds
  Duration: 'duration', // metav1.Duration: Go duration string
  Quantity: 'quantity', // resource.Quantity: its string form
  IntOrString: 'intorstring', // intstr.IntOrString: number or string
  RawExtension: 'rawjson', // runtime.RawExtension: embedded JSON (or a nested k8s protobuf object)
  FieldsV1: 'rawjson', // metav1.FieldsV1: embedded JSON
  ExtraValue: 'stringlist', // authentication/authorization ExtraValue: []string
} as const;

export type SpecialKind = (typeof SPECIAL_MESSAGES)[keyof typeof SPECIAL_MESSAGES];

/** Container and EphemeralContainerCommon share these fields and numbers. */
const CONTAINER_FIELDS = `
    1 name string keep
    2 image string
    3 command []string
    4 args []string
    5 workingDir string
    6 ports []ContainerPort
    19 envFrom []EnvFromSource
    7 env []EnvVar
    8 resources ResourceRequirements
    23 resizePolicy []ContainerResizePolicy
    24 restartPolicy string ptr
    25 restartPolicyRules []ContainerRestartRule
    9 volumeMounts []VolumeMount
    21 volumeDevices []VolumeDevice
    10 livenessProbe Probe
    11 readinessProbe Probe
    22 startupProbe Probe
    12 lifecycle Lifecycle
    13 terminationMessagePath string
    20 terminationMessagePolicy string
    14 imagePullPolicy string
    15 securityContext SecurityContext
    16 stdin bool
    17 stdinOnce bool
    18 tty bool`;

const SPEC: Record<string, string> = {
  // ---- k8s.io/apimachinery/pkg/runtime ----
  // runtime.TypeMeta (note: apiVersion=1, kind=2, unlike metav1.TypeMeta)
  RuntimeTypeMeta: `
    1 apiVersion string
    2 kind string`,
  Unknown: `
    1 typeMeta RuntimeTypeMeta
    2 raw bytes
    3 contentEncoding string
    4 contentType string`,
  RawExtension: `
    1 raw bytes`,

  // ---- k8s.io/apimachinery/pkg/util/intstr, pkg/api/resource ----
  IntOrString: `
    1 type int64
    2 intVal int32
    3 strVal string`,
  Quantity: `
    1 string string`,

  // ---- k8s.io/apimachinery/pkg/apis/meta/v1 ----
  Time: `
    1 seconds int64
    2 nanos int32`,
  MicroTime: `
    1 seconds int64
    2 nanos int32`,
  Duration: `
    1 duration int64`,
  FieldsV1: `
    1 Raw bytes`,
  ObjectMeta: `
    1 name string
    2 generateName string
    3 namespace string
    4 selfLink string
    5 uid string
    6 resourceVersion string
    7 generation int64
    8 creationTimestamp Time
    9 deletionTimestamp Time
    10 deletionGracePeriodSeconds int64 ptr
    11 labels map<string,string>
    12 annotations map<string,string>
    13 ownerReferences []OwnerReference
    14 finalizers []string
    17 managedFields []ManagedFieldsEntry`,
  OwnerReference: `
    5 apiVersion string keep
    1 kind string keep
    3 name string keep
    4 uid string keep
    6 controller bool ptr
    7 blockOwnerDeletion bool ptr`,
  ManagedFieldsEntry: `
    1 manager string
    2 operation string
    3 apiVersion string
    4 time Time
    6 fieldsType string
    7 fieldsV1 FieldsV1
    8 subresource string`,
  LabelSelector: `
    1 matchLabels map<string,string>
    2 matchExpressions []LabelSelectorRequirement`,
  LabelSelectorRequirement: `
    1 key string keep
    2 operator string keep
    3 values []string`,
  Condition: `
    1 type string keep
    2 status string keep
    3 observedGeneration int64
    4 lastTransitionTime Time
    5 reason string keep
    6 message string keep`,
  DeleteOptions: `
    1 gracePeriodSeconds int64 ptr
    2 preconditions Preconditions
    3 orphanDependents bool ptr
    4 propagationPolicy string ptr
    5 dryRun []string
    6 ignoreStoreReadErrorWithClusterBreakingPotential bool ptr`,
  Preconditions: `
    1 uid string ptr
    2 resourceVersion string ptr`,

  // ---- k8s.io/api/core/v1 ----
  Namespace: `
    1 metadata ObjectMeta
    2 spec NamespaceSpec
    3 status NamespaceStatus`,
  NamespaceSpec: `
    1 finalizers []string`,
  NamespaceStatus: `
    1 phase string
    2 conditions []NamespaceCondition`,
  NamespaceCondition: `
    1 type string keep
    2 status string keep
    4 lastTransitionTime Time
    5 reason string
    6 message string`,
  ConfigMap: `
    1 metadata ObjectMeta
    4 immutable bool ptr
    2 data map<string,string>
    3 binaryData map<string,bytes>`,
  Secret: `
    1 metadata ObjectMeta
    5 immutable bool ptr
    2 data map<string,bytes>
    4 stringData map<string,string>
    3 type string`,
  ServiceAccount: `
    1 metadata ObjectMeta
    2 secrets []ObjectReference
    3 imagePullSecrets []LocalObjectReference
    4 automountServiceAccountToken bool ptr`,
  ObjectReference: `
    1 kind string
    2 namespace string
    3 name string
    4 uid string
    5 apiVersion string
    6 resourceVersion string
    7 fieldPath string`,
  LocalObjectReference: `
    1 name string`,
  TypedLocalObjectReference: `
    1 apiGroup string ptr
    2 kind string keep
    3 name string keep`,
  TypedObjectReference: `
    1 apiGroup string ptr
    2 kind string keep
    3 name string keep
    4 namespace string ptr`,

  Service: `
    1 metadata ObjectMeta
    2 spec ServiceSpec
    3 status ServiceStatus`,
  ServiceSpec: `
    1 ports []ServicePort
    2 selector map<string,string>
    3 clusterIP string
    18 clusterIPs []string
    4 type string
    5 externalIPs []string
    7 sessionAffinity string
    8 loadBalancerIP string
    9 loadBalancerSourceRanges []string
    10 externalName string
    11 externalTrafficPolicy string
    12 healthCheckNodePort int32
    13 publishNotReadyAddresses bool
    14 sessionAffinityConfig SessionAffinityConfig
    19 ipFamilies []string
    17 ipFamilyPolicy string ptr
    20 allocateLoadBalancerNodePorts bool ptr
    21 loadBalancerClass string ptr
    22 internalTrafficPolicy string ptr
    23 trafficDistribution string ptr`,
  ServicePort: `
    1 name string
    2 protocol string
    6 appProtocol string ptr
    3 port int32 keep
    4 targetPort IntOrString
    5 nodePort int32`,
  SessionAffinityConfig: `
    1 clientIP ClientIPConfig`,
  ClientIPConfig: `
    1 timeoutSeconds int32 ptr`,
  ServiceStatus: `
    1 loadBalancer LoadBalancerStatus
    2 conditions []Condition`,
  LoadBalancerStatus: `
    1 ingress []LoadBalancerIngress`,
  LoadBalancerIngress: `
    1 ip string
    2 hostname string
    3 ipMode string ptr
    4 ports []PortStatus`,
  PortStatus: `
    1 port int32 keep
    2 protocol string keep
    3 error string ptr`,

  Pod: `
    1 metadata ObjectMeta
    2 spec PodSpec
    3 status PodStatus`,
  PodTemplate: `
    1 metadata ObjectMeta
    2 template PodTemplateSpec`,
  PodTemplateSpec: `
    1 metadata ObjectMeta
    2 spec PodSpec`,
  PodSpec: `
    1 volumes []Volume
    20 initContainers []Container
    2 containers []Container
    34 ephemeralContainers []EphemeralContainer
    3 restartPolicy string
    4 terminationGracePeriodSeconds int64 ptr
    5 activeDeadlineSeconds int64 ptr
    6 dnsPolicy string
    7 nodeSelector map<string,string>
    8 serviceAccountName string
    9 serviceAccount string
    21 automountServiceAccountToken bool ptr
    10 nodeName string
    11 hostNetwork bool
    12 hostPID bool
    13 hostIPC bool
    27 shareProcessNamespace bool ptr
    14 securityContext PodSecurityContext
    15 imagePullSecrets []LocalObjectReference
    16 hostname string
    17 subdomain string
    18 affinity Affinity
    19 schedulerName string
    22 tolerations []Toleration
    23 hostAliases []HostAlias
    24 priorityClassName string
    25 priority int32 ptr
    26 dnsConfig PodDNSConfig
    28 readinessGates []PodReadinessGate
    29 runtimeClassName string ptr
    30 enableServiceLinks bool ptr
    31 preemptionPolicy string ptr
    32 overhead map<string,Quantity>
    33 topologySpreadConstraints []TopologySpreadConstraint
    35 setHostnameAsFQDN bool ptr
    36 os PodOS
    37 hostUsers bool ptr
    38 schedulingGates []PodSchedulingGate
    39 resourceClaims []PodResourceClaim
    40 resources ResourceRequirements
    41 hostnameOverride string ptr
    42 workloadRef WorkloadReference`,
  PodStatus: `
    17 observedGeneration int64
    1 phase string
    2 conditions []PodCondition
    3 message string
    4 reason string
    11 nominatedNodeName string
    5 hostIP string
    16 hostIPs []HostIP
    6 podIP string
    12 podIPs []PodIP
    7 startTime Time
    10 initContainerStatuses []ContainerStatus
    8 containerStatuses []ContainerStatus
    9 qosClass string
    13 ephemeralContainerStatuses []ContainerStatus
    14 resize string
    15 resourceClaimStatuses []PodResourceClaimStatus
    18 extendedResourceClaimStatus PodExtendedResourceClaimStatus
    19 allocatedResources map<string,Quantity>
    20 resources ResourceRequirements`,
  PodCondition: `
    1 type string keep
    7 observedGeneration int64
    2 status string keep
    3 lastProbeTime Time
    4 lastTransitionTime Time
    5 reason string
    6 message string`,
  HostIP: `
    1 ip string keep`,
  PodIP: `
    1 ip string keep`,
  ContainerStatus: `
    1 name string keep
    2 state ContainerState
    3 lastState ContainerState
    4 ready bool keep
    5 restartCount int32 keep
    6 image string keep
    7 imageID string keep
    8 containerID string
    9 started bool ptr
    10 allocatedResources map<string,Quantity>
    11 resources ResourceRequirements
    12 volumeMounts []VolumeMountStatus
    13 user ContainerUser
    14 allocatedResourcesStatus []ResourceStatus
    15 stopSignal string ptr`,
  ContainerState: `
    1 waiting ContainerStateWaiting
    2 running ContainerStateRunning
    3 terminated ContainerStateTerminated`,
  ContainerStateWaiting: `
    1 reason string
    2 message string`,
  ContainerStateRunning: `
    1 startedAt Time`,
  ContainerStateTerminated: `
    1 exitCode int32 keep
    2 signal int32
    3 reason string
    4 message string
    5 startedAt Time
    6 finishedAt Time
    7 containerID string`,
  VolumeMountStatus: `
    1 name string keep
    2 mountPath string keep
    3 readOnly bool
    4 recursiveReadOnly string ptr
    5 volumeStatus VolumeStatus`,
  VolumeStatus: `
    1 image ImageVolumeStatus`,
  ImageVolumeStatus: `
    1 imageRef string keep`,
  ContainerUser: `
    1 linux LinuxContainerUser`,
  LinuxContainerUser: `
    1 uid int64 keep
    2 gid int64 keep
    3 supplementalGroups []int64`,
  ResourceStatus: `
    1 name string keep
    2 resources []ResourceHealth`,
  ResourceHealth: `
    1 resourceID string keep
    2 health string
    6 message string ptr`,
  PodResourceClaimStatus: `
    1 name string keep
    2 resourceClaimName string ptr`,
  PodExtendedResourceClaimStatus: `
    1 requestMappings []ContainerExtendedResourceRequest
    2 resourceClaimName string keep`,
  ContainerExtendedResourceRequest: `
    1 containerName string keep
    2 resourceName string keep
    3 requestName string keep`,

  Container: CONTAINER_FIELDS,
  EphemeralContainer: `
    1 ephemeralContainerCommon EphemeralContainerCommon inline
    2 targetContainerName string`,
  // Same fields and numbers as Container (k8s.io/api keeps them in step).
  EphemeralContainerCommon: CONTAINER_FIELDS,
  ContainerPort: `
    1 name string
    2 hostPort int32
    3 containerPort int32 keep
    4 protocol string
    5 hostIP string`,
  ContainerResizePolicy: `
    1 resourceName string keep
    2 restartPolicy string keep`,
  ContainerRestartRule: `
    1 action string
    2 exitCodes ContainerRestartRuleOnExitCodes`,
  ContainerRestartRuleOnExitCodes: `
    1 operator string
    2 values []int32`,
  EnvFromSource: `
    1 prefix string
    2 configMapRef ConfigMapEnvSource
    3 secretRef SecretEnvSource`,
  ConfigMapEnvSource: `
    1 localObjectReference LocalObjectReference inline
    2 optional bool ptr`,
  SecretEnvSource: `
    1 localObjectReference LocalObjectReference inline
    2 optional bool ptr`,
  EnvVar: `
    1 name string keep
    2 value string
    3 valueFrom EnvVarSource`,
  EnvVarSource: `
    1 fieldRef ObjectFieldSelector
    2 resourceFieldRef ResourceFieldSelector
    3 configMapKeyRef ConfigMapKeySelector
    4 secretKeyRef SecretKeySelector
    5 fileKeyRef FileKeySelector`,
  ObjectFieldSelector: `
    1 apiVersion string
    2 fieldPath string keep`,
  ResourceFieldSelector: `
    1 containerName string
    2 resource string keep
    3 divisor Quantity`,
  ConfigMapKeySelector: `
    1 localObjectReference LocalObjectReference inline
    2 key string keep
    3 optional bool ptr`,
  SecretKeySelector: `
    1 localObjectReference LocalObjectReference inline
    2 key string keep
    3 optional bool ptr`,
  FileKeySelector: `
    1 volumeName string keep
    2 path string keep
    3 key string keep
    4 optional bool ptr`,
  ResourceRequirements: `
    1 limits map<string,Quantity>
    2 requests map<string,Quantity>
    3 claims []ResourceClaim`,
  ResourceClaim: `
    1 name string keep
    2 request string`,
  VolumeMount: `
    1 name string keep
    2 readOnly bool
    7 recursiveReadOnly string ptr
    3 mountPath string keep
    4 subPath string
    5 mountPropagation string ptr
    6 subPathExpr string`,
  VolumeDevice: `
    1 name string keep
    2 devicePath string keep`,
  Probe: `
    1 handler ProbeHandler inline
    2 initialDelaySeconds int32
    3 timeoutSeconds int32
    4 periodSeconds int32
    5 successThreshold int32
    6 failureThreshold int32
    7 terminationGracePeriodSeconds int64 ptr`,
  ProbeHandler: `
    1 exec ExecAction
    2 httpGet HTTPGetAction
    3 tcpSocket TCPSocketAction
    4 grpc GRPCAction`,
  ExecAction: `
    1 command []string`,
  HTTPGetAction: `
    1 path string
    2 port IntOrString keep
    3 host string
    4 scheme string
    5 httpHeaders []HTTPHeader`,
  HTTPHeader: `
    1 name string keep
    2 value string keep`,
  TCPSocketAction: `
    1 port IntOrString keep
    2 host string`,
  GRPCAction: `
    1 port int32 keep
    2 service string ptr`,
  Lifecycle: `
    1 postStart LifecycleHandler
    2 preStop LifecycleHandler
    3 stopSignal string ptr`,
  LifecycleHandler: `
    1 exec ExecAction
    2 httpGet HTTPGetAction
    3 tcpSocket TCPSocketAction
    4 sleep SleepAction`,
  SleepAction: `
    1 seconds int64 keep`,
  SecurityContext: `
    1 capabilities Capabilities
    2 privileged bool ptr
    3 seLinuxOptions SELinuxOptions
    10 windowsOptions WindowsSecurityContextOptions
    4 runAsUser int64 ptr
    8 runAsGroup int64 ptr
    5 runAsNonRoot bool ptr
    6 readOnlyRootFilesystem bool ptr
    7 allowPrivilegeEscalation bool ptr
    9 procMount string ptr
    11 seccompProfile SeccompProfile
    12 appArmorProfile AppArmorProfile
    13 ulimits []Ulimit`,
  Ulimit: `
    1 name string keep
    2 hard int64 keep
    3 soft int64 keep`,
  Capabilities: `
    1 add []string
    2 drop []string`,
  SELinuxOptions: `
    1 user string
    2 role string
    3 type string
    4 level string`,
  WindowsSecurityContextOptions: `
    1 gmsaCredentialSpecName string ptr
    2 gmsaCredentialSpec string ptr
    3 runAsUserName string ptr
    4 hostProcess bool ptr`,
  SeccompProfile: `
    1 type string keep
    2 localhostProfile string ptr`,
  AppArmorProfile: `
    1 type string keep
    2 localhostProfile string ptr`,
  PodSecurityContext: `
    1 seLinuxOptions SELinuxOptions
    8 windowsOptions WindowsSecurityContextOptions
    2 runAsUser int64 ptr
    6 runAsGroup int64 ptr
    3 runAsNonRoot bool ptr
    4 supplementalGroups []int64
    12 supplementalGroupsPolicy string ptr
    5 fsGroup int64 ptr
    7 sysctls []Sysctl
    9 fsGroupChangePolicy string ptr
    10 seccompProfile SeccompProfile
    11 appArmorProfile AppArmorProfile
    13 seLinuxChangePolicy string ptr`,
  Sysctl: `
    1 name string keep
    2 value string keep`,
  Affinity: `
    1 nodeAffinity NodeAffinity
    2 podAffinity PodAffinity
    3 podAntiAffinity PodAntiAffinity`,
  NodeAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm`,
  NodeSelector: `
    1 nodeSelectorTerms []NodeSelectorTerm`,
  NodeSelectorTerm: `
    1 matchExpressions []NodeSelectorRequirement
    2 matchFields []NodeSelectorRequirement`,
  NodeSelectorRequirement: `
    1 key string keep
    2 operator string keep
    3 values []string`,
  PreferredSchedulingTerm: `
    1 weight int32 keep
    2 preference NodeSelectorTerm`,
  PodAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm`,
  PodAntiAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm`,
  PodAffinityTerm: `
    1 labelSelector LabelSelector
    2 namespaces []string
    3 topologyKey string keep
    4 namespaceSelector LabelSelector
    5 matchLabelKeys []string
    6 mismatchLabelKeys []string`,
  WeightedPodAffinityTerm: `
    1 weight int32 keep
    2 podAffinityTerm PodAffinityTerm`,
  Toleration: `
    1 key string
    2 operator string
    3 value string
    4 effect string
    5 tolerationSeconds int64 ptr`,
  HostAlias: `
    1 ip string keep
    2 hostnames []string`,
  PodDNSConfig: `
    1 nameservers []string
    2 searches []string
    3 options []PodDNSConfigOption`,
  PodDNSConfigOption: `
    1 name string
    2 value string ptr`,
  PodReadinessGate: `
    1 conditionType string keep`,
  TopologySpreadConstraint: `
    1 maxSkew int32 keep
    2 topologyKey string keep
    3 whenUnsatisfiable string keep
    4 labelSelector LabelSelector
    5 minDomains int32 ptr
    6 nodeAffinityPolicy string ptr
    7 nodeTaintsPolicy string ptr
    8 matchLabelKeys []string`,
  PodOS: `
    1 name string keep`,
  PodSchedulingGate: `
    1 name string keep`,
  PodResourceClaim: `
    1 name string keep
    3 resourceClaimName string ptr
    4 resourceClaimTemplateName string ptr`,
  WorkloadReference: `
    1 name string keep
    2 podGroup string keep
    3 podGroupReplicaKey string`,

  Volume: `
    1 name string keep
    2 volumeSource VolumeSource inline`,
  VolumeSource: `
    1 hostPath HostPathVolumeSource
    2 emptyDir EmptyDirVolumeSource
    3 gcePersistentDisk GCEPersistentDiskVolumeSource
    4 awsElasticBlockStore AWSElasticBlockStoreVolumeSource
    5 gitRepo GitRepoVolumeSource
    6 secret SecretVolumeSource
    7 nfs NFSVolumeSource
    8 iscsi ISCSIVolumeSource
    9 glusterfs GlusterfsVolumeSource
    10 persistentVolumeClaim PersistentVolumeClaimVolumeSource
    11 rbd RBDVolumeSource
    12 flexVolume FlexVolumeSource
    13 cinder CinderVolumeSource
    14 cephfs CephFSVolumeSource
    15 flocker FlockerVolumeSource
    16 downwardAPI DownwardAPIVolumeSource
    17 fc FCVolumeSource
    18 azureFile AzureFileVolumeSource
    19 configMap ConfigMapVolumeSource
    20 vsphereVolume VsphereVirtualDiskVolumeSource
    21 quobyte QuobyteVolumeSource
    22 azureDisk AzureDiskVolumeSource
    23 photonPersistentDisk PhotonPersistentDiskVolumeSource
    26 projected ProjectedVolumeSource
    24 portworxVolume PortworxVolumeSource
    25 scaleIO ScaleIOVolumeSource
    27 storageos StorageOSVolumeSource
    28 csi CSIVolumeSource
    29 ephemeral EphemeralVolumeSource
    30 image ImageVolumeSource`,
  HostPathVolumeSource: `
    1 path string keep
    2 type string ptr`,
  EmptyDirVolumeSource: `
    1 medium string
    2 sizeLimit Quantity ptr`,
  GCEPersistentDiskVolumeSource: `
    1 pdName string keep
    2 fsType string
    3 partition int32
    4 readOnly bool`,
  AWSElasticBlockStoreVolumeSource: `
    1 volumeID string keep
    2 fsType string
    3 partition int32
    4 readOnly bool`,
  GitRepoVolumeSource: `
    1 repository string keep
    2 revision string
    3 directory string`,
  SecretVolumeSource: `
    1 secretName string
    2 items []KeyToPath
    3 defaultMode int32 ptr
    4 optional bool ptr`,
  NFSVolumeSource: `
    1 server string keep
    2 path string keep
    3 readOnly bool`,
  ISCSIVolumeSource: `
    1 targetPortal string keep
    2 iqn string keep
    3 lun int32 keep
    4 iscsiInterface string
    5 fsType string
    6 readOnly bool
    7 portals []string
    8 chapAuthDiscovery bool
    11 chapAuthSession bool
    10 secretRef LocalObjectReference
    12 initiatorName string ptr`,
  GlusterfsVolumeSource: `
    1 endpoints string keep
    2 path string keep
    3 readOnly bool`,
  PersistentVolumeClaimVolumeSource: `
    1 claimName string keep
    2 readOnly bool`,
  RBDVolumeSource: `
    1 monitors []string
    2 image string keep
    3 fsType string
    4 pool string
    5 user string
    6 keyring string
    7 secretRef LocalObjectReference
    8 readOnly bool`,
  FlexVolumeSource: `
    1 driver string keep
    2 fsType string
    3 secretRef LocalObjectReference
    4 readOnly bool
    5 options map<string,string>`,
  CinderVolumeSource: `
    1 volumeID string keep
    2 fsType string
    3 readOnly bool
    4 secretRef LocalObjectReference`,
  CephFSVolumeSource: `
    1 monitors []string
    2 path string
    3 user string
    4 secretFile string
    5 secretRef LocalObjectReference
    6 readOnly bool`,
  FlockerVolumeSource: `
    1 datasetName string
    2 datasetUUID string`,
  DownwardAPIVolumeSource: `
    1 items []DownwardAPIVolumeFile
    2 defaultMode int32 ptr`,
  DownwardAPIVolumeFile: `
    1 path string keep
    2 fieldRef ObjectFieldSelector
    3 resourceFieldRef ResourceFieldSelector
    4 mode int32 ptr`,
  FCVolumeSource: `
    1 targetWWNs []string
    2 lun int32 ptr
    3 fsType string
    4 readOnly bool
    5 wwids []string`,
  AzureFileVolumeSource: `
    1 secretName string keep
    2 shareName string keep
    3 readOnly bool`,
  ConfigMapVolumeSource: `
    1 localObjectReference LocalObjectReference inline
    2 items []KeyToPath
    3 defaultMode int32 ptr
    4 optional bool ptr`,
  KeyToPath: `
    1 key string keep
    2 path string keep
    3 mode int32 ptr`,
  VsphereVirtualDiskVolumeSource: `
    1 volumePath string keep
    2 fsType string
    3 storagePolicyName string
    4 storagePolicyID string`,
  QuobyteVolumeSource: `
    1 registry string keep
    2 volume string keep
    3 readOnly bool
    4 user string
    5 group string
    6 tenant string`,
  AzureDiskVolumeSource: `
    1 diskName string keep
    2 diskURI string keep
    3 cachingMode string ptr
    4 fsType string ptr
    5 readOnly bool ptr
    6 kind string ptr`,
  PhotonPersistentDiskVolumeSource: `
    1 pdID string keep
    2 fsType string`,
  ProjectedVolumeSource: `
    1 sources []VolumeProjection
    2 defaultMode int32 ptr`,
  VolumeProjection: `
    1 secret SecretProjection
    2 downwardAPI DownwardAPIProjection
    3 configMap ConfigMapProjection
    4 serviceAccountToken ServiceAccountTokenProjection
    5 clusterTrustBundle ClusterTrustBundleProjection
    6 podCertificate PodCertificateProjection`,
  SecretProjection: `
    1 localObjectReference LocalObjectReference inline
    2 items []KeyToPath
    4 optional bool ptr`,
  ConfigMapProjection: `
    1 localObjectReference LocalObjectReference inline
    2 items []KeyToPath
    4 optional bool ptr`,
  DownwardAPIProjection: `
    1 items []DownwardAPIVolumeFile`,
  ServiceAccountTokenProjection: `
    1 audience string
    2 expirationSeconds int64 ptr
    3 path string keep`,
  ClusterTrustBundleProjection: `
    1 name string ptr
    2 signerName string ptr
    3 labelSelector LabelSelector
    5 optional bool ptr
    4 path string keep`,
  PodCertificateProjection: `
    1 signerName string
    2 keyType string
    3 maxExpirationSeconds int32 ptr
    4 credentialBundlePath string
    5 keyPath string
    6 certificateChainPath string
    7 userAnnotations map<string,string>`,
  PortworxVolumeSource: `
    1 volumeID string keep
    2 fsType string
    3 readOnly bool`,
  ScaleIOVolumeSource: `
    1 gateway string keep
    2 system string keep
    3 secretRef LocalObjectReference
    4 sslEnabled bool
    5 protectionDomain string
    6 storagePool string
    7 storageMode string
    8 volumeName string
    9 fsType string
    10 readOnly bool`,
  StorageOSVolumeSource: `
    1 volumeName string
    2 volumeNamespace string
    3 fsType string
    4 readOnly bool
    5 secretRef LocalObjectReference`,
  CSIVolumeSource: `
    1 driver string keep
    2 readOnly bool ptr
    3 fsType string ptr
    4 volumeAttributes map<string,string>
    5 nodePublishSecretRef LocalObjectReference`,
  EphemeralVolumeSource: `
    1 volumeClaimTemplate PersistentVolumeClaimTemplate`,
  ImageVolumeSource: `
    1 reference string
    2 pullPolicy string`,
  PersistentVolumeClaimTemplate: `
    1 metadata ObjectMeta
    2 spec PersistentVolumeClaimSpec`,
  PersistentVolumeClaim: `
    1 metadata ObjectMeta
    2 spec PersistentVolumeClaimSpec
    3 status PersistentVolumeClaimStatus`,
  PersistentVolumeClaimSpec: `
    1 accessModes []string
    4 selector LabelSelector
    2 resources VolumeResourceRequirements
    3 volumeName string
    5 storageClassName string ptr
    6 volumeMode string ptr
    7 dataSource TypedLocalObjectReference
    8 dataSourceRef TypedObjectReference
    9 volumeAttributesClassName string ptr`,
  VolumeResourceRequirements: `
    1 limits map<string,Quantity>
    2 requests map<string,Quantity>`,
  PersistentVolumeClaimStatus: `
    1 phase string
    2 accessModes []string
    3 capacity map<string,Quantity>
    4 conditions []PersistentVolumeClaimCondition
    5 allocatedResources map<string,Quantity>
    7 allocatedResourceStatuses map<string,string>
    8 currentVolumeAttributesClassName string ptr
    9 modifyVolumeStatus ModifyVolumeStatus`,
  PersistentVolumeClaimCondition: `
    1 type string keep
    2 status string keep
    3 lastProbeTime Time
    4 lastTransitionTime Time
    5 reason string
    6 message string`,
  ModifyVolumeStatus: `
    1 targetVolumeAttributesClassName string
    2 status string keep`,

  ResourceQuota: `
    1 metadata ObjectMeta
    2 spec ResourceQuotaSpec
    3 status ResourceQuotaStatus`,
  ResourceQuotaSpec: `
    1 hard map<string,Quantity>
    2 scopes []string
    3 scopeSelector ScopeSelector`,
  ScopeSelector: `
    1 matchExpressions []ScopedResourceSelectorRequirement`,
  ScopedResourceSelectorRequirement: `
    1 scopeName string keep
    2 operator string keep
    3 values []string`,
  ResourceQuotaStatus: `
    1 hard map<string,Quantity>
    2 used map<string,Quantity>`,
  LimitRange: `
    1 metadata ObjectMeta
    2 spec LimitRangeSpec`,
  LimitRangeSpec: `
    1 limits []LimitRangeItem`,
  LimitRangeItem: `
    1 type string keep
    2 max map<string,Quantity>
    3 min map<string,Quantity>
    4 default map<string,Quantity>
    5 defaultRequest map<string,Quantity>
    6 maxLimitRequestRatio map<string,Quantity>`,

  // ---- k8s.io/api/apps/v1 ----
  Deployment: `
    1 metadata ObjectMeta
    2 spec DeploymentSpec
    3 status DeploymentStatus`,
  DeploymentSpec: `
    1 replicas int32 ptr
    2 selector LabelSelector
    3 template PodTemplateSpec
    4 strategy DeploymentStrategy
    5 minReadySeconds int32
    6 revisionHistoryLimit int32 ptr
    7 paused bool
    9 progressDeadlineSeconds int32 ptr
    10 podReplacementPolicy string ptr`,
  DeploymentStrategy: `
    1 type string
    2 rollingUpdate RollingUpdateDeployment`,
  RollingUpdateDeployment: `
    1 maxUnavailable IntOrString ptr
    2 maxSurge IntOrString ptr`,
  DeploymentStatus: `
    1 observedGeneration int64
    2 replicas int32
    3 updatedReplicas int32
    7 readyReplicas int32
    4 availableReplicas int32
    5 unavailableReplicas int32
    9 terminatingReplicas int32 ptr
    6 conditions []DeploymentCondition
    8 collisionCount int32 ptr`,
  DeploymentCondition: `
    1 type string keep
    2 status string keep
    6 lastUpdateTime Time
    7 lastTransitionTime Time
    4 reason string
    5 message string`,
  ReplicaSet: `
    1 metadata ObjectMeta
    2 spec ReplicaSetSpec
    3 status ReplicaSetStatus`,
  ReplicaSetSpec: `
    1 replicas int32 ptr
    4 minReadySeconds int32
    2 selector LabelSelector
    3 template PodTemplateSpec`,
  ReplicaSetStatus: `
    1 replicas int32 keep
    2 fullyLabeledReplicas int32
    4 readyReplicas int32
    5 availableReplicas int32
    7 terminatingReplicas int32 ptr
    3 observedGeneration int64
    6 conditions []ReplicaSetCondition`,
  ReplicaSetCondition: `
    1 type string keep
    2 status string keep
    3 lastTransitionTime Time
    4 reason string
    5 message string`,
  DaemonSet: `
    1 metadata ObjectMeta
    2 spec DaemonSetSpec
    3 status DaemonSetStatus`,
  DaemonSetSpec: `
    1 selector LabelSelector
    2 template PodTemplateSpec
    3 updateStrategy DaemonSetUpdateStrategy
    4 minReadySeconds int32
    6 revisionHistoryLimit int32 ptr`,
  DaemonSetUpdateStrategy: `
    1 type string
    2 rollingUpdate RollingUpdateDaemonSet`,
  RollingUpdateDaemonSet: `
    1 maxUnavailable IntOrString ptr
    2 maxSurge IntOrString ptr`,
  DaemonSetStatus: `
    1 currentNumberScheduled int32 keep
    2 numberMisscheduled int32 keep
    3 desiredNumberScheduled int32 keep
    4 numberReady int32 keep
    5 observedGeneration int64
    6 updatedNumberScheduled int32
    7 numberAvailable int32
    8 numberUnavailable int32
    9 collisionCount int32 ptr
    10 conditions []DaemonSetCondition`,
  DaemonSetCondition: `
    1 type string keep
    2 status string keep
    3 lastTransitionTime Time
    4 reason string
    5 message string`,
  StatefulSet: `
    1 metadata ObjectMeta
    2 spec StatefulSetSpec
    3 status StatefulSetStatus`,
  StatefulSetSpec: `
    1 replicas int32 ptr
    2 selector LabelSelector
    3 template PodTemplateSpec
    4 volumeClaimTemplates []PersistentVolumeClaim
    5 serviceName string
    6 podManagementPolicy string
    7 updateStrategy StatefulSetUpdateStrategy
    8 revisionHistoryLimit int32 ptr
    9 minReadySeconds int32
    10 persistentVolumeClaimRetentionPolicy StatefulSetPersistentVolumeClaimRetentionPolicy
    11 ordinals StatefulSetOrdinals`,
  StatefulSetUpdateStrategy: `
    1 type string
    2 rollingUpdate RollingUpdateStatefulSetStrategy`,
  RollingUpdateStatefulSetStrategy: `
    1 partition int32 ptr
    2 maxUnavailable IntOrString ptr`,
  StatefulSetPersistentVolumeClaimRetentionPolicy: `
    1 whenDeleted string
    2 whenScaled string`,
  StatefulSetOrdinals: `
    1 start int32`,
  StatefulSetStatus: `
    1 observedGeneration int64
    2 replicas int32 keep
    3 readyReplicas int32
    4 currentReplicas int32
    5 updatedReplicas int32
    6 currentRevision string
    7 updateRevision string
    9 collisionCount int32 ptr
    10 conditions []StatefulSetCondition
    11 availableReplicas int32`,
  StatefulSetCondition: `
    1 type string keep
    2 status string keep
    3 lastTransitionTime Time
    4 reason string
    5 message string`,

  // ---- k8s.io/api/batch/v1 ----
  Job: `
    1 metadata ObjectMeta
    2 spec JobSpec
    3 status JobStatus`,
  JobSpec: `
    1 parallelism int32 ptr
    2 completions int32 ptr
    3 activeDeadlineSeconds int64 ptr
    11 podFailurePolicy PodFailurePolicy
    16 successPolicy SuccessPolicy
    7 backoffLimit int32 ptr
    12 backoffLimitPerIndex int32 ptr
    13 maxFailedIndexes int32 ptr
    4 selector LabelSelector
    5 manualSelector bool ptr
    6 template PodTemplateSpec
    8 ttlSecondsAfterFinished int32 ptr
    9 completionMode string ptr
    10 suspend bool ptr
    14 podReplacementPolicy string ptr
    15 managedBy string ptr`,
  JobStatus: `
    1 conditions []JobCondition
    2 startTime Time
    3 completionTime Time
    4 active int32
    5 succeeded int32
    6 failed int32
    11 terminating int32 ptr
    7 completedIndexes string
    10 failedIndexes string ptr
    8 uncountedTerminatedPods UncountedTerminatedPods
    9 ready int32 ptr`,
  JobCondition: `
    1 type string keep
    2 status string keep
    3 lastProbeTime Time
    4 lastTransitionTime Time
    5 reason string
    6 message string`,
  JobTemplateSpec: `
    1 metadata ObjectMeta
    2 spec JobSpec`,
  PodFailurePolicy: `
    1 rules []PodFailurePolicyRule`,
  PodFailurePolicyRule: `
    1 action string keep
    2 onExitCodes PodFailurePolicyOnExitCodesRequirement
    3 onPodConditions []PodFailurePolicyOnPodConditionsPattern`,
  PodFailurePolicyOnExitCodesRequirement: `
    1 containerName string ptr
    2 operator string keep
    3 values []int32`,
  PodFailurePolicyOnPodConditionsPattern: `
    1 type string keep
    2 status string`,
  SuccessPolicy: `
    1 rules []SuccessPolicyRule`,
  SuccessPolicyRule: `
    1 succeededIndexes string ptr
    2 succeededCount int32 ptr`,
  UncountedTerminatedPods: `
    1 succeeded []string
    2 failed []string`,
  CronJob: `
    1 metadata ObjectMeta
    2 spec CronJobSpec
    3 status CronJobStatus`,
  CronJobSpec: `
    1 schedule string keep
    8 timeZone string ptr
    2 startingDeadlineSeconds int64 ptr
    3 concurrencyPolicy string
    4 suspend bool ptr
    5 jobTemplate JobTemplateSpec
    6 successfulJobsHistoryLimit int32 ptr
    7 failedJobsHistoryLimit int32 ptr`,
  CronJobStatus: `
    1 active []ObjectReference
    4 lastScheduleTime Time
    5 lastSuccessfulTime Time`,

  // ---- k8s.io/api/rbac/v1 ----
  Role: `
    1 metadata ObjectMeta
    2 rules []PolicyRule`,
  ClusterRole: `
    1 metadata ObjectMeta
    2 rules []PolicyRule
    3 aggregationRule AggregationRule`,
  RoleBinding: `
    1 metadata ObjectMeta
    2 subjects []Subject
    3 roleRef RoleRef`,
  ClusterRoleBinding: `
    1 metadata ObjectMeta
    2 subjects []Subject
    3 roleRef RoleRef`,
  PolicyRule: `
    1 verbs []string
    2 apiGroups []string
    3 resources []string
    4 resourceNames []string
    5 nonResourceURLs []string`,
  AggregationRule: `
    1 clusterRoleSelectors []LabelSelector`,
  RoleRef: `
    1 apiGroup string keep
    2 kind string keep
    3 name string keep`,
  Subject: `
    1 kind string keep
    2 apiGroup string
    3 name string keep
    4 namespace string`,

  // ---- k8s.io/api/scheduling/v1 ----
  PriorityClass: `
    1 metadata ObjectMeta
    2 value int32 keep
    3 globalDefault bool
    4 description string
    5 preemptionPolicy string ptr`,

  // ---- k8s.io/api/policy/v1 ----
  PodDisruptionBudget: `
    1 metadata ObjectMeta
    2 spec PodDisruptionBudgetSpec
    3 status PodDisruptionBudgetStatus`,
  PodDisruptionBudgetSpec: `
    1 minAvailable IntOrString ptr
    2 selector LabelSelector
    3 maxUnavailable IntOrString ptr
    4 unhealthyPodEvictionPolicy string ptr`,
  PodDisruptionBudgetStatus: `
    1 observedGeneration int64
    2 disruptedPods map<string,Time>
    3 disruptionsAllowed int32 keep
    4 currentHealthy int32 keep
    5 desiredHealthy int32 keep
    6 expectedPods int32 keep
    7 conditions []Condition`,
  Eviction: `
    1 metadata ObjectMeta
    2 deleteOptions DeleteOptions`,

  // ---- k8s.io/api/networking/v1 ----
  Ingress: `
    1 metadata ObjectMeta
    2 spec IngressSpec
    3 status IngressStatus`,
  IngressSpec: `
    4 ingressClassName string ptr
    1 defaultBackend IngressBackend
    2 tls []IngressTLS
    3 rules []IngressRule`,
  IngressBackend: `
    4 service IngressServiceBackend
    3 resource TypedLocalObjectReference`,
  IngressServiceBackend: `
    1 name string keep
    2 port ServiceBackendPort`,
  ServiceBackendPort: `
    1 name string
    2 number int32`,
  IngressTLS: `
    1 hosts []string
    2 secretName string`,
  IngressRule: `
    1 host string
    2 ingressRuleValue IngressRuleValue inline`,
  IngressRuleValue: `
    1 http HTTPIngressRuleValue`,
  HTTPIngressRuleValue: `
    1 paths []HTTPIngressPath`,
  HTTPIngressPath: `
    1 path string
    3 pathType string ptr
    2 backend IngressBackend`,
  IngressStatus: `
    1 loadBalancer IngressLoadBalancerStatus`,
  IngressLoadBalancerStatus: `
    1 ingress []IngressLoadBalancerIngress`,
  IngressLoadBalancerIngress: `
    1 ip string
    2 hostname string
    4 ports []IngressPortStatus`,
  IngressPortStatus: `
    1 port int32 keep
    2 protocol string keep
    3 error string ptr`,
  IngressClass: `
    1 metadata ObjectMeta
    2 spec IngressClassSpec`,
  IngressClassSpec: `
    1 controller string
    2 parameters IngressClassParametersReference`,
  IngressClassParametersReference: `
    1 apiGroup string ptr
    2 kind string keep
    3 name string keep
    4 scope string ptr
    5 namespace string ptr`,
  NetworkPolicy: `
    1 metadata ObjectMeta
    2 spec NetworkPolicySpec`,
  NetworkPolicySpec: `
    1 podSelector LabelSelector
    2 ingress []NetworkPolicyIngressRule
    3 egress []NetworkPolicyEgressRule
    4 policyTypes []string`,
  NetworkPolicyIngressRule: `
    1 ports []NetworkPolicyPort
    2 from []NetworkPolicyPeer`,
  NetworkPolicyEgressRule: `
    1 ports []NetworkPolicyPort
    2 to []NetworkPolicyPeer`,
  NetworkPolicyPeer: `
    1 podSelector LabelSelector
    2 namespaceSelector LabelSelector
    3 ipBlock IPBlock`,
  NetworkPolicyPort: `
    1 protocol string ptr
    2 port IntOrString ptr
    3 endPort int32 ptr`,
  IPBlock: `
    1 cidr string keep
    2 except []string`,

  // ---- k8s.io/api/authorization/v1 ----
  SelfSubjectAccessReview: `
    1 metadata ObjectMeta
    2 spec SelfSubjectAccessReviewSpec
    3 status SubjectAccessReviewStatus`,
  SelfSubjectAccessReviewSpec: `
    1 resourceAttributes ResourceAttributes
    2 nonResourceAttributes NonResourceAttributes`,
  SubjectAccessReview: `
    1 metadata ObjectMeta
    2 spec SubjectAccessReviewSpec
    3 status SubjectAccessReviewStatus`,
  LocalSubjectAccessReview: `
    1 metadata ObjectMeta
    2 spec SubjectAccessReviewSpec
    3 status SubjectAccessReviewStatus`,
  SubjectAccessReviewSpec: `
    1 resourceAttributes ResourceAttributes
    2 nonResourceAttributes NonResourceAttributes
    3 user string
    4 groups []string
    5 extra map<string,ExtraValue>
    6 uid string`,
  ResourceAttributes: `
    1 namespace string
    2 verb string
    3 group string
    4 version string
    5 resource string
    6 subresource string
    7 name string
    8 fieldSelector FieldSelectorAttributes
    9 labelSelector LabelSelectorAttributes`,
  FieldSelectorAttributes: `
    1 rawSelector string
    2 requirements []FieldSelectorRequirement`,
  FieldSelectorRequirement: `
    1 key string keep
    2 operator string keep
    3 values []string`,
  LabelSelectorAttributes: `
    1 rawSelector string
    2 requirements []LabelSelectorRequirement`,
  NonResourceAttributes: `
    1 path string
    2 verb string`,
  SubjectAccessReviewStatus: `
    1 allowed bool keep
    4 denied bool
    2 reason string
    3 evaluationError string`,
  SelfSubjectRulesReview: `
    1 metadata ObjectMeta
    2 spec SelfSubjectRulesReviewSpec
    3 status SubjectRulesReviewStatus`,
  SelfSubjectRulesReviewSpec: `
    1 namespace string`,
  SubjectRulesReviewStatus: `
    1 resourceRules []ResourceRule
    2 nonResourceRules []NonResourceRule
    3 incomplete bool keep
    4 evaluationError string`,
  ResourceRule: `
    1 verbs []string
    2 apiGroups []string
    3 resources []string
    4 resourceNames []string`,
  NonResourceRule: `
    1 verbs []string
    2 nonResourceURLs []string`,
  ExtraValue: `
    1 items []string`,

  // ---- k8s.io/api/certificates/v1 ----
  CertificateSigningRequest: `
    1 metadata ObjectMeta
    2 spec CertificateSigningRequestSpec
    3 status CertificateSigningRequestStatus`,
  CertificateSigningRequestSpec: `
    1 request bytes
    7 signerName string
    8 expirationSeconds int32 ptr
    5 usages []string
    2 username string
    3 uid string
    4 groups []string
    6 extra map<string,ExtraValue>`,
  CertificateSigningRequestStatus: `
    1 conditions []CertificateSigningRequestCondition
    2 certificate bytes`,
  CertificateSigningRequestCondition: `
    1 type string
    6 status string
    2 reason string
    3 message string
    4 lastUpdateTime Time
    5 lastTransitionTime Time`,

  // ---- k8s.io/api/authentication/v1 ----
  SelfSubjectReview: `
    1 metadata ObjectMeta
    2 status SelfSubjectReviewStatus`,
  SelfSubjectReviewStatus: `
    1 userInfo UserInfo`,
  UserInfo: `
    1 username string
    2 uid string
    3 groups []string
    4 extra map<string,ExtraValue>`,
  TokenRequest: `
    1 metadata ObjectMeta
    2 spec TokenRequestSpec
    3 status TokenRequestStatus`,
  TokenRequestSpec: `
    1 audiences []string
    4 expirationSeconds int64 ptr
    3 boundObjectRef BoundObjectReference`,
  BoundObjectReference: `
    1 kind string
    2 apiVersion string
    3 name string
    4 uid string`,
  TokenRequestStatus: `
    1 token string keep
    2 expirationTimestamp Time`,
  TokenReview: `
    1 metadata ObjectMeta
    2 spec TokenReviewSpec
    3 status TokenReviewStatus`,
  TokenReviewSpec: `
    1 token string
    2 audiences []string`,
  TokenReviewStatus: `
    1 authenticated bool
    2 user UserInfo
    4 audiences []string
    3 error string`,
};

/**
 * apiVersion/kind -> top-level message. kube-apiserver registers DeleteOptions
 * in every group version, so it is accepted under any apiVersion (ANY_VERSION_KINDS).
 */
export const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Pod': 'Pod',
  'v1/PodTemplate': 'PodTemplate',
  'v1/ResourceQuota': 'ResourceQuota',
  'v1/LimitRange': 'LimitRange',
  'v1/PersistentVolumeClaim': 'PersistentVolumeClaim',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'apps/v1/StatefulSet': 'StatefulSet',
  'apps/v1/DaemonSet': 'DaemonSet',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'policy/v1/Eviction': 'Eviction',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'networking.k8s.io/v1/IngressClass': 'IngressClass',
  'networking.k8s.io/v1/NetworkPolicy': 'NetworkPolicy',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
};

export const ANY_VERSION_KINDS: Record<string, string> = {
  DeleteOptions: 'DeleteOptions',
};

/** The message describing apiVersion/kind, or undefined. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  return KINDS[`${apiVersion}/${kind}`] ?? (Object.hasOwn(ANY_VERSION_KINDS, kind) ? ANY_VERSION_KINDS[kind] : undefined);
}

const SCALARS = new Set<string>(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);

function parseType(t: string, where: string): FieldType {
  if (SCALARS.has(t)) return t as ScalarType;
  const m = /^map<string,(.+)>$/.exec(t);
  if (m) {
    const v = m[1];
    if (v === 'string' || v === 'bytes') return `map<string,${v}>`;
    if (SCALARS.has(v)) throw new Error(`protobuf descriptors: unsupported map value ${v} at ${where}`);
    return `map<string,message:${v}>`;
  }
  if (!/^[A-Z][A-Za-z0-9]*$/.test(t)) throw new Error(`protobuf descriptors: bad type ${t} at ${where}`);
  return `message:${t}`;
}

function parse(spec: Record<string, string>): Record<string, MessageDescriptor> {
  const out: Record<string, MessageDescriptor> = {};
  for (const [msg, text] of Object.entries(spec)) {
    const desc: MessageDescriptor = {};
    const names = new Set<string>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const [num, name, type, ...flags] = line.split(/\s+/);
      const where = `${msg}.${name}`;
      const n = Number(num);
      if (!Number.isInteger(n) || n < 1 || n > 536870911 || !name || !type) throw new Error(`protobuf descriptors: bad line "${line}" in ${msg}`);
      if (desc[n]) throw new Error(`protobuf descriptors: duplicate field number ${n} in ${msg}`);
      if (names.has(name)) throw new Error(`protobuf descriptors: duplicate field name ${where}`);
      names.add(name);
      const repeated = type.startsWith('[]');
      const field: FieldDescriptor = { name, type: parseType(repeated ? type.slice(2) : type, where) };
      if (repeated) field.repeated = true;
      for (const f of flags) {
        if (f === 'ptr') field.ptr = true;
        else if (f === 'keep') field.keep = true;
        else if (f === 'inline') field.inline = true;
        else throw new Error(`protobuf descriptors: unknown flag ${f} at ${where}`);
      }
      if (field.inline && (repeated || !field.type.startsWith('message:'))) throw new Error(`protobuf descriptors: inline needs a single message at ${where}`);
      desc[n] = field;
    }
    out[msg] = desc;
  }
  return out;
}

/** The descriptor table: message name -> field number -> field. */
export const MESSAGES: Readonly<Record<string, MessageDescriptor>> = parse(SPEC);

/** Field numbers of a message in declaration order (the order the proto lists them). */
export const FIELD_ORDER: Readonly<Record<string, number[]>> = Object.fromEntries(
  Object.entries(SPEC).map(([msg, text]) => [
    msg,
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => Number(l.split(/\s+/)[0])),
  ]),
);
