import type { KObject, ResourceDefinition } from '../../types';
import { col } from '../shared';
import { formatQuantity, parseQuantity } from '../../quantity';

// metrics.k8s.io/v1beta1 (k8s.io/metrics, served in kube by metrics-server):
// what node agents measure, read from them on each request, never stored.
// See api/resource-metrics.ts.

/** Nano units of a quantity (CPU in nanocores, memory in nanobytes), exactly. */
const nanos = (q: unknown): bigint => {
  const p = typeof q === 'string' ? parseQuantity(q) : undefined;
  if (!p) return 0n;
  return p.exponent >= -9 ? p.mantissa * 10n ** BigInt(p.exponent + 9) : p.mantissa;
};

/** A pod's usage in its table: its containers' summed, as metrics-server prints it. */
function podUsage(o: KObject): KObject {
  const containers: KObject[] = o.containers ?? [];
  const total = (r: string) => containers.reduce((n, c) => n + nanos(c.usage?.[r]), 0n);
  return {
    cpu: formatQuantity({ mantissa: total('cpu'), exponent: -9, format: 'DecimalSI' }),
    memory: formatQuantity({ mantissa: total('memory') / 1_000_000_000n, exponent: 0, format: 'BinarySI' }),
  };
}

const usageColumns = (usage: (o: KObject) => KObject | undefined) => [
  col('CPU', 'string', 'CPU usage', (o) => usage(o)?.cpu ?? ''),
  col('Memory', 'string', 'Memory usage', (o) => usage(o)?.memory ?? ''),
  col('Window', 'string', 'The window over which usage was measured', (o) => o.window ?? ''),
];

export const nodeMetrics: ResourceDefinition = {
  group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics', resource: 'nodes', singular: '',
  namespaced: false, verbs: ['get', 'list'], hasGeneration: false, virtual: true, protobuf: false,
  columns: usageColumns((o) => o.usage),
};

export const podMetrics: ResourceDefinition = {
  group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', resource: 'pods', singular: '',
  namespaced: true, verbs: ['get', 'list'], hasGeneration: false, virtual: true, protobuf: false,
  columns: usageColumns(podUsage),
};
