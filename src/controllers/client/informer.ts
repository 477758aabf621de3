// Shared informers: one cache per kind, filled by a list and kept current
// from the store's event log, as client-go's reflector and indexer do. The
// "watch" is pull-shaped to suit Durable Objects: a committed write wakes
// the controllers (notify), and each pass reads only the events after the
// resourceVersion it last saw, in one request per store shard. When that
// history is compacted away the informers relist and turn the difference
// into events, so a handler never misses a deletion.
import type { KObject, ResourceDefinition } from '../../resources/types';
import { storagePrefix } from '../../resources/registry';
import type { StoredChange } from '../../rest/read';
import { SHARDS } from '../../store/client';

/** One object's change as a handler sees it: `old` absent on add, `obj` absent on delete. */
export interface ObjectChange { key: string; old?: KObject; obj?: KObject }
export type ChangeHandler = (change: ObjectChange) => void;

/** Where informers read from: the store's changes of one shard after a resourceVersion. */
export interface ChangeSource {
  changes(shard: string, since?: number): Promise<{ resourceVersion: number; full: boolean; changes: StoredChange[] }>;
}

/**
 * The informers' caches read whole, for the controllers that look at every
 * object of a few kinds each pass (scheduler, endpoints, node lifecycle):
 * what a pass sees costs no store request beyond the sync.
 */
export interface ObjectCache {
  list(def: ResourceDefinition, namespace?: string): KObject[];
}

/** The storage prefix of a key: "/apps/replicasets/ns/name" -> "/apps/replicasets/". */
const prefixOf = (key: string) => key.slice(0, key.indexOf('/', key.indexOf('/', 1) + 1) + 1);

export const controllerRef = (obj: KObject): KObject | undefined =>
  (obj.metadata?.ownerReferences ?? []).find((r: KObject) => r?.controller === true);

/** The cache of one kind, with the indexes controllers look things up by. */
export class Informer {
  private readonly items = new Map<string, KObject>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly byController = new Map<string, Set<string>>();
  private readonly handlers: ChangeHandler[] = [];

  constructor(readonly prefix: string) {}

  on(handler: ChangeHandler) {
    this.handlers.push(handler);
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.items.get(`${this.prefix}${namespace ? `${namespace}/` : ''}${name}`);
  }

  getByKey(key: string): KObject | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): KObject[] {
    if (namespace === undefined) return [...this.items.values()];
    return [...(this.byNamespace.get(namespace) ?? [])].map((k) => this.items.get(k)!);
  }

  /** Objects whose controller (ownerReference with controller: true) has this uid. */
  controlledBy(uid: string): KObject[] {
    return [...(this.byController.get(uid) ?? [])].map((k) => this.items.get(k)!);
  }

  get size() {
    return this.items.size;
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  /** @internal the shared informers apply changes and tell the handlers. */
  apply(key: string, obj: KObject | undefined) {
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    if (obj) { this.items.set(key, obj); this.index(key, obj); } else this.items.delete(key);
    if (!old && !obj) return;
    for (const h of this.handlers) h({ key, old, obj });
  }

  private index(key: string, obj: KObject) {
    add(this.byNamespace, obj.metadata?.namespace ?? '', key);
    const ref = controllerRef(obj);
    if (ref?.uid) add(this.byController, ref.uid, key);
  }

  private unindex(key: string, obj: KObject) {
    remove(this.byNamespace, obj.metadata?.namespace ?? '', key);
    const ref = controllerRef(obj);
    if (ref?.uid) remove(this.byController, ref.uid, key);
  }
}

function add(m: Map<string, Set<string>>, k: string, v: string) {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function remove(m: Map<string, Set<string>>, k: string, v: string) {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/**
 * The informers of one controllers instance. Kinds with an informer are
 * cached whole; every other kind is only passed to the handlers of all kinds
 * (the garbage collector keeps its own small graph of them).
 */
export class SharedInformers implements ObjectCache {
  private readonly informers = new Map<string, Informer>();
  private readonly anyHandlers: ChangeHandler[] = [];
  /** Per shard: the resourceVersion seen, and every key that exists in it. */
  private readonly shards = new Map<string, { rv: number; keys: Set<string> }>();

  constructor(private readonly source: ChangeSource) {}

  /** The informer of the kind stored under `prefix` ("/core/pods/"). */
  for(prefix: string): Informer {
    let inf = this.informers.get(prefix);
    if (inf) return inf;
    // Changes already read went only to the informers there were: a late one would stay empty.
    if (this.shards.size > 0) throw new Error(`informer for ${prefix} asked for after the first sync`);
    this.informers.set(prefix, (inf = new Informer(prefix)));
    return inf;
  }

  list(def: ResourceDefinition, namespace?: string): KObject[] {
    return this.for(storagePrefix(def)).list(namespace);
  }

  /** Every change of every kind, including the kinds without an informer. */
  onAny(handler: ChangeHandler) {
    this.anyHandlers.push(handler);
  }

  get synced(): boolean {
    return SHARDS.every((s) => this.shards.has(s));
  }

  /** Reads what changed since the last sync; returns how many changes were applied. */
  async sync(): Promise<number> {
    let n = 0;
    for (const name of SHARDS) {
      const seen = this.shards.get(name);
      const res = await this.source.changes(name, seen?.rv);
      const keys = seen?.keys ?? new Set<string>();
      if (res.full) {
        // A relist: whatever the cache holds that the list lacks was deleted meanwhile.
        const listed = new Set(res.changes.map((c) => c.key));
        for (const key of [...keys]) if (!listed.has(key)) { this.dispatch(key, undefined); keys.delete(key); n++; }
      }
      for (const c of res.changes) {
        if (c.object === undefined) keys.delete(c.key);
        else keys.add(c.key);
        this.dispatch(c.key, c.object);
        n++;
      }
      this.shards.set(name, { rv: res.resourceVersion, keys });
    }
    return n;
  }

  private dispatch(key: string, text: string | undefined) {
    const inf = this.informers.get(prefixOf(key));
    if (!inf && this.anyHandlers.length === 0) return;
    const obj = text === undefined ? undefined : (JSON.parse(text) as KObject);
    const old = inf?.getByKey(key);
    inf?.apply(key, obj);
    for (const h of this.anyHandlers) h({ key, old, obj });
  }
}
