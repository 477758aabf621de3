import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/coordination/lease, ValidateLease and printLease.
export const leases: ResourceDefinition = {
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', singular: 'lease',
  namespaced: true, hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    const d = spec.leaseDurationSeconds;
    if (d !== undefined && d !== null && !(Number.isInteger(d) && d > 0)) e.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0');
    const t = spec.leaseTransitions;
    if (t !== undefined && t !== null && !(Number.isInteger(t) && t >= 0)) e.invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0');
    return e.list;
  },
  columns: [
    col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.', (o) => o.spec?.holderIdentity ?? ''),
    AGE_COLUMN,
  ],
};
