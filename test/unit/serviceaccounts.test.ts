// The service account controller and the root CA publisher inside workerd:
// what every namespace gets, put back after a delete or an edit, and nothing
// fought over in a namespace that is going.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';
import { settle } from './workload-helpers';

const sa = (ns: string) => api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
const rootCA = (ns: string) => api('GET', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);

describe('service account controller and root CA publisher', () => {
  it('gives every namespace, new and built in, a default ServiceAccount and kube-root-ca.crt', async () => {
    await mkns('sa-new');
    await settle();
    for (const ns of ['sa-new', 'default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const account = await sa(ns);
      expect(account.status, ns).toBe(200);
      const cm = await rootCA(ns);
      expect(cm.status, ns).toBe(200);
      expect(cm.body.metadata.annotations['kubernetes.io/description']).toMatch(/^Contains a CA bundle/);
    }
    // Without EDGEKUBE_ROOT_CA the bundle is the cluster signing CA.
    const signer = await api('GET', '/api/v1/namespaces/kube-system/secrets/edgekube-cluster-signing-ca');
    expect(signer.status).toBe(200);
    const published: string = (await rootCA('sa-new')).body.data['ca.crt'];
    expect(published).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    expect(published.trim()).toBe(atob(signer.body.data['tls.crt']).trim());
  });

  it('puts back a deleted ServiceAccount and ConfigMap, and resets an edited one', async () => {
    const ns = 'sa-heal';
    await mkns(ns);
    await settle();
    const before = (await sa(ns)).body.metadata.uid;
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status).toBe(200);
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`)).status).toBe(200);
    expect((await sa(ns)).status).toBe(404);
    await settle();
    const after = await sa(ns);
    expect(after.status).toBe(200);
    expect(after.body.metadata.uid).not.toBe(before);
    const original = (await rootCA(ns)).body.data['ca.crt'];
    expect(original).toContain('BEGIN CERTIFICATE');

    const edited = await api('PATCH', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`, { data: { 'ca.crt': 'not a CA', extra: 'x' } }, { 'content-type': 'application/merge-patch+json' });
    expect(edited.status).toBe(200);
    await settle();
    expect((await rootCA(ns)).body.data).toEqual({ 'ca.crt': original });
  });

  it('fights no namespace deletion: no controller error, and the namespace and its objects go', async () => {
    const ns = 'sa-gone';
    await mkns(ns);
    await settle();
    expect((await api('DELETE', `/api/v1/namespaces/${ns}`)).status).toBe(200);
    // settle throws on any controller error: none may fight the namespace's deletion.
    await settle();
    for (let i = 0; i < 50 && (await api('GET', `/api/v1/namespaces/${ns}`)).status !== 404; i++) { await settle(); await new Promise((r) => setTimeout(r, 100)); }
    expect((await api('GET', `/api/v1/namespaces/${ns}`)).status).toBe(404);
    expect((await sa(ns)).status).toBe(404);
    expect((await rootCA(ns)).status).toBe(404);
  });
});
