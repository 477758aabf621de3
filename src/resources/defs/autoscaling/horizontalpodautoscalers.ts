import type { KObject, ResourceDefinition } from '../../types';
import { Errors, pathSegmentName } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';

// pkg/registry/autoscaling/horizontalpodautoscaler, autoscaling/v2
// SetDefaults_HorizontalPodAutoscaler(Behavior), ValidateHorizontalPodAutoscaler
// and printHorizontalPodAutoscaler (formatHPAMetrics).

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

/** "cpu: 40%/80%", "<unknown>/10 (avg)", ...: at most two, then "+ N more...". */
function targets(o: KObject): string {
  const specs: KObject[] = o.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses: KObject[] = o.status?.currentMetrics ?? [];
  const list = specs.map((s, i) => {
    const st = statuses[i];
    const avgOrValue = (src: KObject | undefined, cur: KObject | undefined) => (src?.target?.averageValue !== undefined
      ? `${cur?.current?.averageValue ?? '<unknown>'}/${src.target.averageValue} (avg)`
      : `${cur?.current?.value ?? '<unknown>'}/${src?.target?.value}`);
    const resource = (src: KObject | undefined, cur: KObject | undefined) => (src?.target?.averageValue !== undefined
      ? `${src.name}: ${cur?.current?.averageValue ?? '<unknown>'}/${src.target.averageValue}`
      : `${src?.name}: ${cur?.current?.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : '<unknown>'}/${src?.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>'}`);
    switch (s.type) {
      case 'External': return avgOrValue(s.external, st?.external);
      case 'Object': return avgOrValue(s.object, st?.object);
      case 'Pods': return `${st?.pods?.current?.averageValue ?? '<unknown>'}/${s.pods?.target?.averageValue}`;
      case 'Resource': return resource(s.resource, st?.resource);
      case 'ContainerResource': return resource(s.containerResource, st?.containerResource);
      default: return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

export const horizontalpodautoscalers: ResourceDefinition = {
  group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  // Generation tracking for HPAs (the HPAGeneration gate) arrives after 1.35.
  namespaced: true, shortNames: ['hpa'], categories: ['all'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('HorizontalPodAutoscaler')],
  prepareForCreate(obj) {
    obj.status = { desiredReplicas: 0 };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    if (spec.minReplicas !== undefined && spec.minReplicas !== null && !(spec.minReplicas >= 1)) e.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1');
    const max = spec.maxReplicas ?? 0;
    if (!(max >= 1)) e.invalid('spec.maxReplicas', max, 'must be greater than 0');
    if (spec.minReplicas !== undefined && spec.minReplicas !== null && max < spec.minReplicas) e.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`');
    const ref = spec.scaleTargetRef ?? {};
    const before = e.list.length;
    if (!ref.kind) e.required('spec.scaleTargetRef.kind');
    else e.check('spec.scaleTargetRef.kind', ref.kind, pathSegmentName);
    if (!ref.name) e.required('spec.scaleTargetRef.name');
    else e.check('spec.scaleTargetRef.name', ref.name, pathSegmentName);
    // kube checks metrics only once the target reference is sound.
    if (e.list.length === before) {
      e.array(spec, 'metrics', 'spec.metrics').forEach((m, i) => {
        const f = `spec.metrics[${i}].type`;
        if (!m?.type) e.required(f, 'must specify a metric source type');
        else if (!METRIC_TYPES.includes(m.type)) e.notSupported(f, m.type, METRIC_TYPES);
      });
    }
    return e.list;
  },
  columns: [
    col('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.', (o) => `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`),
    col('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.', targets),
    col('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.', (o) => (o.spec?.minReplicas === undefined || o.spec?.minReplicas === null ? '<unset>' : String(o.spec.minReplicas))),
    col('MaxPods', 'string', 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.', (o) => o.spec?.maxReplicas ?? 0),
    col('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', (o) => o.status?.currentReplicas ?? 0),
    AGE_COLUMN,
  ],
};
