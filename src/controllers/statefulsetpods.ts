// The identity and storage of a StatefulSet's pods (kube's
// stateful_set_utils): ordinal names, the labels that pin a pod to its
// ordinal and revision, a stable hostname, and one PersistentVolumeClaim per
// volumeClaimTemplate and ordinal, owned as persistentVolumeClaimRetentionPolicy says.
import type { KObject } from '../resources/types';
import { deepEqual } from '../resources/validation';
import { CONTROLLER_REVISION_HASH, templateOf } from './history';
import { podFromTemplate } from './podcontrol';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of one of the set's pods from its name; undefined for a pod the set does not name (getParentNameAndOrdinal). */
export function ordinalOf(set: KObject, pod: KObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name: string = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export const podName = (set: KObject, ordinal: number) => `${set.metadata.name}-${ordinal}`;

const claimTemplates = (set: KObject): KObject[] => (Array.isArray(set.spec?.volumeClaimTemplates) ? set.spec.volumeClaimTemplates : []);

/** getPersistentVolumeClaimName: "<template>-<set>-<ordinal>". */
export const claimName = (set: KObject, template: KObject, ordinal: number) => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;

/** newStatefulSetPod at a revision: its template, identity, and claims in place of volumes of the same name. */
export function newStatefulSetPod(set: KObject, revision: KObject, ordinal: number): KObject {
  const name = podName(set, ordinal);
  const pod = podFromTemplate(templateOf(revision), set, {
    name, labels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH]: revision.metadata.name },
  });
  pod.spec.hostname = name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  const templates = claimTemplates(set);
  if (templates.length) {
    const claimed = new Set(templates.map((t) => t.metadata?.name));
    pod.spec.volumes = [
      ...templates.map((t) => ({ name: t.metadata.name, persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } })),
      ...(pod.spec.volumes ?? []).filter((v: KObject) => !claimed.has(v?.name)),
    ];
  }
  return pod;
}

/** The set's claims for an ordinal, as they would be created. */
export function newClaims(set: KObject, ordinal: number): KObject[] {
  return claimTemplates(set).map((t) => {
    const m = t.metadata ?? {};
    const metadata: KObject = {
      name: claimName(set, t, ordinal), namespace: set.metadata.namespace,
      labels: { ...(m.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    };
    if (m.annotations) metadata.annotations = { ...m.annotations };
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec: structuredClone(t.spec ?? {}) };
  });
}

const ownerRef = (o: KObject, apiVersion: string, kind: string) => ({ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid });

/**
 * A claim's ownerReferences under the retention policy
 * (updateClaimOwnerRefForSetAndPod): a condemned pod owns it when whenScaled
 * is Delete, otherwise the set does when whenDeleted is Delete, so the
 * garbage collector removes it with them. Returns the claim to write, or
 * undefined when it is already right.
 */
export function retainedClaim(set: KObject, claim: KObject, pod: KObject | undefined, condemned: boolean): KObject | undefined {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  // A pod ref is only ever the condemned pod of this ordinal: one left from an earlier
  // scale-down names a pod that is gone, and would have the claim collected.
  const refs: KObject[] = (claim.metadata?.ownerReferences ?? []).filter((r: KObject) => r?.uid !== set.metadata.uid && r?.kind !== 'Pod');
  // A condemned pod's claim is the pod's alone: the garbage collector waits for every owner.
  const byPod = policy.whenScaled === 'Delete' && condemned && !!pod?.metadata?.uid;
  if (byPod) refs.push(ownerRef(pod!, 'v1', 'Pod'));
  else if (policy.whenDeleted === 'Delete') refs.push(ownerRef(set, 'apps/v1', 'StatefulSet'));
  if (deepEqual(refs, claim.metadata?.ownerReferences ?? [])) return undefined;
  const out = structuredClone(claim);
  if (refs.length) out.metadata.ownerReferences = refs;
  else delete out.metadata.ownerReferences;
  return out;
}
