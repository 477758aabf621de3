import type { ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/csistoragecapacity, ValidateCSIStorageCapacity and
// printCSIStorageCapacity: what a CSI driver reports it can still provision for a class.

export const csistoragecapacities: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'CSIStorageCapacity', resource: 'csistoragecapacities', singular: 'csistoragecapacity',
  namespaced: true, hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    if (!obj.storageClassName) e.required('storageClassName');
    else e.check('storageClassName', obj.storageClassName, dns1123Subdomain);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['storageClassName']);
    e.immutable(n, o, ['nodeTopology']);
    return e.list;
  },
  columns: [
    col('StorageClassName', 'string', 'The storage class name of the capacity', (o) => o.storageClassName ?? ''),
    col('Capacity', 'string', 'The capacity of the storage class', (o) => o.capacity ?? '<unset>'),
    AGE_COLUMN,
  ],
};
