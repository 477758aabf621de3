import type { ResourceDefinition } from '../../types';
import { Errors, nonNegative } from '../../validation';
import {
  AGE_COLUMN, SCALE_SUBRESOURCE, col, formatLabelSelector, statusSubresource,
  templateColumns, validateWorkloadSelector, validateWorkloadTemplate, selectorIsImmutable,
} from '../shared';

// pkg/registry/apps/replicaset, apps/v1 SetDefaults_ReplicaSet,
// ValidateReplicaSet(Update) and printReplicaSet.
export const replicasets: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', singular: 'replicaset',
  namespaced: true, shortNames: ['rs'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [SCALE_SUBRESOURCE, statusSubresource('ReplicaSet')],
  selectableFields: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
  prepareForCreate(obj) {
    obj.status = { replicas: 0 };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    nonNegative(e, spec.replicas, 'spec.replicas');
    nonNegative(e, spec.minReadySeconds, 'spec.minReadySeconds');
    // kube's message says "deployment" for replica sets too.
    validateWorkloadSelector(e, spec.selector, 'spec.selector', 'deployment');
    validateWorkloadTemplate(e, spec.template, spec.selector, 'spec.template', { restartPolicies: ['Always'], owner: 'ReplicaSet' });
    return e.list;
  },
  validateUpdate: selectorIsImmutable,
  columns: [
    col('Desired', 'integer', 'Replicas is the number of desired pods.', (o) => o.spec?.replicas ?? 0),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.', (o) => o.status?.replicas ?? 0),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.', (o) => o.status?.readyReplicas ?? 0),
    AGE_COLUMN,
    ...templateColumns((o) => o.spec?.template?.spec, (o) => formatLabelSelector(o.spec?.selector)),
  ],
};
