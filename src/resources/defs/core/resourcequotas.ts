import type { KObject, ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col, quantity, statusSubresource } from '../shared';

// pkg/registry/core/resourcequota, ValidateResourceQuota and printResourceQuota.

const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

/** "resource: used/hard, ..." for the request-side (or, with limits=true, the limits.*) resources. */
function usage(q: KObject, limits: boolean): string {
  const hard: KObject = q.status?.hard ?? {};
  const used: KObject = q.status?.used ?? {};
  return Object.keys(hard).sort()
    .filter((r) => (r.split('.').length > 1 && r.split('.')[0] === 'limits') === limits)
    .map((r) => `${r}: ${quantity(used[r])}/${quantity(hard[r])}`)
    .join(', ');
}

export const resourcequotas: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ResourceQuota', resource: 'resourcequotas', singular: 'resourcequota',
  namespaced: true, shortNames: ['quota'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('ResourceQuota')],
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const e = new Errors();
    const hard = obj.spec?.hard;
    if (hard !== undefined && (typeof hard !== 'object' || Array.isArray(hard))) e.typeInvalid('spec.hard', hard, 'must be an object');
    e.array(obj.spec, 'scopes', 'spec.scopes').forEach((s, i) => {
      if (!SCOPES.includes(s as unknown as string)) e.notSupported(`spec.scopes[${i}]`, s, SCOPES);
    });
    return e.list;
  },
  columns: [
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.', (o) => usage(o, false)),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.', (o) => usage(o, true)),
    AGE_COLUMN,
  ],
};
