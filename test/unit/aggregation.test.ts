// The clusterrole-aggregation controller writes aggregated ClusterRoles' rules.
import { describe, expect, it } from 'vitest';
import { api, quiesce, type J } from './helpers';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('clusterrole aggregation', () => {
  it('fills view, edit and admin from the roles labeled for them, and follows changes', async () => {
    await api('GET', '/api/v1/namespaces/default'); // bootstrap
    await quiesce();
    const view = (await api('GET', `${RBAC}/clusterroles/view`)).body;
    expect(view.rules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    expect(view.rules.some((r: J) => r.resources.includes('secrets'))).toBe(false);
    const admin = (await api('GET', `${RBAC}/clusterroles/admin`)).body;
    // admin gathers edit, which gathers view.
    expect(admin.rules).toContainEqual(view.rules[0]);
    expect(admin.rules.some((r: J) => r.resources?.includes('rolebindings'))).toBe(true);

    const widget = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }] };
    expect((await api('POST', `${RBAC}/clusterroles`, widget)).status).toBe(201);
    await quiesce();
    const rule = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };
    expect((await api('GET', `${RBAC}/clusterroles/view`)).body.rules).toContainEqual(rule);
    expect((await api('GET', `${RBAC}/clusterroles/admin`)).body.rules).toContainEqual(rule);
    expect((await api('DELETE', `${RBAC}/clusterroles/widgets-view`)).status).toBe(200);
    await quiesce();
    expect((await api('GET', `${RBAC}/clusterroles/view`)).body.rules).not.toContainEqual(rule);
  });
});
