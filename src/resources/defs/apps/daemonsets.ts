import type { KObject, ResourceDefinition } from '../../types';
import { Errors, intOrPercent, nonNegative, percentOf } from '../../validation';
import {
  AGE_COLUMN, col, formatLabelSelector, formatLabels, statusSubresource,
  templateColumns, validateWorkloadSelector, validateWorkloadTemplate, selectorIsImmutable,
} from '../shared';

// pkg/registry/apps/daemonset, apps/v1 SetDefaults_DaemonSet,
// ValidateDaemonSet(Update) and printDaemonSet.

const amount = (v: unknown) => (typeof v === 'number' ? v : percentOf(v) ?? -1);

function validateUpdateStrategy(e: Errors, s: KObject | undefined, field: string) {
  const type = s?.type;
  if (type === 'RollingUpdate') {
    const ru = s?.rollingUpdate;
    if (!ru) { e.required(`${field}.rollingUpdate`); return; }
    intOrPercent(e, ru.maxUnavailable, `${field}.rollingUpdate.maxUnavailable`);
    intOrPercent(e, ru.maxSurge, `${field}.rollingUpdate.maxSurge`);
    if (amount(ru.maxUnavailable) === 0 && amount(ru.maxSurge) === 0) e.invalid(`${field}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
    if ((percentOf(ru.maxUnavailable) ?? 0) > 100) e.invalid(`${field}.rollingUpdate.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%');
  } else if (type !== 'OnDelete') {
    e.notSupported(`${field}.type`, type ?? '', ['OnDelete', 'RollingUpdate']);
  }
}

export const daemonsets: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', singular: 'daemonset',
  namespaced: true, shortNames: ['ds'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('DaemonSet')],
  prepareForCreate(obj) {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    validateWorkloadSelector(e, spec.selector, 'spec.selector', 'daemonset');
    validateWorkloadTemplate(e, spec.template, spec.selector, 'spec.template', { restartPolicies: ['Always'], owner: 'DaemonSet' });
    nonNegative(e, spec.minReadySeconds, 'spec.minReadySeconds');
    validateUpdateStrategy(e, spec.updateStrategy, 'spec.updateStrategy');
    nonNegative(e, spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
    return e.list;
  },
  validateUpdate: selectorIsImmutable,
  columns: [
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', (o) => o.status?.desiredNumberScheduled ?? 0),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', (o) => o.status?.currentNumberScheduled ?? 0),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', (o) => o.status?.numberReady ?? 0),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod', (o) => o.status?.updatedNumberScheduled ?? 0),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', (o) => o.status?.numberAvailable ?? 0),
    col('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node.", (o) => formatLabels(o.spec?.template?.spec?.nodeSelector)),
    AGE_COLUMN,
    ...templateColumns((o) => o.spec?.template?.spec, (o) => formatLabelSelector(o.spec?.selector)),
  ],
};
