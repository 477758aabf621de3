import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { CREATED_AT_COLUMN, validateLabelSelector } from '../shared';
import { RBAC_GROUP, validateRules } from './shared';

// pkg/registry/rbac/clusterrole and ValidateClusterRole. No printer in kube: Name / Created At.
export const clusterroles: ResourceDefinition = {
  group: RBAC_GROUP, version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', singular: 'clusterrole',
  namespaced: false, nameFormat: 'path', hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    validateRules(e, obj, false);
    const agg = obj.aggregationRule;
    if (agg !== undefined && agg !== null) {
      const sels = e.array(agg, 'clusterRoleSelectors', 'aggregationRule.clusterRoleSelectors');
      if (sels.length === 0) e.required('aggregationRule', 'at least one clusterRoleSelector required if aggregationRule is non-nil');
      sels.forEach((s, i) => validateLabelSelector(e, s, `aggregationRule.clusterRoleSelectors[${i}]`));
    }
    return e.list;
  },
  columns: [CREATED_AT_COLUMN],
};
