// Authentication on the secure Worker: the static token file authenticates
// as kube's --token-auth-file does, and anything else is a 401. (That every
// route refuses anonymous requests is checked against a real `wrangler dev`
// in test/e2e/secure-routes.test.ts.)
import { describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { BASE } from '../helpers';

const PUBLIC = ['/healthz', '/livez', '/readyz', '/version'];

async function expectUnauthorized(method: string, url: string, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(BASE + url, { method, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  expect(res.status, `${method} ${url} -> ${res.status} ${text.slice(0, 200)}`).toBe(401);
  expect(JSON.parse(text)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

describe('authentication on the secure Worker', () => {
  it('answers the health and version paths without credentials', async () => {
    for (const p of PUBLIC) {
      const res = await SELF.fetch(BASE + p);
      expect(res.status, p).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('refuses wrong, malformed and non-bearer credentials with the same 401', async () => {
    for (const auth of ['Bearer wrong-token', 'Bearer admin-token2', 'Bearer admin-toke', 'Bearer', 'Bearer ', 'bearer', 'Basic YWRtaW46YWRtaW4=', 'admin-token', 'Token admin-token', `Bearer ${'x'.repeat(8000)}`]) {
      await expectUnauthorized('GET', '/api/v1/namespaces', { authorization: auth });
    }
  });

  it('authenticates a static token as its user, with system:authenticated added', async () => {
    for (const auth of ['Bearer alice-token', 'bearer alice-token', 'BEARER alice-token extra']) {
      const res = await SELF.fetch(`${BASE}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      });
      expect(res.status, auth).toBe(201);
      expect((await res.json() as any).status.userInfo).toEqual({ username: 'alice', uid: 'uid-alice', groups: ['devs', 'qa', 'system:authenticated'] });
    }
  });

  it('lets a member of system:masters use the API', async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/namespaces`, { headers: { authorization: 'Bearer admin-token' } });
    expect(res.status).toBe(200);
    expect((await res.json() as any).items.map((n: any) => n.metadata.name)).toContain('kube-system');
  });

  it('answers TokenReview from the real token authenticators', async () => {
    const review = async (token: string) => {
      const res = await SELF.fetch(`${BASE}/apis/authentication.k8s.io/v1/tokenreviews`, {
        method: 'POST', headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
      });
      expect(res.status).toBe(201);
      return (await res.json() as any).status;
    };
    expect(await review('bob-token')).toEqual({ authenticated: true, user: { username: 'bob', uid: 'uid-bob', groups: ['system:authenticated'] } });
    expect((await review('nope')).authenticated).toBe(false);
  });
});

describe('WebSocket bearer tokens', () => {
  const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const upgrade = (protocols: string) => SELF.fetch(`${BASE}/api/v1/namespaces?watch=1&timeoutSeconds=1`, { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': protocols } });

  it('authenticates the base64url.bearer.authorization.k8s.io protocol as kube does, and refuses a bad one', async () => {
    const good = await upgrade(`base64url.bearer.authorization.k8s.io.${b64url('admin-token')}, v4.channel.k8s.io`);
    expect(good.status).toBe(101);
    good.webSocket?.accept();
    good.webSocket?.close();
    for (const bad of [`base64url.bearer.authorization.k8s.io.${b64url('wrong')}`, 'base64url.bearer.authorization.k8s.io.!!!', 'v4.channel.k8s.io']) {
      const r = await upgrade(bad);
      expect(r.status, bad).toBe(401);
      await r.arrayBuffer();
    }
  });
});
