// The clusterrole-aggregation controller: a ClusterRole with an
// aggregationRule gets the rules of every ClusterRole its selectors match,
// written into its own `rules`, as kube-controller-manager does; so
// `kubectl get clusterrole admin -o yaml` shows what admin may do.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { guaranteedUpdate } from '../rest/write';
import { SERVER_WRITE } from '../request/options';
import { clusterRoleRules, type Policy } from '../authz/policy';
import { ignoreGoneOrConflict, listAll } from './util';

export interface AggregationPass { updated: string[]; errors: string[] }

export async function runClusterRoleAggregation(ctx: RestContext): Promise<AggregationPass> {
  const def = lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const roles = await listAll(ctx, def);
  // Aggregated roles are followed through to the roles they gather, not read for their stored rules, so one pass converges.
  const policy: Policy = { clusterRoles: new Map(roles.map((r) => [r.metadata.name, r])), roles: new Map(), clusterRoleBindings: [], roleBindings: new Map() };
  const pass: AggregationPass = { updated: [], errors: [] };
  for (const role of roles) {
    if (!role.aggregationRule) continue;
    const seen = new Set<string>();
    const rules = clusterRoleRules(policy, role.metadata.name).filter((r) => {
      const k = JSON.stringify(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
    try {
      await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def }, role.metadata.name, { ...SERVER_WRITE, fieldManager: 'clusterrole-aggregation-controller' }, (cur: KObject) => ({ ...cur, rules })));
      pass.updated.push(role.metadata.name);
    } catch (e) {
      pass.errors.push(`${role.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return pass;
}
