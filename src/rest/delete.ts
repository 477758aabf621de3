// DELETE: preconditions, graceful deletion and finalizers, as kube's generic
// store does it. An object with finalizers or a grace period is only marked
// (deletionTimestamp); it leaves the store when both are gone.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { DeleteOptions } from '../request/options';
import { conflict, notFound, success, type Status } from '../status/status';
import { storeFor } from '../store/client';
import type { RestContext } from './context';
import { attrsOf, encodeForStorage, rfc3339, storageDef, storageKey } from './objects';
import { fromStorage, readObject } from './read';
import { hooksFor, namespaceTerminated } from './hooks';
import { conflictPause } from './retry';

const qualified = (def: ResourceDefinition) => ({ group: def.group, resource: def.resource });

export interface DeleteResult {
  /** True when the object left the store (false: marked for deletion). */
  deleted: boolean;
  /** The object (JSON) when it remains, or a Success Status when it is gone. */
  body: string;
}

export async function deleteObject(
  ctx: RestContext, def: ResourceDefinition, namespace: string | undefined, name: string, opts: DeleteOptions,
): Promise<DeleteResult> {
  const hooks = hooksFor(def);
  hooks.beforeDelete?.(name);
  const store = storeFor(ctx.env, storageDef(def));
  const key = storageKey(def, namespace, name);
  for (let attempt = 1; ; attempt++) {
    const cur = await readObject(ctx, { def, namespace }, name);
    if (!cur) throw notFound(qualified(def), name);
    const obj = cur.obj;
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== obj.metadata.uid) {
      throw conflict(qualified(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(qualified(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
    }
    const marked = hooks.terminate ? hooks.terminate(obj) : markForDeletion(def, obj, opts);
    if (marked === obj) return { deleted: false, body: fromStorage({ def }, JSON.stringify(obj)) };
    if (opts.dryRun) {
      if (marked || def.returnDeletedObject) return { deleted: !marked, body: fromStorage({ def }, JSON.stringify(marked ?? obj)) };
      return { deleted: true, body: JSON.stringify(success(qualified(def), name, obj.metadata.uid)) };
    }
    const res = await store.commit({
      type: marked ? 'MODIFIED' : 'DELETED', key, namespace: namespace ?? '',
      object: marked ? encodeForStorage(marked) : JSON.stringify(obj),
      attrs: JSON.stringify(attrsOf(def, marked ?? obj)), expectResourceVersion: cur.resourceVersion,
    });
    if (!res.ok) {
      if (res.error === 'NotFound') throw notFound(qualified(def), name);
      if (!pre.resourceVersion) { await conflictPause(attempt); continue; }
      throw conflict(qualified(def), name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    ctx.committed?.(def, marked ?? obj, !marked);
    if (marked) {
      hooks.afterTerminate?.(ctx, marked);
      return { deleted: false, body: fromStorage({ def }, res.value.object) };
    }
    await afterRemoval(ctx, def, obj);
    // Some kinds answer with the object as deleted (kube's ReturnDeletedObject), the rest with a Status.
    if (def.returnDeletedObject) return { deleted: true, body: fromStorage({ def }, res.value.object) };
    const status: Status = success(qualified(def), name, obj.metadata.uid);
    return { deleted: true, body: JSON.stringify(status) };
  }
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/**
 * The finalizers a delete leaves for the garbage collector (kube's
 * deletionFinalizersForGarbageCollection): Orphan and Foreground each add
 * theirs and drop the other; without a policy an earlier choice stands;
 * Background drops both. Every kind served here defaults to Background.
 */
function gcFinalizers(finalizers: string[], opts: DeleteOptions): string[] {
  let policy = opts.propagationPolicy;
  if (!policy && opts.orphanDependents !== undefined) policy = opts.orphanDependents ? 'Orphan' : 'Background';
  if (!policy) policy = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
  const rest = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') rest.push(ORPHAN_FINALIZER);
  if (policy === 'Foreground') rest.push(FOREGROUND_FINALIZER);
  return rest;
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The object marked for deletion, `obj` itself when it already is (nothing
 * to write), or undefined when it can go now.
 */
function markForDeletion(def: ResourceDefinition, obj: KObject, opts: DeleteOptions): KObject | undefined {
  const kindGrace = def.gracePeriodSeconds?.(obj);
  // Kinds without graceful deletion ignore gracePeriodSeconds; an unscheduled pod has nobody to wait for.
  const grace = kindGrace === undefined || kindGrace === 0 ? 0 : Math.max(0, opts.gracePeriodSeconds ?? kindGrace);
  const m = obj.metadata;
  const old: string[] = m.finalizers ?? [];
  const finalizers = gcFinalizers(old, opts);
  const withFinalizers = (meta: KObject) => {
    if (finalizers.length) meta.finalizers = finalizers;
    else delete meta.finalizers;
    return meta;
  };
  if (m.deletionTimestamp) {
    // Already being deleted: only a shorter grace period or another propagation policy changes anything.
    const current = m.deletionGracePeriodSeconds ?? 0;
    const shorter = grace < current;
    if (!shorter && sameList(old, finalizers)) return obj;
    if (shorter && grace === 0 && finalizers.length === 0) return undefined;
    const meta = withFinalizers({ ...m });
    if (shorter) { meta.deletionGracePeriodSeconds = grace; meta.deletionTimestamp = rfc3339(Date.now() + grace * 1000); }
    return { ...obj, metadata: meta };
  }
  if (grace === 0 && finalizers.length === 0) return undefined;
  return { ...obj, metadata: withFinalizers({ ...m, deletionTimestamp: rfc3339(Date.now() + grace * 1000), deletionGracePeriodSeconds: grace }) };
}

/** What follows an object leaving the store: its allocations go, and its namespace may now finish terminating. */
export async function afterRemoval(ctx: RestContext, def: ResourceDefinition, obj: KObject) {
  await hooksFor(def).release?.(ctx, obj);
  if (def.namespaced && obj.metadata?.namespace) namespaceTerminated(ctx, obj.metadata.namespace);
}
