import type { KObject, ResourceDefinition } from '../../types';
import { Errors, ipAddress } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';

// pkg/registry/core/node/strategy.go, SetDefaults_NodeStatus and printNode.

/** "Ready", "NotReady" or "Unknown", plus ",SchedulingDisabled" for a cordoned node. */
function nodeStatus(n: KObject): string {
  const ready = (n.status?.conditions ?? []).filter((c: KObject) => c.type === 'Ready').pop();
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (n.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** findNodeRoles: node-role.kubernetes.io/<role> keys and the older kubernetes.io/role value, sorted. */
function nodeRoles(n: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(n.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) { const r = k.slice('node-role.kubernetes.io/'.length); if (r) roles.add(r); }
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const address = (type: string) => (n: KObject) => (n.status?.addresses ?? []).find((a: KObject) => a.type === type)?.address ?? '<none>';
const info = (key: string) => (n: KObject) => n.status?.nodeInfo?.[key] || '<unknown>';

export const nodes: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Node', resource: 'nodes', singular: 'node',
  namespaced: false, shortNames: ['no'], hasGeneration: false, statusSubresource: true,
  subresources: [
    { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    statusSubresource('Node'),
  ],
  selectableFields: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false) },
  // Unlike most kinds, a node may be created with its status: the kubelet registers itself that way.
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    if (spec.podCIDR) e.check('spec.podCIDR', String(spec.podCIDR).split('/')[0], ipAddress);
    e.array(spec, 'taints', 'spec.taints').forEach((t, i) => {
      const f = `spec.taints[${i}]`;
      e.requireString(t, 'key', `${f}.key`);
      const effects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
      if (!t?.effect) e.required(`${f}.effect`);
      else if (!effects.includes(t.effect)) e.notSupported(`${f}.effect`, t.effect, effects);
    });
    return e.list;
  },
  validateUpdate(n, o) {
    // podCIDR and providerID may be set once, then never changed.
    const e = new Errors();
    if (o.spec?.podCIDR && n.spec?.podCIDR !== o.spec.podCIDR) e.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid');
    if (o.spec?.providerID && n.spec?.providerID !== o.spec.providerID) e.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid');
    return e.list;
  },
  columns: [
    col('Status', 'string', 'The status of the node', nodeStatus),
    col('Roles', 'string', 'The roles of the node', nodeRoles),
    AGE_COLUMN,
    col('Version', 'string', 'Kubelet Version reported by the node.', (o) => o.status?.nodeInfo?.kubeletVersion ?? ''),
    col('Internal-IP', 'string', 'List of addresses reachable to the node.', address('InternalIP'), 1),
    col('External-IP', 'string', 'List of addresses reachable to the node.', address('ExternalIP'), 1),
    col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', info('osImage'), 1),
    col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", info('kernelVersion'), 1),
    col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', info('containerRuntimeVersion'), 1),
  ],
};
