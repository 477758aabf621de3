// Strategic merge patch (application/strategic-merge-patch+json), the apply
// half of k8s.io/apimachinery/pkg/util/strategicpatch, driven by the
// x-kubernetes-patch-strategy / patch-merge-key metadata in the SchemaNode
// graph instead of Go struct tags.
//
// What the patch can say:
// - maps merge key by key; `null` deletes a key; a map holding
//   `$patch: replace` replaces the live map, `$patch: delete` empties it;
// - lists whose strategy is `merge` and that have a merge key merge item by
//   item: a patch item updates the live item with the same key (recursively)
//   or is added; `{"$patch":"delete","<key>":v}` removes items, a
//   `{"$patch":"replace"}` item makes the rest of the patch list the new list;
// - primitive lists with strategy `merge` (finalizers) are unions;
//   `$deleteFromPrimitiveList/<field>` removes values (whatever the strategy);
// - `$setElementOrder/<field>` gives the order of the patch's items; live items
//   the patch does not name keep their place relative to them;
// - `$retainKeys` (retainKeys strategy: Deployment spec.strategy, volume
//   sources) drops every live key the list does not name;
// - everything else (lists without merge strategy, `any` nodes, unknown
//   fields) follows JSON merge patch: maps merge, lists and scalars replace.
// Directives are consumed: none of them ends up in the result.
import type { SchemaNode } from '../schema/types';
import { deepEqual } from '../resources/validation';

export class StrategicPatchError extends Error {
  override name = 'StrategicPatchError';
}

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';

/** Returned by `fresh` for a value that removes itself (`$patch: delete`). */
const DROP = Symbol('drop');

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Sets an own property, even for a key named `__proto__` (which plain assignment would not). */
function put(o: Obj, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

// ---------------------------------------------------------------------------
// Error text, shaped like apimachinery's mergepatch errors (Go %v formatting).

function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObj(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  return String(v);
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isObj(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const errNoMergeKey = (m: unknown, key: string) => new StrategicPatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: unknown, m: unknown) => new StrategicPatchError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
const errBadArgType = (expected: string, actual: unknown) => new StrategicPatchError(`expected a ${expected}, but received a ${goType(actual)}`);
const errRetainKeys = () => new StrategicPatchError('invalid patch format of retainKeys');
const errSetOrder = () => new StrategicPatchError('invalid patch format of setElementOrder list');
const errPrimitiveList = () => new StrategicPatchError('invalid patch format of primitive list');

// ---------------------------------------------------------------------------
// Schema metadata.

interface ListMeta {
  /** The list's own node (for its items). */
  node: SchemaNode | undefined;
  /** "merge", "replace" or "" (retainKeys split off). */
  strategy: string;
  mergeKey: string;
}

function child(parent: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!parent) return undefined;
  if (parent.type === 'object') return hasOwn(parent.fields, key) ? parent.fields[key] : undefined;
  if (parent.type === 'map') return parent.values;
  return undefined;
}

const itemsOf = (node: SchemaNode | undefined): SchemaNode | undefined => (node?.type === 'array' ? node.items : undefined);

/** The strategy of a field once "retainKeys" is split off ("merge,retainKeys" → "merge"). */
function strategyOf(node: SchemaNode | undefined): string {
  const raw = node && (node.type === 'array' || node.type === 'object') ? node.patchStrategy : undefined;
  const parts = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0] === 'retainKeys' ? '' : parts[0];
  if (parts.length === 2 && parts[0] === 'retainKeys') return parts[1];
  if (parts.length === 2 && parts[1] === 'retainKeys') return parts[0];
  throw new StrategicPatchError(`unexpected patch strategy: ${goFormat(parts)}`);
}

function listMeta(node: SchemaNode | undefined): ListMeta {
  return { node, strategy: strategyOf(node), mergeKey: node?.type === 'array' ? (node.patchMergeKey ?? '') : '' };
}

// ---------------------------------------------------------------------------
// Entry point.

/**
 * Applies a strategic merge patch to `original` and returns the result. Pure:
 * neither input is modified and the result shares no structure with them.
 * `schema` is the kind's object node; without it every list is replaced.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: SchemaNode | undefined): unknown {
  // A JSON null patch decodes to an empty map upstream: nothing to do.
  if (patch === null || patch === undefined) patch = {};
  if (!isObj(patch)) {
    const what = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw new StrategicPatchError(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  if (original !== null && original !== undefined && !isObj(original)) throw new StrategicPatchError('the object to patch must be a JSON object');
  const o = isObj(original) ? (structuredClone(original) as Obj) : undefined;
  return mergeMap(o, structuredClone(patch) as Obj, schema);
}

// ---------------------------------------------------------------------------
// Maps.

function mergeMap(original: Obj | undefined, patch: Obj, schema: SchemaNode | undefined): Obj {
  if (hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const rest = { ...patch };
      delete rest[DIRECTIVE];
      return mergeMap(undefined, rest, schema);
    }
    if (directive === 'delete') return {};
    throw errBadPatchType(directive, patch);
  }

  const out: Obj = original ? { ...original } : {};
  const pending = new Map(Object.entries(patch));

  if (pending.has(RETAIN_KEYS)) {
    applyRetainKeys(out, pending);
  }

  // $setElementOrder lists first: each one consumes the list it orders.
  for (const [key, order] of [...pending]) {
    if (!key.startsWith(SET_ORDER)) continue;
    pending.delete(key);
    const field = directiveField(key, SET_ORDER, errSetOrder);
    if (!Array.isArray(order)) throw errBadArgType('[]interface {}', order);
    const patchList = pending.has(field) ? pending.get(field) : undefined;
    pending.delete(field);
    const result = orderedList(out, field, patchList, order, child(schema, field));
    if (result !== undefined) put(out, field, result);
  }

  // Deletions from primitive lists go last, so that they win over an addition
  // of the same value (upstream's order between the two is map order).
  const deletions: [string, unknown[]][] = [];
  for (const [key, value] of pending) {
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = directiveField(key, DELETE_PRIMITIVE, errPrimitiveList);
      if (!Array.isArray(value)) throw errPrimitiveList();
      deletions.push([field, value]);
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const node = child(schema, key);
    const live = hasOwn(out, key) ? out[key] : undefined;
    if (live === undefined || kindOf(live) !== kindOf(value)) {
      const v = fresh(value, node);
      if (v === DROP) delete out[key];
      else put(out, key, v);
      continue;
    }
    if (isObj(value)) {
      if (strategyOf(node) === 'replace') {
        const v = fresh(value, node);
        if (v === DROP) delete out[key];
        else put(out, key, v);
      } else {
        put(out, key, mergeMap(live as Obj, value, node));
      }
    } else if (Array.isArray(value)) {
      put(out, key, mergeListField(live as unknown[], value, listMeta(node)).merged);
    } else {
      put(out, key, value);
    }
  }
  for (const [field, values] of deletions) {
    const live = hasOwn(out, field) ? out[field] : undefined;
    if (Array.isArray(live)) put(out, field, deleteFromList(live, values));
  }
  return out;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isObj(v)) return 'map';
  return typeof v;
}

/** `$setElementOrder/containers` → `containers`. */
function directiveField(key: string, prefix: string, err: () => StrategicPatchError): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw err();
  return key.slice(slash + 1);
}

/**
 * `$retainKeys`: every key of the patch (bar nulls and list directives) must be
 * in the list, and live keys missing from it are cleared before merging.
 */
function applyRetainKeys(out: Obj, pending: Map<string, unknown>): void {
  const list = pending.get(RETAIN_KEYS);
  pending.delete(RETAIN_KEYS);
  if (!Array.isArray(list)) throw errRetainKeys();
  const keep = new Set(list);
  for (const [k, v] of pending) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw errRetainKeys();
  }
  for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
}

/**
 * A patch value for which there is nothing live to merge with: the patch
 * applied to nothing. Nulls inside maps disappear, `$patch: delete` maps
 * remove themselves, and every directive is consumed.
 */
function fresh(value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return freshList(value, listMeta(node));
  if (isObj(value)) {
    if (hasOwn(value, DIRECTIVE) && value[DIRECTIVE] === 'delete') return DROP;
    return mergeMap(undefined, value, node);
  }
  return value;
}

function freshList(list: unknown[], meta: ListMeta): unknown[] {
  const items = itemsOf(meta.node);
  const out: unknown[] = [];
  for (const item of list) {
    if (isObj(item) && hasOwn(item, DIRECTIVE)) {
      // Marker items (`$patch: delete` / `replace`) have nothing to act on.
      const d = item[DIRECTIVE];
      if (d === 'delete' || d === 'replace') continue;
      if (d === 'merge' && meta.strategy === 'merge') throw new StrategicPatchError('merging lists cannot yet be specified in the patch');
      throw errBadPatchType(d, item);
    }
    out.push(fresh(item, items));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Lists.

interface Merged {
  merged: unknown[];
  /**
   * The live order `$setElementOrder` places server-only items against: the
   * live list after deletions, with the slots the deletions freed taken by the
   * first added items (upstream reuses the live slice in place, so this is
   * what its ordering step sees).
   */
  serverOrder: unknown[];
}

/** A list field present in both the live object and the patch. */
function mergeListField(live: unknown[], patch: unknown[], meta: ListMeta): Merged {
  if (meta.strategy === 'merge') return mergeList(live, patch, meta);
  return { merged: freshList(patch, meta), serverOrder: live };
}

type ElementKind = 'map' | 'scalar' | 'none';

/** All elements of the lists must be of one kind, and not lists (sliceElementType). */
function elementKind(...lists: unknown[][]): ElementKind {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (k === 'list') throw new StrategicPatchError('lists of lists are not supported');
      if (kind === undefined) kind = k;
      else if (kind !== k) throw new StrategicPatchError(`list element types are not identical: ${goFormat(lists)}`);
    }
  }
  if (kind === undefined) return 'none';
  return kind === 'map' ? 'map' : 'scalar';
}

function mergeList(live: unknown[], patch: unknown[], meta: ListMeta): Merged {
  if (live.length === 0 && patch.length === 0) return { merged: [], serverOrder: [] };
  const kind = elementKind(live, patch);

  if (kind !== 'map') {
    const merged = dedupe([...live, ...patch]);
    const [fromPatch, serverOnly] = partition(merged, patch, '');
    return { merged: normalizeOrder(fromPatch, serverOnly, patch, live, ''), serverOrder: live };
  }

  const key = meta.mergeKey;
  if (!key) throw new StrategicPatchError(`cannot merge lists without merge key for ${schemaName(meta.node)}`);
  const items = itemsOf(meta.node);

  // Special items first: deletions act on the live list, a replace marker
  // turns the remaining patch items into the whole list.
  let remaining = live;
  let removed = 0;
  let replace = false;
  const plain: Obj[] = [];
  for (const v of patch as Obj[]) {
    if (!hasOwn(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const d = v[DIRECTIVE];
    if (d === 'delete') {
      if (!hasOwn(v, key)) throw errNoMergeKey(v, key);
      const before = remaining.length;
      remaining = remaining.filter((o) => !(isObj(o) && hasOwn(o, key) && o[key] === v[key]));
      removed += before - remaining.length;
    } else if (d === 'replace') {
      replace = true;
    } else if (d === 'merge') {
      throw new StrategicPatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(d, v);
    }
  }

  if (replace) {
    const merged = plain.map((v) => mergeMap(undefined, v, items));
    validateMergeKeys(key, merged);
    return { merged, serverOrder: live };
  }

  const merged: unknown[] = [...remaining];
  const added: unknown[] = [];
  for (const v of plain) {
    if (!hasOwn(v, key)) throw errNoMergeKey(v, key);
    const at = merged.findIndex((o) => isObj(o) && hasOwn(o, key) && o[key] === v[key]);
    if (at >= 0) {
      merged[at] = mergeMap(merged[at] as Obj, v, items);
    } else {
      const item = mergeMap(undefined, v, items);
      merged.push(item);
      added.push(item);
    }
  }

  const [fromPatch, serverOnly] = partition(merged, plain, key);
  return {
    merged: normalizeOrder(fromPatch, serverOnly, plain, remaining, key),
    serverOrder: [...remaining, ...added.slice(0, removed)],
  };
}

function schemaName(node: SchemaNode | undefined): string {
  const items = itemsOf(node);
  return items?.type === 'object' && items.name ? items.name : 'type map';
}

/** Order-preserving de-duplication of scalars (first occurrence wins). */
function dedupe(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => o === v || (isObj(o) && deepEqual(o, v)))) out.push(v);
  return out;
}

function deleteFromList(live: unknown[], toDelete: unknown[]): unknown[] {
  return live.filter((v) => !toDelete.some((d) => d === v || (d !== null && typeof d === 'object' && deepEqual(d, v))));
}

function validateMergeKeys(key: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObj(item)) throw errBadArgType('map[string]interface {}', item);
      if (!hasOwn(item, key)) throw errNoMergeKey(item, key);
    }
  }
}

/** Where `item` sits in `list`, matching maps by merge key and scalars by value; -1 if absent. */
function indexIn(list: unknown[], item: unknown, key: string): number {
  if (!key) return list.indexOf(item);
  const want = isObj(item) ? item[key] : undefined;
  return list.findIndex((o) => (isObj(o) ? o[key] : undefined) === want);
}

/** Splits `merged` into the items named by `by` and the rest, keeping order. */
function partition(merged: unknown[], by: unknown[], key: string): [unknown[], unknown[]] {
  const named: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of merged) {
    if (key) {
      if (!isObj(v)) throw errBadArgType('map[string]interface {}', v);
      if (!hasOwn(v, key)) throw errNoMergeKey(v, key);
      (by.some((b) => isObj(b) && hasOwn(b, key) && b[key] === v[key]) ? named : rest).push(v);
    } else {
      (by.includes(v) ? named : rest).push(v);
    }
  }
  return [named, rest];
}

/** Stable sort of `list` by position in `order`; items `order` does not hold go first, as upstream's comparator leaves them. */
function sortBy(list: unknown[], order: unknown[], key: string): unknown[] {
  if (key) validateMergeKeys(key, list, order);
  const decorated = list.map((v, i) => ({ v, i, at: indexIn(order, v, key) }));
  decorated.sort((a, b) => {
    if (a.at < 0 || b.at < 0) return a.at < 0 && b.at >= 0 ? -1 : a.at >= 0 && b.at < 0 ? 1 : a.i - b.i;
    return a.at - b.at || a.i - b.i;
  });
  return decorated.map((d) => d.v);
}

/**
 * Orders the patch's items by `patchOrder` and the server-only items by
 * `serverOrder`, then interleaves them: a server-only item goes before the
 * next patch item when both are in `serverOrder` and it came first there;
 * otherwise the patch item goes first (mergeSortedSlice).
 */
function normalizeOrder(fromPatch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], key: string): unknown[] {
  const right = sortBy(fromPatch, patchOrder, key);
  const left = sortBy(serverOnly, serverOrder, key);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexIn(serverOrder, left[i], key);
      const ri = indexIn(serverOrder, right[j], key);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/**
 * One `$setElementOrder/<field>` directive with the patch list it orders (if
 * any): merge the list, then put the items the directive names in its order,
 * the live-only items around them. Returns undefined when there is no list.
 */
function orderedList(out: Obj, field: string, patchList: unknown, order: unknown[], node: SchemaNode | undefined): unknown[] | undefined {
  const meta = listMeta(node);
  const key = meta.mergeKey;
  const liveValue = hasOwn(out, field) ? out[field] : undefined;
  const live = Array.isArray(liveValue) ? liveValue : undefined;
  if (patchList !== undefined && !Array.isArray(patchList)) throw errBadArgType('[]interface {}', patchList);
  const patchItems = patchList as unknown[] | undefined;
  if (patchItems) validatePatchOrder(patchItems, order, key);

  let merged: unknown[];
  let serverOrder: unknown[];
  if (live && patchItems) ({ merged, serverOrder } = mergeListField(live, patchItems, meta));
  else if (live) [merged, serverOrder] = [live, live];
  else if (patchItems) [merged, serverOrder] = [freshList(patchItems, meta), []];
  else return liveValue === undefined ? undefined : (liveValue as unknown[]);

  const kind = elementKind(live ?? [], patchItems ?? []);
  if (kind === 'none' || merged.length === 0) return merged;
  // A list of maps without a merge key has no identity to order by.
  if (kind === 'map' && !key) return merged;
  const orderKey = kind === 'map' ? key : '';
  const [named, serverOnly] = partition(merged, order, orderKey);
  return normalizeOrder(named, serverOnly, order, serverOrder, orderKey);
}

/**
 * The patch list's items (deletions aside) must appear in the directive, in
 * the same relative order.
 */
function validatePatchOrder(patchList: unknown[], order: unknown[], key: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (key) {
    for (const v of patchList) if (!isObj(v)) throw errBadArgType('map[string]interface {}', v);
    items = patchList.filter((v) => (v as Obj)[DIRECTIVE] !== 'delete');
  } else if (patchList.some(isObj)) {
    return;
  }
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p];
    if (isObj(item) && hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameKey(item, order[s], key)) p++;
    s++;
  }
  if (p < items.length && s >= order.length) {
    throw new StrategicPatchError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}\n`);
  }
}

function sameKey(a: unknown, b: unknown, key: string): boolean {
  if (!key) return a === b;
  if (!isObj(a)) throw errBadArgType('map[string]interface {}', a);
  if (!isObj(b)) throw errBadArgType('map[string]interface {}', b);
  if (!hasOwn(a, key)) throw errNoMergeKey(a, key);
  if (!hasOwn(b, key)) throw errNoMergeKey(b, key);
  return a[key] === b[key];
}
