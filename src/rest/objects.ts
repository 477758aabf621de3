// What the generic store does around every kind (kube's
// registry/generic/registry/store.go and rest.BeforeCreate/BeforeUpdate):
// storage keys, selection attributes, decoding, object metadata.
import type { FieldError, KObject, ResourceDefinition } from '../resources/types';
import { Errors, dns1123Label, dns1123Subdomain, labelValue, pathSegmentName, qualifiedName } from '../resources/validation';
import { definitions, gvString, storagePrefix } from '../resources/registry';
import { badRequest, tooLarge } from '../status/status';
import { decodeJsonBody, otherKindError, unrecognized, type GVK } from '../request/body';
import { strictErrorsOf, yamlToJson, YamlError, type YamlBody } from '../request/yaml';
import type { RawBody } from './fields';
import type { Attrs } from '../selectors';

/** kube-apiserver's request body limit (MaxRequestBodyBytes). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
/** etcd's default request limit, the one hard per-object limit. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** The definition whose storage holds this kind's objects (itself, unless converted). */
export function storageDef(def: ResourceDefinition): ResourceDefinition {
  if (!def.storage) return def;
  const s = def.storage;
  return definitions().find((d) => d.group === s.group && d.resource === s.resource && !d.storage) ?? def;
}

export function keyPrefix(def: ResourceDefinition, namespace?: string): string {
  return storagePrefix(storageDef(def)) + (namespace ? `${namespace}/` : '');
}

export const storageKey = (def: ResourceDefinition, namespace: string | undefined, name: string) => keyPrefix(def, namespace) + name;

/** The definition owning a storage key (the namespace controller walks keys of every kind, `custom` resources too). */
export function defForKey(key: string, custom: readonly ResourceDefinition[] = []): ResourceDefinition | undefined {
  const [, group, resource] = key.split('/');
  return definitions().find((d) => (d.group || 'core') === group && d.resource === resource && !d.storage)
    ?? custom.find((d) => d.group === group && d.resource === resource);
}

/** Labels and selectable fields of a stored object, computed once per write. */
export function attrsOf(def: ResourceDefinition, obj: KObject): Attrs {
  const sdef = storageDef(def);
  const f: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '', 'metadata.namespace': obj.metadata?.namespace ?? '' };
  for (const [field, get] of Object.entries(sdef.selectableFields ?? {})) f[field] = get(obj) ?? '';
  return { l: obj.metadata?.labels ?? {}, f };
}

export const apiVersionOf = (def: ResourceDefinition) => gvString(def);

/** A JSON body of the kind the URL takes (a resource's, or a subresource's own: Scale, Binding, ...); kube answers 400 for bodies it cannot decode. */
export async function readJsonBody(req: Request, expected: GVK): Promise<{ obj: KObject; raw: RawBody }> {
  const text = await readBodyText(req);
  return { obj: decodeJsonBody(text, expected), raw: { json: text } };
}

/**
 * A YAML body, decoded as kube's YAML serializer does: converted to JSON
 * (duplicate keys last-wins, kept as strict errors), then decoded as JSON.
 */
export async function readYamlBody(req: Request, expected: GVK): Promise<{ obj: KObject; raw: RawBody }> {
  const text = await readBodyText(req);
  let body: YamlBody;
  try {
    body = yamlToJson(text);
  } catch (e) {
    if (e instanceof YamlError) throw unrecognized(expected, e.message, text);
    throw e;
  }
  const json = JSON.stringify(body.value ?? null);
  return { obj: decodeJsonBody(json, expected), raw: { json, strictErrors: strictErrorsOf(body) } };
}

/** The body as text, refusing more than the request limit without buffering it all. */
export async function readBodyText(req: Request): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(req));
}

export async function readBodyBytes(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '');
  if (declared > MAX_REQUEST_BYTES) throw tooLarge(`limit is ${MAX_REQUEST_BYTES}`);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REQUEST_BYTES) { await reader.cancel(); throw tooLarge(`limit is ${MAX_REQUEST_BYTES}`); }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return all;
}

/**
 * Checks a body's type against the URL and fills what clients may omit
 * (client-node posts objects without apiVersion and kind).
 */
export function checkTypeAndScope(def: ResourceDefinition, obj: KObject, namespace: string | undefined) {
  const apiVersion = apiVersionOf(def);
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== def.kind) {
    const [group, version] = typeof obj.apiVersion === 'string' && obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion || def.version];
    throw otherKindError(def, { group, version, kind: String(obj.kind) });
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  obj.apiVersion = apiVersion;
  obj.kind = def.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`);
  }
  const m = obj.metadata;
  if (def.namespaced) {
    if (m.namespace && namespace && m.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    m.namespace = namespace ?? m.namespace;
  } else {
    delete m.namespace;
  }
}

const NAME_CHECKS = { subdomain: dns1123Subdomain, label: dns1123Label, path: pathSegmentName };

/** ValidateObjectMeta: name, namespace, labels, annotations, finalizers, ownerReferences. */
export function validateMetadata(def: ResourceDefinition, obj: KObject): FieldError[] {
  const e = new Errors();
  const m = obj.metadata ?? {};
  const nameCheck = NAME_CHECKS[def.nameFormat ?? 'subdomain'];
  if (!m.name) {
    if (!m.generateName) e.required('metadata.name', 'name or generateName is required');
  } else if (typeof m.name !== 'string') {
    e.typeInvalid('metadata.name', m.name, 'must be a string');
  } else {
    e.check('metadata.name', m.name, nameCheck);
  }
  if (m.generateName !== undefined && m.generateName !== '') {
    if (typeof m.generateName !== 'string') e.typeInvalid('metadata.generateName', m.generateName, 'must be a string');
    else if (!m.name) for (const msg of nameCheck(`${m.generateName}a`)) e.invalid('metadata.generateName', m.generateName, msg);
  }
  if (def.namespaced) {
    if (!m.namespace) e.required('metadata.namespace');
    else e.check('metadata.namespace', m.namespace, dns1123Label);
  }
  validateStringMap(e, m.labels, 'metadata.labels', labelValue);
  validateStringMap(e, m.annotations, 'metadata.annotations');
  if (m.annotations && typeof m.annotations === 'object') {
    const total = Object.entries(m.annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    if (total > 256 * 1024) e.tooLong('metadata.annotations', 256 * 1024);
  }
  if (m.finalizers !== undefined) {
    if (!Array.isArray(m.finalizers)) e.typeInvalid('metadata.finalizers', m.finalizers, 'must be an array');
    else m.finalizers.forEach((f: unknown, i: number) => {
      if (typeof f !== 'string') e.typeInvalid(`metadata.finalizers[${i}]`, f, 'must be a string');
      else e.check(`metadata.finalizers[${i}]`, f, qualifiedName);
    });
    if (Array.isArray(m.finalizers) && m.finalizers.includes('orphan') && m.finalizers.includes('foregroundDeletion')) {
      e.invalid('metadata.finalizers', m.finalizers, 'finalizer orphan and foregroundDeletion cannot be both set');
    }
  }
  if (m.ownerReferences !== undefined) {
    if (!Array.isArray(m.ownerReferences)) e.typeInvalid('metadata.ownerReferences', m.ownerReferences, 'must be an array');
    else m.ownerReferences.forEach((r: KObject, i: number) => {
      for (const k of ['apiVersion', 'kind', 'name', 'uid']) if (!r?.[k]) e.required(`metadata.ownerReferences[${i}].${k}`);
    });
  }
  return e.list;
}

function validateStringMap(e: Errors, map: unknown, field: string, valueCheck?: (v: string) => string[]) {
  if (map === undefined || map === null) return;
  if (typeof map !== 'object' || Array.isArray(map)) { e.typeInvalid(field, map, 'must be an object'); return; }
  for (const [k, v] of Object.entries(map)) {
    e.check(field, k, qualifiedName);
    if (typeof v !== 'string') e.typeInvalid(`${field}[${k}]`, v, 'must be a string');
    else if (valueCheck) e.check(`${field}[${k}]`, v, valueCheck);
  }
}

/** ValidateObjectMetaUpdate: what no update may change. */
export function validateMetadataUpdate(n: KObject, o: KObject): FieldError[] {
  const e = new Errors();
  e.immutable(n, o, ['metadata', 'name']);
  e.immutable(n, o, ['metadata', 'namespace']);
  e.immutable(n, o, ['metadata', 'uid']);
  e.immutable(n, o, ['metadata', 'creationTimestamp']);
  if (o.metadata?.deletionTimestamp) {
    const before = new Set<string>(o.metadata.finalizers ?? []);
    for (const f of n.metadata?.finalizers ?? []) {
      if (!before.has(f)) e.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}`);
    }
  }
  return e.list;
}

/** Metadata fields only the server sets; a client's values are dropped (BeforeCreate). */
export function resetServerMetadata(m: KObject) {
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink']) delete m[k];
}

/** RFC 3339 at second precision, as metav1.Time serialises. */
export { rfc3339 } from '../resources/defs/shared';

/** Serialises an object for storage, refusing what etcd would refuse. */
export function encodeForStorage(obj: KObject): string {
  const text = JSON.stringify(obj);
  if (text.length > MAX_OBJECT_BYTES) throw tooLarge(`the object is ${text.length} bytes, more than the ${MAX_OBJECT_BYTES} bytes the store accepts`);
  return text;
}

/** The generateName suffix: 5 characters from kube's alphabet (no vowels, no confusable digits). */
export function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export const generateName = (prefix: string) => `${prefix.slice(0, 58)}${randomSuffix()}`;

/** Everything of an object except metadata and status: what a generation bump is about. */
export function specOf(obj: KObject): KObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}
