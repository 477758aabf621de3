import type { KObject, ResourceDefinition } from '../../types';
import { col } from '../shared';

// pkg/registry/core/componentstatus: the health of the control plane's parts,
// probed on every read, never stored; deprecated since 1.19 but still served.
const healthy = (o: KObject) => (o.conditions ?? []).find((c: KObject) => c.type === 'Healthy');

export const componentstatuses: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ComponentStatus', resource: 'componentstatuses', singular: 'componentstatus',
  namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'], hasGeneration: false, virtual: true,
  // printComponentStatus: no Age column
  columns: [
    col('Status', 'string', 'Status of the component conditions', (o) => (healthy(o)?.status === 'True' ? 'Healthy' : 'Unhealthy')),
    col('Message', 'string', 'Message of the component conditions', (o) => healthy(o)?.message ?? ''),
    col('Error', 'string', 'Error of the component conditions', (o) => healthy(o)?.error ?? ''),
  ],
};
