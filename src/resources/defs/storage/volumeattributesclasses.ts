import type { ResourceDefinition } from '../../types';
import { Errors, deepEqual, qualifiedName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/volumeattributesclass, ValidateVolumeAttributesClass(Update) and
// printVolumeAttributesClass: mutable volume attributes (IOPS, throughput) a CSI driver applies.

export const volumeattributesclasses: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttributesClass', resource: 'volumeattributesclasses', singular: 'volumeattributesclass',
  namespaced: false, shortNames: ['vac'], hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    if (!obj.driverName) e.required('driverName');
    else e.check('driverName', String(obj.driverName).toLowerCase(), qualifiedName);
    for (const [k, v] of Object.entries(obj.parameters ?? {})) {
      if (k === '') e.invalid('parameters', k, 'invalid empty parameter name');
      if (v === '') e.invalid(`parameters[${k}]`, v, 'invalid empty parameter value');
    }
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    if (!deepEqual(n.parameters ?? {}, o.parameters ?? {})) e.forbidden('parameters', 'updates to parameters are forbidden.');
    e.immutable(n, o, ['driverName']);
    return e.list;
  },
  columns: [
    col('DriverName', 'string', 'Name of the CSI driver', (o) => o.driverName ?? ''),
    AGE_COLUMN,
  ],
};
