import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain, qualifiedName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/volumeattachment, ValidateVolumeAttachment(Update) and
// printVolumeAttachment: the attach/detach controller's request that a CSI driver
// attach a volume to a node; the driver reports back in status.

export const volumeattachments: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttachment', resource: 'volumeattachments', singular: 'volumeattachment',
  namespaced: false, hasGeneration: false, statusSubresource: true,
  subresources: [{ name: 'status', kind: 'VolumeAttachment', verbs: ['get', 'patch', 'update'] }],
  prepareForCreate(obj) {
    // the driver reports attachment; a new request starts with the zero status (Go writes its bool)
    obj.status = { attached: false };
  },
  validate(obj) {
    const e = new Errors();
    const spec: KObject = obj.spec ?? {};
    if (!spec.attacher) e.required('spec.attacher');
    else e.check('spec.attacher', spec.attacher, qualifiedName);
    if (!spec.nodeName) e.required('spec.nodeName');
    else e.check('spec.nodeName', spec.nodeName, dns1123Subdomain);
    const source: KObject = spec.source ?? {};
    const set = ['persistentVolumeName', 'inlineVolumeSpec'].filter((k) => source[k] !== undefined && source[k] !== null);
    if (set.length !== 1) e.invalid('spec.source', source, 'must specify exactly one of inlineVolumeSpec and persistentVolumeName');
    return e.list;
  },
  validateUpdate(n, o) {
    // the spec is the attach request: it never changes
    const e = new Errors();
    e.immutable(n, o, ['spec']);
    return e.list;
  },
  columns: [
    col('Attacher', 'string', 'Attacher indicates the name of the volume driver that MUST handle this request.', (o) => o.spec?.attacher ?? ''),
    col('PV', 'string', 'Name of the persistent volume to attach.', (o) => o.spec?.source?.persistentVolumeName ?? ''),
    col('Node', 'string', 'The node that the volume should be attached to.', (o) => o.spec?.nodeName ?? ''),
    col('Attached', 'boolean', 'Indicates the volume is successfully attached.', (o) => o.status?.attached ?? false),
    AGE_COLUMN,
  ],
};
