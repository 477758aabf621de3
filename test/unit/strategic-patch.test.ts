// Strategic merge patch on its own: the cases kubectl apply/edit/patch produce,
// checked against what k8s.io/apimachinery/pkg/util/strategicpatch gives for
// the same live object and patch (its patch_test.go tables and the documented
// behaviour of $patch, $setElementOrder, $deleteFromPrimitiveList and
// $retainKeys). Shapes come from a hand-built Pod/Deployment schema.
import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, StrategicPatchError } from '../../src/patch/strategic';
import { schemas } from '../../src/schema';
import type { SchemaNode } from '../../src/schema/types';

// ---------------------------------------------------------------------------
// Fixture schema: the patch-relevant slice of core/v1 Pod and apps/v1 Deployment.

const str: SchemaNode = { type: 'string' };
const int: SchemaNode = { type: 'integer' };
const any: SchemaNode = { type: 'any' };
const strMap: SchemaNode = { type: 'map', values: str };
const obj = (name: string, fields: Record<string, SchemaNode>, extra: Partial<{ patchStrategy: string }> = {}): SchemaNode => ({ type: 'object', name, fields, ...extra });
const atomicList = (items: SchemaNode): SchemaNode => ({ type: 'array', items, listType: 'atomic' });
const keyedList = (items: SchemaNode, key: string, patchStrategy = 'merge'): SchemaNode => ({ type: 'array', items, patchStrategy, patchMergeKey: key, listType: 'map', listMapKeys: [key] });

const ownerReference = obj('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', { apiVersion: str, kind: str, name: str, uid: str });
const objectMeta = obj('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', {
  name: str,
  namespace: str,
  resourceVersion: str,
  labels: strMap,
  annotations: strMap,
  finalizers: { type: 'array', items: str, patchStrategy: 'merge', listType: 'set' },
  ownerReferences: keyedList(ownerReference, 'uid'),
});
const envVar = obj('io.k8s.api.core.v1.EnvVar', { name: str, value: str, valueFrom: obj('io.k8s.api.core.v1.EnvVarSource', { fieldRef: obj('io.k8s.api.core.v1.ObjectFieldSelector', { fieldPath: str }) }) });
const containerPort = obj('io.k8s.api.core.v1.ContainerPort', { name: str, containerPort: int, protocol: str });
const volumeMount = obj('io.k8s.api.core.v1.VolumeMount', { name: str, mountPath: str, readOnly: { type: 'boolean' } });
const container = obj('io.k8s.api.core.v1.Container', {
  name: str,
  image: str,
  command: atomicList(str),
  args: atomicList(str),
  ports: { type: 'array', items: containerPort, patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  env: keyedList(envVar, 'name'),
  volumeMounts: keyedList(volumeMount, 'mountPath'),
  resources: obj('io.k8s.api.core.v1.ResourceRequirements', { limits: { type: 'map', values: any }, requests: { type: 'map', values: any } }),
});
const volume = obj('io.k8s.api.core.v1.Volume', {
  name: str,
  emptyDir: obj('io.k8s.api.core.v1.EmptyDirVolumeSource', { medium: str, sizeLimit: any }),
  configMap: obj('io.k8s.api.core.v1.ConfigMapVolumeSource', { name: str, items: atomicList(obj('io.k8s.api.core.v1.KeyToPath', { key: str, path: str })) }),
  secret: obj('io.k8s.api.core.v1.SecretVolumeSource', { secretName: str }),
});
const toleration = obj('io.k8s.api.core.v1.Toleration', { key: str, operator: str, value: str, effect: str });
const podSpec = obj('io.k8s.api.core.v1.PodSpec', {
  containers: keyedList(container, 'name'),
  initContainers: keyedList(container, 'name'),
  volumes: keyedList(volume, 'name', 'merge,retainKeys'),
  tolerations: atomicList(toleration),
  nodeSelector: strMap,
  restartPolicy: str,
  // Not a real PodSpec field: an `any` node, to show the JSON merge patch fallback.
  extra: any,
});
const podCondition = obj('io.k8s.api.core.v1.PodCondition', { type: str, status: str, reason: str });
const POD: SchemaNode = obj('io.k8s.api.core.v1.Pod', {
  apiVersion: str,
  kind: str,
  metadata: objectMeta,
  spec: podSpec,
  status: obj('io.k8s.api.core.v1.PodStatus', { phase: str, conditions: keyedList(podCondition, 'type') }),
});
const DEPLOYMENT: SchemaNode = obj('io.k8s.api.apps.v1.Deployment', {
  apiVersion: str,
  kind: str,
  metadata: objectMeta,
  spec: obj('io.k8s.api.apps.v1.DeploymentSpec', {
    replicas: int,
    selector: obj('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', { matchLabels: strMap }),
    template: obj('io.k8s.api.core.v1.PodTemplateSpec', { metadata: objectMeta, spec: podSpec }),
    strategy: obj(
      'io.k8s.api.apps.v1.DeploymentStrategy',
      { type: str, rollingUpdate: obj('io.k8s.api.apps.v1.RollingUpdateDeployment', { maxSurge: any, maxUnavailable: any }) },
      { patchStrategy: 'retainKeys' },
    ),
  }),
});

// ---------------------------------------------------------------------------
// Live objects.

const c = (name: string, image: string, more: Record<string, unknown> = {}) => ({ name, image, ...more });
const pod = <S extends Record<string, unknown>>(spec: S, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', resourceVersion: '41', ...metadata }, spec });
const names = (list: unknown) => (list as { name: string }[]).map((x) => x.name);

const twoContainers = pod({ containers: [c('a', 'nginx:1.27', { ports: [{ containerPort: 80, protocol: 'TCP' }] }), c('b', 'busybox:1.36')] });

interface Case {
  name: string;
  schema?: SchemaNode;
  original: unknown;
  patch: unknown;
  expected: unknown;
}

const cases: Case[] = [
  // --- maps ---------------------------------------------------------------
  {
    name: 'null deletes a label, other labels and fields merge',
    original: pod({ restartPolicy: 'Always' }, { labels: { app: 'web', tier: 'frontend' } }),
    patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    expected: pod({ restartPolicy: 'Always' }, { labels: { app: 'web', env: 'prod' } }),
  },
  {
    name: 'null for a key that is not there is a no-op, and is not stored',
    original: pod({}, { labels: { app: 'web' } }),
    patch: { metadata: { labels: { gone: null }, annotations: { a: '1', b: null } } },
    expected: pod({}, { labels: { app: 'web' }, annotations: { a: '1' } }),
  },
  {
    name: '$patch: replace on a map replaces it',
    original: pod({ nodeSelector: { disk: 'hdd', zone: 'a' } }),
    patch: { spec: { nodeSelector: { $patch: 'replace', disk: 'ssd' } } },
    expected: pod({ nodeSelector: { disk: 'ssd' } }),
  },
  {
    name: '$patch: delete on a map empties it (upstream "delete map from nested map")',
    original: pod({ nodeSelector: { disk: 'hdd', zone: 'a' } }),
    patch: { spec: { nodeSelector: { $patch: 'delete' } } },
    expected: pod({ nodeSelector: {} }),
  },
  {
    name: 'metadata.resourceVersion in the patch is applied like any field',
    original: pod({}),
    patch: { metadata: { resourceVersion: '40' } },
    expected: { ...pod({}), metadata: { name: 'web', namespace: 'default', resourceVersion: '40' } },
  },
  {
    name: 'kubectl apply on a ConfigMap (no schema needed for maps)',
    schema: undefined,
    original: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'x' } }, data: { a: '1', b: '2' } },
    patch: { data: { b: null, c: '3' }, metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' }, labels: { tier: 'backend' } } },
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { app: 'x', tier: 'backend' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } }, data: { a: '1', c: '3' } },
  },
  {
    name: 'a value of another type replaces the live one',
    original: pod({ extra: { a: 1 } }),
    patch: { spec: { extra: ['x'] } },
    expected: pod({ extra: ['x'] }),
  },

  // --- lists merged by key -----------------------------------------------
  {
    name: "update one container's image",
    original: twoContainers,
    patch: { spec: { containers: [{ name: 'b', image: 'busybox:1.37' }] } },
    expected: pod({ containers: [c('a', 'nginx:1.27', { ports: [{ containerPort: 80, protocol: 'TCP' }] }), c('b', 'busybox:1.37')] }),
  },
  {
    name: 'add a container, as kubectl apply sends it ($setElementOrder puts it last)',
    original: twoContainers,
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: 'redis:7' }] } },
    expected: pod({ containers: [...twoContainers.spec.containers, c('c', 'redis:7')] }),
  },
  {
    name: 'add a container with a bare patch: new items go before the live ones, as upstream',
    original: twoContainers,
    patch: { spec: { containers: [{ name: 'c', image: 'redis:7' }] } },
    expected: pod({ containers: [c('c', 'redis:7'), ...twoContainers.spec.containers] }),
  },
  {
    name: 'patch items keep the order of the patch; live-only items keep their place (upstream "preserve the order from the patch")',
    original: pod({ containers: [c('1', 'i1'), c('2', 'i2'), c('3', 'i3')] }),
    patch: { spec: { containers: [{ name: '3', image: 'x3' }, { name: '1', image: 'x1' }] } },
    expected: pod({ containers: [c('2', 'i2'), c('3', 'x3'), c('1', 'x1')] }),
  },
  {
    name: 'delete a container with $patch: delete',
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'delete', name: 'a' }] } },
    expected: pod({ containers: [c('b', 'busybox:1.36')] }),
  },
  {
    name: '$patch: delete of an item that is not there changes nothing',
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'delete', name: 'zzz' }] } },
    expected: twoContainers,
  },
  {
    name: 'kubectl apply after a container was removed from the manifest',
    original: twoContainers,
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ $patch: 'delete', name: 'b' }] } },
    expected: pod({ containers: [c('a', 'nginx:1.27', { ports: [{ containerPort: 80, protocol: 'TCP' }] })] }),
  },
  {
    name: 'the same with an injected sidecar: the server-only item stays',
    original: pod({ containers: [c('a', 'nginx'), c('b', 'busybox'), c('istio-proxy', 'proxy')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ $patch: 'delete', name: 'b' }] } },
    expected: pod({ containers: [c('a', 'nginx'), c('istio-proxy', 'proxy')] }),
  },
  {
    name: 'reorder with $setElementOrder alone',
    original: twoContainers,
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
    expected: pod({ containers: [c('b', 'busybox:1.36'), c('a', 'nginx:1.27', { ports: [{ containerPort: 80, protocol: 'TCP' }] })] }),
  },
  {
    name: '$setElementOrder with server-only items between named ones (upstream "server-only items 2")',
    original: pod({ containers: [c('1', 'x', { env: [{ name: 'E', value: 'a' }] }), c('2', 'x'), c('9', 'x'), c('3', 'x'), c('4', 'x')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '1' }, { name: '4' }, { name: '3' }] } },
    expected: pod({ containers: [c('2', 'x'), c('1', 'x', { env: [{ name: 'E', value: 'a' }] }), c('9', 'x'), c('4', 'x'), c('3', 'x')] }),
  },
  {
    name: 'add and delete with a server-only item (upstream "add map and delete map from merging list")',
    original: pod({ containers: [c('1', 'x'), c('2', 'x'), c('4', 'x')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '3' }], containers: [{ name: '3', image: 'y' }, { $patch: 'delete', name: '1' }] } },
    expected: pod({ containers: [c('2', 'x'), c('4', 'x'), c('3', 'y')] }),
  },
  {
    name: 'add and delete where only a server-only item is left (upstream "... with conflict")',
    original: pod({ containers: [c('1', 'x'), c('4', 'x')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '3' }], containers: [{ name: '2', image: 'y' }, { name: '3', image: 'y' }, { $patch: 'delete', name: '1' }] } },
    expected: pod({ containers: [c('4', 'x'), c('2', 'y'), c('3', 'y')] }),
  },
  {
    name: '$setElementOrder naming an item the list does not have is ignored for it',
    original: pod({ containers: [c('1', 'x'), c('3', 'x')] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: '3' }, { name: '2' }, { name: '1' }], containers: [{ name: '3', image: 'y' }, { name: '1', image: 'y' }] } },
    expected: pod({ containers: [c('3', 'y'), c('1', 'y')] }),
  },
  {
    name: 'env change inside a container with its own $setElementOrder/env (kubectl apply)',
    original: pod({ containers: [c('a', 'nginx:1.27', { env: [{ name: 'X', value: '1' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }), c('b', 'busybox')] }),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
        containers: [{ '$setElementOrder/env': [{ name: 'X' }, { name: 'Y' }], env: [{ name: 'X', value: '2' }, { name: 'Y', value: 'new' }], image: 'nginx:1.28', name: 'a' }],
      },
    },
    expected: pod({
      containers: [
        // POD_IP is server-only and comes after the last item it preceded live; Y is
        // new, so upstream places it before POD_IP ("add map to merging list by pointer").
        c('a', 'nginx:1.28', { env: [{ name: 'X', value: '2' }, { name: 'Y', value: 'new' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }),
        c('b', 'busybox'),
      ],
    }),
  },
  {
    name: 'env reordered and one removed, nested inside the container',
    original: pod({ containers: [c('a', 'i', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] })] }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }], env: [{ $patch: 'delete', name: 'B' }] }] } },
    expected: pod({ containers: [c('a', 'i', { env: [{ name: 'C', value: '3' }, { name: 'A', value: '1' }] })] }),
  },
  {
    name: 'ports merge by containerPort, volumeMounts by mountPath',
    original: pod({ containers: [c('a', 'i', { ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }),
    patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } },
    expected: pod({ containers: [c('a', 'i', { ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] })] }),
  },
  {
    name: 'status conditions merge by type',
    original: { ...pod({}), status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }] } },
    patch: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', reason: null }] } },
    expected: { ...pod({}), status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } },
  },
  {
    name: 'a new container carrying directives keeps none of them',
    original: pod({ containers: [c('a', 'x')] }),
    patch: { spec: { containers: [{ name: 'b', image: 'y', '$setElementOrder/env': [{ name: 'Z' }, { name: 'Y' }], env: [{ name: 'Z', value: 'z' }, { name: 'Q', $patch: 'delete' }, { name: 'Y', value: 'y' }], command: null }] } },
    expected: pod({ containers: [c('b', 'y', { env: [{ name: 'Z', value: 'z' }, { name: 'Y', value: 'y' }] }), c('a', 'x')] }),
  },
  {
    name: 'a list the live object lacks, with its $setElementOrder',
    original: pod({}),
    patch: { spec: { '$setElementOrder/initContainers': [{ name: 'i1' }, { name: 'i2' }], initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'y' }] } },
    expected: pod({ initContainers: [c('i1', 'x'), c('i2', 'y')] }),
  },
  {
    name: '$patch: replace as a list item replaces the whole list',
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'zz' }] } },
    expected: pod({ containers: [c('z', 'zz')] }),
  },
  {
    name: '$patch: replace alone empties the list',
    original: twoContainers,
    patch: { spec: { containers: [{ $patch: 'replace' }] } },
    expected: pod({ containers: [] }),
  },
  {
    name: 'ownerReferences merge by uid',
    original: pod({}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1' }] }),
    patch: { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u2' }] } },
    expected: pod({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u2' }, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs1', uid: 'u1' }] }),
  },

  // --- primitive lists ----------------------------------------------------
  {
    name: 'finalizers merge as a set',
    original: pod({}, { finalizers: ['a', 'b'] }),
    patch: { metadata: { finalizers: ['b', 'c'] } },
    expected: pod({}, { finalizers: ['a', 'b', 'c'] }),
  },
  {
    name: '$deleteFromPrimitiveList/finalizers removes values',
    original: pod({}, { finalizers: ['a', 'b', 'c'] }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    expected: pod({}, { finalizers: ['a', 'c'] }),
  },
  {
    name: 'kubectl apply of a finalizer list change: add, delete and order in one patch',
    original: pod({}, { finalizers: ['a', 'b', 'c', 'server/x'] }),
    patch: { metadata: { '$setElementOrder/finalizers': ['d', 'c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'], finalizers: ['d'] } },
    expected: pod({}, { finalizers: ['d', 'c', 'a', 'server/x'] }),
  },
  {
    name: '$deleteFromPrimitiveList of a value that is not there, or of a list that is not there',
    original: pod({}, { finalizers: ['a'] }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['zzz'], '$deleteFromPrimitiveList/other': ['a'] } },
    expected: pod({}, { finalizers: ['a'] }),
  },
  {
    name: 'primitive list $setElementOrder with a server-only value (upstream "add an item in a list of primitives and preserve order")',
    original: pod({}, { finalizers: ['1', '4', '2'] }),
    patch: { metadata: { '$setElementOrder/finalizers': ['3', '1', '2'], finalizers: ['3'] } },
    expected: pod({}, { finalizers: ['3', '1', '4', '2'] }),
  },
  {
    name: 'atomic lists (command, tolerations) are replaced',
    original: pod({ tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }], containers: [c('a', 'i', { command: ['sh', '-c', 'x'] })] }),
    patch: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }], containers: [{ name: 'a', command: ['true'] }] } },
    expected: pod({ tolerations: [{ key: 'c', operator: 'Exists' }], containers: [c('a', 'i', { command: ['true'] })] }),
  },

  // --- retainKeys ---------------------------------------------------------
  {
    name: '$retainKeys: switching strategy RollingUpdate → Recreate drops rollingUpdate',
    schema: DEPLOYMENT,
    original: { kind: 'Deployment', spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    expected: { kind: 'Deployment', spec: { replicas: 2, strategy: { type: 'Recreate' } } },
  },
  {
    name: 'the same patch as kubectl apply sends it (with rollingUpdate: null)',
    schema: DEPLOYMENT,
    original: { kind: 'Deployment', spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
    expected: { kind: 'Deployment', spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: 'without $retainKeys a retainKeys struct just merges (upstream)',
    schema: DEPLOYMENT,
    original: { kind: 'Deployment', spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { type: 'Recreate' } } },
    expected: { kind: 'Deployment', spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } },
  },
  {
    name: 'volumes (merge,retainKeys): changing the volume source drops the old one',
    original: pod({ volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c1' } }] }),
    patch: { spec: { '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }], volumes: [{ $retainKeys: ['name', 'secret'], name: 'data', secret: { secretName: 's' } }] } },
    expected: pod({ volumes: [{ name: 'data', secret: { secretName: 's' } }, { name: 'cfg', configMap: { name: 'c1' } }] }),
  },
  {
    name: 'Deployment template: containers nested two levels down merge too',
    schema: DEPLOYMENT,
    original: { kind: 'Deployment', spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [c('a', 'nginx:1.27'), c('b', 'side')] } } } },
    patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } }, spec: { containers: [{ name: 'a', image: 'nginx:1.28' }] } } } },
    expected: {
      kind: 'Deployment',
      spec: { template: { metadata: { labels: { app: 'x' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } }, spec: { containers: [c('a', 'nginx:1.28'), c('b', 'side')] } } },
    },
  },

  // --- fallbacks ------------------------------------------------------------
  {
    name: '`any` nodes follow JSON merge patch: maps merge, lists replace even with name keys',
    original: pod({ extra: { m: { a: 1, b: 2 }, list: [{ name: 'a', v: 1 }, { name: 'b', v: 2 }] } }),
    patch: { spec: { extra: { m: { b: null, c: 3 }, list: [{ name: 'b', v: 3 }] } } },
    expected: pod({ extra: { m: { a: 1, c: 3 }, list: [{ name: 'b', v: 3 }] } }),
  },
  {
    name: 'unknown fields follow JSON merge patch',
    original: pod({ futureField: { a: { b: 1 }, items: [1, 2] } }),
    patch: { spec: { futureField: { a: { c: 2 }, items: [3] } } },
    expected: pod({ futureField: { a: { b: 1, c: 2 }, items: [3] } }),
  },
  {
    name: 'without a schema every list is replaced',
    schema: undefined,
    original: twoContainers,
    patch: { spec: { containers: [{ name: 'b', image: 'busybox:1.37' }] } },
    expected: pod({ containers: [c('b', 'busybox:1.37')] }),
  },
  {
    name: 'a null patch and an empty patch change nothing',
    original: twoContainers,
    patch: null,
    expected: twoContainers,
  },
];

describe('strategic merge patch', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const schema = 'schema' in tc ? tc.schema : POD;
      expect(applyStrategicMergePatch(tc.original, tc.patch, schema)).toEqual(tc.expected);
    });
  }

  it('an empty patch returns an equal object', () => {
    expect(applyStrategicMergePatch(twoContainers, {}, POD)).toEqual(twoContainers);
  });

  it('never modifies its inputs and shares nothing with them', () => {
    const deepFreeze = <T>(v: T): T => {
      if (v && typeof v === 'object') {
        Object.values(v).forEach(deepFreeze);
        Object.freeze(v);
      }
      return v;
    };
    const original = deepFreeze(structuredClone(pod({ containers: [c('a', 'x', { env: [{ name: 'A', value: '1' }] }), c('b', 'y')] }, { labels: { app: 'web' }, finalizers: ['f1'] })));
    const patch = deepFreeze({
      metadata: { labels: { app: null }, '$deleteFromPrimitiveList/finalizers': ['f1'] },
      spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }] },
    });
    const before = JSON.stringify([original, patch]);
    const out = applyStrategicMergePatch(original, patch, POD) as { metadata: { name: string }; spec: { containers: { name: string; image: string }[] } };
    expect(JSON.stringify([original, patch])).toBe(before);
    expect(names(out.spec.containers)).toEqual(['b', 'a']);
    // Untouched parts are copies too: changing the result leaves the input alone.
    out.spec.containers[0].image = 'changed';
    out.metadata.name = 'changed';
    expect(original.spec.containers).toEqual([c('a', 'x', { env: [{ name: 'A', value: '1' }] }), c('b', 'y')]);
    expect(original.metadata.name).toBe('web');
  });

  it('stores a `__proto__` key as data, never as a prototype', () => {
    const out = applyStrategicMergePatch(pod({}, { labels: { a: 'b' } }), JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}'), POD) as { metadata: { labels: object } };
    expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(out.metadata.labels)).toEqual(['a', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the live key order and adds new keys after it', () => {
    const out = applyStrategicMergePatch({ b: 1, a: 2, c: 3 }, { c: 4, d: 5, a: null }, undefined);
    expect(Object.keys(out as object)).toEqual(['b', 'c', 'd']);
  });
});

describe('strategic merge patch with the generated schemas', () => {
  const realPod = () => {
    const s = schemas.forKind('', 'v1', 'Pod');
    if (!s) throw new Error('no schema for v1 Pod');
    return s;
  };
  const realDeployment = () => {
    const s = schemas.forKind('apps', 'v1', 'Deployment');
    if (!s) throw new Error('no schema for apps/v1 Deployment');
    return s;
  };

  it('Pod: kubectl apply removing a container and changing env in another', () => {
    const live = pod({
      containers: [c('a', 'nginx:1.27', { env: [{ name: 'X', value: '1' }, { name: 'Y', value: '1' }] }), c('b', 'busybox'), c('sidecar', 'proxy')],
    });
    const patch = {
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }],
        containers: [
          { '$setElementOrder/env': [{ name: 'Y' }, { name: 'X' }], env: [{ name: 'X', value: '2' }], image: 'nginx:1.28', name: 'a' },
          { $patch: 'delete', name: 'b' },
        ],
      },
    };
    expect(applyStrategicMergePatch(live, patch, realPod())).toEqual(
      pod({ containers: [c('a', 'nginx:1.28', { env: [{ name: 'Y', value: '1' }, { name: 'X', value: '2' }] }), c('sidecar', 'proxy')] }),
    );
  });

  it('Pod: finalizers, volumes (merge,retainKeys), tolerations (atomic), nodeSelector and conditions', () => {
    const live = {
      ...pod(
        {
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c1' } }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          nodeSelector: { disk: 'hdd', zone: 'a' },
        },
        { finalizers: ['example.com/a', 'example.com/b'] },
      ),
      status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'False' }] },
    };
    const patch = {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'], finalizers: ['example.com/c'] },
      spec: {
        volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'c2' } }],
        tolerations: [{ key: 'b', operator: 'Exists' }],
        // x-kubernetes-map-type: atomic is an apply notion; strategic merge patch merges the map.
        nodeSelector: { disk: 'ssd' },
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(applyStrategicMergePatch(live, patch, realPod())).toEqual({
      ...pod(
        {
          volumes: [{ name: 'data', configMap: { name: 'c2' } }, { name: 'cfg', configMap: { name: 'c1' } }],
          tolerations: [{ key: 'b', operator: 'Exists' }],
          nodeSelector: { disk: 'ssd', zone: 'a' },
        },
        { finalizers: ['example.com/c', 'example.com/b'] },
      ),
      status: { conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] },
    });
  });

  it('Deployment: RollingUpdate → Recreate with $retainKeys, and a template image change', () => {
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [c('web', 'nginx:1.27', { ports: [{ containerPort: 80, protocol: 'TCP' }] })] } },
      },
    };
    const patch = {
      spec: {
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ image: 'nginx:1.28', name: 'web', '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }], ports: [{ containerPort: 443 }] }] } },
      },
    };
    expect(applyStrategicMergePatch(live, patch, realDeployment())).toEqual({
      ...live,
      spec: {
        replicas: 2,
        strategy: { type: 'Recreate' },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [c('web', 'nginx:1.28', { ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] })] } },
      },
    });
  });

  it('Deployment: a malformed patch is refused with the upstream message', () => {
    const patch = { spec: { template: { spec: { containers: [{ image: 'nginx' }] } } } };
    const live = { kind: 'Deployment', spec: { template: { spec: { containers: [c('web', 'nginx')] } } } };
    expect(() => applyStrategicMergePatch(live, patch, realDeployment())).toThrow('map: map[image:nginx] does not contain declared merge key: name');
  });
});

describe('malformed strategic merge patches', () => {
  const bad: { name: string; original?: unknown; patch: unknown; error: string | RegExp }[] = [
    { name: 'unknown $patch on a map', patch: { spec: { nodeSelector: { $patch: 'explode' } } }, error: 'unknown patch type: explode in map: map[$patch:explode]' },
    { name: 'unknown $patch on a list item', patch: { spec: { containers: [{ $patch: 'explode', name: 'a' }] } }, error: 'unknown patch type: explode in map: map[$patch:explode name:a]' },
    { name: '$patch: merge on a list item', patch: { spec: { containers: [{ $patch: 'merge', name: 'a' }] } }, error: 'merging lists cannot yet be specified in the patch' },
    { name: 'merge-keyed item without the merge key', patch: { spec: { containers: [{ image: 'nginx' }] } }, error: 'map: map[image:nginx] does not contain declared merge key: name' },
    { name: 'delete directive without the merge key', patch: { spec: { containers: [{ $patch: 'delete', image: 'nginx' }] } }, error: 'map: map[$patch:delete image:nginx] does not contain declared merge key: name' },
    { name: 'ports item without containerPort', patch: { spec: { containers: [{ name: 'a', ports: [{ name: 'http' }] }] } }, error: 'map: map[name:http] does not contain declared merge key: containerPort' },
    {
      name: '$setElementOrder that contradicts the patch list',
      original: pod({ containers: [c('1', 'x'), c('3', 'x'), c('2', 'x')] }),
      patch: { spec: { '$setElementOrder/containers': [{ name: '1' }, { name: '2' }, { name: '3' }], containers: [{ name: '3', image: 'y' }, { name: '1', image: 'y' }] } },
      error: /doesn't match \$setElementOrder list/,
    },
    { name: '$setElementOrder item without the merge key', patch: { spec: { '$setElementOrder/containers': [{ image: 'x' }] } }, error: 'does not contain declared merge key: name' },
    { name: '$setElementOrder that is not a list', patch: { spec: { '$setElementOrder/containers': 'a' } }, error: 'expected a []interface {}, but received a string' },
    { name: '$setElementOrder without a field', patch: { spec: { $setElementOrder: [] } }, error: 'invalid patch format of setElementOrder list' },
    { name: '$deleteFromPrimitiveList that is not a list', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, error: 'invalid patch format of primitive list' },
    { name: '$retainKeys that is not a list', patch: { spec: { volumes: [{ name: 'data', $retainKeys: 'name' }] } }, error: 'invalid patch format of retainKeys' },
    { name: 'patch key missing from $retainKeys', patch: { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], secret: { secretName: 's' } }] } }, error: 'invalid patch format of retainKeys' },
    { name: 'mixed element types in a merge list', original: pod({}, { finalizers: ['a'] }), patch: { metadata: { finalizers: [{ x: 1 }] } }, error: 'list element types are not identical' },
    { name: 'lists of lists', original: pod({}, { finalizers: ['a'] }), patch: { metadata: { finalizers: [['b']] } }, error: 'lists of lists are not supported' },
    { name: 'a patch that is not an object', patch: [{ op: 'add' }], error: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
  ];
  for (const tc of bad) {
    it(tc.name, () => {
      const original = tc.original ?? pod({ containers: [c('a', 'x', { ports: [{ containerPort: 80 }] })], volumes: [{ name: 'data', emptyDir: {} }] });
      let err: unknown;
      try {
        applyStrategicMergePatch(original, tc.patch, POD);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StrategicPatchError);
      if (typeof tc.error === 'string') expect((err as Error).message).toContain(tc.error);
      else expect((err as Error).message).toMatch(tc.error);
    });
  }
});
