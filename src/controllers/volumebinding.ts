// The scheduler's VolumeBinding and VolumeRestrictions checks, as far as
// edgekube's volumes go: a pod whose claim is missing or waits for an
// Immediate binding is not scheduled; a bound claim's volume pins the pod to
// the nodes its nodeAffinity allows; a WaitForFirstConsumer claim is given
// the chosen node (volume.kubernetes.io/selected-node) so that it can be
// provisioned there.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { claimClass, SELECTED_NODE } from './storage';
import type { ObjectCache } from './client/informer';

export interface VolumeState { claims: Map<string, KObject>; volumes: Map<string, KObject>; classes: Map<string, KObject> }

const claimNames = (pod: KObject): string[] =>
  (Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : []).map((v: KObject) => v?.persistentVolumeClaim?.claimName).filter((n: unknown): n is string => typeof n === 'string');

const byName = (items: KObject[], namespaced: boolean) =>
  new Map(items.map((o) => [namespaced ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name, o]));

/** Claims, volumes and classes: what the scheduler caches besides nodes and pods. */
export const VOLUME_KINDS = () => [
  lookup('', 'v1', 'persistentvolumeclaims')!, lookup('', 'v1', 'persistentvolumes')!, lookup('storage.k8s.io', 'v1', 'storageclasses')!,
];

/** Claims, volumes and classes by name, looked at only when a pending pod uses a claim. */
export function volumeState(cache: ObjectCache, pending: KObject[]): VolumeState | undefined {
  if (!pending.some((p) => claimNames(p).length > 0)) return undefined;
  const [claims, volumes, classes] = VOLUME_KINDS().map((d) => cache.list(d));
  return { claims: byName(claims, true), volumes: byName(volumes, false), classes: byName(classes, false) };
}

const claimsOf = (pod: KObject, vs: VolumeState) => claimNames(pod).map((name) => ({ name, claim: vs.claims.get(`${pod.metadata.namespace}/${name}`) }));

const waitsForConsumer = (claim: KObject, vs: VolumeState) => vs.classes.get(claimClass(claim))?.volumeBindingMode === 'WaitForFirstConsumer';

/** Why no node can take the pod because of its claims (PreFilter), or undefined. */
export function podVolumeProblem(pod: KObject, vs: VolumeState | undefined): string | undefined {
  if (!vs) return undefined;
  for (const { name, claim } of claimsOf(pod, vs)) {
    if (!claim) return `persistentvolumeclaim "${name}" not found`;
    if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (!claim.spec?.volumeName && !waitsForConsumer(claim, vs)) return 'pod has unbound immediate PersistentVolumeClaims';
  }
  return undefined;
}

/** The nodeAffinity of the volumes bound to the pod's claims: one required term set per volume. */
export function volumeAffinities(pod: KObject, vs: VolumeState | undefined): KObject[] {
  if (!vs) return [];
  const out: KObject[] = [];
  for (const { claim } of claimsOf(pod, vs)) {
    const pv = claim?.spec?.volumeName ? vs.volumes.get(claim.spec.volumeName) : undefined;
    if (pv?.spec?.nodeAffinity?.required) out.push(pv.spec.nodeAffinity.required);
  }
  return out;
}

/** The pod's unbound WaitForFirstConsumer claims that do not yet name a node. */
export function claimsToSelect(pod: KObject, vs: VolumeState | undefined): KObject[] {
  if (!vs) return [];
  return claimsOf(pod, vs).map((c) => c.claim).filter((c): c is KObject => !!c && !c.spec?.volumeName && waitsForConsumer(c, vs) && !c.metadata.annotations?.[SELECTED_NODE]);
}
