// The OpenAPI definitions of metrics.k8s.io/v1beta1 (k8s.io/metrics, which
// metrics-server publishes through the aggregator): not among the generated
// definitions, whose source knows only the built-in API groups. Written from
// the Go types' fields; `kubectl explain` reads them.
import type { OpenAPISchema } from './index';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const PKG = 'io.k8s.metrics.pkg.apis.metrics.v1beta1.';
const gvk = (kind: string) => [{ group: 'metrics.k8s.io', kind, version: 'v1beta1' }];

const typeMeta = {
  apiVersion: { type: 'string', description: 'The versioned schema of this representation of an object.' },
  kind: { type: 'string', description: 'The REST resource this object represents.' },
} satisfies Record<string, OpenAPISchema>;

const usage: OpenAPISchema = {
  type: 'object', description: 'The resources in use: cpu in cores, memory in bytes of working set.',
  additionalProperties: { $ref: 'io.k8s.apimachinery.pkg.api.resource.Quantity' },
};
const measured = {
  timestamp: { $ref: `${META}Time`, description: 'The end of the window the usage was measured over.' },
  window: { type: 'string', description: 'The length of the window the usage was measured over, as a Go duration ("10s").' },
} satisfies Record<string, OpenAPISchema>;

const list = (kind: string): OpenAPISchema => ({
  type: 'object', description: `A list of ${kind}.`, required: ['items'],
  properties: { ...typeMeta, metadata: { $ref: `${META}ListMeta`, description: 'Standard list metadata.' }, items: { type: 'array', items: { $ref: PKG + kind } } },
  'x-kubernetes-group-version-kind': gvk(`${kind}List`),
});

export const METRICS_DEFINITIONS: Record<string, OpenAPISchema> = {
  [`${PKG}NodeMetrics`]: {
    type: 'object', description: 'What a node uses: CPU and memory, measured by its node agent.', required: ['timestamp', 'window', 'usage'],
    properties: { ...typeMeta, metadata: { $ref: `${META}ObjectMeta`, description: 'The node\'s name and labels.' }, ...measured, usage },
    'x-kubernetes-group-version-kind': gvk('NodeMetrics'),
  },
  [`${PKG}NodeMetricsList`]: list('NodeMetrics'),
  [`${PKG}PodMetrics`]: {
    type: 'object', description: 'What a pod\'s containers use, measured by the agent of its node.', required: ['timestamp', 'window', 'containers'],
    properties: {
      ...typeMeta, metadata: { $ref: `${META}ObjectMeta`, description: 'The pod\'s name, namespace and labels.' }, ...measured,
      containers: { type: 'array', description: 'The usage of each container.', items: { $ref: `${PKG}ContainerMetrics` } },
    },
    'x-kubernetes-group-version-kind': gvk('PodMetrics'),
  },
  [`${PKG}PodMetricsList`]: list('PodMetrics'),
  [`${PKG}ContainerMetrics`]: {
    type: 'object', description: 'What one container uses.', required: ['name', 'usage'],
    properties: { name: { type: 'string', description: 'The container\'s name, as in the pod spec.' }, usage },
  },
};
