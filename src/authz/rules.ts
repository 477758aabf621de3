// RBAC rule matching and coverage, as kube's rbac/validation does it.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A request in rule terms: a resource request, or a path for non-resource URLs. */
export interface RuleRequest {
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(req: RuleRequest, rule: PolicyRule): boolean {
  if (!has(rule.verbs, req.verb)) return false;
  if (!req.resourceRequest) return nonResourceMatches(rule, req.path);
  if (!has(rule.apiGroups, req.apiGroup) || !resourceMatches(rule, req.resource, req.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(req.name);
}

/** The single-verb, single-resource pieces of a rule (kube's BreakdownRule). */
function breakdown(rule: PolicyRule): RuleRequest[] {
  const out: RuleRequest[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const group of rule.apiGroups ?? []) {
      for (const res of rule.resources ?? []) {
        const [resource, subresource = ''] = res.split('/', 2);
        const names = rule.resourceNames?.length ? rule.resourceNames : [''];
        for (const name of names) out.push({ verb, resourceRequest: true, apiGroup: group, resource, subresource, name, path: '' });
      }
    }
    for (const path of rule.nonResourceURLs ?? []) out.push({ verb, resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', path });
  }
  return out;
}

/** Owner rules a wildcard or a prefix in a servant rule needs: only the same wildcard covers it. */
function pieceCovered(piece: RuleRequest, owner: PolicyRule): boolean {
  if (!has(owner.verbs, piece.verb)) return false;
  if (!piece.resourceRequest) {
    if (piece.path.endsWith('*')) return (owner.nonResourceURLs ?? []).some((u) => u === '*' || (u.endsWith('*') && piece.path.startsWith(u.slice(0, -1))));
    return nonResourceMatches(owner, piece.path);
  }
  if (piece.verb === '*' && !(owner.verbs ?? []).includes('*')) return false;
  if (piece.apiGroup === '*' && !(owner.apiGroups ?? []).includes('*')) return false;
  if (!has(owner.apiGroups, piece.apiGroup)) return false;
  const combined = piece.subresource ? `${piece.resource}/${piece.subresource}` : piece.resource;
  const ownerResources = owner.resources ?? [];
  const resourceOk = ownerResources.includes('*') || ownerResources.includes(combined) ||
    (piece.subresource !== '' && piece.resource !== '*' && ownerResources.includes(`*/${piece.subresource}`));
  if (!resourceOk) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (piece.name !== '' && names.includes(piece.name));
}

/** The rules of `servant` that `owner` does not cover; empty when every one is covered. */
export function uncovered(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const piece of breakdown(rule)) {
      if (owner.some((o) => pieceCovered(piece, o))) continue;
      missing.push(piece.resourceRequest
        ? { verbs: [piece.verb], apiGroups: [piece.apiGroup], resources: [piece.subresource ? `${piece.resource}/${piece.subresource}` : piece.resource], ...(piece.name ? { resourceNames: [piece.name] } : {}) }
        : { verbs: [piece.verb], nonResourceURLs: [piece.path] });
    }
  }
  return missing;
}
