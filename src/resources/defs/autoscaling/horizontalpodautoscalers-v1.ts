import type { KObject, ResourceDefinition } from '../../types';
import { statusSubresource } from '../shared';
import { horizontalpodautoscalers as v2 } from './horizontalpodautoscalers';

// autoscaling/v1 HorizontalPodAutoscaler: the same objects as autoscaling/v2,
// seen through pkg/apis/autoscaling/v1/conversion.go. v1 has room for a CPU
// utilization target only; everything else travels in annotations so that a
// v1 read-modify-write loses nothing.

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** Drops unset (undefined) keys, keeping the order of the rest (Go's struct order). */
const compact = (o: KObject): KObject => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const ref = (r: KObject | undefined) => compact({ kind: r?.kind ?? '', name: r?.name ?? '', apiVersion: r?.apiVersion || undefined });
const isCpuUtilization = (m: KObject) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization !== undefined;

// ---- metrics: v2 (stored) <-> v1 (annotation) ----

function metricToV1(m: KObject): KObject {
  const t = (src: KObject | undefined) => src?.target ?? {};
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: compact({ name: m.resource?.name, targetAverageUtilization: t(m.resource).averageUtilization, targetAverageValue: t(m.resource).averageValue }) };
    case 'ContainerResource':
      return { type: m.type, containerResource: compact({ name: m.containerResource?.name, targetAverageUtilization: t(m.containerResource).averageUtilization, targetAverageValue: t(m.containerResource).averageValue, container: m.containerResource?.container ?? '' }) };
    case 'Pods':
      return { type: m.type, pods: compact({ metricName: m.pods?.metric?.name ?? '', targetAverageValue: t(m.pods).averageValue ?? '0', selector: m.pods?.metric?.selector }) };
    case 'Object':
      return { type: m.type, object: compact({ target: ref(m.object?.describedObject), metricName: m.object?.metric?.name ?? '', targetValue: t(m.object).value ?? '0', selector: m.object?.metric?.selector, averageValue: t(m.object).averageValue }) };
    case 'External':
      return { type: m.type, external: compact({ metricName: m.external?.metric?.name ?? '', metricSelector: m.external?.metric?.selector, targetValue: t(m.external).value, targetAverageValue: t(m.external).averageValue }) };
    default:
      return { type: m.type };
  }
}

function metricFromV1(m: KObject): KObject {
  const metric = (name: unknown, selector: unknown) => compact({ name: name ?? '', selector });
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const s = m[key] ?? {};
      const target = s.targetAverageUtilization === undefined
        ? compact({ type: 'AverageValue', averageValue: s.targetAverageValue })
        : compact({ type: 'Utilization', averageUtilization: s.targetAverageUtilization, averageValue: s.targetAverageValue });
      return { type: m.type, [key]: compact({ name: s.name, target, container: key === 'containerResource' ? s.container : undefined }) };
    }
    case 'Pods':
      return { type: m.type, pods: { metric: metric(m.pods?.metricName, m.pods?.selector), target: { type: 'AverageValue', averageValue: m.pods?.targetAverageValue ?? '0' } } };
    case 'Object': {
      const o = m.object ?? {};
      const target = compact({ type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue ?? '0', averageValue: o.averageValue });
      return { type: m.type, object: { describedObject: ref(o.target), target, metric: metric(o.metricName, o.selector) } };
    }
    case 'External': {
      const x = m.external ?? {};
      const target = compact({ type: x.targetValue === undefined ? 'AverageValue' : 'Value', value: x.targetValue, averageValue: x.targetAverageValue });
      return { type: m.type, external: { metric: metric(x.metricName, x.metricSelector), target } };
    }
    default:
      return { type: m.type };
  }
}

function statusToV1(m: KObject): KObject {
  const c = (src: KObject | undefined) => src?.current ?? {};
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: compact({ name: m.resource?.name, currentAverageUtilization: c(m.resource).averageUtilization, currentAverageValue: c(m.resource).averageValue ?? '0' }) };
    case 'ContainerResource':
      return { type: m.type, containerResource: compact({ name: m.containerResource?.name, currentAverageUtilization: c(m.containerResource).averageUtilization, currentAverageValue: c(m.containerResource).averageValue ?? '0', container: m.containerResource?.container ?? '' }) };
    case 'Pods':
      return { type: m.type, pods: compact({ metricName: m.pods?.metric?.name ?? '', currentAverageValue: c(m.pods).averageValue ?? '0', selector: m.pods?.metric?.selector }) };
    case 'Object':
      return { type: m.type, object: compact({ target: ref(m.object?.describedObject), metricName: m.object?.metric?.name ?? '', currentValue: c(m.object).value ?? '0', selector: m.object?.metric?.selector, averageValue: c(m.object).averageValue }) };
    case 'External':
      return { type: m.type, external: compact({ metricName: m.external?.metric?.name ?? '', metricSelector: m.external?.metric?.selector, currentValue: c(m.external).value ?? '0', currentAverageValue: c(m.external).averageValue }) };
    default:
      return { type: m.type };
  }
}

function statusFromV1(m: KObject): KObject {
  const metric = (name: unknown, selector: unknown) => compact({ name: name ?? '', selector });
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const s = m[key] ?? {};
      return { type: m.type, [key]: compact({ name: s.name, current: compact({ averageValue: s.currentAverageValue ?? '0', averageUtilization: s.currentAverageUtilization }), container: key === 'containerResource' ? s.container : undefined }) };
    }
    case 'Pods':
      return { type: m.type, pods: { metric: metric(m.pods?.metricName, m.pods?.selector), current: { averageValue: m.pods?.currentAverageValue ?? '0' } } };
    case 'Object':
      return { type: m.type, object: { metric: metric(m.object?.metricName, m.object?.selector), current: compact({ value: m.object?.currentValue ?? '0', averageValue: m.object?.averageValue }), describedObject: ref(m.object?.target) } };
    case 'External':
      return { type: m.type, external: { metric: metric(m.external?.metricName, m.external?.metricSelector), current: compact({ value: m.external?.currentValue ?? '0', averageValue: m.external?.currentAverageValue }) } };
    default:
      return { type: m.type };
  }
}

// ---- behavior: kube marshals its internal type, whose JSON keys are the Go field names ----

const rulesToAnnotation = (r: KObject | undefined) => r && {
  StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
  SelectPolicy: r.selectPolicy ?? null,
  Policies: (r.policies ?? []).map((p: KObject) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })),
  Tolerance: r.tolerance ?? null,
};
const rulesFromAnnotation = (r: KObject | null | undefined) => r && compact({
  stabilizationWindowSeconds: r.StabilizationWindowSeconds ?? undefined,
  selectPolicy: r.SelectPolicy ?? undefined,
  policies: Array.isArray(r.Policies) ? r.Policies.map((p: KObject) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined,
  tolerance: r.Tolerance ?? undefined,
});

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(annotations[key]);
  } catch {
    return undefined;
  }
}

/** Stored (autoscaling/v2) -> autoscaling/v1. */
export function hpaToV1(obj: KObject): KObject {
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const metrics: KObject[] = spec.metrics ?? [];
  const cpu = metrics.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
  const currentCpu = (status.currentMetrics ?? []).find((m: KObject) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization !== undefined);
  const annotations: Record<string, string> = { ...(obj.metadata?.annotations ?? {}) };
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricToV1);
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (status.currentMetrics?.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(status.currentMetrics.map(statusToV1));
  if (status.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions.map((c: KObject) => compact({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime ?? null, reason: c.reason || undefined, message: c.message || undefined })));
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToAnnotation(spec.behavior.scaleUp) ?? null, ScaleDown: rulesToAnnotation(spec.behavior.scaleDown) ?? null });
  const metadata = structuredClone(obj.metadata ?? {});
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata,
    spec: compact({
      scaleTargetRef: ref(spec.scaleTargetRef), minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas ?? 0,
      targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization,
    }),
    status: compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu?.resource?.current?.averageUtilization,
    }),
  };
}

/** autoscaling/v1 -> stored (autoscaling/v2); the round-trip annotations are consumed. */
export function hpaFromV1(obj: KObject): KObject {
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const metadata = structuredClone(obj.metadata ?? {});
  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  let metrics: KObject[] = [];
  const others = parseAnnotation(annotations, METRICS_ANNOTATION);
  if (Array.isArray(others)) metrics = others.map(metricFromV1);
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  // autoscaling/v1 had an implicit 80% CPU target; v2 writes it down
  if (metrics.length === 0) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  let currentMetrics: KObject[] | undefined;
  const current = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
  if (Array.isArray(current)) currentMetrics = current.map(statusFromV1);
  else if (status.currentCPUUtilizationPercentage !== undefined && status.currentCPUUtilizationPercentage !== null) {
    currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
  }
  const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION) as KObject | undefined;
  for (const k of ROUND_TRIP) delete annotations[k];
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata,
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics,
      behavior: behavior && typeof behavior === 'object' ? compact({ scaleUp: rulesFromAnnotation(behavior.ScaleUp), scaleDown: rulesFromAnnotation(behavior.ScaleDown) }) : undefined,
    }),
    status: compact({
      observedGeneration: status.observedGeneration, lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas, desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics, conditions: Array.isArray(conditions) ? conditions : undefined,
    }),
  };
}

/** Tables, selectors and validation see the stored (v2) form; accept either. */
const asV2 = (o: KObject) => (o.apiVersion === 'autoscaling/v1' ? hpaFromV1(o) : o);

export const horizontalpodautoscalersV1: ResourceDefinition = {
  group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  namespaced: true, shortNames: ['hpa'], categories: ['all'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('HorizontalPodAutoscaler')],
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', fromStorage: hpaToV1, toStorage: hpaFromV1 },
  // SetDefaults_HorizontalPodAutoscaler (autoscaling/v1): only minReplicas; the CPU target is filled by conversion
  prepareForCreate(obj) {
    obj.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  // kube validates the internal (v2-shaped) object, whatever version was sent
  validate: (obj) => v2.validate?.(asV2(obj)) ?? [],
  columns: v2.columns?.map((c) => ({ ...c, cell: (o: KObject, now: number) => c.cell(asV2(o), now) })),
};
