// Kubernetes protobuf request bodies: the descriptor table, the generic decoder,
// round trips of every described kind through a test-only encoder driven by the
// same table, and real bodies captured from kubectl v1.35 (scripts/gen-protobuf.mjs).

import { describe, expect, it } from 'vitest';
import {
  decodeAs,
  decodeKubernetesProtobuf,
  encodeMessage,
  encodeObject,
  envelope,
  FIELD_ORDER,
  ProtobufWriter as Writer,
  goDuration,
  isProtobuf,
  KINDS,
  MESSAGES,
  SPECIAL_MESSAGES,
  UnsupportedProtobufKind,
} from '../../src/protobuf';

import fxClusterRoleAggregate from '../fixtures/protobuf/clusterrole-aggregate.json';
import fxClusterRole from '../fixtures/protobuf/clusterrole.json';
import fxClusterRoleBinding from '../fixtures/protobuf/clusterrolebinding.json';
import fxConfigMap from '../fixtures/protobuf/configmap.json';
import fxCronJob from '../fixtures/protobuf/cronjob.json';
import fxDeleteConfigMap from '../fixtures/protobuf/delete-configmap.json';
import fxDeployment from '../fixtures/protobuf/deployment.json';
import fxHelmDelete from '../fixtures/protobuf/helm-release-delete.json';
import fxHelmUpdate from '../fixtures/protobuf/helm-release-update.json';
import fxIngress from '../fixtures/protobuf/ingress.json';
import fxJob from '../fixtures/protobuf/job.json';
import fxNamespace from '../fixtures/protobuf/namespace.json';
import fxPDB from '../fixtures/protobuf/poddisruptionbudget.json';
import fxPriorityClass from '../fixtures/protobuf/priorityclass.json';
import fxQuota from '../fixtures/protobuf/quota.json';
import fxRole from '../fixtures/protobuf/role.json';
import fxRoleBinding from '../fixtures/protobuf/rolebinding.json';
import fxSecretDocker from '../fixtures/protobuf/secret-docker-registry.json';
import fxSecret from '../fixtures/protobuf/secret.json';
import fxServiceNodePort from '../fixtures/protobuf/service-nodeport.json';
import fxService from '../fixtures/protobuf/service.json';
import fxServiceAccount from '../fixtures/protobuf/serviceaccount.json';
import fxSSARNonResource from '../fixtures/protobuf/ssar-nonresource.json';
import fxSSARSubresource from '../fixtures/protobuf/ssar-subresource.json';
import fxSSAR from '../fixtures/protobuf/ssar.json';
import fxSSR from '../fixtures/protobuf/ssr.json';
import fxSSRR from '../fixtures/protobuf/ssrr.json';
import fxToken from '../fixtures/protobuf/token.json';

type Obj = Record<string, unknown>;

const enc = new TextEncoder();
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const CORE = 'k8s.io.api.core.v1';
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
interface Fixture {
  command: string;
  method: string;
  path: string;
  contentType: string;
  body: string;
  json?: unknown;
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
  return v;
}

// ---------------------------------------------------------------------------
// realistic objects of every kind

const meta = (name: string, namespace?: string, extra: Obj = {}): Obj => ({ name, ...(namespace ? { namespace } : {}), ...extra });

const podSpec: Obj = {
  volumes: [
    { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'empty', emptyDir: {} },
    { name: 'config', configMap: { name: 'web-config', items: [{ key: 'nginx.conf', path: 'nginx.conf', mode: 0o644 }], defaultMode: 420, optional: false } },
    { name: 'tls', secret: { secretName: 'web-tls', defaultMode: 256, optional: true } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data-pvc', readOnly: true } },
    { name: 'host', hostPath: { path: '/var/log', type: 'DirectoryOrCreate' } },
    {
      name: 'projected',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { secret: { name: 'extra', optional: false } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    {
      name: 'podinfo',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'mem', resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '1Mi' }, mode: 0 },
        ],
      },
    },
    { name: 'csi', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'vault' }, nodePublishSecretRef: { name: 'creds' } } },
    { name: 'nfs', nfs: { server: 'nfs.example', path: '/exports', readOnly: true } },
  ],
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c'], args: ['echo init'], restartPolicy: 'Always' }],
  containers: [
    {
      name: 'web',
      image: 'nginx:1.27',
      imagePullPolicy: 'IfNotPresent',
      workingDir: '/srv',
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, hostPort: 19090, hostIP: '0.0.0.0', protocol: 'UDP' },
      ],
      env: [
        { name: 'PLAIN', value: 'v' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'mode', optional: true } } },
        { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'password' } } },
        { name: 'FROM_FILE', valueFrom: { fileKeyRef: { volumeName: 'config', path: 'env', key: 'KEY', optional: false } } },
      ],
      envFrom: [{ prefix: 'CM_', configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secret', optional: false } }],
      resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi', 'nvidia.com/gpu': '1' }, claims: [{ name: 'gpu', request: 'big' }] },
      resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
      volumeMounts: [
        { name: 'config', mountPath: '/etc/nginx', readOnly: true, subPath: 'nginx.conf' },
        { name: 'cache', mountPath: '/cache', mountPropagation: 'None', recursiveReadOnly: 'Disabled' },
      ],
      volumeDevices: [{ name: 'block', devicePath: '/dev/xvda' }],
      livenessProbe: {
        httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'live' }] },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        timeoutSeconds: 2,
        successThreshold: 1,
        failureThreshold: 3,
        terminationGracePeriodSeconds: 0,
      },
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
      lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hi'] } }, preStop: { sleep: { seconds: 5 } }, stopSignal: 'SIGTERM' },
      securityContext: {
        runAsUser: 0,
        runAsGroup: 1000,
        runAsNonRoot: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
        appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' },
        seLinuxOptions: { level: 's0:c123,c456' },
      },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'FallbackToLogsOnError',
      stdin: true,
      tty: true,
    },
    { name: 'grpc', image: 'grpc-server', readinessProbe: { grpc: { port: 9000, service: '' } }, resources: {} },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 0,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'web',
  automountServiceAccountToken: false,
  hostNetwork: true,
  shareProcessNamespace: true,
  securityContext: {
    fsGroup: 2000,
    fsGroupChangePolicy: 'OnRootMismatch',
    supplementalGroups: [4000, 5000],
    runAsNonRoot: true,
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' },
  },
  imagePullSecrets: [{ name: 'regcred' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['bad-node'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
    },
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['cache'] }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
            topologyKey: 'topology.kubernetes.io/zone',
            namespaceSelector: {},
            matchLabelKeys: ['pod-template-hash'],
          },
        },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
    { operator: 'Exists', tolerationSeconds: 0 },
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
  priorityClassName: 'high',
  priority: 0,
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  readinessGates: [{ conditionType: 'example.com/ready' }],
  runtimeClassName: 'gvisor',
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  overhead: { cpu: '10m' },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, minDomains: 2 }],
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'example.com/gate' }],
  resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
};

const objects: Obj[] = [
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta('team-a', undefined, {
      labels: { team: 'a', 'kubernetes.io/metadata.name': 'team-a' },
      annotations: { owner: 'alice@example.com' },
      uid: '0b3e4c6e-1111-2222-3333-444455556666',
      resourceVersion: '42',
      creationTimestamp: '2024-05-01T12:30:45Z',
      finalizers: ['example.com/cleanup'],
    }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active', conditions: [{ type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: '2024-05-01T12:31:00Z', reason: 'ContentDeleted', message: 'All content successfully deleted' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('app-config', 'team-a', { labels: { app: 'web' } }),
    immutable: false,
    data: { 'app.properties': 'color=blue\nsize=3\n', empty: '', unicode: 'grüße ✓' },
    binaryData: { 'logo.png': 'iVBORw0KGgo=' },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('sh.helm.release.v1.web.v1', 'team-a', { labels: { owner: 'helm', name: 'web', status: 'deployed', version: '1' } }),
    type: 'helm.sh/release.v1',
    immutable: true,
    data: { release: 'SDRzSUFBQUFBQUFBLzZ5U3dXcmpNQkNHMzJYT0NVaTI0cVErRlFxN0I3Y3BvZXdsRUNScHdFanI=', empty: '' },
    stringData: { note: 'plain' },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web', 'team-a', {
      labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'aaaa-bbbb', controller: true, blockOwnerDeletion: false }],
    }),
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080, appProtocol: 'http' },
        { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
      ],
      clusterIP: '10.96.0.15',
      clusterIPs: ['10.96.0.15', 'fd00::15'],
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'PreferDualStack',
      externalIPs: ['192.0.2.10'],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      loadBalancerSourceRanges: ['203.0.113.0/24'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
      publishNotReadyAddresses: true,
      allocateLoadBalancerNodePorts: false,
      loadBalancerClass: 'example.com/lb',
      internalTrafficPolicy: 'Cluster',
      trafficDistribution: 'PreferClose',
    },
    status: {
      loadBalancer: { ingress: [{ ip: '198.51.100.7', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP', error: 'example.com/Pending' }] }] },
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'Provisioned', message: '' }],
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: meta('ext', 'team-a'), spec: { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 5432 }] } },
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('builder', 'team-a', { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } }),
    secrets: [{ name: 'builder-token', namespace: 'team-a', kind: 'Secret', apiVersion: 'v1', uid: 'u-1', resourceVersion: '7', fieldPath: 'data' }],
    imagePullSecrets: [{ name: 'regcred' }],
    automountServiceAccountToken: false,
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web', 'team-a', {
      labels: { app: 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      generation: 9007199254740991,
      generateName: 'web-',
      deletionGracePeriodSeconds: 0,
      creationTimestamp: '2024-05-01T12:30:45Z',
      deletionTimestamp: '2024-05-02T00:00:00Z',
      managedFields: [
        { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T12:30:45Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} }, subresource: 'status' },
      ],
    }),
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
      template: { metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T12:00:00Z' } }, spec: podSpec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      minReadySeconds: 5,
      revisionHistoryLimit: 0,
      paused: true,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 9,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      collisionCount: 0,
      conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-05-01T12:31:00Z', lastTransitionTime: '2024-05-01T12:31:00Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }],
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('migrate', 'team-a'),
    spec: {
      parallelism: 2,
      completions: 4,
      backoffLimit: 0,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 0,
      completionMode: 'Indexed',
      suspend: false,
      backoffLimitPerIndex: 1,
      maxFailedIndexes: 2,
      podReplacementPolicy: 'Failed',
      managedBy: 'kubernetes.io/job-controller',
      manualSelector: false,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [1, 2, 42] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 1 }] },
      template: { metadata: { labels: { job: 'migrate' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'migrate:1', args: ['--all'] }] } },
    },
    status: {
      startTime: '2024-05-01T12:00:00Z',
      active: 1,
      succeeded: 2,
      failed: 1,
      ready: 0,
      terminating: 0,
      completedIndexes: '0,2',
      uncountedTerminatedPods: { succeeded: ['uid-1'] },
      conditions: [{ type: 'Complete', status: 'False', lastProbeTime: '2024-05-01T12:00:00Z', lastTransitionTime: '2024-05-01T12:00:00Z' }],
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('nightly', 'team-a'),
    spec: {
      schedule: '0 3 * * *',
      timeZone: 'Europe/Paris',
      startingDeadlineSeconds: 200,
      concurrencyPolicy: 'Forbid',
      suspend: false,
      successfulJobsHistoryLimit: 0,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { cron: 'nightly' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['date'] }] } } } },
    },
    status: { active: [{ kind: 'Job', namespace: 'team-a', name: 'nightly-1', uid: 'j-1', apiVersion: 'batch/v1', resourceVersion: '5' }], lastScheduleTime: '2024-05-01T03:00:00Z' },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta('pod-reader', 'team-a'),
    rules: [
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
      { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
    ],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta('monitoring', undefined, { labels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }),
    rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/healthz/*'] }],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }] },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('read-pods', 'team-a'),
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
      { kind: 'ServiceAccount', name: 'builder', namespace: 'team-a' },
    ],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta('monitoring'),
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:monitoring' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'monitoring' },
  },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('low'), value: -10, globalDefault: true, description: 'batch work', preemptionPolicy: 'Never' },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('zero'), value: 0 },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta('web', 'team-a'),
    spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    status: {
      observedGeneration: 2,
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptedPods: { 'web-1': '2024-05-01T12:00:00Z' },
      conditions: [{ type: 'DisruptionAllowed', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'SufficientPods', message: '' }],
    },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('strict', 'team-a'), spec: { minAvailable: 0, selector: {} } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('web', 'team-a', { annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } }),
    spec: {
      ingressClassName: 'nginx',
      defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } },
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
              { path: '/api', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { number: 8080 } } } },
            ],
          },
        },
        { http: { paths: [{ path: '/x', pathType: 'Exact', backend: { service: { name: 'x', port: { number: 1 } } } }] } },
      ],
    },
    status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com', ports: [{ port: 443, protocol: 'TCP' }] }] } },
  },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta('compute', 'team-a'),
    spec: {
      hard: { 'requests.cpu': '4', 'limits.memory': '8Gi', pods: '10', 'count/deployments.apps': '5' },
      scopes: ['NotBestEffort'],
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
    },
    status: { hard: { pods: '10' }, used: { pods: '3', 'requests.cpu': '1500m' } },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('web-0', 'team-a'),
    spec: {
      ...podSpec,
      ephemeralContainers: [{ name: 'debugger', image: 'busybox', targetContainerName: 'web', stdin: true, tty: true }],
      resources: { requests: { cpu: '1' } },
      hostnameOverride: 'custom-host',
      workloadRef: { name: 'training', podGroup: 'workers' },
    },
    status: {
      phase: 'Running',
      hostIP: '10.0.0.5',
      hostIPs: [{ ip: '10.0.0.5' }],
      podIP: '10.244.1.7',
      podIPs: [{ ip: '10.244.1.7' }],
      startTime: '2024-05-01T12:00:00Z',
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T12:00:05Z' }],
      containerStatuses: [
        {
          name: 'web',
          ready: true,
          restartCount: 0,
          image: 'nginx:1.27',
          imageID: 'docker.io/library/nginx@sha256:abc',
          containerID: 'containerd://123',
          started: true,
          state: { running: { startedAt: '2024-05-01T12:00:02Z' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2024-05-01T11:00:00Z', finishedAt: '2024-05-01T11:59:00Z', containerID: 'containerd://122' } },
          allocatedResources: { cpu: '100m' },
          user: { linux: { uid: 0, gid: 0, supplementalGroups: [0, 10] } },
        },
      ],
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('db', 'team-a'),
    spec: {
      replicas: 3,
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '10Gi' } }, volumeMode: 'Filesystem' } },
      ],
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      ordinals: { start: 1 },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('agent', 'kube-system'),
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }], tolerations: [{ operator: 'Exists' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
      revisionHistoryLimit: 5,
    },
    status: { currentNumberScheduled: 3, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 3 },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('deny', 'team-a'),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { role: 'fe' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443, endPort: 8443 }] }],
      egress: [{ to: [{ podSelector: {} }], ports: [{ port: 'dns' }] }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'abc-123', resourceVersion: '17' },
    orphanDependents: false,
    propagationPolicy: 'Foreground',
    dryRun: ['All'],
  },
  { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ignoreStoreReadErrorWithClusterBreakingPotential: true },
  { apiVersion: 'policy/v1', kind: 'Eviction', metadata: meta('web-0', 'team-a'), deleteOptions: { gracePeriodSeconds: 30, preconditions: { uid: 'pod-uid' } } },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: {
      resourceAttributes: {
        namespace: 'team-a',
        verb: 'list',
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        subresource: 'scale',
        name: 'web',
        fieldSelector: { rawSelector: 'metadata.name=web', requirements: [{ key: 'metadata.name', operator: 'In', values: ['web'] }] },
        labelSelector: { requirements: [{ key: 'app', operator: 'Exists' }] },
      },
    },
    status: { allowed: false, denied: true, reason: 'RBAC: denied', evaluationError: 'x' },
  },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } } },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: 'team-a' },
    status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: ['x'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }], incomplete: false },
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: { user: 'jane', uid: 'u1', groups: ['dev'], extra: { scopes: ['a', 'b'], empty: [] }, resourceAttributes: { verb: 'get', resource: 'pods' } },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: '2024-05-01T12:00:00Z' },
    status: { userInfo: { username: 'kubernetes-admin', uid: 'admin-uid', groups: ['system:masters', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=abc'] } } },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: meta('builder', 'team-a'),
    spec: { audiences: ['https://kubernetes.default.svc', 'vault'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'pod-uid' } },
    status: { token: 'eyJhbGciOi', expirationTimestamp: '2024-05-01T13:00:00Z' },
  },
  {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: meta('node-csr-abc', undefined),
    spec: {
      request: btoa('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      expirationSeconds: 86400, usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', uid: 'u-1', groups: ['system:bootstrappers', 'system:authenticated'], extra: { scopes: ['a'] },
    },
    status: {
      conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: '2024-05-01T12:00:00Z', lastTransitionTime: '2024-05-01T12:00:00Z' }],
      certificate: btoa('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n'),
    },
  },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: 'abc', audiences: ['api'] }, status: { authenticated: true, user: { username: 'sa' }, audiences: ['api'] } },
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta('web-5d4f8', 'team-a', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }] }),
    spec: { replicas: 2, minReadySeconds: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f8' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'False' }] },
  },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: 'team-a' }, spec: { user: 'bob', resourceAttributes: { namespace: 'team-a', verb: 'delete', resource: 'secrets' } }, status: { allowed: true } },
  { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('tpl', 'team-a'), template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta('limits', 'team-a'),
    spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { cpu: '10m' }, default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '4' } }] },
  },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('data', 'team-a'), spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } }, dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap', namespace: 'other' } } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'ingress' } } },
];

// ---------------------------------------------------------------------------

describe('isProtobuf', () => {
  it('recognizes the Kubernetes protobuf media type', () => {
    expect(isProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobuf('Application/Vnd.Kubernetes.Protobuf; charset=utf-8')).toBe(true);
    expect(isProtobuf(' application/vnd.kubernetes.protobuf;stream=watch')).toBe(true);
    expect(isProtobuf('application/json')).toBe(false);
    expect(isProtobuf('application/vnd.kubernetes.protobuf+json')).toBe(false);
    expect(isProtobuf('application/apply-patch+yaml')).toBe(false);
    expect(isProtobuf('')).toBe(false);
  });
});

describe('descriptor table', () => {
  it('references only described messages, and every kind maps to one', () => {
    const described = (m: string) => Object.hasOwn(MESSAGES, m) || Object.hasOwn(SPECIAL_MESSAGES, m);
    for (const [msg, desc] of Object.entries(MESSAGES)) {
      for (const [num, f] of Object.entries(desc)) {
        const m = /message:([\w.]+)/.exec(f.type);
        if (m) expect(described(m[1]), `${msg}.${f.name} (${num}) -> ${m[1]}`).toBe(true);
      }
      expect(FIELD_ORDER[msg].length).toBe(Object.keys(desc).length);
    }
    for (const [k, msg] of Object.entries(KINDS)) expect(MESSAGES[msg], k).toBeDefined();
  });

  it('has the field numbers of the generated.proto files', () => {
    const nums = (msg: string) => Object.fromEntries(Object.entries(MESSAGES[msg]).map(([n, f]) => [f.name, Number(n)]));
    expect(nums(`${META}.ObjectMeta`)).toEqual({
      name: 1, generateName: 2, namespace: 3, selfLink: 4, uid: 5, resourceVersion: 6, generation: 7, creationTimestamp: 8,
      deletionTimestamp: 9, deletionGracePeriodSeconds: 10, labels: 11, annotations: 12, ownerReferences: 13, finalizers: 14, managedFields: 17,
    });
    expect(nums(`${META}.DeleteOptions`)).toEqual({ gracePeriodSeconds: 1, preconditions: 2, orphanDependents: 3, propagationPolicy: 4, dryRun: 5, ignoreStoreReadErrorWithClusterBreakingPotential: 6 });
    expect(nums(`${CORE}.ConfigMap`)).toEqual({ metadata: 1, data: 2, binaryData: 3, immutable: 4 });
    expect(nums(`${CORE}.Secret`)).toEqual({ metadata: 1, data: 2, type: 3, stringData: 4, immutable: 5 });
    expect(nums(`${CORE}.Namespace`)).toEqual({ metadata: 1, spec: 2, status: 3 });
    expect(MESSAGES[`${CORE}.Secret`][2].type).toBe('map<string,bytes>');
    expect(MESSAGES[`${CORE}.Volume`][2]).toMatchObject({ type: `message:${CORE}.VolumeSource`, inline: true });
    expect(SPECIAL_MESSAGES['k8s.io.apimachinery.pkg.util.intstr.IntOrString']).toBe('intorstring');
  });
});

describe('real kubectl v1.35 bodies', () => {
  const fixtures: Record<string, Fixture> = {
    namespace: fxNamespace, configmap: fxConfigMap, secret: fxSecret, 'secret-docker-registry': fxSecretDocker, deployment: fxDeployment,
    service: fxService, 'service-nodeport': fxServiceNodePort, serviceaccount: fxServiceAccount, job: fxJob, cronjob: fxCronJob,
    role: fxRole, rolebinding: fxRoleBinding, clusterrole: fxClusterRole, 'clusterrole-aggregate': fxClusterRoleAggregate,
    clusterrolebinding: fxClusterRoleBinding, priorityclass: fxPriorityClass, poddisruptionbudget: fxPDB, ingress: fxIngress, quota: fxQuota,
    ssar: fxSSAR, 'ssar-subresource': fxSSARSubresource, 'ssar-nonresource': fxSSARNonResource, ssrr: fxSSRR, ssr: fxSSR, token: fxToken,
  };
  const decode = (fx: Fixture) => {
    expect(isProtobuf(fx.contentType)).toBe(true);
    return decodeKubernetesProtobuf(fromBase64(fx.body));
  };

  it.each(Object.entries(fixtures).filter(([, fx]) => fx.json !== undefined))("%s equals Go's JSON for the same object (kubectl --dry-run=client -o json)", (_name, fx) => {
    expect(decode(fx).object).toEqual(dropNulls(fx.json));
  });

  it('create namespace', () => {
    expect(decode(fxNamespace)).toEqual({ apiVersion: 'v1', kind: 'Namespace', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: {}, status: {} } });
  });

  it('create configmap / secret: data, base64 bytes, no empty namespace or generateName', () => {
    expect(decode(fxConfigMap).object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1', b: 'two' } });
    expect(decode(fxSecret).object).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { p: btoa('x') } });
    const reg = decode(fxSecretDocker).object as Obj & { data: Record<string, string> };
    expect(reg.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(atob(reg.data['.dockerconfigjson']))).toEqual({ auths: { 'registry.example': { username: 'u', password: 'pw', auth: btoa('u:pw') } } });
  });

  it('create deployment: replicas, labels, containers, ports', () => {
    const d = decode(fxDeployment);
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.object).toMatchObject({
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
      },
    });
    expect((d.object.metadata as Obj).creationTimestamp).toBeUndefined();
  });

  it('create service: ports with targetPort, selector, type', () => {
    expect(decode(fxService).object.spec).toEqual({ ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' });
    expect(decode(fxServiceNodePort).object.spec).toMatchObject({ type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] });
  });

  it('create serviceaccount / job / cronjob', () => {
    expect(decode(fxServiceAccount).object).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'default' } });
    expect(decode(fxJob).object.spec).toMatchObject({ template: { spec: { restartPolicy: 'Never', containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'] }] } } });
    expect(decode(fxCronJob).object.spec).toMatchObject({ schedule: '*/5 * * * *', jobTemplate: { metadata: { name: 'cj' }, spec: { template: { spec: { restartPolicy: 'OnFailure' } } } } });
  });

  it('create role / rolebinding / clusterrole / clusterrolebinding', () => {
    expect(decode(fxRole).object.rules).toEqual([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
    expect(decode(fxRoleBinding).object).toMatchObject({
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    });
    expect(decode(fxClusterRole).object.rules).toEqual([{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }, { verbs: ['get'], nonResourceURLs: ['/logs/*'] }]);
    expect(decode(fxClusterRoleAggregate).object.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] });
    expect(decode(fxClusterRoleBinding).object).toMatchObject({ subjects: [{ kind: 'Group', name: 'g' }], roleRef: { kind: 'ClusterRole', name: 'cr' } });
  });

  it('create priorityclass / pdb / ingress / quota', () => {
    expect(decode(fxPriorityClass).object).toMatchObject({ value: 1000, description: 'important', preemptionPolicy: 'PreemptLowerPriority' });
    expect(decode(fxPDB).object.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } });
    expect(decode(fxIngress).object.spec).toEqual({ rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc', port: { number: 80 } } } }] } }] });
    expect(decode(fxQuota).object.spec).toEqual({ hard: { cpu: '1', memory: '1G', pods: '2' } });
  });

  it('auth can-i (SelfSubjectAccessReview), can-i --list, whoami, create token', () => {
    expect(decode(fxSSAR).object).toEqual({
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } }, status: { allowed: false },
    });
    expect(decode(fxSSARSubresource).object.spec).toEqual({ resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods', subresource: 'log' } });
    expect(decode(fxSSARNonResource).object.spec).toEqual({ nonResourceAttributes: { path: '/healthz', verb: 'get' } });
    expect(decode(fxSSRR).object).toMatchObject({ kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    expect(decode(fxSSR).object).toMatchObject({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(decode(fxToken).object).toMatchObject({ kind: 'TokenRequest', spec: { audiences: ['api'], expirationSeconds: 3600 } });
    expect(fxToken.path).toBe('/api/v1/namespaces/default/serviceaccounts/sa/token');
  });

  it('Helm release storage: PUT of the release Secret and DELETE with a protobuf DeleteOptions', () => {
    expect(fxHelmUpdate.method).toBe('PUT');
    const put = decode(fxHelmUpdate).object as Obj & { metadata: Obj; data: Record<string, string> };
    expect(put.apiVersion).toBe('v1');
    expect(put.kind).toBe('Secret');
    expect(put.type).toBe('helm.sh/release.v1');
    expect(put.metadata).toMatchObject({ name: 'sh.helm.release.v1.web.v1', labels: { name: 'web', owner: 'helm', status: 'uninstalling', version: '1' } });
    expect(put.metadata.namespace).toBeUndefined(); // "" on the wire: the namespace comes from the URL
    // data.release is base64 (JSON bytes encoding) of Helm's base64(gzip(release))
    expect(atob(put.data.release).startsWith('H4sI')).toBe(true);

    expect(fxHelmDelete.method).toBe('DELETE');
    expect(decode(fxHelmDelete)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', object: { apiVersion: 'v1', kind: 'DeleteOptions' } });
  });

  it('kubectl delete sends JSON DeleteOptions, not protobuf', () => {
    expect(isProtobuf(fxDeleteConfigMap.contentType)).toBe(false);
    expect(JSON.parse(atob(fxDeleteConfigMap.body))).toEqual({ propagationPolicy: 'Background' });
  });
});

describe('round trips of every kind', () => {
  const label = (o: Obj) => `${o.apiVersion} ${o.kind} ${(o.metadata as Obj | undefined)?.name ?? ''}`;
  it.each(objects.map((o) => [label(o), o] as const))('%s', (_l, obj) => {
    expect(decodeKubernetesProtobuf(encodeObject(obj)).object).toEqual(obj);
    // Go writes every non-pointer field, set or not: zero values must read as unset
    expect(decodeKubernetesProtobuf(encodeObject(obj, { goDefaults: true })).object).toEqual(obj);
    // packed repeated scalars decode the same
    expect(decodeKubernetesProtobuf(encodeObject(obj, { packed: true })).object).toEqual(obj);
  });

  it('returns apiVersion and kind next to the object', () => {
    const d = decodeKubernetesProtobuf(encodeObject(objects[1]));
    expect(d.apiVersion).toBe('v1');
    expect(d.kind).toBe('ConfigMap');
  });
});

describe('wire details', () => {
  const configMap = (metaBytes: number[]) => envelope('v1', 'ConfigMap', new Writer().len(1, metaBytes).bytes);

  it('omits empty strings that Go writes for unset fields; keeps pointer zeros', () => {
    const m = new Writer().len(1, enc.encode('x')).len(2, []).len(3, []).tag(7, 0).varint(0).tag(10, 0).varint(0);
    expect(decodeKubernetesProtobuf(configMap(m.bytes)).object.metadata).toEqual({ name: 'x', deletionGracePeriodSeconds: 0 });
  });

  it('reads negative and large int64/int32 values', () => {
    const m = new Writer().tag(7, 0).varint(-1n).tag(10, 0).varint(2n ** 40n);
    expect(decodeKubernetesProtobuf(configMap(m.bytes)).object.metadata).toEqual({ generation: -1, deletionGracePeriodSeconds: 2 ** 40 });
    const pc = new Writer().tag(2, 0).varint(-2147483648);
    expect(decodeKubernetesProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', pc.bytes)).object.value).toBe(-2147483648);
  });

  it('merges repeated occurrences of a singular message and keeps the last scalar', () => {
    const raw = new Writer().len(1, new Writer().len(1, enc.encode('a')).bytes).len(1, new Writer().len(11, new Writer().len(1, enc.encode('k')).len(2, enc.encode('v')).bytes).bytes).len(1, new Writer().len(1, enc.encode('b')).bytes);
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw.bytes)).object.metadata).toEqual({ name: 'b', labels: { k: 'v' } });
  });

  it('skips unknown fields of every wire type', () => {
    const m = new Writer().tag(99, 0).varint(5).tag(98, 1).raw([1, 2, 3, 4, 5, 6, 7, 8]).len(97, [1, 2]).tag(96, 5).raw([1, 2, 3, 4]).len(1, enc.encode('n'));
    expect(decodeKubernetesProtobuf(configMap(m.bytes)).object.metadata).toEqual({ name: 'n' });
  });

  it('converts well-known types', () => {
    const time = (s: bigint, n = 0) => new Writer().tag(1, 0).varint(s).tag(2, 0).varint(n).bytes;
    expect(decodeAs(`${META}.Time`, new Uint8Array(time(1714566645n, 999_000_000)))).toBe('2024-05-01T12:30:45Z');
    expect(decodeAs(`${META}.Time`, new Uint8Array(time(0n)))).toBe('1970-01-01T00:00:00Z');
    expect(decodeAs(`${META}.Time`, new Uint8Array())).toBeUndefined();
    expect(decodeAs(`${META}.MicroTime`, new Uint8Array(time(1714566645n, 123_456_789)))).toBe('2024-05-01T12:30:45.123456Z');
    expect(decodeAs(`${META}.Duration`, new Uint8Array(new Writer().tag(1, 0).varint(3_723_500_000_000n).bytes))).toBe('1h2m3.5s');
    expect([0n, 1n, 1500n, 2_500_000n, 90_000_000_000n, -5_000_000_000n].map(goDuration)).toEqual(['0s', '1ns', '1.5µs', '2.5ms', '1m30s', '-5s']);
    expect(decodeAs('k8s.io.apimachinery.pkg.api.resource.Quantity', new Uint8Array(new Writer().len(1, enc.encode('1.5Gi')).bytes))).toBe('1.5Gi');
    expect(decodeAs('k8s.io.apimachinery.pkg.util.intstr.IntOrString', new Uint8Array(encodeMessage('k8s.io.apimachinery.pkg.util.intstr.IntOrString', '25%')))).toBe('25%');
    expect(decodeAs('k8s.io.apimachinery.pkg.util.intstr.IntOrString', new Uint8Array(encodeMessage('k8s.io.apimachinery.pkg.util.intstr.IntOrString', -3)))).toBe(-3);
    expect(decodeAs('k8s.io.apimachinery.pkg.runtime.RawExtension', new Uint8Array(encodeMessage('k8s.io.apimachinery.pkg.runtime.RawExtension', { a: [1, 'x'] })))).toEqual({ a: [1, 'x'] });
    // a RawExtension may carry a nested Kubernetes protobuf object
    const nested = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } });
    expect(decodeAs('k8s.io.apimachinery.pkg.runtime.RawExtension', new Uint8Array(new Writer().len(1, nested).bytes))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } });
  });

  it('accepts a JSON payload inside the envelope', () => {
    const raw = enc.encode(JSON.stringify({ metadata: { name: 'j' }, data: { a: 'b' } }));
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw, { contentType: 'application/json' })).object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' }, data: { a: 'b' } });
  });
});

describe('errors', () => {
  it('UnsupportedProtobufKind names the kind', () => {
    const body = envelope('example.com/v1', 'Widget', []);
    expect(() => decodeKubernetesProtobuf(body)).toThrow(UnsupportedProtobufKind);
    try {
      decodeKubernetesProtobuf(body);
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect((e as UnsupportedProtobufKind).kind).toBe('Widget');
      expect((e as UnsupportedProtobufKind).apiVersion).toBe('example.com/v1');
      expect((e as Error).message).toContain('Widget');
    }
    // a described kind under another group version is not the same kind
    expect(() => decodeKubernetesProtobuf(envelope('apps/v1beta1', 'Deployment', []))).toThrow(UnsupportedProtobufKind);
  });

  const plainError = (bytes: Uint8Array, message: RegExp) => {
    let err: unknown;
    try {
      decodeKubernetesProtobuf(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnsupportedProtobufKind);
    expect((err as Error).message).toMatch(message);
  };

  it('rejects malformed bodies with a plain Error', () => {
    plainError(enc.encode('{"kind":"ConfigMap"}'), /magic/);
    plainError(new Uint8Array([0x6b, 0x38, 0x73]), /magic/);
    plainError(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x0a]), /runs past the end/);
    plainError(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x08, 0xff]), /truncated varint/);
    plainError(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0b]), /wire type 3/);
    plainError(envelope('', '', []), /no kind/);
    plainError(envelope('v1', 'ConfigMap', [], { contentEncoding: 'gzip' }), /contentEncoding/);
    plainError(envelope('v1', 'ConfigMap', [], { contentType: 'application/yaml' }), /contentType/);
    // a string field sent as a varint
    plainError(envelope('v1', 'ConfigMap', new Writer().len(1, new Writer().tag(1, 0).varint(3).bytes).bytes), /wrong wire type 0 for ConfigMap\.metadata\.name/);
    // a message field that is not a valid message
    plainError(envelope('v1', 'ConfigMap', new Writer().len(1, [0x0a, 0x09]).bytes), /runs past the end/);
    // bad IntOrString type
    plainError(envelope('policy/v1', 'PodDisruptionBudget', new Writer().len(2, new Writer().len(1, new Writer().tag(1, 0).varint(7).bytes).bytes).bytes), /IntOrString type 7/);
  });

  it('rejects a RawExtension that holds neither JSON nor a protobuf object', () => {
    expect(() => decodeAs('k8s.io.apimachinery.pkg.runtime.RawExtension', new Uint8Array(new Writer().len(1, enc.encode('not json')).bytes))).toThrow(/neither JSON nor/);
  });
});
