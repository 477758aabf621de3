import type { ResourceDefinition } from '../../types';

// authentication.k8s.io/v1. Without authentication configured, the caller is
// the local admin: what `kubectl auth whoami` shows for the loopback port.

export const LOCAL_USER = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

export const selfsubjectreviews: ResourceDefinition = {
  group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', singular: 'selfsubjectreview',
  namespaced: false, verbs: ['create'], hasGeneration: false,
  review: (obj) => ({ ...obj, status: { userInfo: LOCAL_USER } }),
};

export const tokenreviews: ResourceDefinition = {
  group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', resource: 'tokenreviews', singular: 'tokenreview',
  namespaced: false, verbs: ['create'], hasGeneration: false,
  // No token authenticator yet: no token is known.
  review: (obj) => ({ ...obj, status: { authenticated: false, error: 'no token authenticator is configured' } }),
};
