// ServiceAccount tokens and impersonation on the secure Worker.
import { beforeAll, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { SignJWT, importJWK, generateKeyPair, decodeJwt } from 'jose';
import { BASE, type J } from '../helpers';

async function call(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: J }> {
  const res = await SELF.fetch(BASE + path, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: J = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}
const admin = (method: string, path: string, body?: unknown) => call('admin-token', method, path, body);
const whoami = (token: string, headers: Record<string, string> = {}) =>
  call(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, headers);

async function tokenFor(sa: string, spec: J = {}) {
  const r = await admin('POST', `/api/v1/namespaces/tok/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.status.token as string;
}

async function createSA(name: string) {
  const r = await admin('POST', '/api/v1/namespaces/tok/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  expect(r.status).toBe(201);
  return r.body;
}

beforeAll(async () => {
  expect((await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tok' } })).status).toBe(201);
});

describe('ServiceAccount tokens', () => {
  it('authenticate as the ServiceAccount, with its groups, and obey its RBAC', async () => {
    const sa = await createSA('robot');
    const token = await tokenFor('robot');
    const who = await whoami(token);
    expect(who.status).toBe(201);
    expect(who.body.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:tok:robot', uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:tok', 'system:authenticated'],
    });
    expect((await call(token, 'GET', '/api/v1/namespaces/tok/pods')).status).toBe(403);
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/tok/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view', namespace: 'tok' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'tok' }],
    });
    expect((await call(token, 'GET', '/api/v1/namespaces/tok/pods')).status).toBe(200);
  });

  it('stop working when the ServiceAccount is deleted, even if one of the same name comes back', async () => {
    await createSA('gone');
    const token = await tokenFor('gone');
    expect((await whoami(token)).status).toBe(201);
    expect((await admin('DELETE', '/api/v1/namespaces/tok/serviceaccounts/gone')).status).toBe(200);
    expect((await whoami(token)).status).toBe(401);
    await createSA('gone');
    expect((await whoami(token)).status).toBe(401);
  });

  it('bound to a pod, stop working when the pod is deleted', async () => {
    await createSA('podsa');
    const pod = await admin('POST', '/api/v1/namespaces/tok/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { serviceAccountName: 'podsa', containers: [{ name: 'c', image: 'busybox' }] } });
    expect(pod.status).toBe(201);
    const token = await tokenFor('podsa', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: pod.body.metadata.uid } });
    const who = await whoami(token);
    expect(who.body.status.userInfo.extra['authentication.kubernetes.io/pod-name']).toEqual(['p1']);
    await admin('DELETE', '/api/v1/namespaces/tok/pods/p1?gracePeriodSeconds=0');
    expect((await whoami(token)).status).toBe(401);
  });

  it('refuses expired, tampered, foreign-key, alg:none and wrong-audience tokens with a 401 that leaks nothing', async () => {
    await createSA('victim');
    const good = await tokenFor('victim');
    const claims = decodeJwt(good);
    // The cluster's own signing key, read as an admin would: an expired token signed with it is still refused.
    const secret = await admin('GET', '/api/v1/namespaces/kube-system/secrets/edgekube-token-signing-key');
    const realKey = await importJWK({ ...JSON.parse(atob(secret.body.data['key.jwk'])), alg: 'ES256' }, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: Parameters<SignJWT['sign']>[0], c: J) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: 'edgekube' }).sign(key);
    const expired = await sign(realKey, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    const notYet = await sign(realKey, { ...claims, nbf: now + 3600, exp: now + 7200 });
    const otherAudience = await sign(realKey, { ...claims, aud: ['https://elsewhere.example'] });
    const foreign = await sign((await generateKeyPair('ES256')).privateKey, claims);
    const [h, p, s] = good.split('.');
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const tampered = `${h}.${b64({ ...claims, sub: 'system:serviceaccount:kube-system:default' })}.${s}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
    const hs256 = `${b64({ alg: 'HS256', typ: 'JWT' })}.${p}.${s}`;
    // The well-formed control first: the same claims signed with the real key work.
    expect((await whoami(await sign(realKey, claims))).status).toBe(201);
    for (const bad of [expired, notYet, otherAudience, foreign, tampered, none, hs256, `${h}.${p}`, `${h}.!!!.${s}`, 'a.b.c']) {
      const r = await whoami(bad);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });
});

describe('impersonation', () => {
  it('is refused without the impersonate verb, and works with it, for users, groups and service accounts', async () => {
    const denied = await whoami('alice-token', { 'Impersonate-User': 'bob' });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'impersonate-bob' },
      rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] }, { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'], resourceNames: ['qa'] }],
    });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'alice-impersonates-bob' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonate-bob' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    });
    const asBob = await whoami('alice-token', { 'Impersonate-User': 'bob', 'Impersonate-Group': 'qa' });
    expect(asBob.status).toBe(201);
    expect(asBob.body.status.userInfo).toEqual({ username: 'bob', groups: ['qa', 'system:authenticated'] });
    expect((await whoami('alice-token', { 'Impersonate-User': 'carol' })).status).toBe(403);
    const group = await whoami('alice-token', { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' });
    expect(group.status).toBe(403);
    expect(group.body.message).toBe('groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
    expect((await whoami('alice-token', { 'Impersonate-Group': 'qa' })).status).toBe(400);
    // The impersonated user's permissions apply, not the impersonator's.
    expect((await call('admin-token', 'GET', '/api/v1/namespaces/tok/pods', undefined, { 'Impersonate-User': 'bob' })).status).toBe(403);
    const sa = await whoami('admin-token', { 'Impersonate-User': 'system:serviceaccount:tok:robot' });
    expect(sa.body.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:tok', 'system:authenticated']);
    expect((await call('admin-token', 'GET', '/api/v1/namespaces/tok/pods', undefined, { 'Impersonate-User': 'system:serviceaccount:tok:robot' })).status).toBe(200);
  });
});

describe('bootstrap tokens', () => {
  const b64 = (s: string) => btoa(s);
  const secret = (id: string, tokenSecret: string, extra: Record<string, string> = {}) => ({
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': tokenSecret, 'usage-bootstrap-authentication': 'true', ...extra }).map(([k, v]) => [k, b64(v)])),
  });

  it('authenticate as system:bootstrap:<id> in system:bootstrappers while valid', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect((await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('abcdef', '0123456789abcdef', { expiration: future, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }))).status).toBe(201);
    const who = await whoami('abcdef.0123456789abcdef');
    expect(who.status).toBe(201);
    expect(who.body.status.userInfo).toEqual({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
    expect((await whoami('abcdef.0123456789abcdee')).status).toBe(401);
    expect((await whoami('abcdeg.0123456789abcdef')).status).toBe(401);
    // Nothing beyond what RBAC gives system:bootstrappers (nothing yet besides discovery).
    expect((await call('abcdef.0123456789abcdef', 'GET', '/api/v1/secrets')).status).toBe(403);
  });

  it('refuse expired, unusable, mistyped and deleted tokens', async () => {
    const past = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('expird', '0123456789abcdef', { expiration: past }));
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('nouse1', '0123456789abcdef', { 'usage-bootstrap-authentication': 'false' }));
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('badgrp', '0123456789abcdef', { 'auth-extra-groups': 'system:masters' }));
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', { ...secret('opaque', '0123456789abcdef'), type: 'Opaque' });
    for (const t of ['expird', 'nouse1', 'badgrp', 'opaque']) expect((await whoami(`${t}.0123456789abcdef`)).status, t).toBe(401);
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('delete', '0123456789abcdef'));
    expect((await whoami('delete.0123456789abcdef')).status).toBe(201);
    await admin('DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-delete');
    expect((await whoami('delete.0123456789abcdef')).status).toBe(401);
  });
});
