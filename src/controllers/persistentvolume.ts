// The PersistentVolume controller (kube's pkg/controller/volume/persistentvolume)
// with a local-path provisioner beside it, as k3s ships rancher's: a claim is
// bound to a matching volume or, for a class this provisioner serves, to a
// node-local directory volume made on the node the scheduler picked for its
// first pod; a volume follows its claim through Available, Bound and
// Released, and a released volume of reclaim policy Delete is removed.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import type { Informer, SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, keyOf, splitKey, type Reconciler } from './client/controller';
import { parseQuantity } from './quantity';
import { selectorMatches } from '../resources/defs/shared';
import { matchesNodeSelector } from './scheduler';
import { ignoreGoneOrConflict, time } from './util';
import { claimClass, LOCAL_PATH_PROVISIONER, LOCAL_PATH_ROOT, SELECTED_NODE } from './storage';

const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

const claimsDef = () => lookup('', 'v1', 'persistentvolumeclaims')!;
const volumesDef = () => lookup('', 'v1', 'persistentvolumes')!;
const classesDef = () => lookup('storage.k8s.io', 'v1', 'storageclasses')!;
const nodesDef = () => lookup('', 'v1', 'nodes')!;

const volumeClass = (v: KObject): string => v.spec?.storageClassName ?? v.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';

/** Keys: "namespace/name" for a claim, "name" for a volume (volumes are cluster-scoped). */
export class PersistentVolumeController implements Reconciler {
  readonly name = 'persistentvolume-binder-controller';
  readonly queue = new WorkQueue();
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  /** The last reason reported per claim uid, so a waiting claim is not reported on every pass. */
  private readonly reported = new Map<string, string>();

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.claims = informers.for(storagePrefix(claimsDef()));
    this.volumes = informers.for(storagePrefix(volumesDef()));
    this.classes = informers.for(storagePrefix(classesDef()));
    this.claims.on(({ obj, old }) => {
      const c = obj ?? old!;
      this.queue.add(keyOf(c.metadata.namespace, c.metadata.name));
      // A volume whose claim went away is released.
      if (!obj && old?.spec?.volumeName) this.queue.add(old.spec.volumeName);
    });
    this.volumes.on(({ obj, old }) => {
      const v = obj ?? old!;
      this.queue.add(v.metadata.name);
      const ref = v.spec?.claimRef;
      if (ref?.namespace && ref?.name) this.queue.add(keyOf(ref.namespace, ref.name));
    });
    // A class that appears lets its waiting claims be provisioned.
    this.classes.on(({ obj }) => {
      if (!obj) return;
      for (const c of this.claims.list()) if (!c.spec?.volumeName && claimClass(c) === obj.metadata.name) this.queue.add(keyOf(c.metadata.namespace, c.metadata.name));
    });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (namespace === undefined) return this.syncVolume(name);
    return this.syncClaim(namespace, name);
  }

  // ---- claims ----------------------------------------------------------------------

  private async syncClaim(namespace: string, name: string) {
    const claim = this.claims.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    if (claim.spec?.volumeName) return this.syncBoundClaim(claim);
    const className = claimClass(claim);
    const sc = className ? this.classes.get(undefined, className) : undefined;
    const node: string | undefined = claim.metadata.annotations?.[SELECTED_NODE];
    if (sc?.volumeBindingMode === 'WaitForFirstConsumer' && !node) {
      return this.report(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    }
    const match = await this.findVolume(claim, className, node);
    if (match) return this.bind(match, claim);
    if (!sc) {
      if (className) return this.report(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return this.report(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    }
    if (claim.metadata.annotations?.[STORAGE_PROVISIONER] !== sc.provisioner) {
      const next = structuredClone(claim);
      next.metadata.annotations = { ...(claim.metadata.annotations ?? {}), [STORAGE_PROVISIONER]: sc.provisioner, [BETA_STORAGE_PROVISIONER]: sc.provisioner };
      await this.client.update(claimsDef(), next);
      return;
    }
    if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
      return this.report(claim, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    }
    return this.provision(claim, sc, node);
  }

  /** A claim that names its volume: bind the volume to it if it is free, and say so in the claim's status. */
  private async syncBoundClaim(claim: KObject) {
    const pv = this.volumes.get(undefined, claim.spec.volumeName);
    if (!pv) {
      if (claim.status?.phase === 'Bound') {
        await this.setClaimPhase(claim, 'Lost');
        await this.client.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    const ref = pv.spec?.claimRef;
    if (ref?.uid && ref.uid !== claim.metadata.uid) {
      return this.report(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
    return this.bind(pv, claim);
  }

  /** findBestMatchForClaim: a free volume of the class that is big enough, with the modes and labels asked for; the smallest wins. */
  private async findVolume(claim: KObject, className: string, node: string | undefined): Promise<KObject | undefined> {
    const want = parseQuantity(claim.spec?.resources?.requests?.storage) ?? 0;
    const modes: string[] = claim.spec?.accessModes ?? [];
    const { namespace, name, uid } = claim.metadata;
    const fits = this.volumes.list().filter((pv) => {
      if (pv.metadata.deletionTimestamp || volumeClass(pv) !== className) return false;
      const ref = pv.spec?.claimRef;
      if (ref && !(ref.namespace === namespace && ref.name === name && (!ref.uid || ref.uid === uid))) return false;
      if (!ref && pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') return false;
      if ((parseQuantity(pv.spec?.capacity?.storage) ?? 0) < want) return false;
      if (!modes.every((m) => (pv.spec?.accessModes ?? []).includes(m))) return false;
      if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
      return !claim.spec?.selector || selectorMatches(claim.spec.selector, pv.metadata.labels);
    });
    // A volume pre-bound to this claim comes first.
    fits.sort((a, b) => Number(!!b.spec?.claimRef) - Number(!!a.spec?.claimRef)
      || (parseQuantity(a.spec.capacity.storage) ?? 0) - (parseQuantity(b.spec.capacity.storage) ?? 0));
    for (const pv of fits) {
      if (!pv.spec?.nodeAffinity?.required) return pv;
      if (!node) continue;
      const n = await this.client.get(nodesDef(), undefined, node);
      if (n && matchesNodeSelector(pv.spec.nodeAffinity.required, n)) return pv;
    }
    return undefined;
  }

  /** The local-path provisioner: a directory under the node's local-path root, reachable only from that node. */
  private async provision(claim: KObject, sc: KObject, node: string | undefined) {
    if (!node) return this.report(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": local-path volumes need volumeBindingMode WaitForFirstConsumer, so that a node is chosen`);
    const n = await this.client.get(nodesDef(), undefined, node);
    const root: string | undefined = n?.metadata?.annotations?.[LOCAL_PATH_ROOT];
    if (!root) return this.report(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": node "${node}" offers no local-path storage (no ${LOCAL_PATH_ROOT} annotation)`);
    const { namespace, name, uid } = claim.metadata;
    const pv: KObject = {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: `pvc-${uid}`, annotations: { [PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
      spec: {
        capacity: { storage: claim.spec.resources.requests.storage }, accessModes: claim.spec.accessModes,
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete', storageClassName: sc.metadata.name,
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
        hostPath: { path: `${root.replace(/\/+$/, '')}/pvc-${uid}_${namespace}_${name}`, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', namespace, name, uid, apiVersion: 'v1' },
      },
    };
    let created: KObject | undefined;
    try {
      created = await this.client.create(volumesDef(), pv);
    } catch (e) {
      if (!isStatusCode(e, 409)) throw e;
      created = await this.client.get(volumesDef(), undefined, pv.metadata.name);
    }
    await this.client.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
    if (created) await this.bind(created, claim);
  }

  /** bind: the volume's claimRef first, then the claim's volumeName, then both statuses, as kube orders it. */
  private async bind(pv: KObject, claim: KObject) {
    const { namespace, name, uid } = claim.metadata;
    let volume = pv;
    const ref = pv.spec?.claimRef;
    if (ref?.uid !== uid) {
      const next = structuredClone(pv);
      next.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace, name, uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
      if (!ref) next.metadata.annotations = { ...(pv.metadata.annotations ?? {}), [BOUND_BY_CONTROLLER]: 'yes' };
      volume = await this.client.update(volumesDef(), next);
    }
    if (volume.status?.phase !== 'Bound') volume = await this.setVolumePhase(volume, 'Bound');
    let c = claim;
    if (c.spec.volumeName !== volume.metadata.name || c.metadata.annotations?.[BIND_COMPLETED] !== 'yes') {
      const next = structuredClone(c);
      next.spec.volumeName = volume.metadata.name;
      next.metadata.annotations = { ...(c.metadata.annotations ?? {}), [BIND_COMPLETED]: 'yes' };
      if (!claim.spec.volumeName) next.metadata.annotations[BOUND_BY_CONTROLLER] = 'yes';
      c = await this.client.update(claimsDef(), next);
    }
    const status = c.status ?? {};
    if (status.phase !== 'Bound' || status.capacity?.storage !== volume.spec.capacity?.storage) {
      const next = structuredClone(c);
      next.status = { ...status, phase: 'Bound', accessModes: volume.spec.accessModes, capacity: volume.spec.capacity };
      await this.client.updateStatus(claimsDef(), next);
    }
    this.reported.delete(uid);
  }

  // ---- volumes ---------------------------------------------------------------------

  private async syncVolume(name: string) {
    const pv = this.volumes.get(undefined, name);
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available') await this.setVolumePhase(pv, 'Available');
      return;
    }
    // A claimRef without a uid pre-binds the volume to a claim by name: it waits Available for it.
    if (!ref.uid) {
      if (pv.status?.phase !== 'Available') await this.setVolumePhase(pv, 'Available');
      return;
    }
    const cached = this.claims.get(ref.namespace, ref.name);
    const claim = cached?.metadata.uid === ref.uid ? cached : await this.client.get(claimsDef(), ref.namespace, ref.name);
    if (claim && claim.metadata.uid === ref.uid) {
      if (claim.spec?.volumeName === name && pv.status?.phase !== 'Bound') await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // The claim is gone: the volume is released and reclaimed.
    const released = pv.status?.phase === 'Released' ? pv : await this.setVolumePhase(pv, 'Released');
    if (pv.spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    if (pv.metadata.annotations?.[PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER) {
      await this.client.event(released, 'Warning', 'VolumeFailedDelete', 'error getting deleter volume plugin for volume: no deletable volume plugin matched');
      return;
    }
    await ignoreGoneOrConflict(this.client.delete(volumesDef(), undefined, name, { preconditions: { uid: pv.metadata.uid } }));
  }

  private setVolumePhase(pv: KObject, phase: string): Promise<KObject> {
    const next = structuredClone(pv);
    next.status = { ...(pv.status ?? {}), phase, lastPhaseTransitionTime: time(Date.now()) };
    return this.client.updateStatus(volumesDef(), next);
  }

  private async setClaimPhase(claim: KObject, phase: string) {
    const next = structuredClone(claim);
    next.status = { ...(claim.status ?? {}), phase };
    await this.client.updateStatus(claimsDef(), next);
  }

  /** An event about a claim, once per reason until the claim moves on. */
  private async report(claim: KObject, type: 'Normal' | 'Warning', reason: string, message: string) {
    const uid = claim.metadata.uid;
    if (this.reported.get(uid) === `${reason}:${message}`) return;
    this.reported.set(uid, `${reason}:${message}`);
    await this.client.event(claim, type, reason, message);
  }
}
