import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { RBAC_GROUP, bindingColumns, validateBinding, validateBindingUpdate } from './shared';

// pkg/registry/rbac/rolebinding, ValidateRoleBinding(Update) and printRoleBinding.
export const rolebindings: ResourceDefinition = {
  group: RBAC_GROUP, version: 'v1', kind: 'RoleBinding', resource: 'rolebindings', singular: 'rolebinding',
  namespaced: true, nameFormat: 'path', hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    validateBinding(e, obj, ['Role', 'ClusterRole'], true);
    return e.list;
  },
  validateUpdate: validateBindingUpdate,
  columns: bindingColumns('roleBinding'),
};
