import type { ResourceDefinition } from '../../types';
import { Errors, deepEqual, intOrPercent, nonNegative } from '../../validation';
import {
  AGE_COLUMN, SCALE_SUBRESOURCE, col, statusSubresource,
  templateColumns, validateWorkloadSelector, validateWorkloadTemplate,
} from '../shared';

// pkg/registry/apps/statefulset, apps/v1 SetDefaults_StatefulSet,
// ValidateStatefulSet(Update) and printStatefulSet.

/** Spec fields a StatefulSet update may change; anything else is forbidden. */
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
const RETENTION = ['Delete', 'Retain'];

export const statefulsets: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', singular: 'statefulset',
  namespaced: true, shortNames: ['sts'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [SCALE_SUBRESOURCE, statusSubresource('StatefulSet')],
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    const pmp = spec.podManagementPolicy;
    if (!pmp) e.required('spec.podManagementPolicy');
    else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') e.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'");
    const us = spec.updateStrategy ?? {};
    if (!us.type) e.required('spec.updateStrategy');
    else if (us.type === 'OnDelete') {
      if (us.rollingUpdate) e.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'");
    } else if (us.type === 'RollingUpdate') {
      nonNegative(e, us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition');
      intOrPercent(e, us.rollingUpdate?.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable');
    } else e.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'");
    const rp = spec.persistentVolumeClaimRetentionPolicy ?? {};
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (rp[k] !== undefined && !RETENTION.includes(rp[k])) e.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, rp[k], RETENTION);
    }
    nonNegative(e, spec.replicas, 'spec.replicas');
    nonNegative(e, spec.minReadySeconds, 'spec.minReadySeconds');
    nonNegative(e, spec.ordinals?.start, 'spec.ordinals.start');
    validateWorkloadSelector(e, spec.selector, 'spec.selector', 'statefulset');
    validateWorkloadTemplate(e, spec.template, spec.selector, 'spec.template', { restartPolicies: ['Always'], owner: 'StatefulSet' });
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    const frozen = (spec: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !MUTABLE.includes(k)));
    if (!deepEqual(frozen(n.spec), frozen(o.spec))) {
      e.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    }
    return e.list;
  },
  columns: [
    col('Ready', 'string', 'Number of the pod with ready state', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`),
    AGE_COLUMN,
    ...templateColumns((o) => o.spec?.template?.spec),
  ],
};
