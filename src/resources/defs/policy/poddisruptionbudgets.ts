import type { KObject, ResourceDefinition } from '../../types';
import { Errors, intOrPercent, percentOf } from '../../validation';
import { AGE_COLUMN, col, rfc3339, selectorMatches, statusSubresource, validateLabelSelector } from '../shared';

// pkg/registry/policy/poddisruptionbudget, ValidatePodDisruptionBudget and printPodDisruptionBudget.

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

export const poddisruptionbudgets: ResourceDefinition = {
  group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', singular: 'poddisruptionbudget',
  namespaced: true, shortNames: ['pdb'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('PodDisruptionBudget')],
  prepareForCreate(obj) {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    const set = (v: unknown) => v !== undefined && v !== null;
    if (set(spec.minAvailable) && set(spec.maxUnavailable)) e.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set');
    for (const k of ['minAvailable', 'maxUnavailable']) {
      if (!set(spec[k])) continue;
      intOrPercent(e, spec[k], `spec.${k}`);
      if ((percentOf(spec[k]) ?? 0) > 100) e.invalid(`spec.${k}`, spec[k], 'must not be greater than 100%');
    }
    if (set(spec.selector)) validateLabelSelector(e, spec.selector, 'spec.selector');
    if (set(spec.unhealthyPodEvictionPolicy) && !EVICTION_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) {
      e.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, EVICTION_POLICIES);
    }
    return e.list;
  },
  columns: [
    col('Min Available', 'string', 'The minimum number of pods that must be available.', (o) => (o.spec?.minAvailable ?? 'N/A').toString()),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.', (o) => (o.spec?.maxUnavailable ?? 'N/A').toString()),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.', (o) => o.status?.disruptionsAllowed ?? 0),
    AGE_COLUMN,
  ],
};

/** Whether a budget covers a pod (LabelSelectorAsSelector): a null selector selects nothing, {} every pod. */
export const budgetSelects = (pdb: KObject, labels: Record<string, string> | undefined) =>
  !!pdb.spec?.selector && selectorMatches(pdb.spec.selector, labels);

/**
 * The DisruptionAllowed condition as pdbhelper.UpdateDisruptionAllowedCondition
 * sets it from status.disruptionsAllowed; the disruption controller and the
 * eviction subresource both keep it.
 */
export function setDisruptionAllowed(pdb: KObject, now: number) {
  const allowed = (pdb.status?.disruptionsAllowed ?? 0) > 0;
  const cond = {
    type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '', observedGeneration: pdb.status?.observedGeneration ?? 0,
  };
  pdb.status ??= {};
  const list: KObject[] = (pdb.status.conditions ??= []);
  const i = list.findIndex((c) => c?.type === cond.type);
  const old = list[i];
  if (old && Object.entries(cond).every(([k, v]) => old[k] === v)) return;
  const next = { ...old, ...cond, lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime : rfc3339(now) };
  if (i >= 0) list[i] = next;
  else list.push(next);
}
