import type { KObject, ResourceDefinition } from '../../types';
import { Errors, nonNegative } from '../../validation';
import { AGE_COLUMN, SCALE_SUBRESOURCE, col, formatLabels, statusSubresource, templateColumns, validateWorkloadTemplate } from '../shared';

// pkg/registry/core/replicationcontroller, SetDefaults_ReplicationController,
// ValidateReplicationController and printReplicationController.

export const replicationcontrollers: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ReplicationController', resource: 'replicationcontrollers', singular: 'replicationcontroller',
  namespaced: true, shortNames: ['rc'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [SCALE_SUBRESOURCE, statusSubresource('ReplicationController')],
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
    const sel: Record<string, string> = spec.selector ?? {};
    if (Object.keys(sel).length === 0) e.required('spec.selector');
    const asSelector: KObject = { matchLabels: sel };
    validateWorkloadTemplate(e, spec.template, asSelector, 'spec.template', { restartPolicies: ['Always'], owner: 'ReplicationController' });
    return e.list;
  },
  columns: [
    col('Desired', 'integer', 'Replicas is the number of desired replicas.', (o) => o.spec?.replicas ?? 0),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.', (o) => o.status?.replicas ?? 0),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.', (o) => o.status?.readyReplicas ?? 0),
    AGE_COLUMN,
    ...templateColumns((o) => o.spec?.template?.spec),
    col('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.', (o) => formatLabels(o.spec?.selector), 1),
  ],
};
