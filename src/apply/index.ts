// Server-side apply and metadata.managedFields, as kube-apiserver's field
// manager (k8s.io/apimachinery/pkg/util/managedfields) over
// sigs.k8s.io/structured-merge-diff does them.
//
// - apply(): an apply PATCH (application/apply-patch+yaml). The applied
//   configuration merges into the live object; fields the manager applied
//   before and no longer sends are removed unless someone else owns them;
//   a changed field owned by another manager is a conflict unless forced.
// - updateManagedFields(): every other write (create, update, patch): the
//   writer's Update entry gains what it changed, other managers lose it.
//
// The layers of upstream's NewDefaultFieldManager are kept, outermost
// first: version check, last-applied annotation sync and upgrade (for the
// "kubectl" manager), skip-non-applied (an existing object without
// managedFields is not tracked by updates), cap of 10 Update entries
// ("ancient-changes"), manager identity ("unknown" for an empty manager),
// timestamps, strip of metadata/apiVersion/kind, structured merge.
//
// Deliberate differences: one version per kind (no conversion between the
// versions of managers); unknown fields of a live object are tolerated
// (deduced) where upstream would fail the typed conversion; list-map key
// defaults come from a table of the built-in ones; when an apply leaves the
// object as it was apart from server-set metadata it sent as null
// (creationTimestamp: null), it counts as a no-op.
import type { FieldError } from '../resources/types';
import type { SchemaNode } from '../schema/types';
import { ApiError, badRequest, invalid } from '../status/status';
import { FieldSet, goJSON, goQuote, pathString, type Path, compareStrings } from './fieldpath';
import {
  Managed, ManagedFieldsError, type ManagedFieldsEntry, type Operation, capUpdateManagers,
  decodeManagedFields, encodeManagedFields, managerIdentifier, parseIdentifier, wireTime,
} from './managed';
import {
  type TypeRef, compare, deepEqual, dropNulls, ensureNamedFieldsAreMembers, excludeFields, isObj, merge,
  removeItems, rootType, toFieldSet, validateTyped, withZero,
} from './typed';

export { FieldSet, pathString } from './fieldpath';
export type { Path, PathElement } from './fieldpath';
export type { ManagedFieldsEntry, Operation } from './managed';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** FieldManagerMaxLength (metav1 validation). */
export const FIELD_MANAGER_MAX_LENGTH = 128;
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** totalAnnotationSizeLimitB: past it the synced last-applied annotation is dropped. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

// ---------------------------------------------------------------------------
// Field sets and FieldsV1
// ---------------------------------------------------------------------------

/**
 * The set of fields an object specifies (structured-merge-diff ToFieldSet):
 * scalar leaves, atomic lists/maps and `any` values as one leaf, every
 * listType=map/set item and map key as a member, struct fields as members
 * only when null or {}.
 */
export function fieldSetOf(schema: SchemaNode | undefined, obj: unknown): FieldSet {
  return toFieldSet(rootType(schema), obj);
}

/** The FieldsV1 object of a set (what managedFields[].fieldsV1 holds). */
export const encodeFieldsV1 = (set: FieldSet): Record<string, unknown> => set.toFieldsV1();

/** Parses FieldsV1 (object or JSON text) into a set; throws on malformed keys. */
export const decodeFieldsV1 = (fields: unknown): FieldSet => FieldSet.fromFieldsV1(typeof fields === 'string' ? JSON.parse(fields) : fields);

// ---------------------------------------------------------------------------
// Managers
// ---------------------------------------------------------------------------

const isPrint = (ch: string) => ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/**
 * prefixFromUserAgent: the user agent up to the first "/", without
 * unprintable characters, cut at 128 bytes ("kubectl/v1.35.2 (linux/amd64)"
 * gives "kubectl", "Helm/4.1.4" gives "Helm"). Empty without a user agent;
 * the write then records the manager "unknown".
 */
export function defaultManager(userAgent: string | undefined): string {
  const product = (userAgent ?? '').split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of product) {
    if (!isPrint(ch)) continue;
    const n = utf8Length(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** managerOrUserAgent: the fieldManager parameter when given, else the user agent's prefix. */
export const managerOrUserAgent = (fieldManager: string | undefined, userAgent: string | undefined): string =>
  fieldManager ? fieldManager : defaultManager(userAgent);

/**
 * ValidateFieldManager (+ the apply requirement of ValidatePatchOptions):
 * at most 128 bytes of printable characters, required for apply.
 */
export function validateFieldManager(fieldManager: string | undefined, opts: { apply?: boolean } = {}): FieldError[] {
  const fm = fieldManager ?? '';
  const errs: FieldError[] = [];
  if (opts.apply && fm === '') errs.push({ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  if (utf8Length(fm) > FIELD_MANAGER_MAX_LENGTH) {
    errs.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  }
  let pos = 0;
  for (const ch of fm) {
    if (!isPrint(ch)) {
      const u = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${goQuote(fm)}: invalid character ${u} (at position ${pos})` });
    }
    pos += utf8Length(ch);
  }
  return errs;
}

/**
 * The 422 kube-apiserver answers for bad write options, e.g.
 * `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`.
 * `force` may only come with an apply patch.
 */
export function writeOptionsError(
  optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
  opts: { fieldManager?: string; apply?: boolean; forceSpecified?: boolean },
): ApiError | undefined {
  const errs: FieldError[] = [];
  if (optionsKind === 'PatchOptions' && !opts.apply && opts.forceSpecified) {
    errs.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  }
  errs.push(...validateFieldManager(opts.fieldManager, { apply: opts.apply }));
  return errs.length ? invalid(optionsKind, 'meta.k8s.io', '', errs) : undefined;
}

// ---------------------------------------------------------------------------
// Conflicts
// ---------------------------------------------------------------------------

/** One conflicting field: who owns it and the field path as kube prints it. */
export interface ApplyConflict {
  manager: string;
  field: string;
  operation?: Operation;
  apiVersion?: string;
  subresource?: string;
}

const conflictIdentity = (c: ApplyConflict) => managerIdentifier({ manager: c.manager, operation: c.operation ?? 'Apply', apiVersion: c.apiVersion, subresource: c.subresource });

/** printManager: `"kubectl-edit" using apps/v1`, `"helm"`, `"x" with subresource "status"`. */
function printManager(c: ApplyConflict): string {
  let s = goQuote(c.manager);
  if (c.subresource) s += ` with subresource ${goQuote(c.subresource)}`;
  if (c.operation === 'Update') s += ` using ${c.apiVersion ?? ''}`;
  return s;
}

/**
 * The 409 message: `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`,
 * or for several, `Apply failed with 2 conflicts: conflicts with "m" using v1:\n- .data.a\n- .data.b` grouped by manager.
 */
export function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0])}: ${conflicts[0].field}`;
  const byManager = new Map<string, { c: ApplyConflict; fields: string[] }>();
  for (const c of conflicts) {
    const id = conflictIdentity(c);
    const g = byManager.get(id) ?? { c, fields: [] };
    g.fields.push(c.field);
    byManager.set(id, g);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort(compareStrings)) {
    const g = byManager.get(id)!;
    lines.push(`conflicts with ${printManager(g.c)}:`);
    for (const f of g.fields) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** The 409 Status of an apply conflict, one FieldManagerConflict cause per field. */
export function conflictError(conflicts: ApplyConflict[]): ApiError {
  return new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: conflictMessage(conflicts), reason: 'Conflict',
    details: { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field })) },
    code: 409,
  });
}

/** A failure kube-apiserver reports without a Status of its own (a plain error): 500, no reason. */
function internalError(message: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

const f = (name: string) => ({ f: name });

/** stripMetaManager's set: never recorded as owned. */
const STRIP_SET = FieldSet.of(
  [f('apiVersion')], [f('kind')], [f('metadata')], [f('metadata'), f('name')], [f('metadata'), f('namespace')],
  [f('metadata'), f('creationTimestamp')], [f('metadata'), f('selfLink')], [f('metadata'), f('uid')], [f('metadata'), f('clusterName')],
  [f('metadata'), f('generation')], [f('metadata'), f('managedFields')], [f('metadata'), f('resourceVersion')],
);

/** Server-set metadata that a configuration sending null must not wipe (restored as the registry would). */
const SYSTEM_METADATA = ['creationTimestamp', 'uid', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * The strategy's reset fields: what a write to this (sub)resource never
 * changes or owns. The main resource resets status; the status subresource
 * every top-level field but status and metadata.
 */
function resetFieldSet(schema: SchemaNode | undefined, subresource: string, override: string[][] | undefined): FieldSet {
  if (override) return FieldSet.of(...override.map((p) => p.map(f)));
  if (subresource === 'status') {
    const tops = schema?.type === 'object' ? Object.keys(schema.fields) : ['spec'];
    return FieldSet.of(...tops.filter((k) => !['status', 'metadata', 'apiVersion', 'kind'].includes(k)).map((k) => [f(k)]));
  }
  return subresource ? new FieldSet() : FieldSet.of([f('status')]);
}

/** Field-only paths of a set's members. */
function fieldPaths(set: FieldSet): string[][] {
  return set.paths().filter((p) => p.every((pe) => 'f' in pe)).map((p) => p.map((pe) => (pe as { f: string }).f));
}

function deletePath(obj: Obj, path: string[]): void {
  let cur: Obj = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isObj(cur[path[i]])) return;
    cur[path[i]] = { ...cur[path[i]] };
    cur = cur[path[i]];
  }
  delete cur[path[path.length - 1]];
}

function copyPath(to: Obj, from: Obj | undefined, path: string[]): void {
  let src: unknown = from;
  for (const k of path) src = isObj(src) ? src[k] : undefined;
  if (src === undefined) { deletePath(to, path); return; }
  // Copy on write: the parents may be shared with the live object or the configuration.
  let cur: Obj = to;
  for (let i = 0; i < path.length - 1; i++) {
    cur[path[i]] = isObj(cur[path[i]]) ? { ...cur[path[i]] } : {};
    cur = cur[path[i]];
  }
  cur[path[path.length - 1]] = structuredClone(src);
}

function withoutManagedFields(obj: Obj): Obj {
  const out = structuredClone(obj);
  if (isObj(out.metadata)) delete out.metadata.managedFields;
  return out;
}

function setManagedFields(obj: Obj, entries: ManagedFieldsEntry[] | undefined): void {
  if (entries) {
    if (!isObj(obj.metadata)) obj.metadata = {};
    obj.metadata.managedFields = entries;
  } else if (isObj(obj.metadata)) delete obj.metadata.managedFields;
}

function cloneManaged(m: Managed): Managed {
  const out = new Managed();
  for (const [id, vs] of m.fields) out.fields.set(id, { ...vs });
  for (const [id, t] of m.times) out.times.set(id, t);
  return out;
}

function dropEmpty(m: Managed): void {
  for (const [id, vs] of [...m.fields]) if (vs.set.isEmpty()) m.fields.delete(id);
}

/** schema.GroupVersionKind.String() of an object's apiVersion and kind: "apps/v1, Kind=Deployment", "/v1, Kind=ConfigMap". */
function gvkString(apiVersion: unknown, kind: unknown): string {
  const av = typeof apiVersion === 'string' ? apiVersion : '';
  const parts = av.split('/');
  let group = '';
  let version = '';
  if (av !== '' && parts.length === 1) version = av;
  else if (parts.length === 2) [group, version] = parts;
  return `${group}/${version}, Kind=${typeof kind === 'string' ? kind : ''}`;
}

function formatTypedErrors(errs: string[]): string {
  return errs.length === 1 ? errs[0] : ['errors:', ...errs.map((e) => `  ${e}`)].join('\n');
}

// ---------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------

export interface ApplyArgs {
  /** The kind's schema; undefined treats the object as untyped (granular maps, atomic lists). */
  schema: SchemaNode | undefined;
  /** The stored object, or undefined when the apply creates it. */
  live: Obj | undefined;
  /** The applied configuration (the PATCH body). */
  applied: Obj;
  /** The fieldManager parameter (required for apply; check with writeOptionsError first). */
  manager: string;
  /** The force parameter: take ownership instead of failing on conflicts. */
  force: boolean;
  /** The group/version served, e.g. "apps/v1". */
  apiVersion: string;
  /** The time to record (RFC 3339; stored to the second). */
  now: string;
  /** "status" for an apply to /status. */
  subresource?: string;
  /** The kind served; when given, the configuration's apiVersion and kind must match it (400 otherwise). */
  kind?: string;
  /**
   * Field paths a write here never changes or owns (the strategy's reset
   * fields). Default: ["status"] on the main resource, every top-level
   * field but status and metadata on /status. Pass [] for a custom
   * resource without a status subresource.
   */
  resetFields?: string[][];
}

export type ApplyResult = { object: Obj } | { conflicts: ApplyConflict[] };

interface ApplyContext {
  schema: SchemaNode | undefined;
  t: TypeRef;
  live: Obj | undefined;
  config: Obj;
  applierId: string;
  apiVersion: string;
  reset: FieldSet;
}

type CoreResult = { object: Obj; managed: Managed } | { conflictSets: [string, FieldSet, string][] };

/**
 * structured-merge-diff's Updater.Apply with the strip-meta layer: merge,
 * record the applier's new set, prune what it stopped applying, then take
 * the changed fields from the other managers (or report them).
 */
function applyCore(ctx: ApplyContext, managedIn: Managed, force: boolean): CoreResult {
  const { t, reset, applierId } = ctx;
  const managed = cloneManaged(managedIn);
  const liveBase = ctx.live ?? {};
  const merged = merge(t, liveBase, ctx.config) as Obj;
  const lastSet = managed.fields.get(applierId)?.set;
  const newSet = toFieldSet(t, ctx.config).recursiveDifference(reset);
  managed.fields.set(applierId, { set: newSet, apiVersion: ctx.apiVersion, applied: true });

  const pruned = prune(t, merged, managed, lastSet);
  for (const p of fieldPaths(reset)) copyPath(pruned, ctx.live, p);

  // update(): what changed between live and new is taken from every other manager.
  const c = excludeFields(compare(t, withZero(ctx.schema, liveBase), withZero(ctx.schema, pruned)), reset);
  const changed = c.modified.union(c.added);
  const conflictSets: [string, FieldSet, string][] = [];
  for (const [id, vs] of managed.fields) {
    if (id === applierId) continue;
    const conflict = vs.set.intersection(changed);
    if (!conflict.isEmpty()) conflictSets.push([id, conflict, vs.apiVersion]);
  }
  if (!force && conflictSets.length) return { conflictSets };
  for (const [id, vs] of managed.fields) {
    if (id === applierId) continue;
    vs.set = vs.set.difference(changed).difference(c.removed);
  }
  const mine = managed.fields.get(applierId)!;
  mine.set = mine.set.difference(STRIP_SET);
  dropEmpty(managed);
  return { object: pruned, managed };
}

/**
 * Updater.prune: remove what the applier owned last time and no longer
 * applies, unless another manager (or its new configuration) owns it;
 * unowned fields the applier never owned stay (addBackOwnedItems,
 * addBackDanglingItems).
 */
function prune(t: TypeRef, merged: Obj, managed: Managed, lastSet: FieldSet | undefined): Obj {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const enf = (s: FieldSet) => ensureNamedFieldsAreMembers(t, s);
  const last = enf(lastSet);
  let pruned = (removeItems(t, merged, last) ?? {}) as Obj;
  let owned = new FieldSet();
  for (const vs of managed.fields.values()) owned = owned.union(vs.set);
  const mergedSet = enf(toFieldSet(t, merged));
  pruned = (removeItems(t, merged, mergedSet.difference(enf(toFieldSet(t, pruned)).union(enf(owned)))) ?? {}) as Obj;
  const prunedSet = enf(toFieldSet(t, pruned));
  return (removeItems(t, merged, mergedSet.difference(prunedSet).intersection(last)) ?? {}) as Obj;
}

/**
 * lastAppliedManager: the fields of the last-applied annotation whose
 * values the live object still has; conflicts on them do not stop
 * "kubectl" from taking over an object client-side apply managed.
 */
function allowedFromLastApplied(schema: SchemaNode | undefined, t: TypeRef, live: Obj, apiVersion: string): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  let last: unknown;
  try { last = JSON.parse(text); } catch { return undefined; }
  if (!isObj(last) || last.apiVersion !== apiVersion) return undefined;
  if (validateTyped(t, last).length) return undefined;
  const c = compare(t, withZero(schema, last), withZero(schema, withoutManagedFields(live)));
  return toFieldSet(t, last).difference(c.modified).difference(c.added).difference(c.removed);
}

/** JSON as the unstructured encoder writes it: map keys sorted, HTML-safe, trailing newline. */
function unstructuredJSON(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (!isObj(x)) return x;
    const out: Obj = {};
    for (const k of Object.keys(x).sort(compareStrings)) out[k] = sort(x[k]);
    return out;
  };
  return `${goJSON(sort(v))}\n`;
}

/** lastAppliedUpdater: kubectl's server-side apply keeps an existing last-applied annotation in step. */
function syncLastApplied(object: Obj, applied: Obj): void {
  const annotations = object.metadata?.annotations;
  if (!isObj(annotations) || typeof annotations[LAST_APPLIED_ANNOTATION] !== 'string' || annotations[LAST_APPLIED_ANNOTATION] === '') return;
  const copy = structuredClone(applied);
  if (isObj(copy.metadata?.annotations)) delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
  annotations[LAST_APPLIED_ANNOTATION] = unstructuredJSON(copy);
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += utf8Length(k) + utf8Length(String(v));
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
}

/**
 * Server-side apply of `applied` onto `live` by `manager`. Returns the new
 * object (managedFields updated; defaulting, validation and server-set
 * metadata are the caller's) or the conflicts that stop it. Throws an
 * ApiError for what kube-apiserver rejects outright: a configuration of
 * another kind or version (400), one carrying managedFields (400), one
 * that does not fit the schema (500, upstream's typed-conversion error).
 *
 * The configuration's metadata.resourceVersion and uid, when set, end up
 * in the result: the caller checks them as preconditions.
 */
export function apply(args: ApplyArgs): ApplyResult {
  const { schema, live, applied, force, apiVersion, now } = args;
  const subresource = args.subresource ?? '';
  const manager = args.manager || 'unknown';
  const t: TypeRef = rootType(schema);

  let managed: Managed;
  try {
    managed = decodeManagedFields(live?.metadata?.managedFields);
  } catch (e) {
    throw internalError(`failed to decode managed fields: ${e instanceof ManagedFieldsError ? e.message : String(e)}`);
  }
  if (args.kind !== undefined) {
    if (gvkString(applied.apiVersion, applied.kind) !== gvkString(apiVersion, args.kind)) throw badRequest(`invalid object type: ${gvkString(applied.apiVersion, applied.kind)}`);
  } else if (applied.apiVersion !== apiVersion) {
    const gv = gvkString(applied.apiVersion, '').replace(/, Kind=$/, '').replace(/^\//, '');
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${gv}, expected: ${apiVersion}`);
  }
  if (applied.metadata?.managedFields !== undefined && applied.metadata?.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  const errs = validateTyped(t, applied);
  if (errs.length) {
    const m = isObj(applied.metadata) ? applied.metadata : {};
    const nn = `${typeof m.namespace === 'string' ? m.namespace : ''}/${typeof m.name === 'string' ? m.name : ''}`;
    // kube answers this with a plain error, so a 500; it is the client's configuration that is wrong, so 400 here
    throw badRequest(`failed to create typed patch object (${nn}; ${gvkString(applied.apiVersion, applied.kind)}): ${formatTypedErrors(errs)}`);
  }

  const reset = resetFieldSet(schema, subresource, args.resetFields);
  const config = structuredClone(applied);
  for (const p of fieldPaths(reset)) deletePath(config, p);
  const liveBase = live ? withoutManagedFields(live) : undefined;
  const ctx: ApplyContext = { schema, t, live: liveBase, config, applierId: managerIdentifier({ manager, operation: 'Apply', subresource }), apiVersion, reset };

  let r = applyCore(ctx, managed, force);
  if ('conflictSets' in r && manager === 'kubectl' && live) {
    const allowed = allowedFromLastApplied(schema, t, live, apiVersion);
    if (allowed) {
      const remaining = r.conflictSets
        .map(([id, set, v]) => [id, FieldSet.of(...set.paths().filter((p) => !allowed.has(p))), v] as [string, FieldSet, string])
        .filter(([, set]) => !set.isEmpty());
      r = remaining.length ? { conflictSets: remaining } : applyCore(ctx, managed, true);
    }
  }
  if ('conflictSets' in r) {
    const conflicts: ApplyConflict[] = [];
    for (const [id, set, version] of [...r.conflictSets].sort((a, b) => compareStrings(a[0], b[0]))) {
      const info = parseIdentifier(id);
      set.iterate((p: Path) => conflicts.push({
        manager: info.manager ?? '', field: pathString(p), operation: info.operation, apiVersion: info.apiVersion ?? version,
        ...(info.subresource ? { subresource: info.subresource } : {}),
      }));
    }
    return { conflicts };
  }

  let object = dropNulls(t, r.object) as Obj;
  if (liveBase && isObj(object.metadata) && isObj(liveBase.metadata)) {
    for (const k of SYSTEM_METADATA) if (object.metadata[k] === undefined && liveBase.metadata[k] !== undefined) object.metadata[k] = liveBase.metadata[k];
  }
  const changed = !liveBase || !deepEqual(object, liveBase);
  if (!changed) object = structuredClone(liveBase);
  else r.managed.times.set(ctx.applierId, wireTime(now));
  if (manager === 'kubectl') syncLastApplied(object, applied);
  capUpdateManagers(r.managed);
  setManagedFields(object, encodeManagedFields(r.managed));
  return { object };
}

// ---------------------------------------------------------------------------
// Update (create, update, non-apply patch)
// ---------------------------------------------------------------------------

export interface UpdateManagedFieldsArgs {
  schema: SchemaNode | undefined;
  /** The stored object; undefined for a create. */
  oldObj: Obj | undefined;
  /** The object about to be stored (after defaulting), with the managedFields the request carried. */
  newObj: Obj;
  /** managerOrUserAgent(fieldManager, user agent); empty records "unknown". */
  manager: string;
  apiVersion: string;
  now: string;
  subresource?: string;
  /** As for apply. */
  resetFields?: string[][];
}

const isResetManagedFields = (mf: unknown) =>
  Array.isArray(mf) && (mf.length === 0 || (mf.length === 1 && isObj(mf[0]) && Object.keys(mf[0]).length === 0));

/**
 * The managedFields of a non-apply write (FieldManager.UpdateNoErrors):
 * the writer's Update entry gains every field it added or changed, which
 * every other manager loses; removed fields leave every set. The request's
 * own managedFields are kept when it sends some (that is how clients edit
 * them; `[]` or `[{}]` clears them), except on a subresource.
 */
export function updateManagedFields(args: UpdateManagedFieldsArgs): Obj {
  const { schema, oldObj, newObj, apiVersion, now } = args;
  const subresource = args.subresource ?? '';
  const manager = args.manager || 'unknown';
  const t: TypeRef = rootType(schema);
  const liveManaged = () => {
    try { return decodeManagedFields(oldObj?.metadata?.managedFields); } catch { return new Managed(); }
  };
  let managed: Managed;
  const requested = newObj.metadata?.managedFields;
  if (subresource) managed = liveManaged();
  else if (isResetManagedFields(requested)) managed = new Managed();
  else {
    try {
      const m = decodeManagedFields(requested);
      managed = m.isEmpty() ? liveManaged() : m;
    } catch {
      managed = liveManaged();
    }
  }
  const out = withoutManagedFields(newObj);
  const isCreate = !oldObj || !oldObj.metadata?.uid;
  // skipNonAppliedManager: an existing object nobody tracks stays untracked until an apply.
  if (managed.isEmpty() && !isCreate) return out;

  const reset = resetFieldSet(schema, subresource, args.resetFields);
  // Both sides as Go holds them; a create compares against the kind's zero value.
  const c = excludeFields(compare(t, withZero(schema, oldObj ? withoutManagedFields(oldObj) : {}), withZero(schema, out)), reset);
  const changed = c.modified.union(c.added);
  for (const vs of managed.fields.values()) vs.set = vs.set.difference(changed).difference(c.removed);
  dropEmpty(managed);
  const current = changed.recursiveDifference(reset).difference(STRIP_SET);
  if (!current.isEmpty()) {
    const id = managerIdentifier({ manager, operation: 'Update', apiVersion, subresource });
    const previous = managed.fields.get(id);
    managed.fields.set(id, { set: previous ? current.union(previous.set) : current, apiVersion, applied: false });
    managed.times.set(id, wireTime(now));
  }
  capUpdateManagers(managed);
  setManagedFields(out, encodeManagedFields(managed));
  return out;
}
