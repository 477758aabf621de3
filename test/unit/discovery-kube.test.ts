// Discovery documents compared whole with kube-apiserver 1.35's.
// Sources:
//   apps/v1, coordination.k8s.io/v1: kubernetes/kubernetes api/discovery/apis__apps__v1.json and
//     apis__coordination.k8s.io__v1.json (the documents kube records of its own discovery), with
//     the "watch" verb that every resource backed by a watchable store lists (as public
//     `kubectl get --raw /apis/apps/v1` output shows: deployments "create ... update, watch").
//   storageVersionHash: k8s.io/apiserver pkg/endpoints/discovery/storageversionhash.go (the first 8
//     bytes of sha256 of "group/version/kind" of the storage version, base64); the values below are
//     kube's own (8aSe+NMegvE= for Deployment, gqkMMb/YqFM= for Lease, ...).
//   A kind served in two versions from one storage lists the storage version's hash in both
//   (autoscaling/v1 and v2 HorizontalPodAutoscaler; core and events.k8s.io Event).

import { describe, expect, it } from 'vitest';
import { api } from './helpers';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB = ['get', 'patch', 'update'];
const status = (name: string, kind: string) => ({ name: `${name}/status`, singularName: '', namespaced: true, kind, verbs: SUB });
const scale = (name: string) => ({ name: `${name}/scale`, singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUB });

const APPS_V1 = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1',
  resources: [
    { name: 'controllerrevisions', singularName: 'controllerrevision', namespaced: true, kind: 'ControllerRevision', verbs: VERBS, storageVersionHash: '85nkx63pcBU=' },
    { name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs: VERBS, shortNames: ['ds'], categories: ['all'], storageVersionHash: 'dd7pWHUlMKQ=' },
    status('daemonsets', 'DaemonSet'),
    { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: VERBS, shortNames: ['deploy'], categories: ['all'], storageVersionHash: '8aSe+NMegvE=' },
    scale('deployments'),
    status('deployments', 'Deployment'),
    { name: 'replicasets', singularName: 'replicaset', namespaced: true, kind: 'ReplicaSet', verbs: VERBS, shortNames: ['rs'], categories: ['all'], storageVersionHash: 'P1RzHs8/mWQ=' },
    scale('replicasets'),
    status('replicasets', 'ReplicaSet'),
    { name: 'statefulsets', singularName: 'statefulset', namespaced: true, kind: 'StatefulSet', verbs: VERBS, shortNames: ['sts'], categories: ['all'], storageVersionHash: 'H+vl74LkKdo=' },
    scale('statefulsets'),
    status('statefulsets', 'StatefulSet'),
  ],
};

const COORDINATION_V1 = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'coordination.k8s.io/v1',
  resources: [{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: VERBS, storageVersionHash: 'gqkMMb/YqFM=' }],
};

/** Compares as JSON does: key order aside. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;

describe('discovery as kube 1.35 serves it', () => {
  it('apps/v1, whole', async () => {
    expect(sorted((await api('GET', '/apis/apps/v1')).body)).toEqual(sorted(APPS_V1));
  });

  it('coordination.k8s.io/v1, whole', async () => {
    expect(sorted((await api('GET', '/apis/coordination.k8s.io/v1')).body)).toEqual(sorted(COORDINATION_V1));
  });

  it('versions served from one storage share its hash; answers that are never stored have none', async () => {
    const hashOf = async (path: string, name: string) => (await api('GET', path)).body.resources.find((r: { name: string }) => r.name === name).storageVersionHash;
    // sha256("autoscaling/v2/HorizontalPodAutoscaler") and sha256("/v1/Event"), first 8 bytes
    expect(await hashOf('/apis/autoscaling/v2', 'horizontalpodautoscalers')).toBe('qwQve8ut294=');
    expect(await hashOf('/apis/autoscaling/v1', 'horizontalpodautoscalers')).toBe('qwQve8ut294=');
    expect(await hashOf('/api/v1', 'events')).toBe('r2yiGXH7wu8=');
    expect(await hashOf('/apis/events.k8s.io/v1', 'events')).toBe('r2yiGXH7wu8=');
    expect(await hashOf('/apis/authorization.k8s.io/v1', 'selfsubjectaccessreviews')).toBeUndefined();
  });
});
