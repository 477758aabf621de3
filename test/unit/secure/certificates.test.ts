// certificates.k8s.io/v1 CertificateSigningRequests: the requester recorded
// by the server, kube's validation, the approval subresource and the
// certificates admission plugins.
import { describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { BASE, quiesce, type J } from '../helpers';
import { pemBlocks, x509 } from '../../../src/certificates/x509';
import { CLIENT_CERTIFICATE_AUDIENCE } from '../../../src/authn/clientcert';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const TOKENS: Record<string, string> = { admin: 'admin-token', alice: 'alice-token', bob: 'bob-token', n1: 'node1-token' };

async function as(who: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: J }> {
  const res = await SELF.fetch(BASE + path, { method, headers: { authorization: `Bearer ${TOKENS[who] ?? who}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: J = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export async function certificateRequest(subject: string, extensions: x509.Extension[] = []): Promise<{ pem: string; keys: CryptoKeyPair }> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as CryptoKeyPair;
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: ALG, extensions });
  return { pem: req.toString('pem'), keys };
}

export const csr = (name: string, pem: string, signerName = 'kubernetes.io/kube-apiserver-client-kubelet', usages = ['digital signature', 'client auth']) => ({
  apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
  spec: { request: btoa(pem), signerName, usages },
});

const approved = (obj: J, type = 'Approved') => ({ ...obj, status: { conditions: [{ type, status: 'True', reason: 'ByTest', message: 'by the test' }] } });

describe('CertificateSigningRequest', () => {
  it('records the requester, whatever the client sends, and validates as kube does', async () => {
    const { pem } = await certificateRequest('CN=alice,O=devs');
    const body: J = csr('alice-1', pem, 'example.com/custom', ['client auth']);
    body.spec.username = 'system:admin';
    body.spec.groups = ['system:masters'];
    // alice may not create CSRs until RBAC lets her.
    expect((await as('alice', 'POST', CSRS, body)).status).toBe(403);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'alice-csr' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' }, subjects: [{ kind: 'User', name: 'alice' }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', role)).status).toBe(201);
    const created = await as('alice', 'POST', CSRS, body);
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({ username: 'alice', uid: 'uid-alice', signerName: 'example.com/custom' });
    expect(created.body.spec.groups).toEqual(['devs', 'qa', 'system:authenticated']);
    expect(created.body.status).toEqual({});

    const bad = async (b: J) => (await as('admin', 'POST', CSRS, b)).body;
    const notPem = await bad({ ...csr('bad-1', 'hello'), spec: { ...csr('x', '').spec, request: btoa('hello') } });
    expect(notPem.code).toBe(422);
    expect(notPem.message).toContain('spec.request: Invalid value');
    expect(notPem.message).toContain('PEM block type must be CERTIFICATE REQUEST');
    expect((await bad(csr('bad-2', pem, 'kubernetes.io/legacy-unknown'))).message).toContain('the legacy signerName is not allowed via this API version');
    expect((await bad(csr('bad-3', pem, 'nodomain'))).message).toContain("must be a fully qualified domain and path of the form 'example.com/signer-name'");
    expect((await bad(csr('bad-4', pem, 'example.com/x', []))).message).toContain('spec.usages: Required value');
    expect((await bad(csr('bad-5', pem, 'example.com/x', ['flying']))).message).toContain('spec.usages[0]: Unsupported value: "flying"');
    expect((await bad({ ...csr('bad-6', pem), spec: { ...csr('x', pem).spec, expirationSeconds: 60 } })).message).toContain('may not specify a duration less than 600 seconds (10 minutes)');
    expect((await as('admin', 'GET', `${CSRS}/bad-1`)).status).toBe(404);
  });

  it('approves through the approval subresource only, with the approve verb on the signer', async () => {
    const { pem } = await certificateRequest('CN=someone');
    expect((await as('admin', 'POST', CSRS, csr('appr-1', pem, 'example.com/custom', ['client auth']))).status).toBe(201);
    const cur = (await as('admin', 'GET', `${CSRS}/appr-1`)).body;
    // A status update may not approve.
    const viaStatus = await as('admin', 'PUT', `${CSRS}/appr-1/status`, approved(cur));
    expect(viaStatus.status).toBe(200);
    expect(viaStatus.body.status).toEqual({});
    const fresh = viaStatus.body;
    // bob may update approvals (RBAC) but holds no `approve` on the signer.
    const rules = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csr-approver' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'], verbs: ['get', 'update'] }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', rules)).status).toBe(201);
    const bind = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bob-approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-approver' }, subjects: [{ kind: 'User', name: 'bob' }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', bind)).status).toBe(201);
    const refused = await as('bob', 'PUT', `${CSRS}/appr-1/approval`, approved(fresh));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('user not permitted to approve requests with signerName "example.com/custom"');
    // With `approve` on example.com/* it goes through.
    const signers = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'example-signers' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['example.com/*'], verbs: ['approve'] }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', signers)).status).toBe(201);
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { ...bind, metadata: { name: 'bob-signers' }, roleRef: { ...bind.roleRef, name: 'example-signers' } })).status).toBe(201);
    const ok = await as('bob', 'PUT', `${CSRS}/appr-1/approval`, approved(fresh));
    expect(ok.status).toBe(200);
    expect(ok.body.status.conditions).toHaveLength(1);
    expect(ok.body.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'ByTest' });
    expect(ok.body.status.conditions[0].lastUpdateTime).toMatch(/Z$/);

    // Approved and Denied together, or dropping Approved: 422.
    const both = { ...ok.body, status: { conditions: [...ok.body.status.conditions, { type: 'Denied', status: 'True' }] } };
    expect((await as('admin', 'PUT', `${CSRS}/appr-1/approval`, both)).body.message).toContain('Approved and Denied conditions are mutually exclusive');
    const dropped = await as('admin', 'PUT', `${CSRS}/appr-1/approval`, { ...ok.body, status: { conditions: [] } });
    expect(dropped.status).toBe(422);
    expect(dropped.body.message).toContain('updates may not remove a condition of type "Approved"');
    // The spec is immutable: an update leaves it as it was.
    const changed = await as('admin', 'PUT', `${CSRS}/appr-1`, { ...ok.body, spec: { ...ok.body.spec, signerName: 'example.com/other' } });
    expect(changed.status).toBe(200);
    expect(changed.body.spec.signerName).toBe('example.com/custom');

    // kubectl's table: the Condition column.
    const table = await as('admin', 'GET', `${CSRS}?fieldSelector=spec.signerName=example.com/custom`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    const names = table.body.columnDefinitions.map((c: J) => c.name);
    expect(names).toEqual(['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    const row = table.body.rows.find((r: J) => r.cells[0] === 'appr-1');
    expect(row.cells.slice(2)).toEqual(['example.com/custom', 'admin', '<none>', 'Approved']);
    expect(table.body.rows.every((r: J) => r.cells[2] === 'example.com/custom')).toBe(true);
  });

  it('issuing a certificate needs `sign` on the signer and an approved request', async () => {
    const { pem } = await certificateRequest('CN=signed');
    expect((await as('admin', 'POST', CSRS, csr('sign-1', pem, 'example.com/custom', ['client auth']))).status).toBe(201);
    const cur = (await as('admin', 'GET', `${CSRS}/sign-1`)).body;
    const cert = btoa('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const early = await as('admin', 'PUT', `${CSRS}/sign-1/status`, { ...cur, status: { certificate: cert } });
    expect(early.status).toBe(422);
    expect(early.body.message).toContain('updates may not set certificate content unless the Approved condition is present');
    const ok = (await as('admin', 'PUT', `${CSRS}/sign-1/approval`, approved(cur))).body;
    const rules = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csr-status' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/status'], verbs: ['update'] }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', rules)).status).toBe(201);
    const bind = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bob-status' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-status' }, subjects: [{ kind: 'User', name: 'bob' }] };
    expect((await as('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', bind)).status).toBe(201);
    const refused = await as('bob', 'PUT', `${CSRS}/sign-1/status`, { ...ok, status: { ...ok.status, certificate: cert } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('user not permitted to sign requests with signerName "example.com/custom"');
    const issued = await as('admin', 'PUT', `${CSRS}/sign-1/status`, { ...ok, status: { ...ok.status, certificate: cert } });
    expect(issued.status).toBe(200);
    expect(issued.body.status.certificate).toBe(cert);
    expect(issued.body.status.conditions.map((c: J) => c.type)).toEqual(['Approved']);
    const again = await as('admin', 'PUT', `${CSRS}/sign-1/status`, { ...issued.body, status: { ...issued.body.status, certificate: btoa('-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n') } });
    expect(again.body.message).toContain('updates may not modify existing certificate content');
  });

  it('refuses kube-apiserver-client certificates for system:masters', async () => {
    const { pem } = await certificateRequest('CN=mallory,O=system:masters');
    const res = await as('admin', 'POST', CSRS, csr('masters', pem, 'kubernetes.io/kube-apiserver-client', ['client auth']));
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  });
});

describe('a node joins with a bootstrap token', () => {
  const secret = (id: string, tokenSecret: string) => ({
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    stringData: { 'token-id': id, 'token-secret': tokenSecret, 'usage-bootstrap-authentication': 'true' },
  });
  const BOOT = 'join01.0123456789abcdef';

  /** The assertion a node sends: a JWT signed with its key, its certificate in x5c. */
  async function assertion(certPem: string, key: CryptoKey, claims: { iat?: number; exp?: number; aud?: string } = {}): Promise<string> {
    const der = pemBlocks(certPem)[0].der;
    const iat = claims.iat ?? Math.floor(Date.now() / 1000);
    return new SignJWT({}).setProtectedHeader({ alg: 'ES256', x5c: [btoa(String.fromCharCode(...der))] })
      .setIssuedAt(iat).setExpirationTime(claims.exp ?? iat + 300).setAudience(claims.aud ?? CLIENT_CERTIFICATE_AUDIENCE).sign(key);
  }

  async function issued(name: string): Promise<J> {
    await quiesce();
    return (await as('admin', 'GET', `${CSRS}/${name}`)).body;
  }

  it('gets a node credential approved and signed automatically, that the server accepts as system:node:NAME', async () => {
    expect((await as('admin', 'POST', '/api/v1/namespaces/kube-system/secrets', secret('join01', '0123456789abcdef'))).status).toBe(201);
    const { pem, keys } = await certificateRequest('CN=system:node:n9,O=system:nodes');
    const created = await as(BOOT, 'POST', CSRS, csr('node-csr-n9', pem));
    expect(created.status).toBe(201);
    expect(created.body.spec.username).toBe('system:bootstrap:join01');
    // The bootstrap token can read its own request back (kubelets watch it).
    expect((await as(BOOT, 'GET', `${CSRS}/node-csr-n9`)).status).toBe(200);

    const done = await issued('node-csr-n9');
    expect(done.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
    const certPem = atob(done.status.certificate);
    const cert = new x509.X509Certificate(certPem);
    expect(cert.subject).toBe('CN=system:node:n9, O=system:nodes');
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    const ca = await as('admin', 'GET', '/api/v1/namespaces/kube-system/secrets/edgekube-cluster-signing-ca');
    expect(ca.body.type).toBe('kubernetes.io/tls');
    expect(await cert.verify({ publicKey: new x509.X509Certificate(atob(ca.body.data['tls.crt'])).publicKey })).toBe(true);
    expect(cert.notAfter.getTime() - Date.now()).toBeGreaterThan(360 * 24 * 3600 * 1000);

    const token = await assertion(certPem, keys.privateKey);
    const who = await as(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.status).toBe(201);
    expect(who.body.status.userInfo.username).toBe('system:node:n9');
    expect(who.body.status.userInfo.groups).toEqual(['system:nodes', 'system:authenticated']);
    expect(who.body.status.userInfo.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^X509SHA256=[0-9a-f]{64}$/);
    // The Node authorizer and NodeRestriction apply to it as to any kubelet.
    expect((await as(token, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' } })).status).toBe(201);
    const other = await as(token, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n8' } });
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('node "n9" is not allowed to modify node "n8"');
    expect((await as(token, 'GET', '/api/v1/namespaces/kube-system/secrets')).status).toBe(403);
    // The bootstrap token itself can do none of that.
    expect((await as(BOOT, 'GET', '/api/v1/nodes')).status).toBe(403);

    // Renewal: the node asks for its own name (selfnodeclient), never another's.
    const renew = await certificateRequest('CN=system:node:n9,O=system:nodes');
    expect((await as(token, 'POST', CSRS, csr('node-csr-n9-renew', renew.pem))).status).toBe(201);
    expect((await issued('node-csr-n9-renew')).status.certificate).toBeTruthy();
    const steal = await certificateRequest('CN=system:node:n7,O=system:nodes');
    expect((await as(token, 'POST', CSRS, csr('node-csr-steal', steal.pem))).status).toBe(201);
    expect((await issued('node-csr-steal')).status).toEqual({});
  });

  it('refuses forged, tampered, long-lived and expired assertions', async () => {
    const { pem, keys } = await certificateRequest('CN=system:node:n10,O=system:nodes');
    await as('admin', 'POST', '/api/v1/namespaces/kube-system/secrets', secret('join02', '0123456789abcdef'));
    expect((await as('join02.0123456789abcdef', 'POST', CSRS, csr('node-csr-n10', pem))).status).toBe(201);
    const certPem = atob((await issued('node-csr-n10')).status.certificate);
    const nodes = async (t: string) => (await as(t, 'GET', '/api/v1/nodes')).status;
    expect(await nodes(await assertion(certPem, keys.privateKey))).toBe(200);

    // Signed with another key than the certificate's.
    const other = await certificateRequest('CN=x');
    expect(await nodes(await assertion(certPem, other.keys.privateKey))).toBe(401);
    // A certificate the cluster did not issue (self-signed, same subject).
    const self = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=system:node:n10,O=system:nodes', keys: other.keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
    });
    expect(await nodes(await assertion(self.toString('pem'), other.keys.privateKey))).toBe(401);
    // Too long a life, already expired, the wrong audience, a changed payload.
    const now = Math.floor(Date.now() / 1000);
    expect(await nodes(await assertion(certPem, keys.privateKey, { exp: now + 3600 }))).toBe(401);
    expect(await nodes(await assertion(certPem, keys.privateKey, { iat: now - 700, exp: now - 100 }))).toBe(401);
    expect(await nodes(await assertion(certPem, keys.privateKey, { aud: 'elsewhere' }))).toBe(401);
    const [h, , s] = (await assertion(certPem, keys.privateKey)).split('.');
    const body = btoa(JSON.stringify({ aud: CLIENT_CERTIFICATE_AUDIENCE, iat: now, exp: now + 300, sub: 'admin' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    expect(await nodes(`${h}.${body}.${s}`)).toBe(401);
    // alg none.
    const none = `${btoa(JSON.stringify({ alg: 'none', x5c: [btoa(String.fromCharCode(...pemBlocks(certPem)[0].der))] })).replace(/=+$/, '')}.${body}.`;
    expect(await nodes(none)).toBe(401);
  });

  it('leaves requests that do not fit a kubelet for a person to decide, and never signs denied ones', async () => {
    await as('admin', 'POST', '/api/v1/namespaces/kube-system/secrets', secret('join03', '0123456789abcdef'));
    const BOOT3 = 'join03.0123456789abcdef';
    // system:masters in a kubelet request: not a kubelet client request.
    const masters = await certificateRequest('CN=system:node:n11,O=system:masters');
    expect((await as(BOOT3, 'POST', CSRS, csr('node-csr-masters', masters.pem))).status).toBe(201);
    // A general client certificate: the bootstrap token may ask, only a person approves.
    const client = await certificateRequest('CN=robot,O=robots');
    expect((await as(BOOT3, 'POST', CSRS, csr('client-robot', client.pem, 'kubernetes.io/kube-apiserver-client', ['client auth']))).status).toBe(201);
    // Someone without nodeclient asking for a node credential.
    const alice = await certificateRequest('CN=system:node:n12,O=system:nodes');
    expect((await as('alice', 'POST', CSRS, csr('node-csr-alice', alice.pem))).status).toBe(201);
    for (const n of ['node-csr-masters', 'client-robot', 'node-csr-alice']) expect((await issued(n)).status, n).toEqual({});

    // A person approves the robot's request: it is signed; a denied one never is.
    const robot = (await as('admin', 'GET', `${CSRS}/client-robot`)).body;
    expect((await as('admin', 'PUT', `${CSRS}/client-robot/approval`, approved(robot))).status).toBe(200);
    const signed = await issued('client-robot');
    expect(new x509.X509Certificate(atob(signed.status.certificate)).subject).toBe('CN=robot, O=robots');
    const denied = (await as('admin', 'GET', `${CSRS}/node-csr-alice`)).body;
    expect((await as('admin', 'PUT', `${CSRS}/node-csr-alice/approval`, approved(denied, 'Denied'))).status).toBe(200);
    expect((await issued('node-csr-alice')).status.certificate).toBeUndefined();
    // An approved kubelet request that does not fit the signer fails.
    const m = (await as('admin', 'GET', `${CSRS}/node-csr-masters`)).body;
    expect((await as('admin', 'PUT', `${CSRS}/node-csr-masters/approval`, approved(m))).status).toBe(200);
    const failed = await issued('node-csr-masters');
    expect(failed.status.certificate).toBeUndefined();
    expect(failed.status.conditions.find((c: J) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'SignerValidationFailure', message: 'subject organization is not system:nodes' });
  });
});
