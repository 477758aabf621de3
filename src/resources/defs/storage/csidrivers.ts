import type { KObject, ResourceDefinition } from '../../types';
import { Errors, qualifiedName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/csidriver, ValidateCSIDriver(Update) and printCSIDriver.
// A CSIDriver is named by its driver, and tells the kubelet how to attach and mount its volumes.

const MODES = ['Persistent', 'Ephemeral'];
const FS_GROUP_POLICIES = ['ReadWriteOnceWithFSType', 'File', 'None'];

export const csidrivers: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', resource: 'csidrivers', singular: 'csidriver',
  namespaced: false, hasGeneration: true,
  validate(obj) {
    const e = new Errors();
    const name = obj.metadata?.name;
    if (typeof name === 'string' && name !== '') e.check('metadata.name', name, qualifiedName);
    const spec: KObject = obj.spec ?? {};
    (spec.volumeLifecycleModes ?? []).forEach((m: unknown, i: number) => {
      if (!MODES.includes(m as string)) e.notSupported(`spec.volumeLifecycleModes[${i}]`, m, MODES);
    });
    if (spec.fsGroupPolicy !== undefined && !FS_GROUP_POLICIES.includes(spec.fsGroupPolicy)) e.notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, FS_GROUP_POLICIES);
    const audiences = new Set<string>();
    (spec.tokenRequests ?? []).forEach((t: KObject, i: number) => {
      if (audiences.has(t?.audience)) e.duplicate(`spec.tokenRequests[${i}].audience`, t?.audience);
      audiences.add(t?.audience);
      if (t?.expirationSeconds !== undefined && t.expirationSeconds < 600) e.invalid(`spec.tokenRequests[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes');
    });
    if (spec.serviceAccountTokenInSecrets !== undefined && !(spec.tokenRequests ?? []).length) {
      e.invalid('spec.serviceAccountTokenInSecrets', spec.serviceAccountTokenInSecrets, 'serviceAccountTokenInSecrets can only be set when tokenRequests is specified');
    }
    return e.list;
  },
  validateUpdate(n, o) {
    // attachRequired and the lifecycle modes decide how existing volumes were attached
    const e = new Errors();
    e.immutable(n, o, ['spec', 'attachRequired']);
    e.immutable(n, o, ['spec', 'volumeLifecycleModes']);
    return e.list;
  },
  columns: [
    col('AttachRequired', 'boolean', 'Indicates this CSI volume driver requires an attach operation, and that Kubernetes should call attach and wait for any attach operation to complete before proceeding to mount.', (o) => o.spec?.attachRequired ?? true),
    col('PodInfoOnMount', 'boolean', 'Indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations.', (o) => o.spec?.podInfoOnMount ?? false),
    col('StorageCapacity', 'boolean', 'Indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information.', (o) => o.spec?.storageCapacity ?? false),
    col('TokenRequests', 'string', 'Indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.', (o) => (o.spec?.tokenRequests ?? []).map((t: KObject) => t.audience).join(',') || '<unset>'),
    col('RequiresRepublish', 'boolean', 'RequiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.', (o) => o.spec?.requiresRepublish ?? false),
    col('Modes', 'string', 'Defines the kinds of volumes that the driver can support.', (o) => (o.spec?.volumeLifecycleModes ?? []).join(',') || '<none>'),
    AGE_COLUMN,
  ],
};
