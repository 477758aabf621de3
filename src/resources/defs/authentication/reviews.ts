import type { ResourceDefinition } from '../../types';

// authentication.k8s.io/v1: SelfSubjectReview (`kubectl auth whoami`) answers
// with the requester as the server authenticated it; TokenReview asks the
// server's own token authenticators about another token.

export const selfsubjectreviews: ResourceDefinition = {
  group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', singular: 'selfsubjectreview',
  namespaced: false, verbs: ['create'], hasGeneration: false,
  review: (obj, { user }) => ({ ...obj, status: { userInfo: user } }),
};

export const tokenreviews: ResourceDefinition = {
  group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', resource: 'tokenreviews', singular: 'tokenreview',
  namespaced: false, verbs: ['create'], hasGeneration: false,
  async review(obj, reviewer) {
    const token = obj.spec?.token;
    const user = typeof token === 'string' && token !== '' ? await reviewer.authenticateToken(token) : undefined;
    return { ...obj, status: user ? { authenticated: true, user } : { authenticated: false, user: {} } };
  },
};
