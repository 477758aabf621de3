// RBAC on the secure Worker: default roles and bindings, role bindings that
// take effect at once, kube's 403 messages, aggregation, resourceNames, and
// access reviews that agree with what requests get.
import { beforeAll, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { BASE, type J } from '../helpers';

const TOKENS: Record<string, string> = { admin: 'admin-token', alice: 'alice-token', bob: 'bob-token' };

async function as(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: J }> {
  const res = await SELF.fetch(BASE + path, {
    method, headers: { authorization: `Bearer ${TOKENS[user]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: J = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

const RBAC = 'rbac.authorization.k8s.io';
const binding = (name: string, ns: string, role: string, subjects: J[], kind = 'ClusterRole') =>
  ({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: RBAC, kind, name: role }, subjects });
const user = (name: string) => ({ apiGroup: RBAC, kind: 'User', name });

async function canI(who: string, resourceAttributes: J) {
  const r = await as(who, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } });
  expect(r.status).toBe(201);
  return r.body.status.allowed as boolean;
}

beforeAll(async () => {
  for (const ns of ['team', 'other']) {
    const r = await as('admin', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    expect(r.status).toBe(201);
  }
});

describe('RBAC', () => {
  it('bootstraps the default roles and bindings', async () => {
    const roles = await as('admin', 'GET', `/apis/${RBAC}/v1/clusterroles`);
    const names = roles.body.items.map((r: J) => r.metadata.name);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:public-info-viewer', 'system:basic-user', 'system:node-bootstrapper']) expect(names).toContain(n);
    const crb = await as('admin', 'GET', `/apis/${RBAC}/v1/clusterrolebindings/cluster-admin`);
    expect(crb.body.subjects).toEqual([{ apiGroup: RBAC, kind: 'Group', name: 'system:masters' }]);
  });

  it('lets every authenticated user discover the API and review itself, and nothing else', async () => {
    expect((await as('alice', 'GET', '/api')).status).toBe(200);
    expect((await as('alice', 'GET', '/apis/apps/v1')).status).toBe(200);
    expect((await as('alice', 'GET', '/openapi/v3')).status).toBe(200);
    const pods = await as('alice', 'GET', '/api/v1/namespaces/team/pods');
    expect(pods.status).toBe(403);
    expect(pods.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team"',
      details: { kind: 'pods' },
    });
    const node = await as('alice', 'GET', '/api/v1/nodes/n1');
    expect(node.body.message).toBe('nodes "n1" is forbidden: User "alice" cannot get resource "nodes" in API group "" at the cluster scope');
    const metrics = await as('alice', 'GET', '/metrics');
    expect(metrics.status).toBe(403);
    expect(metrics.body.message).toBe('forbidden: User "alice" cannot get path "/metrics"');
    const deploy = await as('alice', 'POST', '/apis/apps/v1/namespaces/team/deployments', {});
    expect(deploy.body.message).toBe('deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "team"');
    expect(deploy.body.details).toEqual({ group: 'apps', kind: 'deployments' });
  });

  it('/metrics is for system:monitoring, as in kube', async () => {
    expect((await as('bob', 'GET', '/metrics')).status).toBe(403);
    const crb = await as('admin', 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, {
      apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'bob-monitoring' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:monitoring' }, subjects: [user('bob')],
    });
    expect(crb.status).toBe(201);
    const r = await as('bob', 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^apiserver_request_total\{.*verb="POST".*\} \d+$/m);
    expect((await as('admin', 'DELETE', `/apis/${RBAC}/v1/clusterrolebindings/bob-monitoring`)).status).toBe(200);
  });

  it('a RoleBinding to view grants reads in its namespace only, at once', async () => {
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/team/rolebindings`, binding('alice-view', 'team', 'view', [user('alice')]))).status).toBe(201);
    expect((await as('admin', 'POST', '/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } })).status).toBe(201);
    expect((await as('alice', 'GET', '/api/v1/namespaces/team/configmaps')).status).toBe(200);
    expect((await as('alice', 'GET', '/api/v1/namespaces/team/configmaps/c1')).status).toBe(200);
    expect((await as('alice', 'GET', '/api/v1/namespaces/team/pods?watch=true&timeoutSeconds=1')).status).toBe(200);
    expect((await as('alice', 'GET', '/apis/apps/v1/namespaces/team/deployments')).status).toBe(200);
    // view holds no secrets and no writes; nothing outside the namespace.
    expect((await as('alice', 'GET', '/api/v1/namespaces/team/secrets')).status).toBe(403);
    const write = await as('alice', 'POST', '/api/v1/namespaces/team/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' } });
    expect(write.status).toBe(403);
    expect(write.body.message).toBe('configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "team"');
    expect((await as('alice', 'DELETE', '/api/v1/namespaces/team/configmaps/c1')).status).toBe(403);
    expect((await as('alice', 'GET', '/api/v1/namespaces/other/configmaps')).status).toBe(403);
    expect((await as('alice', 'GET', '/api/v1/configmaps')).status).toBe(403);
    expect((await as('bob', 'GET', '/api/v1/namespaces/team/configmaps')).status).toBe(403);
    // Bound through a group instead.
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/other/rolebindings`, binding('qa-edit', 'other', 'edit', [{ apiGroup: RBAC, kind: 'Group', name: 'qa' }]))).status).toBe(201);
    expect((await as('alice', 'POST', '/api/v1/namespaces/other/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).status).toBe(201);
    // And gone once the binding is.
    expect((await as('admin', 'DELETE', `/apis/${RBAC}/v1/namespaces/team/rolebindings/alice-view`)).status).toBe(200);
    expect((await as('alice', 'GET', '/api/v1/namespaces/team/configmaps')).status).toBe(403);
  });

  it('follows aggregation: a ClusterRole labeled aggregate-to-view extends view', async () => {
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/team/rolebindings`, binding('bob-view', 'team', 'view', [user('bob')]));
    const widgets = '/apis/example.com/v1/namespaces/team/widgets';
    expect((await as('bob', 'GET', widgets)).status).toBe(403);
    const role = { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'widget-viewer', labels: { [`${RBAC}/aggregate-to-view`]: 'true' } }, rules: [{ verbs: ['list'], apiGroups: ['example.com'], resources: ['widgets'] }] };
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/clusterroles`, role)).status).toBe(201);
    // Authorized now; the kind does not exist, so the answer is the 404 after authorization.
    expect((await as('bob', 'GET', widgets)).status).toBe(404);
    expect(await canI('bob', { namespace: 'team', verb: 'list', group: 'example.com', resource: 'widgets' })).toBe(true);
    // edit and admin aggregate view in turn.
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/other/rolebindings`, binding('bob-admin', 'other', 'admin', [user('bob')]));
    expect((await as('bob', 'GET', widgets.replace('team', 'other'))).status).toBe(404);
    expect((await as('bob', 'GET', `/apis/${RBAC}/v1/namespaces/other/rolebindings`)).status).toBe(200);
  });

  it('honours resourceNames and subresources in Roles', async () => {
    const role = {
      apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'one-cm', namespace: 'other' },
      rules: [{ verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['allowed'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }],
    };
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/other/roles`, role)).status).toBe(201);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/other/rolebindings`, binding('bob-one', 'other', 'one-cm', [user('bob')], 'Role'))).status).toBe(201);
    for (const name of ['allowed', 'denied']) await as('admin', 'POST', '/api/v1/namespaces/other/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    // bob is an admin in "other" from the previous test: use a fresh user through SubjectAccessReview instead.
    const sar = async (verb: string, name: string, subresource = '', resource = 'configmaps') => {
      const r = await as('admin', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: 'bob', groups: [], resourceAttributes: { namespace: 'other', verb, resource, subresource, name } },
      });
      expect(r.status).toBe(201);
      return r.body.status.allowed;
    };
    expect(await sar('get', 'allowed')).toBe(true);
    expect(await sar('get', 'denied')).toBe(true); // admin role
    const carol = async (verb: string, name: string, subresource = '', resource = 'configmaps') => {
      const r = await as('admin', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: { user: 'carol', groups: ['system:authenticated'], resourceAttributes: { namespace: 'other', verb, resource, subresource, name } },
      });
      return r.body.status.allowed;
    };
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/other/rolebindings`, binding('carol-one', 'other', 'one-cm', [user('carol')], 'Role'));
    expect(await carol('get', 'allowed')).toBe(true);
    expect(await carol('update', 'allowed')).toBe(true);
    expect(await carol('get', 'denied')).toBe(false);
    expect(await carol('delete', 'allowed')).toBe(false);
    expect(await carol('list', '')).toBe(false);
    expect(await carol('get', 'p1', 'log', 'pods')).toBe(true);
    expect(await carol('get', 'p1', '', 'pods')).toBe(false);
  });

  it('answers SelfSubjectRulesReview with the rules that apply, and refuses bad reviews', async () => {
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/team/rolebindings`, binding('alice-view2', 'team', 'view', [user('alice')]));
    const r = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team' } });
    expect(r.status).toBe(201);
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(r.body.status.nonResourceRules.some((n: J) => n.nonResourceURLs.includes('/api/*'))).toBe(true);
    const bad = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} });
    expect(bad.status).toBe(422);
    // Only admins may ask about others.
    expect((await as('alice', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } } })).status).toBe(403);
  });
});

describe('RBAC escalation prevention', () => {
  const role = (name: string, rules: J[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace: 'esc' }, rules });

  beforeAll(async () => {
    await as('admin', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'esc' } });
    // alice may manage roles and bindings in "esc" (not with "*", which would include escalate and bind), and read configmaps there.
    const manager = role('rbac-manager', [
      { verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'], apiGroups: [RBAC], resources: ['roles', 'rolebindings'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] },
    ]);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, manager)).status).toBe(201);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('alice-manager', 'esc', 'rbac-manager', [user('alice')], 'Role'))).status).toBe(201);
  });

  it('lets a user create a role with rules it holds, and refuses one with more', async () => {
    expect((await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, role('cm-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }]))).status).toBe(201);
    const r = await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, role('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, { verbs: ['list'], apiGroups: [''], resources: ['configmaps'] }]));
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('Forbidden');
    expect(r.body.message).toBe('roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" (groups=["devs" "qa" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
    expect((await as('admin', 'GET', `/apis/${RBAC}/v1/namespaces/esc/roles/secret-reader`)).status).toBe(404);
    // A wildcard needs the wildcard: holding get and list is not holding "*".
    expect((await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, role('cm-all', [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }]))).status).toBe(403);
    // "*" on roles includes escalate: such a user may write any role.
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, role('role-star', [{ verbs: ['*'], apiGroups: [RBAC], resources: ['roles'] }]));
    await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('bob-star', 'esc', 'role-star', [user('bob')], 'Role'));
    expect((await as('bob', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, role('anything', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]))).status).toBe(201);
    // Raising an existing role is refused too, by patch as by create.
    const patch = await SELF.fetch(`${BASE}/apis/${RBAC}/v1/namespaces/esc/roles/cm-reader`, {
      method: 'PATCH', headers: { authorization: 'Bearer alice-token', 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['configmaps'] }] }),
    });
    expect(patch.status).toBe(403);
    await patch.arrayBuffer();
  });

  it('refuses binding a role whose rules the user lacks, unless it has bind', async () => {
    const r = await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('bob-edit', 'esc', 'edit', [user('bob')]));
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('rolebindings.rbac.authorization.k8s.io "bob-edit" is forbidden: user "alice"');
    expect((await as('bob', 'GET', '/api/v1/namespaces/esc/secrets')).status).toBe(403);
    // Binding what she holds is fine.
    expect((await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('bob-cm', 'esc', 'cm-reader', [user('bob')], 'Role'))).status).toBe(201);
    expect((await as('bob', 'GET', '/api/v1/namespaces/esc/configmaps/x')).status).toBe(404);
    // With `bind` on the edit ClusterRole she may bind it without holding it.
    const binder = role('edit-binder', [{ verbs: ['bind'], apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['edit'] }]);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/roles`, binder)).status).toBe(201);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('alice-binder', 'esc', 'edit-binder', [user('alice')], 'Role'))).status).toBe(201);
    expect((await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('bob-edit', 'esc', 'edit', [user('bob')]))).status).toBe(201);
    expect((await as('bob', 'GET', '/api/v1/namespaces/esc/secrets')).status).toBe(200);
    // ...but not admin.
    expect((await as('alice', 'POST', `/apis/${RBAC}/v1/namespaces/esc/rolebindings`, binding('bob-admin', 'esc', 'admin', [user('bob')]))).status).toBe(403);
  });
});

describe('pods/exec authorization', () => {
  it('a WebSocket GET to pods/exec needs create as well as get (kube 1.35)', async () => {
    expect((await as('admin', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'streamns' } })).status).toBe(201);
    const role = (verbs: string[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'exec', namespace: 'streamns' }, rules: [{ verbs, apiGroups: [''], resources: ['pods/exec'] }] });
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/streamns/roles`, role(['get']))).status).toBe(201);
    expect((await as('admin', 'POST', `/apis/${RBAC}/v1/namespaces/streamns/rolebindings`, binding('exec', 'streamns', 'exec', [user('alice')], 'Role'))).status).toBe(201);
    const exec = () => as('alice', 'GET', '/api/v1/namespaces/streamns/pods/p/exec?command=true&stdout=1');
    let r = await exec();
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('pods "p" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "streamns"');
    expect((await as('admin', 'PUT', `/apis/${RBAC}/v1/namespaces/streamns/roles/exec`, role(['get', 'create']))).status).toBe(200);
    r = await exec();
    // Past authorization: the pod does not exist.
    expect(r.status).toBe(404);
    // POST (SPDY's verb) needs only create.
    expect((await as('alice', 'POST', '/api/v1/namespaces/streamns/pods/p/exec?command=true&stdout=1')).status).toBe(404);
  });
});
