// The garbage collector (kube's pkg/controller/garbagecollector): a graph of
// ownerReferences across every kind, kept from the informers' changes of all
// kinds. An object whose owners are all gone is deleted (background
// propagation); an owner deleted with the `orphan` finalizer first has its
// dependents' references to it removed; one deleted with
// `foregroundDeletion` stays until its blocking dependents are gone. Owners
// missing from the graph are checked with a live read before anything is
// deleted, so a lagging cache never costs an object.
import type { KObject, ResourceDefinition } from '../resources/types';
import { definitions, storagePrefix } from '../resources/registry';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../rest/delete';
import type { ControllerClient } from './client/client';
import type { Informer, ObjectChange, SharedInformers } from './client/informer';
import { crdDefinition, versionsOf } from '../apiextensions/registry';
import type { CustomResourceDefinition } from '../apiextensions/types';
import { WorkQueue } from './client/workqueue';
import type { Reconciler } from './client/controller';
import { ignoreGoneOrConflict } from './util';
import { withoutOwner } from './podcontrol';

interface OwnerRef { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }

/** What the collector knows of one object: enough to find and delete it. */
interface GraphNode {
  uid: string;
  def: ResourceDefinition;
  namespace?: string;
  name: string;
  owners: OwnerRef[];
  deleting: boolean;
  finalizers: string[];
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** The served kind an ownerReference names, whatever version it was written in (custom kinds too). */
function defOfRef(ref: OwnerRef, custom: readonly ResourceDefinition[]): ResourceDefinition | undefined {
  const group = groupOf(ref.apiVersion ?? '');
  return definitions().find((d) => d.group === group && d.kind === ref.kind && !d.storage) ?? custom.find((d) => d.group === group && d.kind === ref.kind);
}

function defOfKey(key: string, custom: readonly ResourceDefinition[]): ResourceDefinition | undefined {
  return definitions().find((d) => !d.storage && key.startsWith(storagePrefix(d))) ?? custom.find((d) => key.startsWith(storagePrefix(d)));
}

const ownerRefsOf = (obj: KObject): OwnerRef[] =>
  (Array.isArray(obj.metadata?.ownerReferences) ? obj.metadata.ownerReferences : []).filter((r: KObject) => r && typeof r.uid === 'string');

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector';
  readonly queue = new WorkQueue();
  private readonly nodes = new Map<string, GraphNode>();
  private readonly uidOfKey = new Map<string, string>();
  /** Owner uid -> uids of objects that name it, whether or not the owner exists. */
  private readonly dependents = new Map<string, Set<string>>();

  /** The CRDs, whose established versions are kinds like any other here. */
  private readonly crds: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.crds = informers.for(storagePrefix(crdDefinition()));
    informers.onAny((c) => this.observe(c));
  }

  private customDefs(): ResourceDefinition[] {
    return this.crds.list().flatMap((c) => {
      const served = versionsOf(c as CustomResourceDefinition);
      const v = served.find((x) => x.version.storage) ?? served[0];
      return v ? [v.def] : [];
    });
  }

  private observe({ key, obj }: ObjectChange) {
    const prevUid = this.uidOfKey.get(key);
    if (prevUid && prevUid !== obj?.metadata?.uid) this.forget(key, prevUid);
    if (!obj?.metadata?.uid) return;
    const def = defOfKey(key, key.startsWith('/core/') ? [] : this.customDefs());
    if (!def) return;
    const uid: string = obj.metadata.uid;
    const prev = this.nodes.get(uid);
    const node: GraphNode = {
      uid, def, namespace: obj.metadata.namespace, name: obj.metadata.name, owners: ownerRefsOf(obj),
      deleting: !!obj.metadata.deletionTimestamp, finalizers: obj.metadata.finalizers ?? [],
    };
    this.nodes.set(uid, node);
    this.uidOfKey.set(key, uid);
    const before = new Set((prev?.owners ?? []).map((r) => r.uid));
    const after = new Set(node.owners.map((r) => r.uid));
    for (const o of before) if (!after.has(o)) { this.unlink(o, uid); this.wakeWaitingOwner(o); }
    // A reference that stopped blocking frees an owner waiting on it just as a removed one does.
    const blocked = new Set(node.owners.filter((r) => r.blockOwnerDeletion).map((r) => r.uid));
    for (const r of prev?.owners ?? []) if (r.blockOwnerDeletion && after.has(r.uid) && !blocked.has(r.uid)) this.wakeWaitingOwner(r.uid);
    for (const o of after) link(this.dependents, o, uid);
    // A new object or new owners: check that the owners exist.
    if (node.owners.length && (!prev || [...after].some((o) => !before.has(o)))) this.queue.add(uid);
    if (node.deleting && (node.finalizers.includes(ORPHAN_FINALIZER) || node.finalizers.includes(FOREGROUND_FINALIZER))) {
      this.queue.add(uid);
      if (node.finalizers.includes(FOREGROUND_FINALIZER)) for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
    }
  }

  /** An object left the store: its dependents may have lost their last owner. */
  private forget(key: string, uid: string) {
    const node = this.nodes.get(uid);
    this.nodes.delete(uid);
    this.uidOfKey.delete(key);
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
    for (const o of node?.owners ?? []) { this.unlink(o.uid, uid); this.wakeWaitingOwner(o.uid); }
  }

  private unlink(owner: string, dependent: string) {
    const s = this.dependents.get(owner);
    if (!s) return;
    s.delete(dependent);
    // Keep the entry while the owner itself is unknown only if others still name it.
    if (s.size === 0) this.dependents.delete(owner);
  }

  private wakeWaitingOwner(uid: string) {
    const o = this.nodes.get(uid);
    if (o?.deleting && o.finalizers.includes(FOREGROUND_FINALIZER)) this.queue.add(uid);
  }

  async reconcile(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    if (node.deleting) {
      if (node.finalizers.includes(ORPHAN_FINALIZER)) return this.orphanDependents(node);
      if (node.finalizers.includes(FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(node);
      return;
    }
    if (node.owners.length) await this.attemptToDelete(node);
  }

  /** attemptToDeleteItem: sort the owners into existing, gone and waiting for their dependents. */
  private async attemptToDelete(node: GraphNode) {
    const solid: OwnerRef[] = [], dangling: OwnerRef[] = [], waiting: OwnerRef[] = [];
    for (const ref of node.owners) {
      const state = await this.ownerState(node, ref);
      (state === 'solid' ? solid : state === 'waiting' ? waiting : dangling).push(ref);
    }
    if (solid.length) {
      // Owners that are gone (or going first) no longer hold this object; drop their references.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      if (drop.size) await this.removeOwnerRefs(node, drop);
      return;
    }
    // An object that blocks an owner's foreground deletion and has dependents of its own goes the same way.
    const cascading = waiting.length > 0 && (this.dependents.get(node.uid)?.size ?? 0) > 0;
    // Unless that would close a cycle (a dependent already waits on its own
    // dependents): then it stops blocking its owners first, as kube does.
    if (cascading && [...this.dependents.get(node.uid)!].some((d) => this.isDeletingDependents(d))) await this.unblockOwners(node);
    const policy = cascading
      ? 'Foreground'
      : node.finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : node.finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await ignoreGoneOrConflict(this.client.delete(node.def, node.namespace, node.name, { preconditions: { uid: node.uid }, propagationPolicy: policy }));
  }

  private async ownerState(node: GraphNode, ref: OwnerRef): Promise<'solid' | 'dangling' | 'waiting'> {
    const owner = this.nodes.get(ref.uid);
    if (owner) return owner.deleting && owner.finalizers.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
    const def = defOfRef(ref, this.customDefs());
    // A kind this server does not know may yet be served (a CRD being installed): never delete for it.
    if (!def) return 'solid';
    // A cluster-scoped object cannot be owned by a namespaced one; that reference is treated as gone.
    if (def.namespaced && !node.namespace) return 'dangling';
    const live = await this.client.get(def, def.namespaced ? node.namespace : undefined, ref.name);
    if (!live || live.metadata?.uid !== ref.uid) return 'dangling';
    return live.metadata.deletionTimestamp && (live.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
  }

  /** The `orphan` finalizer: dependents lose their reference to the owner, then the owner goes. */
  private async orphanDependents(owner: GraphNode) {
    for (const d of [...(this.dependents.get(owner.uid) ?? [])]) {
      const dep = this.nodes.get(d);
      if (dep) await this.removeOwnerRefs(dep, new Set([owner.uid]));
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  private isDeletingDependents(uid: string): boolean {
    const n = this.nodes.get(uid);
    return !!n && n.deleting && n.finalizers.includes(FOREGROUND_FINALIZER);
  }

  /** unblockOwnerReferences: blockOwnerDeletion false on every reference. */
  private async unblockOwners(node: GraphNode) {
    const live = await this.client.get(node.def, node.namespace, node.name);
    if (!live || live.metadata.uid !== node.uid || !ownerRefsOf(live).some((r) => r.blockOwnerDeletion)) return;
    const next = structuredClone(live);
    next.metadata.ownerReferences = live.metadata.ownerReferences.map((r: OwnerRef) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r));
    await this.client.update(node.def, next);
  }

  /** `foregroundDeletion`: the owner waits until no dependent that blocks it remains. */
  private async deleteDependentsFirst(owner: GraphNode) {
    const blocking: GraphNode[] = [];
    for (const d of this.dependents.get(owner.uid) ?? []) {
      const dep = this.nodes.get(d);
      // An object that owns itself cannot wait for itself.
      if (!dep || d === owner.uid) continue;
      if (dep.owners.some((r) => r.uid === owner.uid && r.blockOwnerDeletion)) blocking.push(dep);
      if (!dep.deleting) this.queue.add(d);
    }
    if (blocking.length === 0) await this.removeFinalizer(owner, FOREGROUND_FINALIZER);
  }

  private async removeOwnerRefs(node: GraphNode, uids: Set<string>) {
    const live = await this.client.get(node.def, node.namespace, node.name);
    if (!live || live.metadata.uid !== node.uid) return;
    if (!ownerRefsOf(live).some((r) => uids.has(r.uid))) return;
    let next = live;
    for (const uid of uids) next = withoutOwner(next, uid);
    await this.client.update(node.def, next);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string) {
    const live = await this.client.get(node.def, node.namespace, node.name);
    if (!live || live.metadata.uid !== node.uid || !(live.metadata.finalizers ?? []).includes(finalizer)) return;
    const next = structuredClone(live);
    next.metadata.finalizers = live.metadata.finalizers.filter((f: string) => f !== finalizer);
    await this.client.update(node.def, next);
  }
}

function link(m: Map<string, Set<string>>, k: string, v: string) {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
