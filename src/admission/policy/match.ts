// Whether a request falls under a policy's matchConstraints or a binding's
// matchResources (kube's admission/plugin/policy/matching): resource rules
// by operation, group, version, resource (with subresources and wildcards),
// scope and names; exclusions; and the namespace and object selectors.
import type { KObject } from '../../resources/types';
import { selectorMatches } from '../../resources/defs/shared';

export interface MatchRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
  name: string;
  object?: KObject;
  oldObject?: KObject;
  /** The labels of the request's namespace (for namespaced kinds). */
  namespaceLabels?: Record<string, string>;
}

const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes(v) || list.includes('*'));

function resourceMatches(resources: unknown, resource: string, subresource: string): boolean {
  if (!Array.isArray(resources)) return false;
  const full = subresource ? `${resource}/${subresource}` : resource;
  return resources.some((r: string) => {
    if (r === '*/*' || r === full) return true;
    if (r === '*') return !subresource;
    const [res, sub] = r.split('/');
    if (sub === undefined) return false;
    return (res === '*' || res === resource) && (sub === '*' ? !!subresource : sub === subresource);
  });
}

function ruleMatches(rule: KObject, req: MatchRequest): boolean {
  if (!has(rule.operations, req.operation)) return false;
  if (!has(rule.apiGroups, req.group) || !has(rule.apiVersions, req.version)) return false;
  if (!resourceMatches(rule.resources, req.resource, req.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && req.namespaced) return false;
  if (scope === 'Namespaced' && !req.namespaced) return false;
  if (Array.isArray(rule.resourceNames) && rule.resourceNames.length && !rule.resourceNames.includes(req.name)) return false;
  return true;
}

const labelsOf = (o: KObject | undefined) => o?.metadata?.labels as Record<string, string> | undefined;

/** Whether `m` (MatchResources) selects the request. */
export function matches(m: KObject | undefined, req: MatchRequest): boolean {
  if (!m) return true;
  if (Array.isArray(m.resourceRules) && !m.resourceRules.some((r: KObject) => ruleMatches(r, req))) return false;
  if ((m.excludeResourceRules ?? []).some((r: KObject) => ruleMatches(r, req))) return false;
  // a namespace selector reads the namespace's labels; for a Namespace itself, its own
  const nsLabels = req.namespaced ? req.namespaceLabels : req.resource === 'namespaces' && !req.group ? labelsOf(req.object ?? req.oldObject) : undefined;
  if (m.namespaceSelector && (req.namespaced || req.resource === 'namespaces') && !selectorMatches(m.namespaceSelector, nsLabels)) return false;
  if (m.objectSelector && !selectorMatches(m.objectSelector, labelsOf(req.object)) && !selectorMatches(m.objectSelector, labelsOf(req.oldObject))) return false;
  return true;
}
