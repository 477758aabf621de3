// What the four RBAC kinds share: ValidatePolicyRule, subject and roleRef checks,
// the rbac/v1 defaults for apiGroups, and printRoleBinding's subject columns.
import type { KObject, TableColumn } from '../../types';
import { Errors, dns1123Subdomain, pathSegmentName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function validateRules(e: Errors, obj: KObject, namespaced: boolean) {
  e.array(obj, 'rules', 'rules').forEach((rule, i) => {
    const f = `rules[${i}]`;
    const len = (k: string) => (Array.isArray(rule?.[k]) ? rule[k].length : 0);
    if (len('verbs') === 0) e.required(`${f}.verbs`, 'verbs must contain at least one value');
    if (len('nonResourceURLs') > 0) {
      if (namespaced) e.invalid(`${f}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs');
      if (len('apiGroups') > 0 || len('resources') > 0 || len('resourceNames') > 0) e.invalid(`${f}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs');
      return;
    }
    if (len('apiGroups') === 0) e.required(`${f}.apiGroups`, 'resource rules must supply at least one api group');
    if (len('resources') === 0) e.required(`${f}.resources`, 'resource rules must supply at least one resource');
  });
}

export function validateBinding(e: Errors, obj: KObject, roleKinds: string[], namespaced: boolean) {
  const ref = obj.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) e.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]);
  if (!roleKinds.includes(ref.kind)) e.notSupported('roleRef.kind', ref.kind ?? '', roleKinds);
  if (!ref.name) e.required('roleRef.name');
  else e.check('roleRef.name', ref.name, pathSegmentName);
  e.array(obj, 'subjects', 'subjects').forEach((s, i) => {
    const f = `subjects[${i}]`;
    if (!s?.name) e.required(`${f}.name`);
    switch (s?.kind) {
      case 'ServiceAccount':
        if (s.name) e.check(`${f}.name`, s.name, dns1123Subdomain);
        if (s.apiGroup) e.notSupported(`${f}.apiGroup`, s.apiGroup, ['']);
        if (!namespaced && !s.namespace) e.required(`${f}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) e.notSupported(`${f}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]);
        break;
      default:
        e.notSupported(`${f}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']);
    }
  });
}

/** A binding's roleRef cannot change: a new role means a new binding. */
export function validateBindingUpdate(n: KObject, o: KObject) {
  const e = new Errors();
  const ref = (x: KObject) => JSON.stringify([x.roleRef?.apiGroup ?? '', x.roleRef?.kind ?? '', x.roleRef?.name ?? '']);
  if (ref(n) !== ref(o)) e.invalid('roleRef', n.roleRef ?? null, 'cannot change roleRef');
  return e.list;
}

const subjects = (o: KObject, kind: string) => (o.subjects ?? []).filter((s: KObject) => s.kind === kind);

export function bindingColumns(owner: string): TableColumn[] {
  return [
    col('Role', 'string', 'RoleRef can only reference the current namespace. It can reference a ClusterRole in the global namespace.', (o) => `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`),
    AGE_COLUMN,
    col('Users', 'string', `Users in the ${owner}`, (o) => subjects(o, 'User').map((s: KObject) => s.name).join(', '), 1),
    col('Groups', 'string', `Groups in the ${owner}`, (o) => subjects(o, 'Group').map((s: KObject) => s.name).join(', '), 1),
    col('ServiceAccounts', 'string', `ServiceAccounts in the ${owner}`, (o) => subjects(o, 'ServiceAccount').map((s: KObject) => `${s.namespace ?? ''}/${s.name}`).join(', '), 1),
  ];
}
