import type { KObject, ResourceDefinition } from '../../types';
import { Errors, deepEqual } from '../../validation';
import { AGE_COLUMN, col, statusSubresource, validateLabelSelector } from '../shared';
import { accessModesString, storageClassOf, validateAccessModes } from './volumes';

// pkg/registry/core/persistentvolumeclaim, SetDefaults_PersistentVolumeClaim(Spec),
// ValidatePersistentVolumeClaim(Update) and printPersistentVolumeClaim.

/** The spec without what a bound claim may still change (requests, attributes class) or have filled in (volumeName). */
function frozenSpec(spec: KObject | undefined, old: KObject | undefined): KObject {
  const s = structuredClone(spec ?? {});
  if (s.resources) delete s.resources.requests;
  delete s.volumeAttributesClassName;
  if (!old?.volumeName) delete s.volumeName;
  return s;
}

export const persistentvolumeclaims: ResourceDefinition = {
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
  namespaced: true, shortNames: ['pvc'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('PersistentVolumeClaim')],
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    validateAccessModes(e, spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
    if (spec.selector !== undefined && spec.selector !== null) validateLabelSelector(e, spec.selector, 'spec.selector');
    const storage = spec.resources?.requests?.storage;
    if (storage === undefined || storage === null || storage === '') e.required('spec.resources[storage]');
    if (spec.volumeMode !== undefined && !['Block', 'Filesystem'].includes(spec.volumeMode)) e.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    if (!deepEqual(frozenSpec(n.spec, o.spec), frozenSpec(o.spec, o.spec))) {
      e.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    }
    return e.list;
  },
  columns: [
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.', (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '')),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.', (o) => o.spec?.volumeName ?? ''),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.', (o) => (o.spec?.volumeName ? o.status?.capacity?.storage ?? '0' : '')),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.', (o) => (o.spec?.volumeName ? accessModesString(o.status?.accessModes) : '')),
    col('StorageClass', 'string', 'StorageClass of the pvc', storageClassOf),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc', (o) => o.spec?.volumeAttributesClassName ?? '<unset>'),
    AGE_COLUMN,
    col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', (o) => o.spec?.volumeMode ?? '<unset>', 1),
  ],
};
