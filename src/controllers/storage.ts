// Names the storage controllers, the scheduler, the bootstrap StorageClass
// and the node agent agree on (so this file imports nothing).

interface Claim { spec?: { storageClassName?: string }; metadata?: { annotations?: Record<string, string> } }

export const LOCAL_PATH_PROVISIONER = 'edgekube.io/local-path';
/** On a Node: the directory under which the node's agent keeps local-path volumes. */
export const LOCAL_PATH_ROOT = 'local-path.edgekube.io/root';
/** On a claim: the node its first pod was scheduled to (WaitForFirstConsumer). */
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** GetPersistentVolumeClaimClass: the field, else the beta annotation, else no class. */
export const claimClass = (c: Claim): string => c.spec?.storageClassName ?? c.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
