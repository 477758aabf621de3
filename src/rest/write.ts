// CREATE, UPDATE and PATCH: kube's generic registry store with BeforeCreate /
// BeforeUpdate, the kind's strategy from its definition, field validation
// against the kind's schema, managedFields, optimistic concurrency against
// the store, and no write for a no-op.
import type { FieldError, JSONValue, KObject, ResourceDefinition } from '../resources/types';
import { applyJsonPatch, PatchError } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { applyStrategicMergePatch, StrategicPatchError } from '../patch/strategic';
import { schemas } from '../schema';
import { deepEqual } from '../resources/validation';
import { applyDefaults } from '../resources/defaults';
import { goShape } from '../resources/go-shape';
import { messageForKind } from '../protobuf';
import { gvString } from '../resources/registry';
import type { Operation } from '../request/info';
import type { WriteOptions } from '../request/options';
import { alreadyExists, badRequest, conflict, invalid, notFound, type ApiError } from '../status/status';
import { storeFor } from '../store/client';
import type { RestContext } from './context';
import {
  attrsOf, checkTypeAndScope, encodeForStorage, generateName, resetServerMetadata, rfc3339, specOf,
  storageDef, storageKey, validateMetadata, validateMetadataUpdate,
} from './objects';
import { fromStorage, readObject } from './read';
import { admitNamespace, hooksFor } from './hooks';
import { afterRemoval } from './delete';
import { conflictPause } from './retry';
import { validateFields, type RawBody } from './fields';
import { applyConfiguration, trackManagers, type ManagerRequest } from './managed-fields';

const MAX_GENERATE_ATTEMPTS = 8;

const qualified = (def: ResourceDefinition) => ({ group: def.group, resource: def.resource });

export function failIfInvalid(def: ResourceDefinition, name: string, errs: FieldError[]) {
  if (errs.length) throw invalid(def.kind, def.group, name, errs);
}

/** The stored JSON for an object in its request form (converted when the kind lives in another's storage). */
/** obj as Go's typed encoding of def's kind writes it. */
function goForm(def: ResourceDefinition, obj: KObject): KObject {
  const msg = messageForKind(gvString(def), def.kind);
  return msg ? goShape(msg, obj) : obj;
}

/** The object in its stored kind, in Go's form (what kube stores). */
const storedForm = (def: ResourceDefinition, obj: KObject) => goForm(storageDef(def), def.storage ? def.storage.toStorage(obj) : obj);
const toStored = (def: ResourceDefinition, obj: KObject) => encodeForStorage(storedForm(def, obj));

/** `raw` is the request body as decoded, when it was JSON or YAML: duplicate fields can only be seen there. */
export async function createObject(ctx: RestContext, op: Pick<Operation, 'def' | 'namespace'>, obj: KObject, opts: WriteOptions & ManagerRequest, raw?: RawBody): Promise<string> {
  const { def } = op;
  checkTypeAndScope(def, obj, op.namespace);
  validateFields(ctx, def, obj, opts.fieldValidation, raw);
  const m = obj.metadata;
  resetServerMetadata(m);
  m.uid = crypto.randomUUID();
  m.creationTimestamp = rfc3339(Date.now());
  if (def.hasGeneration) m.generation = 1;
  // The name comes first: defaults may derive labels from it (Job, Namespace).
  const generated = !m.name && typeof m.generateName === 'string' && m.generateName !== '';
  if (generated) m.name = generateName(m.generateName);
  applyDefaults(def, obj);
  def.prepareForCreate?.(obj, ctx.user);
  const hooks = hooksFor(def);
  await hooks.mutate?.(ctx, obj);
  failIfInvalid(def, m.name ?? '', [...validateMetadata(def, obj), ...(def.validate?.(obj) ?? [])]);
  await admitNamespace(ctx, def, m.namespace, m.name);
  // fields are owned as kube sees them: in the typed form (a zero omitempty field sent is no field)
  const created = trackManagers(ctx, def, undefined, goForm(def, obj), opts);
  await ctx.admit?.({ operation: 'CREATE', def, namespace: m.namespace, name: created.metadata.name ?? '', object: created });
  const release = hooks.allocate ? await hooks.allocate(ctx, created, opts.dryRun) : undefined;
  try {
    const store = storeFor(ctx.env, storageDef(def));
    for (let attempt = 1; ; attempt++) {
      const key = storageKey(def, m.namespace, created.metadata.name);
      const text = toStored(def, created);
      if (opts.dryRun) {
        if (await store.get(key)) throw alreadyExists(qualified(def), created.metadata.name);
        return fromStorage(op, text);
      }
      const res = await store.commit({ type: 'ADDED', key, namespace: m.namespace ?? '', object: text, attrs: JSON.stringify(attrsOf(def, JSON.parse(text))) });
      if (res.ok) { ctx.committed?.(def, created, false); return fromStorage(op, res.value.object); }
      if (res.error === 'AlreadyExists' && generated && attempt < MAX_GENERATE_ATTEMPTS) { created.metadata.name = generateName(m.generateName); continue; }
      if (res.error === 'AlreadyExists') throw alreadyExists(qualified(def), created.metadata.name);
      throw badRequest(res.message ?? res.error);
    }
  } catch (e) {
    await release?.();
    throw e;
  }
}

/**
 * PUT of a whole object (or of its status). Without a resourceVersion in the
 * body the update is unconditional and retried on conflicts, as
 * GuaranteedUpdate does; with one, a stale value is a 409.
 */
export async function updateObject(ctx: RestContext, op: Operation, body: KObject, opts: WriteOptions, raw?: RawBody): Promise<{ object: string; created: boolean }> {
  const { def } = op;
  const name = op.name!;
  checkTypeAndScope(def, body, op.namespace);
  // a body without a name is no exception (checkName): a PUT of `null` or `{}` would otherwise empty the object
  if ((body.metadata.name ?? '') !== name) {
    throw badRequest(`the name of the object (${body.metadata.name ?? ''}) does not match the name on the URL (${name})`);
  }
  validateFields(ctx, def, body, opts.fieldValidation, raw);
  const resourceVersion = updateResourceVersion(def, name, body.metadata.resourceVersion);
  try {
    return { object: await replaceObject(ctx, op, name, body, { ...opts, resourceVersion, subresource: op.subresource }), created: false };
  } catch (e) {
    // kinds whose strategy allows create on update (leases, endpoints, events, RBAC, ...) are created by a PUT
    if (!(def.allowCreateOnUpdate && !op.subresource && (e as ApiError).status?.code === 404)) throw e;
    return { object: await createObject(ctx, op, body, opts), created: true };
  }
}

/**
 * The resourceVersion a PUT is conditional on, as the generic store reads it:
 * "" and "0" mean unconditional (for kinds that allow it); anything else must
 * be a decimal uint64 (APIObjectVersioner.ParseResourceVersion).
 */
function updateResourceVersion(def: ResourceDefinition, name: string, rv: unknown): string | undefined {
  const qualifiedKind = { kind: def.resource, group: def.group };
  if (rv === undefined || rv === null || rv === '' || rv === '0') {
    if (def.allowUnconditionalUpdate === false) {
      throw invalid(qualifiedKind.kind, qualifiedKind.group, name, [{ field: 'metadata.resourceVersion', reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update' }]);
    }
    return undefined;
  }
  const text = String(rv);
  const syntax = !/^\d+$/.test(text);
  if (syntax || BigInt(text) > 0xffffffffffffffffn) {
    // kube 1.35 lets this storage error escape as a 500; a client must not cause one, so it is the 422 it describes
    const why = syntax ? 'invalid syntax' : 'value out of range';
    throw invalid(qualifiedKind.kind, qualifiedKind.group, name, [{ field: 'resourceVersion', reason: 'FieldValueInvalid', message: `Invalid value: "${text}": strconv.ParseUint: parsing "${text}": ${why}` }]);
  }
  return String(BigInt(text));
}

function replaceObject(ctx: RestContext, op: Operation, name: string, body: KObject, req: UpdateRequest): Promise<string> {
  return guaranteedUpdate(ctx, op, name, req, (old) => {
    if (body.metadata.uid && body.metadata.uid !== old.metadata.uid) {
      throw conflict(qualified(op.def), name, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    return op.subresource === 'status' ? withStatus(op.def, old, body) : withSpec(op.def, old, body);
  });
}

/** A status update changes status only (the status strategy's PrepareForUpdate), decoded as any body is (defaults, canonical quantities). */
function withStatus(def: ResourceDefinition, old: KObject, body: KObject): KObject {
  const next = structuredClone(old);
  next.status = body.status;
  applyDefaults(def, next);
  def.prepareForStatusUpdate?.(next, old);
  return next;
}

function withSpec(def: ResourceDefinition, old: KObject, body: KObject): KObject {
  const next = structuredClone(body);
  const m = next.metadata;
  for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
    if (old.metadata[k] === undefined) delete m[k];
    else m[k] = old.metadata[k];
  }
  // managedFields a client leaves out are kept; ones it sends replace them.
  if (m.managedFields === undefined && old.metadata.managedFields !== undefined) m.managedFields = old.metadata.managedFields;
  if (def.statusSubresource) next.status = old.status;
  applyDefaults(def, next);
  def.prepareForUpdate?.(next, old);
  // the spec changed as kube compares it: typed, so a zero field sent or left out is the same
  if (def.hasGeneration && !deepEqual(specOf(goForm(def, next)), specOf(goForm(def, old)))) m.generation = (old.metadata.generation ?? 0) + 1;
  return next;
}

export interface UpdateRequest extends Partial<WriteOptions>, ManagerRequest {
  /** The resourceVersion the caller pinned; a different current one is a 409. */
  resourceVersion?: string;
  /** Server-made changes outside the kind's update rules (pods/binding sets spec.nodeName) skip them. */
  kindRules?: boolean;
}

/**
 * Read, change, validate and commit against the version read, retrying on a
 * conflict unless the caller pinned a resourceVersion. `mutate` returns the
 * new object from the current one.
 */
export async function guaranteedUpdate(
  ctx: RestContext, op: Pick<Operation, 'def' | 'namespace'>, name: string, req: UpdateRequest, mutate: (old: KObject) => KObject,
): Promise<string> {
  const { def } = op;
  const store = storeFor(ctx.env, storageDef(def));
  const key = storageKey(def, op.namespace, name);
  for (let attempt = 1; ; attempt++) {
    const cur = await readObject(ctx, op, name);
    if (!cur) throw notFound(qualified(def), name);
    const old = def.storage ? def.storage.fromStorage(cur.obj) : cur.obj;
    if (req.resourceVersion !== undefined && req.resourceVersion !== String(cur.resourceVersion)) {
      throw conflict(qualified(def), name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    let next = mutate(old);
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    failIfInvalid(def, name, [
      ...validateMetadata(def, next), ...validateMetadataUpdate(next, old),
      ...(req.kindRules !== false ? [...(def.validate?.(next, old) ?? []), ...(def.validateUpdate?.(next, old) ?? [])] : []),
    ]);
    // compared and tracked as kube sees it: typed, so a field written in another but equal form is no change
    next = goForm(def, next);
    if (deepEqual(storedForm(def, next), cur.obj)) return fromStorage(op, JSON.stringify(cur.obj));
    next = trackManagers(ctx, def, old, next, req);
    await ctx.admit?.({ operation: 'UPDATE', def, namespace: op.namespace, name, subresource: req.subresource, object: next, oldObject: old });
    // An object being deleted goes once its last finalizer does (no grace period pending).
    const finished = !!next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !next.metadata.deletionGracePeriodSeconds && !hooksFor(def).holds?.(next);
    const text = toStored(def, next);
    if (req.dryRun) return fromStorage(op, text);
    const res = await store.commit({
      type: finished ? 'DELETED' : 'MODIFIED', key, namespace: next.metadata.namespace ?? '', object: text,
      attrs: JSON.stringify(attrsOf(def, JSON.parse(text))), expectResourceVersion: cur.resourceVersion,
    });
    if (res.ok) {
      ctx.committed?.(def, next, finished);
      if (finished) await afterRemoval(ctx, def, next);
      return fromStorage(op, res.value.object);
    }
    if (res.error === 'NotFound') throw notFound(qualified(def), name);
    if (res.error === 'Conflict' && req.resourceVersion === undefined) { await conflictPause(attempt); continue; }
    throw conflict(qualified(def), name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/**
 * PATCH: the patch applies to the current object inside the update loop, so
 * a retry after a conflict re-applies it to the newer version. A
 * resourceVersion inside a merge or strategic patch is a precondition
 * (kubectl apply sends one).
 */
export async function patchObject(ctx: RestContext, op: Operation, type: PatchType, patch: unknown, opts: WriteOptions): Promise<string> {
  const { def } = op;
  const name = op.name!;
  if (type === 'apply') return (await applyObject(ctx, op, patch, opts)).object;
  const resourceVersion = type !== 'json' ? (patch as KObject)?.metadata?.resourceVersion ?? undefined : undefined;
  return guaranteedUpdate(ctx, op, name, { ...opts, resourceVersion, subresource: op.subresource }, (old) => {
    const patched = applyPatch(def, name, type, old, patch);
    checkTypeAndScope(def, patched, op.namespace);
    if (patched.metadata.name !== name) throw badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
    validateFields(ctx, def, patched, opts.fieldValidation);
    patched.metadata.resourceVersion = old.metadata.resourceVersion;
    return op.subresource === 'status' ? withStatus(def, old, patched) : withSpec(def, old, patched);
  });
}

/**
 * Server-side apply (application/apply-patch+yaml): merges the configuration
 * by field ownership, creating the object when it does not exist yet.
 * metadata.resourceVersion in the configuration is a precondition.
 */
export async function applyObject(ctx: RestContext, op: Operation, config: unknown, opts: WriteOptions): Promise<{ object: string; created: boolean }> {
  const { def } = op;
  const name = op.name!;
  if (!opts.fieldManager) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw badRequest('the apply configuration must be an object');
  const applied = config as KObject;
  applied.metadata ??= {};
  if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
  }
  applied.metadata.name = name;
  if (def.namespaced && op.namespace) {
    if (applied.metadata.namespace !== undefined && applied.metadata.namespace !== op.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    applied.metadata.namespace = op.namespace;
  }
  validateFields(ctx, def, applied, opts.fieldValidation);
  const manager = opts.fieldManager;
  const force = opts.force ?? false;
  const exists = await readObject(ctx, op, name);
  if (!exists) {
    if (op.subresource) throw notFound(qualified(def), name);
    const fresh = applyConfiguration(def, undefined, structuredClone(applied), manager, force);
    return { object: await createObject(ctx, op, fresh, { ...opts, fieldValidation: 'Ignore', applied: true }), created: true };
  }
  const object = await guaranteedUpdate(ctx, op, name, {
    ...opts, resourceVersion: applied.metadata.resourceVersion || undefined, subresource: op.subresource, applied: true,
  }, (old) => {
    const merged = applyConfiguration(def, old, structuredClone(applied), manager, force, op.subresource);
    merged.metadata.resourceVersion = old.metadata.resourceVersion;
    if (op.subresource !== 'status') return withSpec(def, old, merged);
    const next = withStatus(def, old, merged);
    next.metadata.managedFields = merged.metadata.managedFields;
    return next;
  });
  return { object, created: false };
}

/** Applies a patch document to an object; what cannot apply is a 422 (json patch) or a 400. */
export function applyPatch(def: ResourceDefinition, name: string, type: PatchType, current: KObject, patch: unknown): KObject {
  let patched: unknown;
  try {
    if (type === 'apply') throw badRequest('server-side apply is not supported on this subresource');
    if (type === 'json') patched = applyJsonPatch(current, patch);
    else if (type === 'merge') patched = applyMergePatch(current, patch as JSONValue);
    else patched = applyStrategicMergePatch(current, patch, schemas.forKind(def.group, def.version, def.kind));
  } catch (e) {
    if (e instanceof PatchError) throw unprocessable(def, name, e.message);
    if (e instanceof StrategicPatchError) throw badRequest(e.message);
    throw e;
  }
  if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patch must produce an object');
  return patched as KObject;
}

/** A patch that cannot be applied is a 422, as kube answers for a failing json-patch test. */
function unprocessable(def: ResourceDefinition, name: string, message: string) {
  const err = invalid(def.kind, def.group, name, []);
  err.status.message = message;
  err.status.details = { name, group: def.group, kind: def.resource };
  return err;
}
