import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/core/serviceaccount and printServiceAccount (SECRETS is a count).
export const serviceaccounts: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', singular: 'serviceaccount',
  namespaced: true, shortNames: ['sa'], hasGeneration: false, returnDeletedObject: true,
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  validate(obj) {
    const e = new Errors();
    e.array(obj, 'secrets', 'secrets');
    e.array(obj, 'imagePullSecrets', 'imagePullSecrets');
    return e.list;
  },
  columns: [
    col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', (o) => (o.secrets ?? []).length),
    AGE_COLUMN,
  ],
};
