// Storage inside workerd: the default StorageClass, the PersistentVolume
// controller's binding and release, the local-path provisioner, and the
// scheduler's volume checks; driven through the Controllers Durable Object.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { addNode, settle } from './workload-helpers';

const claim = (name: string, extra: J = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
});
const getClaim = async (ns: string, name: string) => (await api('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`)).body;
const getPV = (name: string) => api('GET', `/api/v1/persistentvolumes/${name}`);
const events = async (ns: string, name: string) =>
  ((await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=${name}`)).body.items as J[]).map((e) => `${e.reason}: ${e.message}`);

/** A Ready node that only these tests' pods tolerate, offering local-path storage under `root`. */
const addStorageNode = (name: string, root: string) =>
  addNode(name, { taints: [{ key: 'storage-test', effect: 'NoSchedule' }], annotations: { 'local-path.edgekube.io/root': root } });

const podWith = (name: string, claimName: string, extra: J = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: {
    tolerations: [{ key: 'storage-test', operator: 'Exists' }],
    containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    ...extra,
  },
});

describe('storage', () => {
  it('gives a claim without a class the default one, and leaves an explicit "" alone', async () => {
    const ns = 'st-default';
    await mkns(ns);
    const sc = (await api('GET', '/apis/storage.k8s.io/v1/storageclasses/local-path')).body;
    expect(sc).toMatchObject({
      provisioner: 'edgekube.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete',
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    });
    expect((await api('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, claim('a'))).body.spec.storageClassName).toBe('local-path');
    expect((await api('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, claim('b', { storageClassName: '' }))).body.spec.storageClassName).toBe('');
    await settle();
    expect((await getClaim(ns, 'a')).status.phase).toBe('Pending');
    expect(await events(ns, 'a')).toContain('WaitForFirstConsumer: waiting for first consumer to be created before binding');
  });

  it('binds a claim to the smallest matching volume, and releases the volume when the claim goes', async () => {
    const ns = 'st-static';
    await mkns(ns);
    const pv = (name: string, size: string, modes = ['ReadWriteOnce']) => ({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: { tier: 'fast' } },
      spec: { capacity: { storage: size }, accessModes: modes, storageClassName: 'manual', hostPath: { path: `/tmp/${name}` } },
    });
    for (const v of [pv('st-big', '10Gi'), pv('st-small', '2Gi'), pv('st-tiny', '500Mi'), pv('st-rwx', '2Gi', ['ReadWriteMany'])]) {
      expect((await api('POST', '/api/v1/persistentvolumes', v)).status).toBe(201);
    }
    await settle();
    expect((await getPV('st-small')).body.status.phase).toBe('Available');
    const c = await api('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, claim('data', { storageClassName: 'manual', selector: { matchLabels: { tier: 'fast' } } }));
    expect(c.status).toBe(201);
    await settle();
    const bound = await getClaim(ns, 'data');
    expect(bound.spec.volumeName).toBe('st-small');
    expect(bound.status).toMatchObject({ phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] });
    expect(bound.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    const v = (await getPV('st-small')).body;
    expect(v.status.phase).toBe('Bound');
    expect(v.spec.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: ns, name: 'data', uid: c.body.metadata.uid });

    // The volume outlives its claim: Retain (the default for a volume made by hand) leaves it Released.
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/persistentvolumeclaims/data`)).status).toBe(200);
    await settle();
    expect((await getPV('st-small')).body.status.phase).toBe('Released');
    for (const n of ['st-big', 'st-small', 'st-tiny', 'st-rwx']) await api('DELETE', `/api/v1/persistentvolumes/${n}`);
  });

  it('provisions a local-path volume on the node the scheduler chose, pins later pods there, and deletes it with its claim', async () => {
    const ns = 'st-local';
    await mkns(ns);
    await addStorageNode('st-node-a', '/var/lib/agent-a/local-path');
    await addStorageNode('st-node-b', '/var/lib/agent-b/local-path');
    const c = await api('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, claim('data'));
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, podWith('first', 'data', { nodeSelector: { 'kubernetes.io/hostname': 'st-node-b' } }))).status).toBe(201);
    await settle();
    const first = (await api('GET', `/api/v1/namespaces/${ns}/pods/first`)).body;
    expect(first.spec.nodeName).toBe('st-node-b');
    const bound = await getClaim(ns, 'data');
    expect(bound.metadata.annotations['volume.kubernetes.io/selected-node']).toBe('st-node-b');
    expect(bound.metadata.annotations['volume.kubernetes.io/storage-provisioner']).toBe('edgekube.io/local-path');
    expect(bound.status.phase).toBe('Bound');
    const pvName = `pvc-${c.body.metadata.uid}`;
    expect(bound.spec.volumeName).toBe(pvName);
    const pv = (await getPV(pvName)).body;
    expect(pv.spec).toMatchObject({
      storageClassName: 'local-path', persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '1Gi' },
      hostPath: { path: `/var/lib/agent-b/local-path/${pvName}_${ns}_data`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['st-node-b'] }] }] } },
    });
    expect(pv.metadata.annotations['pv.kubernetes.io/provisioned-by']).toBe('edgekube.io/local-path');
    expect(await events(ns, 'data')).toContain(`ProvisioningSucceeded: Successfully provisioned volume ${pvName}`);

    // The volume lives on st-node-b: a pod of the claim asked onto st-node-a fits nowhere; one left free goes to st-node-b.
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, podWith('elsewhere', 'data', { nodeSelector: { 'kubernetes.io/hostname': 'st-node-a' } }))).status).toBe(201);
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, podWith('free', 'data'))).status).toBe(201);
    await settle();
    const elsewhere = (await api('GET', `/api/v1/namespaces/${ns}/pods/elsewhere`)).body;
    expect(elsewhere.spec.nodeName).toBeUndefined();
    const scheduled = elsewhere.status.conditions.find((x: J) => x.type === 'PodScheduled');
    expect(scheduled.message).toMatch(/^0\/\d+ nodes are available: .*1 node\(s\) had volume node affinity conflict/);
    expect((await api('GET', `/api/v1/namespaces/${ns}/pods/free`)).body.spec.nodeName).toBe('st-node-b');

    // A pod whose claim does not exist waits with kube's message.
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, podWith('orphan', 'nope'))).status).toBe(201);
    await settle();
    const orphan = (await api('GET', `/api/v1/namespaces/${ns}/pods/orphan`)).body;
    expect(orphan.status.conditions.find((x: J) => x.type === 'PodScheduled').message).toMatch(/nodes are available: persistentvolumeclaim "nope" not found\.$/);

    // Reclaim policy Delete: the provisioned volume goes with its claim.
    for (const p of ['first', 'elsewhere', 'free', 'orphan']) await api('DELETE', `/api/v1/namespaces/${ns}/pods/${p}?gracePeriodSeconds=0`);
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/persistentvolumeclaims/data`)).status).toBe(200);
    await settle();
    expect((await getPV(pvName)).status).toBe(404);
    for (const n of ['st-node-a', 'st-node-b']) await api('DELETE', `/api/v1/nodes/${n}`);
  });
});
