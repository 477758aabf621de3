// Authorization: the union of kube's authorizers in its order. Members of
// system:masters are always allowed (kube checks that before any
// authorizer); everyone else is decided by RBAC.
import type { RestContext } from '../rest/context';
import { SYSTEM_MASTERS, type UserInfo } from '../authn/user';
import { forbidden, type ApiError } from '../status/status';
import type { Attributes } from './attributes';
import { currentPolicy } from './policy';
import { rbacAllows, rulesFor } from './rbac';
import { authorizeNode, NODE_RULES, nodeNameOf } from './node';
import type { PolicyRule } from './rules';

export type { Attributes } from './attributes';
export { requestAttributes, resourceAttributes } from './attributes';

export interface Decision { allowed: boolean; reason: string }

export async function authorize(ctx: RestContext, attrs: Attributes): Promise<Decision> {
  if (attrs.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  // Node, then RBAC, as kube-apiserver's --authorization-mode=Node,RBAC.
  const node = await authorizeNode(ctx, attrs);
  if (node?.allowed) return node;
  const policy = await currentPolicy(ctx);
  if (rbacAllows(policy, attrs.user, attrs)) return { allowed: true, reason: '' };
  return { allowed: false, reason: node?.reason ?? '' };
}

/** Every rule that applies to a user in a namespace: what SelfSubjectRulesReview lists and escalation checks compare. */
export async function userRules(ctx: RestContext, user: UserInfo, namespace: string): Promise<PolicyRule[]> {
  if (user.groups.includes(SYSTEM_MASTERS)) return [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];
  const rbac = rulesFor(await currentPolicy(ctx), user, namespace);
  return nodeNameOf(user) !== undefined ? [...NODE_RULES, ...rbac] : rbac;
}

/** kube's forbidden message: who cannot do what, where. */
export function forbiddenMessage(a: Attributes): string {
  if (!a.resourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/** The 403 Status for a denied request, as responsewriters.Forbidden writes it. */
export function forbiddenError(a: Attributes, reason: string): ApiError {
  const q = a.resourceRequest ? { group: a.apiGroup, resource: a.resource } : { group: '', resource: '' };
  return forbidden(q, a.name, forbiddenMessage(a) + (reason ? `: ${reason}` : ''));
}
