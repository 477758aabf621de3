// Typed walks over JSON objects guided by a SchemaNode, after
// structured-merge-diff's typed package: validation of an applied
// configuration, the field set an object specifies (ToFieldSet), the
// comparison of two objects (Compare), the apply merge (Merge) and the
// removal of owned items (RemoveItems).
//
// Schema semantics follow kube-openapi's schemaconv: structs are granular
// unless x-kubernetes-map-type=atomic; lists are atomic unless
// x-kubernetes-list-type says set/map, or (without a list type) the patch
// strategy is "merge" (a map keyed by the merge key, or a set); `any` nodes
// (int-or-string, Quantity, RawExtension) are atomic leaves; strings with a
// format other than "" or "byte" (date-time...) are untyped scalars. A
// missing schema, and the unknown fields of preserve-unknown-fields
// objects, are "deduced": maps are granular, lists atomic.
import type { SchemaNode } from '../schema/types';
import {
  FieldSet, type Path, type PathElement, goFloat, goQuote, makeKey, pathElementString, serializePathElement, setKey, compareStrings,
} from './fieldpath';

/** The deduced type: granular maps of deduced values, atomic lists, untyped scalars. */
export const DEDUCED = { type: 'deduced' } as const;
export type TypeRef = SchemaNode | typeof DEDUCED;
const UNTYPED: SchemaNode = { type: 'any' };

export type Atom =
  | { kind: 'scalar'; scalar: 'string' | 'numeric' | 'boolean' | 'untyped' }
  | { kind: 'map'; fields?: Record<string, SchemaNode>; elem?: TypeRef; atomic: boolean; name?: string }
  | { kind: 'list'; elem: TypeRef; rel: 'atomic' | 'set' | 'map'; keys: string[] }
  | { kind: 'untyped' };

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEmptyObj = (v: Record<string, unknown>) => { for (const _ in v) return false; return true; };
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The atom of a type; a deduced type takes its shape from the value. */
export function resolve(t: TypeRef, v?: unknown): Atom {
  switch (t.type) {
    case 'deduced':
      if (Array.isArray(v)) return { kind: 'list', elem: UNTYPED, rel: 'atomic', keys: [] };
      if (isObj(v) || v === undefined) return { kind: 'map', elem: DEDUCED, atomic: false };
      return { kind: 'scalar', scalar: 'untyped' };
    case 'any': return { kind: 'untyped' };
    case 'object':
      return { kind: 'map', fields: t.fields, elem: t.preserveUnknownFields ? DEDUCED : undefined, atomic: t.mapType === 'atomic', name: t.name };
    case 'map': return { kind: 'map', elem: t.values, atomic: t.mapType === 'atomic' };
    case 'array': {
      if (t.listType === 'map') return { kind: 'list', elem: t.items, rel: t.listMapKeys?.length ? 'map' : 'set', keys: t.listMapKeys ?? [] };
      if (t.listType === 'set') return { kind: 'list', elem: t.items, rel: 'set', keys: [] };
      if (t.listType === 'atomic') return { kind: 'list', elem: t.items, rel: 'atomic', keys: [] };
      if (t.patchStrategy === 'merge' || t.patchStrategy === 'merge,retainKeys') {
        return t.patchMergeKey ? { kind: 'list', elem: t.items, rel: 'map', keys: [t.patchMergeKey] } : { kind: 'list', elem: t.items, rel: 'set', keys: [] };
      }
      return { kind: 'list', elem: t.items, rel: 'atomic', keys: [] };
    }
    case 'string': return { kind: 'scalar', scalar: !t.format || t.format === 'byte' ? 'string' : 'untyped' };
    case 'integer': case 'number': return { kind: 'scalar', scalar: 'numeric' };
    case 'boolean': return { kind: 'scalar', scalar: 'boolean' };
    default: return { kind: 'untyped' };
  }
}

const STR: SchemaNode = { type: 'string' };
const TIME: SchemaNode = { type: 'string', format: 'date-time' };
const INT: SchemaNode = { type: 'integer', format: 'int64' };
const STRING_MAP: SchemaNode = { type: 'map', values: STR };

/** ObjectMeta as the built-in OpenAPI describes it, for roots whose schema does not (custom resources). */
export const OBJECT_META: SchemaNode = {
  type: 'object', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  fields: {
    name: STR, generateName: STR, namespace: STR, selfLink: STR, uid: STR, resourceVersion: STR, generation: INT,
    creationTimestamp: TIME, deletionTimestamp: TIME, deletionGracePeriodSeconds: INT, labels: STRING_MAP, annotations: STRING_MAP,
    ownerReferences: {
      type: 'array', listType: 'map', listMapKeys: ['uid'], patchStrategy: 'merge', patchMergeKey: 'uid',
      items: {
        type: 'object', name: 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
        fields: { apiVersion: STR, kind: STR, name: STR, uid: STR, controller: { type: 'boolean' }, blockOwnerDeletion: { type: 'boolean' } },
      },
    },
    finalizers: { type: 'array', items: STR, listType: 'set', patchStrategy: 'merge' },
    managedFields: { type: 'array', items: { type: 'any' }, listType: 'atomic' },
  },
};

const UNTYPED_ROOT: SchemaNode = { type: 'object', fields: { apiVersion: STR, kind: STR, metadata: OBJECT_META }, preserveUnknownFields: true };
const roots = new WeakMap<SchemaNode, SchemaNode>();

/**
 * The type of a whole object. As kube-apiserver publishes custom resources,
 * the root always has apiVersion, kind and a full ObjectMeta (a CRD schema
 * rarely declares them); without a schema the rest is deduced.
 */
export function rootType(schema: SchemaNode | undefined): TypeRef {
  if (!schema) return UNTYPED_ROOT;
  if (schema.type !== 'object') return schema;
  const cached = roots.get(schema);
  if (cached) return cached;
  const m = schema.fields.metadata;
  const fullMeta = m?.type === 'object' && !!m.fields.labels && !!m.fields.finalizers;
  const root: SchemaNode = fullMeta && schema.fields.apiVersion && schema.fields.kind ? schema
    : { ...schema, fields: { apiVersion: STR, kind: STR, ...schema.fields, metadata: fullMeta ? m : OBJECT_META } };
  roots.set(schema, root);
  return root;
}

/** The type of a map's key: the declared field, else the element type, else undefined (not declared). */
export function fieldType(a: Extract<Atom, { kind: 'map' }>, key: string): TypeRef | undefined {
  if (a.fields && hasOwn(a.fields, key)) return a.fields[key];
  return a.elem;
}
const isDeclared = (a: Extract<Atom, { kind: 'map' }>, key: string) => !!a.fields && hasOwn(a.fields, key);

/**
 * Defaults of list-map key fields in the built-in OpenAPI (upstream fills a
 * key an item omits from its schema default). Keyed by the item definition.
 */
const KEY_DEFAULTS: Record<string, Record<string, unknown>> = {
  'io.k8s.api.core.v1.ContainerPort': { containerPort: 0, protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { port: 0, protocol: 'TCP' },
  'io.k8s.api.core.v1.Container': { name: '' },
  'io.k8s.api.core.v1.EphemeralContainer': { name: '' },
  'io.k8s.api.core.v1.EnvVar': { name: '' },
  'io.k8s.api.core.v1.Volume': { name: '' },
  'io.k8s.api.core.v1.VolumeMount': { mountPath: '' },
  'io.k8s.api.core.v1.VolumeDevice': { devicePath: '' },
  'io.k8s.api.core.v1.HostAlias': { ip: '' },
  'io.k8s.api.core.v1.PodResourceClaim': { name: '' },
  'io.k8s.api.core.v1.PodSchedulingGate': { name: '' },
  'io.k8s.api.core.v1.TopologySpreadConstraint': { topologyKey: '', whenUnsatisfiable: '' },
  'io.k8s.api.core.v1.ResourceClaim': { name: '' },
  'io.k8s.api.core.v1.PodIP': { ip: '' },
  'io.k8s.api.core.v1.ResourceStatus': { name: '' },
  'io.k8s.api.core.v1.VolumeMountStatus': { mountPath: '' },
  'io.k8s.api.core.v1.PodResourceClaimStatus': { name: '' },
  'io.k8s.api.core.v1.PodCondition': { type: '' },
  'io.k8s.api.core.v1.NodeCondition': { type: '' },
  'io.k8s.api.core.v1.NodeAddress': { type: '' },
  'io.k8s.api.core.v1.NamespaceCondition': { type: '' },
  'io.k8s.api.core.v1.PersistentVolumeClaimCondition': { type: '' },
  'io.k8s.api.core.v1.ReplicationControllerCondition': { type: '' },
  'io.k8s.api.apps.v1.DeploymentCondition': { type: '' },
  'io.k8s.api.apps.v1.DaemonSetCondition': { type: '' },
  'io.k8s.api.apps.v1.ReplicaSetCondition': { type: '' },
  'io.k8s.api.apps.v1.StatefulSetCondition': { type: '' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerCondition': { type: '' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Condition': { type: '' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': { uid: '' },
};

function keyDefault(elem: TypeRef, key: string): { value: unknown } | undefined {
  if (elem.type !== 'object' || !elem.name) return undefined;
  const d = KEY_DEFAULTS[elem.name];
  return d && hasOwn(d, key) ? { value: d[key] } : undefined;
}

/** The path element of a list item (listItemToPathElement), or the reason there is none. */
export function listItemElement(a: Extract<Atom, { kind: 'list' }>, item: unknown, index: number): PathElement | string {
  if (a.rel === 'atomic') return { i: index };
  if (a.rel === 'map') {
    if (item === null) return 'associative list with keys may not have a null element';
    if (!isObj(item)) return 'associative list with keys may not have non-map elements';
    const fields: [string, unknown][] = [];
    for (const k of a.keys) {
      if (hasOwn(item, k)) fields.push([k, item[k]]);
      else {
        const d = keyDefault(a.elem, k);
        if (!d) return `associative list with keys has an element that omits key field ${goQuote(k)} (and doesn't have default value)`;
        fields.push([k, d.value]);
      }
    }
    return makeKey(fields);
  }
  if (isObj(item)) return "associative list without keys has an element that's a map type";
  if (Array.isArray(item)) return 'not supported: associative list with lists as elements';
  if (item === null) return "associative list without keys has an element that's an explicit null";
  return { v: item };
}

// ---------------------------------------------------------------------------
// Validation (typed.AsTyped): what makes an applied configuration unusable
// ---------------------------------------------------------------------------

/** Go's %#v of an unstructured value, for type errors. */
function goSharp(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  switch (typeof v) {
    case 'number': return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'string': return goQuote(v);
    case 'boolean': return String(v);
    default:
      if (Array.isArray(v)) return `[]interface {}{${v.map(goSharp).join(', ')}}`;
      return `map[string]interface {}{${Object.keys(v as object).sort(compareStrings).map((k) => `${goQuote(k)}:${goSharp((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
}

/** Go's %v of an unstructured value. */
function goPlain(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'number': return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'string': return v;
    case 'boolean': return String(v);
    default:
      if (Array.isArray(v)) return `[${v.map(goPlain).join(' ')}]`;
      return `map[${Object.keys(v as object).sort(compareStrings).map((k) => `${k}:${goPlain((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
}

const goTypeName = (v: unknown) => (typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? '[]interface {}' : isObj(v) ? 'map[string]interface {}' : Number.isInteger(v) ? 'int64' : 'float64');
const wrapped = (v: unknown) => `&value.valueUnstructured{Value:${goSharp(v)}}`;

function scalarError(s: 'string' | 'numeric' | 'boolean' | 'untyped', v: unknown): string | undefined {
  switch (s) {
    case 'numeric': return typeof v === 'number' ? undefined : `expected numeric (int or float), got ${goTypeName(v)}`;
    case 'string': return typeof v === 'string' ? undefined : `expected string, got ${wrapped(v)}`;
    case 'boolean': return typeof v === 'boolean' ? undefined : `expected boolean, got &{${goPlain(v)}}`;
    default: return typeof v === 'object' ? `expected any scalar, got &{${goPlain(v)}}` : undefined;
  }
}

const at = (path: string, msg: string) => (path ? `${path}: ${msg}` : msg);

/**
 * The errors that stop an object from being typed: wrong scalar types,
 * undeclared fields, list items without keys, and (unless allowed)
 * duplicate keys. Each error is "<path>: <message>".
 */
export function validateTyped(t: TypeRef, v: unknown, allowDuplicates = false): string[] {
  const errs: string[] = [];
  walkValidate(t, v, '', errs, allowDuplicates);
  return errs;
}

function walkValidate(t: TypeRef, v: unknown, path: string, errs: string[], allowDup: boolean): void {
  if (v === null || v === undefined) return;
  const a = resolve(t, v);
  switch (a.kind) {
    case 'untyped': return;
    case 'scalar': {
      const m = scalarError(a.scalar, v);
      if (m) errs.push(at(path, m));
      return;
    }
    case 'map': {
      if (!isObj(v)) { errs.push(at(path, `expected map, got &{${goPlain(v)}}`)); return; }
      for (const [k, val] of Object.entries(v)) {
        const ft = fieldType(a, k);
        const p = `${path}.${k}`;
        if (!ft) { errs.push(at(p, 'field not declared in schema')); return; }
        walkValidate(ft, val, p, errs, allowDup);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(v)) { errs.push(at(path, `expected list, got &{${goPlain(v)}}`)); return; }
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const pe = listItemElement(a, v[i], i);
        if (typeof pe === 'string') { errs.push(at(path, `element ${i}: ${pe}`)); return; }
        if (a.rel !== 'atomic') {
          const key = serializePathElement(pe);
          if (seen.has(key) && !allowDup) errs.push(at(path, `duplicate entries for key ${pathElementString(pe)}`));
          seen.add(key);
        }
        walkValidate(a.elem, v[i], path + pathElementString(pe), errs, allowDup);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// ToFieldSet
// ---------------------------------------------------------------------------

/**
 * The set of fields an object specifies: every scalar leaf, atomic lists
 * and maps as one leaf, every list item (map and set items) and every map
 * key; struct fields appear as members only when their value is null or an
 * empty object. Items whose keys appear twice are owned as a whole.
 */
export function toFieldSet(t: TypeRef, v: unknown): FieldSet {
  const s = new FieldSet();
  walkSet(t, v, [], s);
  return s;
}

function walkSet(t: TypeRef, v: unknown, path: PathElement[], s: FieldSet): void {
  if (v === undefined) return;
  const a = resolve(t, v);
  switch (a.kind) {
    case 'scalar': case 'untyped':
      s.insert(path);
      return;
    case 'map': {
      if (a.atomic) { s.insert(path); return; }
      if (!isObj(v)) { if (v !== null) s.insert(path); return; }
      for (const [k, val] of Object.entries(v)) {
        const p = [...path, { f: k }];
        walkSet(fieldType(a, k) ?? DEDUCED, val, p, s);
        if (val === null || (isObj(val) && isEmptyObj(val)) || !isDeclared(a, k)) s.insert(p);
      }
      return;
    }
    case 'list': {
      if (a.rel === 'atomic') { s.insert(path); return; }
      if (!Array.isArray(v)) { if (v !== null) s.insert(path); return; }
      const items = keyedItems(a, v);
      for (const it of items) {
        if (!it.pe) continue;
        const p = [...path, it.pe];
        if (it.duplicate) { s.insert(p); continue; }
        walkSet(a.elem, it.item, p, s);
        s.insert(p);
      }
    }
  }
}

interface KeyedItem { item: unknown; pe?: PathElement; key: string; duplicate: boolean; first: boolean }

/** The items of an associative list with their elements; items whose key repeats are marked duplicate. */
function keyedItems(a: Extract<Atom, { kind: 'list' }>, list: unknown[]): KeyedItem[] {
  const counts = new Map<string, number>();
  const out: KeyedItem[] = list.map((item, i) => {
    const pe = listItemElement(a, item, i);
    if (typeof pe === 'string') return { item, key: `#unkeyed:${i}`, duplicate: false, first: true };
    const key = serializePathElement(pe);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return { item, pe, key, duplicate: false, first: counts.get(key) === 1 };
  });
  for (const it of out) if (it.pe && counts.get(it.key)! > 1) it.duplicate = true;
  return out;
}

// ---------------------------------------------------------------------------
// Compare
// ---------------------------------------------------------------------------

export interface Comparison { added: FieldSet; modified: FieldSet; removed: FieldSet }

/**
 * What changed between lhs and rhs (TypedValue.Compare): leaves that were
 * added, removed or modified, plus maps, structs, lists and list items that
 * appeared or disappeared as a whole. `undefined` means absent.
 */
export function compare(t: TypeRef, lhs: unknown, rhs: unknown): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(t, lhs, rhs, [], c);
  return c;
}

export function excludeFields(c: Comparison, fields: FieldSet | undefined): Comparison {
  if (!fields || fields.isEmpty()) return c;
  return { added: c.added.recursiveDifference(fields), modified: c.modified.recursiveDifference(fields), removed: c.removed.recursiveDifference(fields) };
}

const shapeOf = (v: unknown) => (Array.isArray(v) ? 'list' : isObj(v) ? 'map' : v === null ? 'null' : 'scalar');

function walkCompare(t: TypeRef, l: unknown, r: unknown, path: PathElement[], c: Comparison): void {
  if (l === undefined && r === undefined) return;
  const leaf = () => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  };
  const post = () => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  if (t.type === 'deduced' && l !== undefined && r !== undefined && l !== null && r !== null && shapeOf(l) !== shapeOf(r)) return leaf();
  const a = resolve(t, r !== undefined && r !== null ? r : l);
  switch (a.kind) {
    case 'scalar': case 'untyped': return leaf();
    case 'map': {
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      if ((l != null && !lm) || (r != null && !rm)) return leaf();
      if (a.atomic || ((!lm || isEmptyObj(lm)) && (!rm || isEmptyObj(rm)))) return leaf();
      const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
      for (const k of keys) {
        walkCompare(fieldType(a, k) ?? DEDUCED, lm && hasOwn(lm, k) ? lm[k] : undefined, rm && hasOwn(rm, k) ? rm[k] : undefined, [...path, { f: k }], c);
      }
      return post();
    }
    case 'list': {
      const la = Array.isArray(l) ? l : undefined;
      const ra = Array.isArray(r) ? r : undefined;
      if ((l != null && !la) || (r != null && !ra)) return leaf();
      if (a.rel === 'atomic' || ((!la || la.length === 0) && (!ra || ra.length === 0))) return leaf();
      const li = firstByKey(a, la ?? []);
      const ri = firstByKey(a, ra ?? []);
      const seen = new Set<string>();
      for (const [key, it] of [...li, ...ri]) {
        if (seen.has(key)) continue;
        seen.add(key);
        walkCompare(a.elem, li.get(key)?.item, ri.get(key)?.item, [...path, it.pe!], c);
      }
      return post();
    }
  }
}

/** Keyed items by key, first occurrence only (indexListPathElements ignores repeats). */
function firstByKey(a: Extract<Atom, { kind: 'list' }>, list: unknown[]): Map<string, KeyedItem> {
  const m = new Map<string, KeyedItem>();
  for (const it of keyedItems(a, list)) if (it.pe && !m.has(it.key)) m.set(it.key, it);
  return m;
}

// ---------------------------------------------------------------------------
// Merge (apply): the configuration wins; granular maps and associative lists merge
// ---------------------------------------------------------------------------

/**
 * Merges rhs (the applied configuration) into lhs (the live object):
 * scalars, atomic lists and maps take rhs; granular maps merge key by key;
 * associative lists merge item by item, keeping live-only items in place
 * and ordering shared items as the configuration does.
 */
export function merge(t: TypeRef, l: unknown, r: unknown): unknown {
  if (r === undefined) return l;
  if (l === undefined) return r;
  if (t.type === 'deduced' && l !== null && r !== null && shapeOf(l) !== shapeOf(r)) return r;
  const a = resolve(t, r !== null ? r : l);
  switch (a.kind) {
    case 'scalar': case 'untyped': return r;
    case 'map': {
      if (a.atomic) return r;
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      if ((!lm || isEmptyObj(lm)) && (!rm || isEmptyObj(rm))) return r;
      if (!lm) return r;
      if (!rm) return r === null ? { ...lm } : r;
      const out: Record<string, unknown> = {};
      for (const [k, lv] of Object.entries(lm)) setKey(out, k, hasOwn(rm, k) ? merge(fieldType(a, k) ?? DEDUCED, lv, rm[k]) : lv);
      for (const [k, rv] of Object.entries(rm)) if (!hasOwn(lm, k)) setKey(out, k, rv);
      return out;
    }
    case 'list': {
      if (a.rel === 'atomic') return r;
      const la = Array.isArray(l) ? l : undefined;
      const ra = Array.isArray(r) ? r : undefined;
      if ((!la || la.length === 0) && (!ra || ra.length === 0)) return r;
      if (!la) return r;
      if (!ra) return r === null ? [...la] : r;
      return mergeList(a, la, ra);
    }
  }
}

function mergeList(a: Extract<Atom, { kind: 'list' }>, la: unknown[], ra: unknown[]): unknown[] {
  // Live items: a key that repeats keeps all its copies unless the configuration names it.
  const rItems = firstByKey(a, ra);
  const lKeyed = keyedItems(a, la);
  const lOrder: string[] = [];
  const lItems = new Map<string, KeyedItem>();
  const dupOf = new Set<string>();
  lKeyed.forEach((it, i) => {
    let key = it.key;
    if (it.duplicate) {
      dupOf.add(it.key);
      if (!it.first || !rItems.has(it.key)) key = rItems.has(it.key) ? `#dropped:${i}` : `#dup:${i}`;
    }
    if (key.startsWith('#dropped:')) return;
    lOrder.push(key);
    lItems.set(key, it);
  });
  const rOrder = [...rItems.keys()];
  const shared = rOrder.filter((k) => lItems.has(k));
  let si = 0;
  let nextShared: string | undefined = shared[si++];
  const out: unknown[] = [];
  const mergeItem = (k: string) => (dupOf.has(k) ? rItems.get(k)!.item : merge(a.elem, lItems.get(k)!.item, rItems.get(k)!.item));
  let lI = 0;
  let rI = 0;
  while (lI < lOrder.length || rI < rOrder.length) {
    if (lI < lOrder.length && rI < rOrder.length) {
      const k = lOrder[lI];
      if (k === rOrder[rI]) {
        out.push(mergeItem(k));
        lI++; rI++;
        nextShared = shared[si++];
        continue;
      }
      if (rItems.has(k) && nextShared !== undefined && nextShared !== k) { lI++; continue; }
    }
    if (lI < lOrder.length) {
      const k = lOrder[lI];
      if (!rItems.has(k)) { out.push(lItems.get(k)!.item); lI++; continue; }
      if (rI >= rOrder.length) { lI++; continue; }
    }
    if (rI < rOrder.length) {
      const k = rOrder[rI];
      out.push(lItems.has(k) ? mergeItem(k) : rItems.get(k)!.item);
      rI++;
      if (nextShared !== undefined && nextShared === k) nextShared = shared[si++];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// RemoveItems, EnsureNamedFieldsAreMembers, null pruning
// ---------------------------------------------------------------------------

/**
 * The value without the members of `set` (TypedValue.RemoveItems): a
 * member removes the field, list item or map key with everything below it.
 * A map or list left empty disappears (undefined).
 */
export function removeItems(t: TypeRef, v: unknown, set: FieldSet): unknown {
  const a = resolve(t, v);
  switch (a.kind) {
    case 'scalar': case 'untyped': return v;
    case 'map': {
      if (!isObj(v) || isEmptyObj(v) || a.atomic) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) {
        const pe = { f: k };
        if (set.hasMember(pe)) continue;
        const sub = set.child(pe);
        const nv = sub ? removeItems(fieldType(a, k) ?? DEDUCED, val, sub) : val;
        if (nv !== undefined) setKey(out, k, nv);
      }
      return isEmptyObj(out) ? undefined : out;
    }
    case 'list': {
      if (!Array.isArray(v) || v.length === 0 || a.rel === 'atomic') return undefined;
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const pe = listItemElement(a, item, i);
        if (typeof pe === 'string') { out.push(item); return; }
        if (set.hasMember(pe)) return;
        const sub = set.child(pe);
        const nv = sub ? removeItems(a.elem, item, sub) : item;
        out.push(nv === undefined ? (isObj(item) ? {} : null) : nv);
      });
      return out.length ? out : undefined;
    }
  }
}

/** The set plus, as members, every struct field that has children in it (EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(t: TypeRef, s: FieldSet): FieldSet {
  const out = new FieldSet();
  const a = resolve(t);
  for (const [k, pe] of s.members) out.members.set(k, pe);
  for (const [k, c] of s.children) {
    let ct: TypeRef = DEDUCED;
    if ('f' in c.pe) {
      if (a.kind === 'map') {
        if (isDeclared(a, c.pe.f)) out.members.set(k, c.pe);
        ct = fieldType(a, c.pe.f) ?? DEDUCED;
      }
    } else if (a.kind === 'list') ct = a.elem;
    out.children.set(k, { pe: c.pe, set: ensureNamedFieldsAreMembers(ct, c.set) });
  }
  return out;
}

/** Drops null-valued fields of granular maps (typed objects cannot hold them; CRDs prune them). */
export function dropNulls(t: TypeRef, v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const a = resolve(t, v);
  if (a.kind === 'map' && !a.atomic && isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null) setKey(out, k, dropNulls(fieldType(a, k) ?? DEDUCED, val));
    return out;
  }
  if (a.kind === 'list' && a.rel !== 'atomic' && Array.isArray(v)) return v.map((item) => dropNulls(a.elem, item));
  return v;
}

/** Structural equality of JSON values (map key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

// ---------------------------------------------------------------------------
// The zero value of a built-in kind (the "live" object of a create)
// ---------------------------------------------------------------------------

/**
 * Fields that Go's zero value of a built-in type serialises even when unset:
 * non-pointer structs as {} ("struct") and non-omitempty pointers and slices
 * as null ("null"). kube-apiserver compares a create against that zero
 * value, so these containers are never "added" by a create and carry no
 * `".": {}` in the creator's Update entry.
 */
const ZERO_VALUE_FIELDS: Record<string, Record<string, 'struct' | 'null'>> = {
  'io.k8s.api.core.v1.PodTemplateSpec': { metadata: 'struct', spec: 'struct' },
  'io.k8s.api.core.v1.PodSpec': { containers: 'null' },
  'io.k8s.api.apps.v1.DeploymentSpec': { selector: 'null', template: 'struct', strategy: 'struct' },
  'io.k8s.api.apps.v1.ReplicaSetSpec': { selector: 'null', template: 'struct' },
  'io.k8s.api.apps.v1.StatefulSetSpec': { selector: 'null', template: 'struct', updateStrategy: 'struct' },
  'io.k8s.api.apps.v1.DaemonSetSpec': { selector: 'null', template: 'struct', updateStrategy: 'struct' },
  'io.k8s.api.batch.v1.JobSpec': { template: 'struct' },
  'io.k8s.api.batch.v1.CronJobSpec': { jobTemplate: 'struct' },
  'io.k8s.api.batch.v1.JobTemplateSpec': { metadata: 'struct', spec: 'struct' },
  'io.k8s.api.core.v1.ServiceStatus': { loadBalancer: 'struct' },
  'io.k8s.api.networking.v1.IngressStatus': { loadBalancer: 'struct' },
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': { resources: 'struct' },
  'io.k8s.api.core.v1.NodeStatus': { daemonEndpoints: 'struct', nodeInfo: 'struct' },
  'io.k8s.api.core.v1.NodeDaemonEndpoints': { kubeletEndpoint: 'struct' },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { podSelector: 'struct' },
  'io.k8s.api.rbac.v1.RoleBinding': { roleRef: 'struct' },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { roleRef: 'struct' },
  'io.k8s.api.core.v1.Event': { involvedObject: 'struct', source: 'struct' },
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec': { scaleTargetRef: 'struct' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { scaleTargetRef: 'struct' },
};
const ROOT_ZERO_FIELDS: Record<string, 'struct'> = { metadata: 'struct', spec: 'struct', status: 'struct' };

/** The JSON of a built-in kind's Go zero value; {} for custom resources and unknown kinds. */
export function zeroObject(schema: SchemaNode | undefined): Record<string, unknown> {
  if (!schema || schema.type !== 'object' || !schema.name || !/^io\.k8s\./.test(schema.name)) return {};
  return zeroOf(schema, ROOT_ZERO_FIELDS);
}

/**
 * The object as its Go type would hold it: the zero-valued containers of
 * zeroObject filled in where absent. Comparisons fill both sides, so a
 * struct Go always has (status, spec.strategy...) never appears "added".
 */
export function withZero(schema: SchemaNode | undefined, obj: unknown): unknown {
  return fillZero(obj, zeroObject(schema));
}

function fillZero(v: unknown, z: unknown): unknown {
  if (v === undefined) return z === null ? null : structuredClone(z);
  if (!isObj(z) || !isObj(v)) return v;
  let out = v;
  for (const [k, zv] of Object.entries(z)) {
    const cur = hasOwn(v, k) ? v[k] : undefined;
    const filled = fillZero(cur, zv);
    if (filled !== cur) {
      if (out === v) out = { ...v };
      out[k] = filled;
    }
  }
  return out;
}

function zeroOf(node: Extract<SchemaNode, { type: 'object' }>, present: Record<string, 'struct' | 'null'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [f, how] of Object.entries(present)) {
    const ft = node.fields[f];
    if (!ft) continue;
    if (how === 'null') out[f] = null;
    else if (ft.type === 'object') out[f] = zeroOf(ft, (ft.name && ZERO_VALUE_FIELDS[ft.name]) || {});
  }
  return out;
}

export type { Path };
