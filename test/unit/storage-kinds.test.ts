// The storage.k8s.io/v1 kinds besides StorageClass, and networking.k8s.io/v1
// ServiceCIDR: validation as kube's strategies do it, and the printers' columns.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';

const table = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
const causes = (r: { body: { details?: { causes?: { field: string; message: string }[] } } }) => (r.body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

describe('storage.k8s.io/v1', () => {
  it('CSIDriver: defaults, the immutable attachRequired, and its printer', async () => {
    const created = await api('POST', '/apis/storage.k8s.io/v1/csidrivers', { metadata: { name: 'ebs.csi.example.com' }, spec: { attachRequired: false, tokenRequests: [{ audience: 'vault' }] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.spec).toMatchObject({ attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'], fsGroupPolicy: 'ReadWriteOnceWithFSType' });
    const changed = await api('PATCH', '/apis/storage.k8s.io/v1/csidrivers/ebs.csi.example.com', { spec: { attachRequired: true } }, { 'content-type': 'application/merge-patch+json' });
    expect(causes(changed)).toEqual(['spec.attachRequired: Invalid value: true: field is immutable']);
    const bad = await api('POST', '/apis/storage.k8s.io/v1/csidrivers', { metadata: { name: 'x.example.com' }, spec: { volumeLifecycleModes: ['Sometimes'], fsGroupPolicy: 'Maybe' } });
    expect(causes(bad)).toEqual([
      'spec.volumeLifecycleModes[0]: Unsupported value: "Sometimes": supported values: "Persistent", "Ephemeral"',
      'spec.fsGroupPolicy: Unsupported value: "Maybe": supported values: "ReadWriteOnceWithFSType", "File", "None"',
    ]);
    const t = await api('GET', '/apis/storage.k8s.io/v1/csidrivers/ebs.csi.example.com', undefined, table);
    expect(t.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'AttachRequired', 'PodInfoOnMount', 'StorageCapacity', 'TokenRequests', 'RequiresRepublish', 'Modes', 'Age']);
    expect(t.body.rows[0].cells.slice(0, 7)).toEqual(['ebs.csi.example.com', false, false, false, 'vault', false, 'Persistent']);
  });

  it('VolumeAttachment: exactly one source, a spec that never changes, status through its subresource', async () => {
    const none = await api('POST', '/apis/storage.k8s.io/v1/volumeattachments', { metadata: { name: 'va0' }, spec: { attacher: 'csi.example.com', nodeName: 'n1', source: {} } });
    expect(causes(none)).toEqual(['spec.source: Invalid value: {}: must specify exactly one of inlineVolumeSpec and persistentVolumeName']);
    const va = await api('POST', '/apis/storage.k8s.io/v1/volumeattachments', { metadata: { name: 'va1' }, spec: { attacher: 'csi.example.com', nodeName: 'n1', source: { persistentVolumeName: 'pv1' } }, status: { attached: true } });
    expect(va.status).toBe(201);
    expect(va.body.status).toEqual({ attached: false });
    const moved = await api('PATCH', '/apis/storage.k8s.io/v1/volumeattachments/va1', { spec: { nodeName: 'n2' } }, { 'content-type': 'application/merge-patch+json' });
    expect(moved.status).toBe(422);
    const attached = await api('PATCH', '/apis/storage.k8s.io/v1/volumeattachments/va1/status', { status: { attached: true } }, { 'content-type': 'application/merge-patch+json' });
    expect(attached.body.status).toEqual({ attached: true });
    const t = await api('GET', '/apis/storage.k8s.io/v1/volumeattachments/va1', undefined, table);
    expect(t.body.rows[0].cells.slice(0, 5)).toEqual(['va1', 'csi.example.com', 'pv1', 'n1', true]);
  });

  it('CSINode, CSIStorageCapacity and VolumeAttributesClass: what each requires and keeps', async () => {
    expect(causes(await api('POST', '/apis/storage.k8s.io/v1/csinodes', { metadata: { name: 'n1' }, spec: { drivers: [{ name: 'csi.example.com' }] } })))
      .toEqual(['spec.drivers[0].nodeID: Required value: nodeID must not be empty']);
    await api('POST', '/apis/storage.k8s.io/v1/csinodes', { metadata: { name: 'n1' }, spec: { drivers: [{ name: 'csi.example.com', nodeID: 'i-1' }] } });
    expect((await api('GET', '/apis/storage.k8s.io/v1/csinodes/n1', undefined, table)).body.rows[0].cells.slice(0, 2)).toEqual(['n1', 1]);
    await mkns('capacity');
    expect(causes(await api('POST', '/apis/storage.k8s.io/v1/namespaces/capacity/csistoragecapacities', { metadata: { name: 'c1' } }))).toEqual(['storageClassName: Required value']);
    const vac = await api('POST', '/apis/storage.k8s.io/v1/volumeattributesclasses', { metadata: { name: 'gold' }, driverName: 'csi.example.com', parameters: { iops: '3000' } });
    expect(vac.status).toBe(201);
    const again = await api('PATCH', '/apis/storage.k8s.io/v1/volumeattributesclasses/gold', { parameters: { iops: '6000' } }, { 'content-type': 'application/merge-patch+json' });
    expect(causes(again)).toEqual(['parameters: Forbidden: updates to parameters are forbidden.']);
    expect((await api('GET', '/apis/storage.k8s.io/v1/volumeattributesclasses?fieldSelector=metadata.name%3Dgold')).body.items).toHaveLength(1);
  });
});

describe('networking.k8s.io/v1 ServiceCIDR', () => {
  it('takes canonical CIDRs, one per family, and may only grow a second family', async () => {
    expect(causes(await api('POST', '/apis/networking.k8s.io/v1/servicecidrs', { metadata: { name: 'a' }, spec: { cidrs: ['10.0.0.1/8'] } })))
      .toEqual(['spec.cidrs[0]: Invalid value: "10.0.0.1/8": must be in canonical form ("10.0.0.0/8")']);
    expect(causes(await api('POST', '/apis/networking.k8s.io/v1/servicecidrs', { metadata: { name: 'a' }, spec: { cidrs: ['10.0.0.0/8', '11.0.0.0/8'] } })))
      .toEqual(['spec.cidrs: Invalid value: ["10.0.0.0/8","11.0.0.0/8"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64']);
    const ok = await api('POST', '/apis/networking.k8s.io/v1/servicecidrs', { metadata: { name: 'extra' }, spec: { cidrs: ['10.200.0.0/16'] } });
    expect(ok.status).toBe(201);
    const dual = await api('PUT', '/apis/networking.k8s.io/v1/servicecidrs/extra', { ...ok.body, spec: { cidrs: ['10.200.0.0/16', 'fd00::/108'] } });
    expect(dual.status, JSON.stringify(dual.body)).toBe(200);
    const changed = await api('PUT', '/apis/networking.k8s.io/v1/servicecidrs/extra', { ...dual.body, spec: { cidrs: ['10.201.0.0/16', 'fd00::/108'] } });
    expect(changed.status).toBe(422);
    const t = await api('GET', '/apis/networking.k8s.io/v1/servicecidrs/extra', undefined, table);
    expect(t.body.rows[0].cells.slice(0, 2)).toEqual(['extra', '10.200.0.0/16,fd00::/108']);
  });
});
