import type { KObject, ResourceDefinition } from '../../types';
import { Errors, qualifiedName } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/storage/csinode, ValidateCSINode(Update) and printCSINode. The kubelet
// writes one per node, named as the node, listing the CSI drivers installed on it.

export const csinodes: ResourceDefinition = {
  group: 'storage.k8s.io', version: 'v1', kind: 'CSINode', resource: 'csinodes', singular: 'csinode',
  namespaced: false, hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    const drivers = obj.spec?.drivers;
    if (!Array.isArray(drivers)) { e.required('spec.drivers'); return e.list; }
    const names = new Set<string>();
    drivers.forEach((d: KObject, i: number) => {
      const f = `spec.drivers[${i}]`;
      if (!d?.name) e.required(`${f}.name`);
      else {
        e.check(`${f}.name`, d.name, qualifiedName);
        if (names.has(d.name)) e.duplicate(`${f}.name`, d.name);
        names.add(d.name);
      }
      if (!d?.nodeID) e.required(`${f}.nodeID`, 'nodeID must not be empty');
      else if (String(d.nodeID).length > 192) e.tooLong(`${f}.nodeID`, 192);
      if (d?.allocatable?.count !== undefined && (!Number.isInteger(d.allocatable.count) || d.allocatable.count < 0)) e.invalid(`${f}.allocatable.count`, d.allocatable.count, 'must be greater than or equal to 0');
    });
    return e.list;
  },
  validateUpdate(n, o) {
    // a driver's nodeID and topology keys stay as they were registered
    const e = new Errors();
    (n.spec?.drivers ?? []).forEach((d: KObject, i: number) => {
      const old = (o.spec?.drivers ?? []).find((x: KObject) => x.name === d.name);
      if (!old) return;
      if (d.nodeID !== old.nodeID) e.invalid(`spec.drivers[${i}].nodeID`, d.nodeID, 'field is immutable');
      if (JSON.stringify(d.topologyKeys ?? []) !== JSON.stringify(old.topologyKeys ?? [])) e.invalid(`spec.drivers[${i}].topologyKeys`, d.topologyKeys ?? [], 'field is immutable');
    });
    return e.list;
  },
  columns: [
    col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node', (o) => (o.spec?.drivers ?? []).length),
    AGE_COLUMN,
  ],
};
