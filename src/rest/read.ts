// GET and LIST with kube's resourceVersion semantics (API Concepts §Resource
// versions): which state a read is served from, paging, and the 410/504 answers.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { Operation } from '../request/info';
import { parseResourceVersion, type ListOptions } from '../request/options';
import { ApiError, badRequest, gone, notFound, timeout } from '../status/status';
import type { ListRequest, StoreResult } from '../store/types';
import { shard, storeFor } from '../store/client';
import type { RestContext } from './context';
import { decodeContinue, encodeContinue, fingerprint, LATEST } from './continue';
import { keyPrefix, storageDef, storageKey } from './objects';

const qualified = (op: Operation) => ({ group: op.def.group, resource: op.def.resource });

/** Converts stored JSON to the requested kind's form (only kinds served from another kind's storage). */
export function fromStorage(op: Pick<Operation, 'def'>, text: string): string {
  return op.def.storage ? JSON.stringify(op.def.storage.fromStorage(JSON.parse(text))) : text;
}

export async function getObject(ctx: RestContext, op: Operation): Promise<{ object: string; resourceVersion: number }> {
  const stored = await storeFor(ctx.env, storageDef(op.def)).get(storageKey(op.def, op.namespace, op.name!));
  if (!stored) throw notFound(qualified(op), op.name!);
  return { object: fromStorage(op, stored.object), resourceVersion: stored.resourceVersion };
}

/** Reads an object, parsed, or undefined when missing. */
export async function readObject(ctx: RestContext, op: Pick<Operation, 'def' | 'namespace'>, name: string): Promise<{ obj: KObject; resourceVersion: number } | undefined> {
  const stored = await storeFor(ctx.env, storageDef(op.def)).get(storageKey(op.def, op.namespace, name));
  return stored ? { obj: JSON.parse(stored.object), resourceVersion: stored.resourceVersion } : undefined;
}

export interface ListOutput {
  items: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export async function listObjects(ctx: RestContext, op: Operation, opts: ListOptions): Promise<ListOutput> {
  const prefix = keyPrefix(op.def, op.namespace);
  const q = fingerprint(prefix, opts.labelSelector, opts.fieldSelector);
  const req: ListRequest = { prefix, limit: opts.limit || undefined, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  let continuing = false;
  if (opts.continue) {
    if (opts.resourceVersion !== '' && opts.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    const token = decodeContinue(opts.continue, q);
    continuing = true;
    if (token.rv !== LATEST) req.exact = token.rv;
    req.startKey = prefix + token.start;
  } else if (opts.resourceVersion !== '' && opts.resourceVersion !== '0') {
    const rv = parseResourceVersion(opts.resourceVersion);
    // RV=X is "exact" when paging or asked for, "not older than" otherwise.
    if (opts.resourceVersionMatch === 'Exact' || (opts.resourceVersionMatch === '' && opts.limit > 0)) req.exact = rv;
    else req.notOlderThan = rv;
  }
  const result = await storeFor(ctx.env, storageDef(op.def)).list(req);
  if (!result.ok) throw listError(result, continuing, req, q, prefix);
  const page = result.value;
  return {
    items: op.def.storage ? page.items.map((i) => fromStorage(op, i)) : page.items,
    resourceVersion: String(page.resourceVersion),
    continue: page.nextKey !== undefined ? encodeContinue({ rv: page.resourceVersion, start: page.nextKey.slice(prefix.length), q }) : undefined,
    remainingItemCount: page.remaining,
  };
}

function listError(result: Extract<StoreResult<unknown>, { ok: false }>, continuing: boolean, req: ListRequest, q: string, prefix: string): ApiError {
  if (result.error === 'Expired' && continuing) {
    // The 410 carries a token that continues at the latest state instead.
    const err = gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
    err.status.metadata = { continue: encodeContinue({ rv: LATEST, start: (req.startKey ?? prefix).slice(prefix.length), q }) };
    return err;
  }
  if (result.error === 'Expired') return gone(result.message ?? 'The resourceVersion for the provided list is too old.');
  if (result.error === 'TooLargeResourceVersion') return timeout(`Too large resource version: ${result.message ?? ''}`);
  return badRequest(result.message ?? result.error);
}

/** One object's latest state in a cache of many kinds; `object` is undefined once deleted. */
export interface StoredChange { key: string; object?: string }

export interface Changes { resourceVersion: number; full: boolean; changes: StoredChange[] }

/**
 * What a cache of every object under a key prefix needs: everything at once,
 * or only what changed after `since` when the store still has that history.
 */
async function changesUnder(store: ReturnType<typeof shard>, prefix: string, since?: number): Promise<Changes> {
  if (since !== undefined) {
    const events = await store.eventsAfter(prefix, since);
    if (events) {
      const resourceVersion = events.length ? events[events.length - 1].rv : since;
      return { resourceVersion, full: false, changes: events.map((e) => ({ key: e.key, object: e.type === 'DELETED' ? undefined : e.object })) };
    }
  }
  // The resourceVersion first: anything the snapshot already holds is only replayed later, which is harmless.
  const resourceVersion = await store.currentResourceVersion();
  const items = await store.snapshot(prefix);
  return { resourceVersion, full: true, changes: items.map((e) => ({ key: e.key, object: e.object })) };
}

/** Every kind of one API group (the authorizer's RBAC cache). */
export const groupChanges = (ctx: RestContext, anyDef: ResourceDefinition, since?: number) =>
  changesUnder(storeFor(ctx.env, storageDef(anyDef)), `/${anyDef.group || 'core'}/`, since);

/** Every kind a store shard holds (the controllers' informers). */
export const shardChanges = (ctx: RestContext, shardName: string, since?: number) => changesUnder(shard(ctx.env, shardName), '/', since);

/** Every object of a kind (optionally in one namespace, with selectors), parsed. */
export async function listAll(ctx: RestContext, def: ResourceDefinition, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Promise<KObject[]> {
  const page = await listObjects(ctx, { verb: 'list', def, namespace: opts.namespace, legacyWatch: false }, {
    labelSelector: opts.labelSelector ?? '', fieldSelector: opts.fieldSelector ?? '', resourceVersion: '', resourceVersionMatch: '',
    limit: 0, continue: '', allowWatchBookmarks: false,
  });
  return page.items.map((t) => JSON.parse(t));
}
