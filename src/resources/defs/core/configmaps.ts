import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, validateDataKeys } from '../shared';

// pkg/registry/core/configmap: data and binaryData keys are config keys, unique
// across both maps; contents are frozen once `immutable` is true.
export const configmaps: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap',
  namespaced: true, shortNames: ['cm'], hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    validateDataKeys(e, obj.data, 'data');
    validateDataKeys(e, obj.binaryData, 'binaryData');
    for (const k of Object.keys(obj.binaryData ?? {})) if (obj.data && k in obj.data) e.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData');
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    if (o.immutable === true) {
      e.immutable(n, o, ['data']);
      e.immutable(n, o, ['binaryData']);
      if (n.immutable !== true) e.forbidden('immutable', 'field is immutable when `immutable` is set');
    }
    return e.list;
  },
  columns: [
    { name: 'Data', type: 'integer', description: 'Number of data keys', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length },
    AGE_COLUMN,
  ],
};
