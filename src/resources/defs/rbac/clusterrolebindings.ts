import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { RBAC_GROUP, bindingColumns, validateBinding, validateBindingUpdate } from './shared';

// pkg/registry/rbac/clusterrolebinding, ValidateClusterRoleBinding(Update) and printClusterRoleBinding.
export const clusterrolebindings: ResourceDefinition = {
  group: RBAC_GROUP, version: 'v1', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', singular: 'clusterrolebinding',
  namespaced: false, nameFormat: 'path', hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    // Service account subjects need a namespace here: there is no binding namespace to fall back on.
    validateBinding(e, obj, ['ClusterRole'], false);
    return e.list;
  },
  validateUpdate: validateBindingUpdate,
  columns: bindingColumns('clusterRoleBinding'),
};
