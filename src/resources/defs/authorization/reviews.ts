import type { KObject, ResourceDefinition } from '../../types';

// authorization.k8s.io/v1 access reviews. Until authentication and RBAC
// arrive, every caller is the local cluster admin on the loopback port, so
// every review is answered "allowed" — what kube-apiserver answers for a
// member of system:masters.

const REASON = 'edgekube: no authorizer is configured; the local user is a cluster admin';

const allowed = (obj: KObject): KObject => ({ ...obj, status: { allowed: true, reason: REASON } });

const review = (kind: string, resource: string, namespaced = false): ResourceDefinition => ({
  group: 'authorization.k8s.io', version: 'v1', kind, resource, singular: resource.replace(/s$/, ''),
  namespaced, verbs: ['create'], hasGeneration: false, review: allowed,
});

export const selfsubjectaccessreviews = review('SelfSubjectAccessReview', 'selfsubjectaccessreviews');
export const subjectaccessreviews = review('SubjectAccessReview', 'subjectaccessreviews');
export const localsubjectaccessreviews = review('LocalSubjectAccessReview', 'localsubjectaccessreviews', true);

export const selfsubjectrulesreviews: ResourceDefinition = {
  group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview',
  namespaced: false, verbs: ['create'], hasGeneration: false,
  review: (obj) => ({
    ...obj,
    status: {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    },
  }),
};
