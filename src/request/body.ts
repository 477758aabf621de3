// Decoding a JSON request body as kube-apiserver's codec does, so that a body
// it cannot take fails with kube's code and message: the version and kind are
// read first (SimpleMetaFactory.Interpret), defaulted from the URL, the body is
// decoded into that kind's Go type (encoding/json type errors), and converted
// to the kind the URL serves (an unknown conversion for another kind).
// Everything here is a 400 BadRequest, built as transformDecodeError does
// (k8s.io/apiserver pkg/endpoints/handlers/rest.go).

import { jsonFields, messageForKind, SPECIAL_MESSAGES, type FieldDescriptor } from '../protobuf';
import type { KObject } from '../resources/types';
import { gvString } from '../resources/registry';
import { badRequest } from '../status/status';
import { goSyntaxError, goTypeError, goValueKind } from './go-json';
import { JsonLimitError, parseJson } from './json';
import { parseTime } from '../resources/time';
import { strictErrorsOf, yamlToJson, YamlError } from './yaml';

/** The anonymous struct SimpleMetaFactory.Interpret decodes into, as reflect prints it. */
const FIND_KIND = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** legacyscheme's name, which kube prints in "no kind is registered" errors. */
const SCHEME = 'pkg/api/legacyscheme/scheme.go:30';

/** The group, version and kind a URL takes (a subresource may take another kind than its resource). */
export interface GVK { group: string; version: string; kind: string }

/** summarizeData: an object's first 30 bytes as text, anything else in hex. */
function summarize(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length === 0) return '<empty>';
  const head = bytes.subarray(0, 30);
  const more = bytes.length > 30 ? ' ...' : '';
  if (bytes[0] === 0x7b) return new TextDecoder().decode(head) + more;
  return [...head].map((b) => b.toString(16).padStart(2, '0')).join('') + more;
}

export function unrecognized(def: GVK, err: string, text: string) {
  return badRequest(`the object provided is unrecognized (must be of type ${def.kind}): ${err} (${summarize(text)})`);
}

const cannotHandle = (def: GVK, actual: GVK, err: string) => badRequest(`${actual.kind} in version "${actual.version}" cannot be handled as a ${def.kind}: ${err}`);

/** The Go package a kind's internal type lives in (events.k8s.io Events are core Events inside kube). */
const internalPackage = (def: GVK) => (def.group === '' || def.group === 'events.k8s.io' ? 'core' : def.group.split('.')[0]);

/**
 * A body of another kind than the URL serves: kube decodes it as its own kind
 * when that kind is registered, and then fails to convert it.
 */
export function otherKindError(def: GVK, actual: GVK) {
  if (!messageForKind(gvString(actual), actual.kind)) {
    return cannotHandle(def, actual, `no kind "${actual.kind}" is registered for version "${gvString(actual)}" in scheme "${SCHEME}"`);
  }
  return cannotHandle(def, actual, `converting (${actual.version}.${actual.kind}) to (${internalPackage(def)}.${def.kind}): unknown conversion`);
}

function parseGroupVersion(s: string): { group: string; version: string } | undefined {
  if (s === '' || s === '/') return { group: '', version: '' };
  const parts = s.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return undefined;
}

/**
 * Parses and checks a JSON body for the kind a URL takes. Returns the object; apiVersion and
 * kind mismatches within the kind itself (another version of it) are left to
 * checkTypeAndScope, which answers them as the REST handlers do.
 */
export function decodeJsonBody(text: string, def: GVK): KObject {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (e) {
    if (e instanceof JsonLimitError && e.kind === 'value') throw cannotHandle(def, def, e.message);
    const message = e instanceof JsonLimitError ? e.message : goSyntaxError(text) ?? (e as Error).message;
    throw unrecognized(def, `couldn't get version/kind; json parse error: ${message}`, text);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw unrecognized(def, `couldn't get version/kind; json parse error: ${goTypeError(goValueKind(parsed), FIND_KIND)}`, text);
  }
  const obj = parsed as KObject;
  for (const k of Object.keys(obj)) {
    if ((k === 'apiVersion' || k === 'kind') && obj[k] !== null && typeof obj[k] !== 'string') {
      throw unrecognized(def, `couldn't get version/kind; json parse error: ${goTypeError(goValueKind(obj[k]), 'string', '', k)}`, text);
    }
  }
  const gv = parseGroupVersion(obj.apiVersion ?? '');
  if (!gv) throw unrecognized(def, `unexpected GroupVersion string: ${obj.apiVersion}`, text);
  // gvkWithDefaults: what the body leaves out comes from the URL
  const actual: GVK = { ...gv, kind: obj.kind || def.kind };
  if (!actual.version && !actual.group) Object.assign(actual, { group: def.group, version: def.version });
  if (!actual.version && actual.group === def.group) actual.version = def.version;

  const msg = messageForKind(gvString(actual), actual.kind);
  if (actual.kind !== def.kind && !msg) throw otherKindError(def, actual);
  if (msg) {
    const err = typeError(msg, obj);
    if (err) throw cannotHandle(def, actual, err);
  }
  if (actual.kind !== def.kind) throw otherKindError(def, actual);
  return obj;
}

// ---- encoding/json type errors, from the generated descriptors (Go field types included) ----

const shortName = (msg: string) => msg.slice(msg.lastIndexOf('.') + 1);
const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] } as const;
const QUANTITY_FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_SUFFIX = /^(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?[0-9]+)$/;

/**
 * What Go's decoder reports for obj decoded as msg, if anything: the first type
 * mismatch (decoding goes on after it), unless a type's own UnmarshalJSON fails
 * later (Quantity, IntOrString, Time: time.Parse's error text), which stops decoding and wins.
 */
export function typeError(msg: string, obj: KObject): string | undefined {
  const walk = new Walk();
  try {
    walk.object(msg, obj, []);
  } catch (e) {
    if (e instanceof UnmarshalerError) return e.message;
    throw e;
  }
  return walk.saved;
}

class UnmarshalerError extends Error {}

class Walk {
  saved: string | undefined;

  private save(err: string) {
    this.saved ??= err;
  }

  object(msg: string, obj: KObject, path: string[]) {
    const fields = jsonFields(msg);
    const struct = shortName(msg);
    for (const [key, value] of Object.entries(obj)) {
      const f = fields.get(key);
      if (f && value !== null) this.field(f, value, struct, [...path, key]);
    }
  }

  private field(f: FieldDescriptor, v: unknown, struct: string, path: string[]) {
    const goType = (f.goType ?? f.type).replace(/^\*/, '');
    if (f.repeated) {
      if (!Array.isArray(v)) return this.save(goTypeError(goValueKind(v), goType, struct, path.join('.')));
      for (const item of v) if (item !== null) this.value(f.type, goType.replace(/^\[\]/, ''), item, struct, path);
      return;
    }
    if (f.type.startsWith('map<')) {
      if (typeof v !== 'object' || Array.isArray(v)) return this.save(goTypeError(goValueKind(v), goType, struct, path.join('.')));
      const valueType = f.type.slice('map<string,'.length, -1) as FieldDescriptor['type'];
      const valueGoType = /^map\[[^\]]+\](.+)$/.exec(goType)?.[1] ?? goType;
      for (const item of Object.values(v as object)) if (item !== null) this.value(valueType, valueGoType, item, struct, path);
      return;
    }
    this.value(f.type, goType, v, struct, path);
  }

  private value(type: FieldDescriptor['type'], goType: string, v: unknown, struct: string, path: string[]) {
    const mismatch = (value: string) => this.save(goTypeError(value, goType, struct, path.join('.')));
    switch (type) {
      case 'string':
      case 'bytes':
        if (typeof v !== 'string') mismatch(goValueKind(v));
        return;
      case 'bool':
        if (typeof v !== 'boolean') mismatch(goValueKind(v));
        return;
      case 'double':
        if (typeof v !== 'number') mismatch(goValueKind(v));
        return;
      case 'int32':
      case 'int64': {
        const [min, max] = INT_RANGE[type];
        if (typeof v !== 'number') mismatch(goValueKind(v));
        else if (!(Number.isInteger(v) && v >= min && v <= max)) mismatch(`number ${v}`);
        return;
      }
    }
    const msg = type.slice('message:'.length);
    const special = Object.hasOwn(SPECIAL_MESSAGES, msg) ? SPECIAL_MESSAGES[msg] : undefined;
    switch (special) {
      case 'rawjson':
        return;
      case 'time':
      case 'microtime':
      case 'duration': {
        // their UnmarshalJSON decodes a plain string, outside any struct, then time.Parse's it
        if (typeof v !== 'string') throw new UnmarshalerError(goTypeError(goValueKind(v), 'string'));
        const parsed = special === 'duration' ? undefined : parseTime(v, special === 'microtime');
        if (parsed && 'error' in parsed) throw new UnmarshalerError(parsed.error);
        return;
      }
      case 'intorstring':
        if (typeof v === 'string') return;
        if (typeof v !== 'number') throw new UnmarshalerError(goTypeError(goValueKind(v), 'int32'));
        if (!(Number.isInteger(v) && v >= INT_RANGE.int32[0] && v <= INT_RANGE.int32[1])) throw new UnmarshalerError(goTypeError(`number ${v}`, 'int32'));
        return;
      case 'quantity': {
        const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : JSON.stringify(v);
        const m = QUANTITY_FORMAT.exec(s);
        if (!m) throw new UnmarshalerError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        if (!QUANTITY_SUFFIX.test(m[2])) throw new UnmarshalerError("unable to parse quantity's suffix");
        return;
      }
      case 'stringlist':
        if (!Array.isArray(v)) return mismatch(goValueKind(v));
        for (const item of v) if (item !== null && typeof item !== 'string') this.save(goTypeError(goValueKind(item), 'string', struct, path.join('.')));
        return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return mismatch(goValueKind(v));
    this.object(msg, v as KObject, path);
  }
}

/**
 * An apply configuration: the JSON form most clients send, else YAML, read as
 * kube's applyPatcher reads it (sigs.k8s.io/yaml, duplicate keys kept as strict errors).
 */
export function decodeApplyConfiguration(text: string): { patch: unknown; strictErrors: string[] } {
  try {
    return { patch: parseJson(text), strictErrors: [] };
  } catch (e) {
    if (e instanceof JsonLimitError) throw badRequest(`error decoding patch: ${e.message}`);
    // not JSON: YAML proper
  }
  try {
    const body = yamlToJson(text);
    return { patch: body.value, strictErrors: strictErrorsOf(body) };
  } catch (e) {
    if (e instanceof YamlError) throw badRequest(`error decoding patch: error converting YAML to JSON: ${e.message}`);
    throw e;
  }
}
