import type { KObject, ResourceDefinition, Reviewer, ReviewAttributes } from '../../types';
import type { UserInfo } from '../../../authn/user';
import { badRequest, invalid } from '../../../status/status';

// authorization.k8s.io/v1 access reviews, answered by the server's own
// authorizer: what `kubectl auth can-i` and `auth can-i --list` print is
// what the same request would get.

const GROUP = 'authorization.k8s.io';

function attributes(kind: string, user: UserInfo, spec: KObject | undefined): ReviewAttributes {
  const r = spec?.resourceAttributes;
  const n = spec?.nonResourceAttributes;
  if ((r ? 1 : 0) + (n ? 1 : 0) !== 1) {
    throw invalid(kind, GROUP, '', [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified` }]);
  }
  const base = { user, path: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  if (n) return { ...base, verb: String(n.verb ?? ''), resourceRequest: false, path: String(n.path ?? '') };
  return {
    ...base, verb: String(r.verb ?? ''), resourceRequest: true, apiGroup: String(r.group ?? ''), apiVersion: String(r.version ?? ''),
    resource: String(r.resource ?? ''), subresource: String(r.subresource ?? ''), namespace: String(r.namespace ?? ''), name: String(r.name ?? ''),
  };
}

async function decide(reviewer: Reviewer, attrs: ReviewAttributes) {
  const d = await reviewer.authorize(attrs);
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

function subject(kind: string, spec: KObject | undefined): UserInfo {
  const groups: string[] = Array.isArray(spec?.groups) ? spec!.groups.map(String) : [];
  if (!spec?.user && groups.length === 0) {
    throw invalid(kind, GROUP, '', [{ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
  }
  return { username: String(spec?.user ?? ''), ...(spec?.uid ? { uid: String(spec.uid) } : {}), groups, ...(spec?.extra ? { extra: spec.extra } : {}) };
}

const review = (kind: string, resource: string, namespaced: boolean, answer: ResourceDefinition['review']): ResourceDefinition => ({
  group: GROUP, version: 'v1', kind, resource, singular: resource.replace(/s$/, ''),
  namespaced, verbs: ['create'], hasGeneration: false, review: answer,
});

export const selfsubjectaccessreviews = review('SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, async (obj, reviewer) =>
  ({ ...obj, status: await decide(reviewer, attributes('SelfSubjectAccessReview', reviewer.user, obj.spec)) }));

export const subjectaccessreviews = review('SubjectAccessReview', 'subjectaccessreviews', false, async (obj, reviewer) =>
  ({ ...obj, status: await decide(reviewer, attributes('SubjectAccessReview', subject('SubjectAccessReview', obj.spec), obj.spec)) }));

export const localsubjectaccessreviews = review('LocalSubjectAccessReview', 'localsubjectaccessreviews', true, async (obj, reviewer) => {
  const namespace = obj.metadata?.namespace ?? '';
  const attrs = attributes('LocalSubjectAccessReview', subject('LocalSubjectAccessReview', obj.spec), obj.spec);
  if (!attrs.resourceRequest) throw badRequest('nonResourceAttributes are not supported in a LocalSubjectAccessReview');
  if (attrs.namespace !== '' && attrs.namespace !== namespace) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  return { ...obj, status: await decide(reviewer, { ...attrs, namespace }) };
});

export const selfsubjectrulesreviews = review('SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, async (obj, reviewer) => {
  const rules = await reviewer.rules(reviewer.user, String(obj.spec?.namespace ?? ''));
  return {
    ...obj,
    status: {
      resourceRules: rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({
        verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      })),
      nonResourceRules: rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: false,
    },
  };
});
