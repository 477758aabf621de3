// The RBAC objects the authorizer decides from, cached per isolate like an
// informer: filled once, then brought up to date with the changes the store
// logged since (one small read per request), and filled anew when that
// history is gone.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { groupChanges } from '../rest/read';
import type { PolicyRule } from './rules';
import { selectorMatches } from '../resources/defs/shared';

export interface Policy {
  clusterRoles: Map<string, KObject>;
  /** "namespace/name" */
  roles: Map<string, KObject>;
  clusterRoleBindings: KObject[];
  /** By namespace. */
  roleBindings: Map<string, KObject[]>;
}

let objects = new Map<string, KObject>();
let seen: number | undefined;
let built: Policy | undefined;
let refreshing: Promise<Policy> | undefined;

function build(): Policy {
  const p: Policy = { clusterRoles: new Map(), roles: new Map(), clusterRoleBindings: [], roleBindings: new Map() };
  for (const [key, obj] of objects) {
    const resource = key.split('/')[2];
    const m = obj.metadata;
    if (resource === 'clusterroles') p.clusterRoles.set(m.name, obj);
    else if (resource === 'roles') p.roles.set(`${m.namespace}/${m.name}`, obj);
    else if (resource === 'clusterrolebindings') p.clusterRoleBindings.push(obj);
    else if (resource === 'rolebindings') p.roleBindings.set(m.namespace, [...(p.roleBindings.get(m.namespace) ?? []), obj]);
  }
  return p;
}

async function refresh(ctx: RestContext): Promise<Policy> {
  const def = lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const { resourceVersion, full, changes } = await groupChanges(ctx, def, seen);
  if (full) objects = new Map();
  for (const c of changes) {
    if (c.object === undefined) objects.delete(c.key);
    else objects.set(c.key, JSON.parse(c.object));
  }
  if (full || changes.length || !built) built = build();
  seen = resourceVersion;
  return built;
}

/** The current policy; concurrent requests share one refresh. */
export function currentPolicy(ctx: RestContext): Promise<Policy> {
  refreshing ??= refresh(ctx).finally(() => { refreshing = undefined; });
  return refreshing;
}

/**
 * A ClusterRole's rules; an aggregated role's are those of every ClusterRole
 * its selectors match (as the clusterrole-aggregation controller fills them
 * in), followed through roles that aggregate in turn.
 */
export function clusterRoleRules(policy: Policy, name: string, visiting = new Set<string>()): PolicyRule[] {
  const role = policy.clusterRoles.get(name);
  if (!role || visiting.has(name)) return [];
  const selectors: KObject[] = role.aggregationRule?.clusterRoleSelectors ?? [];
  if (!selectors.length) return role.rules ?? [];
  visiting.add(name);
  const rules: PolicyRule[] = [];
  for (const other of [...policy.clusterRoles.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    if (other.metadata.name === name) continue;
    if (selectors.some((s) => selectorMatches(s, other.metadata.labels))) rules.push(...clusterRoleRules(policy, other.metadata.name, visiting));
  }
  visiting.delete(name);
  return rules;
}
