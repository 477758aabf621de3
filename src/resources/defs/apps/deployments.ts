import type { KObject, ResourceDefinition } from '../../types';
import { Errors, intOrPercent, nonNegative, percentOf, positive } from '../../validation';
import {
  AGE_COLUMN, SCALE_SUBRESOURCE, col, formatLabelSelector, statusSubresource,
  templateColumns, validateWorkloadSelector, validateWorkloadTemplate, selectorIsImmutable,
} from '../shared';

// pkg/registry/apps/deployment, apps/v1 SetDefaults_Deployment,
// ValidateDeployment(Update) and printDeployment.

/** getIntOrPercentValue: a percentage counts as its number, so "0%" is zero too. */
const amount = (v: unknown) => (typeof v === 'number' ? v : percentOf(v) ?? -1);

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment. */
function validateStrategy(e: Errors, strategy: KObject | undefined, field: string) {
  const s = strategy ?? {};
  if (s.type === 'Recreate') {
    if (s.rollingUpdate) e.forbidden(`${field}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'");
  } else if (s.type === 'RollingUpdate') {
    const ru = s.rollingUpdate;
    if (!ru) { e.required(`${field}.rollingUpdate`, 'this should be defaulted and never be nil'); return; }
    intOrPercent(e, ru.maxUnavailable, `${field}.rollingUpdate.maxUnavailable`);
    intOrPercent(e, ru.maxSurge, `${field}.rollingUpdate.maxSurge`);
    if (amount(ru.maxUnavailable) === 0 && amount(ru.maxSurge) === 0) e.invalid(`${field}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
    if ((percentOf(ru.maxUnavailable) ?? 0) > 100) e.invalid(`${field}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%');
  } else {
    e.notSupported(field, s, ['Recreate', 'RollingUpdate']);
  }
}

export const deployments: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', singular: 'deployment',
  namespaced: true, shortNames: ['deploy'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [SCALE_SUBRESOURCE, statusSubresource('Deployment')],
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    nonNegative(e, spec.replicas, 'spec.replicas');
    validateWorkloadSelector(e, spec.selector, 'spec.selector', 'deployment');
    validateWorkloadTemplate(e, spec.template, spec.selector, 'spec.template', { restartPolicies: ['Always'], owner: 'ReplicaSet' });
    validateStrategy(e, spec.strategy, 'spec.strategy');
    nonNegative(e, spec.minReadySeconds, 'spec.minReadySeconds');
    nonNegative(e, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
    if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
      positive(e, spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds');
      if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) e.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds');
    }
    return e.list;
  },
  validateUpdate: selectorIsImmutable,
  columns: [
    col('Ready', 'string', 'Number of the pod with ready state', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', (o) => o.status?.updatedReplicas ?? 0),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', (o) => o.status?.availableReplicas ?? 0),
    AGE_COLUMN,
    ...templateColumns((o) => o.spec?.template?.spec, (o) => formatLabelSelector(o.spec?.selector)),
  ],
};
