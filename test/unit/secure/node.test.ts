// The Node authorizer and NodeRestriction: a kubelet credential reads what
// kube's system:node role allows, secrets and configmaps only of its own
// pods, and writes only its own Node, Lease and pods' status.
import { beforeAll, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { BASE, type J } from '../helpers';

const TOKENS: Record<string, string> = { admin: 'admin-token', n1: 'node1-token', n2: 'node2-token' };

async function as(who: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: J }> {
  const res = await SELF.fetch(BASE + path, { method, headers: { authorization: `Bearer ${TOKENS[who]}`, 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: J = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
const pod = (name: string, nodeName: string, secret: string, cm: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'apps' },
  spec: { nodeName, volumes: [{ name: 's', secret: { secretName: secret } }], containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: cm } }] }] },
});

beforeAll(async () => {
  expect((await as('admin', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } })).status).toBe(201);
  for (const s of ['s-a', 's-b', 'unrelated']) await as('admin', 'POST', '/api/v1/namespaces/apps/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: s }, stringData: { k: 'v' } });
  for (const c of ['cm-a', 'cm-b']) await as('admin', 'POST', '/api/v1/namespaces/apps/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: c } });
  expect((await as('admin', 'POST', '/api/v1/namespaces/apps/pods', pod('a', 'n1', 's-a', 'cm-a'))).status).toBe(201);
  expect((await as('admin', 'POST', '/api/v1/namespaces/apps/pods', pod('b', 'n2', 's-b', 'cm-b'))).status).toBe(201);
});

describe('a node credential', () => {
  it('registers and updates its own Node, and no other', async () => {
    expect((await as('n1', 'POST', '/api/v1/nodes', node('n1'))).status).toBe(201);
    const other = await as('n1', 'POST', '/api/v1/nodes', node('n2'));
    expect(other.status).toBe(403);
    expect(other.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    expect((await as('n2', 'POST', '/api/v1/nodes', node('n2'))).status).toBe(201);
    expect((await as('n1', 'GET', '/api/v1/nodes/n2')).status).toBe(200);
    expect((await as('n1', 'PATCH', '/api/v1/nodes/n1/status', { status: { phase: 'Running' } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await as('n1', 'PATCH', '/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, 'application/merge-patch+json')).status).toBe(403);
    expect((await as('n1', 'DELETE', '/api/v1/nodes/n2')).status).toBe(403);
  });

  it('renews its own Lease, and no other', async () => {
    expect((await as('n1', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'))).status).toBe(201);
    expect((await as('n1', 'PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', { spec: { renewTime: '2026-12-04T00:00:00.000000Z' } }, 'application/merge-patch+json')).status).toBe(200);
    expect((await as('n2', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n2'))).status).toBe(201);
    const other = await as('n1', 'PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2', { spec: { renewTime: '2026-12-04T00:00:00.000000Z' } }, 'application/merge-patch+json');
    expect(other.status).toBe(403);
    expect(other.body.message).toBe('leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    expect((await as('n1', 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', { ...lease('n1'), metadata: { name: 'n1', namespace: 'default' } })).status).toBe(403);
  });

  it('updates the status of its own pods only, and creates no ordinary pods', async () => {
    const mine = await as('n1', 'PATCH', '/api/v1/namespaces/apps/pods/a/status', { status: { phase: 'Running' } }, 'application/merge-patch+json');
    expect(mine.status).toBe(200);
    expect(mine.body.status.phase).toBe('Running');
    const theirs = await as('n1', 'PATCH', '/api/v1/namespaces/apps/pods/b/status', { status: { phase: 'Running' } }, 'application/merge-patch+json');
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe('pods "b" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/pods/b')).body.status?.phase).not.toBe('Running');
    expect((await as('n1', 'PATCH', '/api/v1/namespaces/apps/pods/a', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json')).status).toBe(403);
    expect((await as('n1', 'POST', '/api/v1/namespaces/apps/pods', pod('c', 'n1', 's-a', 'cm-a'))).status).toBe(403);
    expect((await as('n1', 'DELETE', '/api/v1/namespaces/apps/pods/b')).status).toBe(403);
    expect((await as('n1', 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).status).toBe(200);
  });

  it('reads the persistent volumes bound to its own pods\' claims only', async () => {
    const pv = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } } });
    const pvc = (name: string, volumeName: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'apps' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName } });
    for (const n of ['pv-a', 'pv-b']) expect((await as('admin', 'POST', '/api/v1/persistentvolumes', pv(n))).status).toBe(201);
    expect((await as('admin', 'POST', '/api/v1/namespaces/apps/persistentvolumeclaims', pvc('claim-a', 'pv-a'))).status).toBe(201);
    expect((await as('admin', 'POST', '/api/v1/namespaces/apps/persistentvolumeclaims', pvc('claim-b', 'pv-b'))).status).toBe(201);
    const withClaim = (name: string, nodeName: string, claim: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'apps' }, spec: { nodeName, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }], containers: [{ name: 'c', image: 'busybox' }] } });
    expect((await as('admin', 'POST', '/api/v1/namespaces/apps/pods', withClaim('pa', 'n1', 'claim-a'))).status).toBe(201);
    expect((await as('admin', 'POST', '/api/v1/namespaces/apps/pods', withClaim('pb', 'n2', 'claim-b'))).status).toBe(201);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/persistentvolumeclaims/claim-a')).status).toBe(200);
    expect((await as('n1', 'GET', '/api/v1/persistentvolumes/pv-a')).status).toBe(200);
    const theirs = await as('n1', 'GET', '/api/v1/persistentvolumes/pv-b');
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe(`persistentvolumes "pv-b" is forbidden: User "system:node:n1" cannot get resource "persistentvolumes" in API group "" at the cluster scope: no relationship found between node 'n1' and this object`);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/persistentvolumeclaims/claim-b')).status).toBe(403);
    expect((await as('n2', 'GET', '/api/v1/persistentvolumes/pv-b')).status).toBe(200);
    expect((await as('n1', 'GET', '/api/v1/persistentvolumes')).status).toBe(403);
  });

  it('reads the secrets and configmaps of its own pods only', async () => {
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/secrets/s-a')).status).toBe(200);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/configmaps/cm-a')).status).toBe(200);
    const theirs = await as('n1', 'GET', '/api/v1/namespaces/apps/secrets/s-b');
    expect(theirs.status).toBe(403);
    expect(theirs.body.message).toBe(`secrets "s-b" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "apps": no relationship found between node 'n1' and this object`);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/secrets/unrelated')).status).toBe(403);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/configmaps/cm-b')).status).toBe(403);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/secrets')).status).toBe(403);
    expect((await as('n1', 'GET', '/api/v1/namespaces/apps/secrets?watch=1&fieldSelector=metadata.name%3Ds-a&timeoutSeconds=1')).status).toBe(200);
    expect((await as('n2', 'GET', '/api/v1/namespaces/apps/secrets/s-b')).status).toBe(200);
  });

  it('reaches discovery and its own tunnel, not another node\'s, and can-i agrees', async () => {
    expect((await as('n1', 'GET', '/api')).status).toBe(200);
    expect((await as('n1', 'GET', '/edgekube/v1/nodes/n2/tunnel')).status).toBe(403);
    // Its own tunnel is authorized: what answers is the tunnel itself, which wants a WebSocket.
    const own = await as('n1', 'GET', '/edgekube/v1/nodes/n1/tunnel');
    expect(own.status).toBe(400);
    expect(own.body.message).toBe('the tunnel is a WebSocket: send Upgrade: websocket');
    const sar = async (verb: string, resource: string, namespace: string, name: string, subresource = '') => {
      const r = await as('n1', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, namespace, name, subresource } } });
      return r.body.status.allowed;
    };
    expect(await sar('get', 'secrets', 'apps', 's-a')).toBe(true);
    expect(await sar('get', 'secrets', 'apps', 's-b')).toBe(false);
    expect(await sar('list', 'nodes', '', '')).toBe(true);
    expect(await sar('create', 'deployments', 'apps', '')).toBe(false);
  });
});
