import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';
import { accessModesString, storageClassOf, validateAccessModes } from './volumes';

// pkg/registry/core/persistentvolume, SetDefaults_PersistentVolume,
// ValidatePersistentVolume and printPersistentVolume.

const NOT_SOURCES = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);
const RECLAIM = ['Delete', 'Recycle', 'Retain'];

export const persistentvolumes: ResourceDefinition = {
  group: '', version: 'v1', kind: 'PersistentVolume', resource: 'persistentvolumes', singular: 'persistentvolume',
  namespaced: false, shortNames: ['pv'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('PersistentVolume')],
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    validateAccessModes(e, spec.accessModes, 'spec.accessModes');
    if (!spec.capacity || typeof spec.capacity !== 'object' || Object.keys(spec.capacity).length === 0) e.required('spec.capacity');
    else for (const k of Object.keys(spec.capacity)) if (k !== 'storage') e.notSupported(`spec.capacity`, k, ['storage']);
    if (spec.persistentVolumeReclaimPolicy && !RECLAIM.includes(spec.persistentVolumeReclaimPolicy)) e.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM);
    const sources = Object.keys(spec).filter((k) => !NOT_SOURCES.has(k) && spec[k] !== null && spec[k] !== undefined);
    if (sources.length === 0) e.required('spec', 'must specify a volume type');
    else if (sources.length > 1) e.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type');
    return e.list;
  },
  columns: [
    col('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.', (o) => o.spec?.capacity?.storage ?? '0'),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.', (o) => accessModesString(o.spec?.accessModes)),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.', (o) => o.spec?.persistentVolumeReclaimPolicy ?? ''),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.', (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '')),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.', (o) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ''}/${o.spec.claimRef.name ?? ''}` : '')),
    col('StorageClass', 'string', 'StorageClass of the pv', storageClassOf),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv', (o) => o.spec?.volumeAttributesClassName ?? '<unset>'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.', (o) => o.status?.reason ?? ''),
    AGE_COLUMN,
    col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', (o) => o.spec?.volumeMode ?? '<unset>', 1),
  ],
};
