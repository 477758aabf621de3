// The RBAC authorizer: the rules bound to a user cluster-wide and in a
// namespace, and whether any allows a request (kube's
// plugin/pkg/auth/authorizer/rbac).
import type { KObject } from '../resources/types';
import type { UserInfo } from '../authn/user';
import { clusterRoleRules, type Policy } from './policy';
import { ruleAllows, type PolicyRule, type RuleRequest } from './rules';

function subjectMatches(subject: KObject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User': return subject.name === user.username;
    case 'Group': return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default: return false;
  }
}

const applies = (binding: KObject, user: UserInfo, namespace: string) =>
  (binding.subjects ?? []).some((s: KObject) => subjectMatches(s, user, namespace));

/** The rules a binding's roleRef grants in `namespace` ('' for a ClusterRoleBinding). */
export function roleRefRules(policy: Policy, ref: KObject | undefined, namespace: string): PolicyRule[] {
  if (!ref) return [];
  if (ref.kind === 'ClusterRole') return clusterRoleRules(policy, ref.name);
  if (ref.kind === 'Role' && namespace) return policy.roles.get(`${namespace}/${ref.name}`)?.rules ?? [];
  return [];
}

/** Every rule that applies to `user` in `namespace` ('' for cluster-scoped requests). */
export function rulesFor(policy: Policy, user: UserInfo, namespace: string): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const b of policy.clusterRoleBindings) if (applies(b, user, '')) rules.push(...roleRefRules(policy, b.roleRef, ''));
  if (namespace) {
    for (const b of policy.roleBindings.get(namespace) ?? []) if (applies(b, user, namespace)) rules.push(...roleRefRules(policy, b.roleRef, namespace));
  }
  return rules;
}

export function rbacAllows(policy: Policy, user: UserInfo, req: RuleRequest & { namespace: string }): boolean {
  return rulesFor(policy, user, req.namespace).some((r) => ruleAllows(req, r));
}
