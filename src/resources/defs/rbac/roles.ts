import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { CREATED_AT_COLUMN } from '../shared';
import { RBAC_GROUP, validateRules } from './shared';

// pkg/registry/rbac/role and ValidateRole. No printer in kube: Name / Created At.
export const roles: ResourceDefinition = {
  group: RBAC_GROUP, version: 'v1', kind: 'Role', resource: 'roles', singular: 'role',
  namespaced: true, nameFormat: 'path', hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    validateRules(e, obj, true);
    return e.list;
  },
  columns: [CREATED_AT_COLUMN],
};
