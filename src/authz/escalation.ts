// RBAC escalation prevention, as kube's rbac registry enforces it: a user may
// write a Role or ClusterRole only with rules it already holds (or the
// `escalate` verb on it), and bind a role only when it holds the role's
// rules (or the `bind` verb on it).
import type { KObject } from '../resources/types';
import type { AdmissionRequest, RestContext } from '../rest/context';
import { SYSTEM_MASTERS, type UserInfo } from '../authn/user';
import { forbidden, type ApiError } from '../status/status';
import { authorize, resourceAttributes, userRules } from './index';
import { currentPolicy } from './policy';
import { roleRefRules } from './rbac';
import { uncovered, type PolicyRule } from './rules';

const RBAC = 'rbac.authorization.k8s.io';
const ROLE_KINDS = new Set(['roles', 'clusterroles']);
const BINDING_KINDS = new Set(['rolebindings', 'clusterrolebindings']);

/** Metadata the garbage collector changes; changing only these needs no escalation check. */
function withoutGCFields(obj: KObject | undefined): string {
  if (!obj) return '';
  const { ownerReferences, finalizers, managedFields, resourceVersion, ...meta } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata: meta });
}

const can = (ctx: RestContext, user: UserInfo, verb: string, resource: string, namespace: string, name: string) =>
  authorize(ctx, resourceAttributes(user, verb, { apiGroup: RBAC, resource, namespace, name }));

function format(rule: PolicyRule): string {
  const q = (xs: string[] = []) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  if (rule.nonResourceURLs?.length) return `{NonResourceURLs:${q(rule.nonResourceURLs)}, Verbs:${q(rule.verbs)}}`;
  return `{APIGroups:${q(rule.apiGroups)}, Resources:${q(rule.resources)}${rule.resourceNames?.length ? `, ResourceNames:${q(rule.resourceNames)}` : ''}, Verbs:${q(rule.verbs)}}`;
}

function escalation(req: AdmissionRequest, user: UserInfo, missing: PolicyRule[]): ApiError {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  return forbidden({ group: RBAC, resource: req.def.resource }, req.name,
    `user "${user.username}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(format).join('\n')}`);
}

export async function admitRBAC(ctx: RestContext, req: AdmissionRequest): Promise<void> {
  const user = ctx.user;
  if (!user || req.def.group !== RBAC || user.groups.includes(SYSTEM_MASTERS)) return;
  if (req.oldObject && withoutGCFields(req.oldObject) === withoutGCFields(req.object)) return;
  const namespace = req.namespace ?? '';
  if (ROLE_KINDS.has(req.def.resource)) {
    if ((await can(ctx, user, 'escalate', req.def.resource, namespace, req.name)).allowed) return;
    // Aggregated roles may gather anything: writing one takes every permission.
    const wanted: PolicyRule[] = req.object.aggregationRule
      ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]
      : (req.object.rules ?? []);
    const missing = uncovered(await userRules(ctx, user, namespace), wanted);
    if (missing.length) throw escalation(req, user, missing);
  } else if (BINDING_KINDS.has(req.def.resource)) {
    const ref = req.object.roleRef ?? {};
    const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if ((await can(ctx, user, 'bind', refResource, namespace, ref.name ?? '')).allowed) return;
    const rules = roleRefRules(await currentPolicy(ctx), ref, namespace);
    const missing = uncovered(await userRules(ctx, user, namespace), rules);
    if (missing.length) throw escalation(req, user, missing);
  }
}
