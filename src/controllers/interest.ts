// Which controllers a committed write concerns. Both the API (which wakes the
// controllers' object over RPC) and the controllers' own writes (which mark
// work in-process) ask this.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { ControllerName } from './env';

/**
 * Whether the workload controllers or the garbage collector care: the kinds
 * they keep informers of, and anything owned, being deleted or gone.
 */
function forWorkloads(def: ResourceDefinition, obj: KObject | undefined, removed: boolean): boolean {
  if (removed || obj?.metadata?.deletionTimestamp || obj?.metadata?.ownerReferences?.length) return true;
  if (def.group === 'apps' || def.group === 'batch' || def.group === 'policy' || def.group === 'apiextensions.k8s.io') return true;
  if (def.group === 'admissionregistration.k8s.io' && def.resource === 'validatingadmissionpolicies') return true;
  if (def.group === 'storage.k8s.io' && def.resource === 'storageclasses') return true;
  // What the service account controller and the root CA publisher keep in every namespace.
  if (def.group === '' && def.resource === 'namespaces') return true;
  if (def.group === '' && ['serviceaccounts', 'configmaps'].includes(def.resource)) return obj?.metadata?.name === 'default' || obj?.metadata?.name === 'kube-root-ca.crt';
  return def.group === '' && ['pods', 'nodes', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'].includes(def.resource);
}

/** Which controllers care about a write, by kind. */
export function interested(def: ResourceDefinition, obj: KObject | undefined, removed: boolean): ControllerName[] {
  const which = interestedByKind(def, obj);
  return forWorkloads(def, obj, removed) ? [...which, 'workloads'] : which;
}

function interestedByKind(def: ResourceDefinition, obj: KObject | undefined): ControllerName[] {
  if (def.group === '') {
    if (def.resource === 'pods') return ['scheduler', 'endpoints', 'nodelifecycle'];
    if (def.resource === 'nodes') return ['scheduler', 'nodelifecycle', 'endpoints'];
    if (def.resource === 'services') return ['endpoints'];
    // A pod may wait for its claim to be bound.
    if (def.resource === 'persistentvolumeclaims' || def.resource === 'persistentvolumes') return ['scheduler'];
  }
  if (def.group === 'rbac.authorization.k8s.io' && def.resource === 'clusterroles') return ['clusterroleaggregation'];
  if (def.group === 'certificates.k8s.io' && def.resource === 'certificatesigningrequests') return ['csrapproving', 'csrsigning'];
  // A node's heartbeat: after a restart of the controllers' object this is what wakes it.
  if (def.group === 'coordination.k8s.io' && def.resource === 'leases' && obj?.metadata?.namespace === 'kube-node-lease') return ['nodelifecycle'];
  return [];
}
