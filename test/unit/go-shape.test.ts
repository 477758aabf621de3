// Objects answered as Go's encoding of kube's types writes them (encoding/json on
// k8s.io/api structs): structs always present, fields without omitempty written
// when nil or zero, zero values of omitempty fields left out. The field tags are
// kube 1.35's (k8s.io/api v0.35.0 types.go), read through the generated descriptors.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';

describe("Go's JSON form of what is stored", () => {
  it('writes nil non-omitempty fields as null, empty structs as {}, and drops omitempty zeros', async () => {
    await mkns('goshape');
    // rbac/v1 Role: Rules []PolicyRule `json:"rules"`
    const role = await api('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/goshape/roles', { metadata: { name: 'r', labels: {} } });
    expect(role.body.rules).toBeNull();
    expect(role.body.metadata.labels).toBeUndefined();
    // apps/v1 Deployment: Paused bool `json:"paused,omitempty"`, Status DeploymentStatus `json:"status,omitempty"` (a struct)
    const d = await api('POST', '/apis/apps/v1/namespaces/goshape/deployments', {
      metadata: { name: 'd' },
      spec: { paused: false, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { hostNetwork: false, containers: [{ name: 'c', image: 'i', args: [] }] } } },
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    expect(d.body.spec.paused).toBeUndefined();
    expect(d.body.spec.template.spec.hostNetwork).toBeUndefined();
    expect(d.body.spec.template.spec.containers[0].args).toBeUndefined();
    expect(d.body.status).toEqual({});
    // core/v1 PodCondition: LastProbeTime metav1.Time `json:"lastProbeTime,omitempty"`, a struct: null when zero
    await api('POST', '/api/v1/namespaces/goshape/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const withCondition = await api('PATCH', '/api/v1/namespaces/goshape/pods/p/status', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, { 'content-type': 'application/merge-patch+json' });
    expect(withCondition.body.status.conditions[0]).toEqual({ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: null });
    // core/v1 Service: Status.LoadBalancer, a struct
    const svc = await api('POST', '/api/v1/namespaces/goshape/services', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.body.status).toEqual({ loadBalancer: {} });
  });

  it('an update that changes nothing kube would store is no change: no new resourceVersion', async () => {
    await mkns('goshape-noop');
    const path = '/api/v1/namespaces/goshape-noop/podtemplates';
    const created = await api('POST', path, { metadata: { name: 't' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
    expect(created.status).toBe(201);
    // the same object with what Go drops (zero omitempty fields, empty maps and lists)
    const same = structuredClone(created.body);
    same.metadata.annotations = {};
    same.template.spec.hostNetwork = false;
    same.template.spec.containers[0].args = [];
    const put = await api('PUT', `${path}/t`, same);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    expect(put.body).toEqual(created.body);
  });
});
