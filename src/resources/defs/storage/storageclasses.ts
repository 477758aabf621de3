import type { ResourceDefinition } from '../../types';
import { Errors, deepEqual, qualifiedName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/storageclass, storage/v1 SetDefaults_StorageClass,
// ValidateStorageClass(Update) and printStorageClass.

const RECLAIM = ['Delete', 'Retain'];
const BINDING = ['Immediate', 'WaitForFirstConsumer'];

export const storageclasses: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', resource: 'storageclasses', singular: 'storageclass',
  namespaced: false, shortNames: ['sc'], hasGeneration: false, returnDeletedObject: true,
  validate(obj) {
    const e = new Errors();
    const p = obj.provisioner;
    if (p === undefined || p === null || p === '') e.required('provisioner');
    else e.check('provisioner', String(p).toLowerCase(), qualifiedName);
    if (obj.parameters !== undefined && (typeof obj.parameters !== 'object' || Array.isArray(obj.parameters))) e.typeInvalid('parameters', obj.parameters, 'must be an object');
    if (obj.reclaimPolicy && !RECLAIM.includes(obj.reclaimPolicy)) e.notSupported('reclaimPolicy', obj.reclaimPolicy, RECLAIM);
    if (!obj.volumeBindingMode) e.required('volumeBindingMode');
    else if (!BINDING.includes(obj.volumeBindingMode)) e.notSupported('volumeBindingMode', obj.volumeBindingMode, BINDING);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    if (!deepEqual(n.parameters ?? {}, o.parameters ?? {})) e.forbidden('parameters', 'updates to parameters are forbidden.');
    if (n.provisioner !== o.provisioner) e.forbidden('provisioner', 'updates to provisioner are forbidden.');
    if (n.reclaimPolicy !== o.reclaimPolicy) e.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.');
    e.immutable(n, o, ['volumeBindingMode']);
    return e.list;
  },
  // kube appends " (default)" to the NAME of the default class; the name column is not ours to change.
  columns: [
    // The default class is marked in its name, as kubectl shows it.
    { ...col('Name', 'string', 'Name must be unique within a namespace.', (o) => `${o.metadata?.name ?? ''}${o.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}`), format: 'name' },
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.', (o) => o.provisioner ?? ''),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.', (o) => o.reclaimPolicy ?? 'Delete'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.', (o) => o.volumeBindingMode ?? 'Immediate'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.', (o) => o.allowVolumeExpansion ?? false),
    AGE_COLUMN,
  ],
};
