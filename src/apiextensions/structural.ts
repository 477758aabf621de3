// What makes a CRD's openAPIV3Schema acceptable, as apiextensions-apiserver's
// validation (ValidateCustomResourceDefinitionOpenAPISchema) and structural
// schema rules (ValidateStructural, completeness) check it: one walk over the
// schema, one FieldError per problem, with kube's paths and messages.
import type { FieldError } from '../resources/types';
import { Errors } from '../resources/validation';
import type { JSONSchemaProps } from './types';
import { patternError } from './values';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const RULE_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
/**
 * Deeper schemas are refused: kube leaves this to its JSON decoder's limit of
 * 10,000 levels, but every walk here (pruning, defaulting, CEL typing, apply)
 * recurses per level inside a Worker's stack. Real CRDs stay under 30.
 */
export const MAX_SCHEMA_DEPTH = 128;

type Level = 'root' | 'item' | 'field';

interface Walk {
  level: Level;
  /** Inside apiVersion, kind or metadata of the root or an embedded resource. */
  insideMeta: boolean;
  /** Why a default here is forbidden, if it is. */
  noDefaults?: string;
  depth: number;
}

/** Checks one version's openAPIV3Schema at `path`; `statusEnabled` restricts the root as kube does. */
export function validateSchema(schema: unknown, path: string, statusEnabled: boolean): FieldError[] {
  const e = new Errors();
  if (!isSchema(schema)) { e.typeInvalid(path, schema, 'must be an object'); return e.list; }
  if (statusEnabled && schema.type !== undefined && schema.type !== 'object') {
    e.invalid(`${path}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled');
  }
  if (schema.nullable) e.forbidden(`${path}.nullable`, 'nullable cannot be true at the root');
  walk(e, schema, path, { level: 'root', insideMeta: false, depth: 0 });
  return e.list;
}

const isSchema = (v: unknown): v is JSONSchemaProps => v !== null && typeof v === 'object' && !Array.isArray(v);

function walk(e: Errors, s: JSONSchemaProps, path: string, w: Walk) {
  if (w.depth > MAX_SCHEMA_DEPTH) { e.forbidden(path, `must not be nested more than ${MAX_SCHEMA_DEPTH} levels deep`); return; }
  openAPIRules(e, s, path, w);
  structuralRules(e, s, path, w);
  extensionRules(e, s, path);
  ruleShapes(e, s, path);
  const next = (level: Level, extra: Partial<Walk> = {}): Walk => ({ level, insideMeta: w.insideMeta, noDefaults: w.noDefaults, depth: w.depth + 1, ...extra });
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const at = `${path}.properties[${k}]`;
    if (!isSchema(p)) { e.typeInvalid(at, p, 'must be an object'); continue; }
    const meta = (w.level === 'root' || !!s['x-kubernetes-embedded-resource']) && ['metadata', 'kind', 'apiVersion'].includes(k);
    walk(e, p, at, next('field', meta ? { insideMeta: true, ...(w.level === 'root' ? { noDefaults: `in top-level ${k}` } : {}) } : {}));
  }
  if (isSchema(s.items)) walk(e, s.items, `${path}.items`, next('item'));
  if (isSchema(s.additionalProperties)) {
    walk(e, s.additionalProperties, `${path}.additionalProperties`, next('field', w.insideMeta ? { noDefaults: 'inside additionalProperties applying to object metadata' } : {}));
  }
  nestedValidations(e, s, path, w.depth);
}

/** The OpenAPI v3 subset CRDs may use (specStandardValidatorV3 and the checks around it). */
function openAPIRules(e: Errors, s: JSONSchemaProps, path: string, w: Walk) {
  if (s.type !== undefined && s.type !== 'null' && !TYPES.includes(s.type)) e.notSupported(`${path}.type`, s.type, TYPES);
  if (s.default !== undefined && w.noDefaults) e.forbidden(`${path}.default`, `must not be set ${w.noDefaults}`);
  if (s.id) e.forbidden(`${path}.id`, 'id is not supported');
  if (s.additionalItems !== undefined) e.forbidden(`${path}.additionalItems`, 'additionalItems is not supported');
  if (s.patternProperties && Object.keys(s.patternProperties).length) e.forbidden(`${path}.patternProperties`, 'patternProperties is not supported');
  if (s.definitions && Object.keys(s.definitions).length) e.forbidden(`${path}.definitions`, 'definitions is not supported');
  if (s.dependencies !== undefined) e.forbidden(`${path}.dependencies`, 'dependencies is not supported');
  if (s.$ref !== undefined) e.forbidden(`${path}.$ref`, '$ref is not supported');
  if (s.type === 'null') e.forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative');
  if (Array.isArray(s.items)) e.forbidden(`${path}.items`, 'items must be a schema object and not an array');
  if (w.insideMeta && s['x-kubernetes-embedded-resource']) e.forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta');
  if (s.uniqueItems) e.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic');
  if (s.additionalProperties !== undefined && s.properties && Object.keys(s.properties).length && s.additionalProperties !== true) {
    e.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive');
  }
  patternRule(e, s, path);
}

function patternRule(e: Errors, s: JSONSchemaProps, path: string) {
  if (s.pattern === undefined) return;
  const why = typeof s.pattern === 'string' ? patternError(s.pattern) : 'must be a string';
  if (why) e.invalid(`${path}.pattern`, s.pattern, `must be a valid regular expression, but isn't: ${why}`);
}

/** What makes a schema structural (ValidateStructural's invariants). */
function structuralRules(e: Errors, s: JSONSchemaProps, path: string, w: Walk) {
  const embedded = !!s['x-kubernetes-embedded-resource'];
  if (s.type === 'array' && s.items === undefined) e.required(`${path}.items`, 'must be specified');
  if (s.additionalProperties !== undefined && w.level === 'root') e.forbidden(`${path}.additionalProperties`, 'must not be used at the root');
  if (embedded && s.type !== 'object') {
    if (!s.type) e.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true');
    else e.invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-embedded-resource is true');
  } else if (!s.type && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) {
    e.required(`${path}.type`, w.level === 'root' ? 'must not be empty at the root' : w.level === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields');
  }
  if (embedded && s.additionalProperties !== undefined) e.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set');
  if (w.level === 'root' && s.type && s.type !== 'object') e.invalid(`${path}.type`, s.type, 'must be object at the root');
  const checkMeta = w.level === 'root' || embedded;
  const props = s.properties ?? {};
  if (checkMeta) {
    for (const k of ['kind', 'apiVersion']) {
      if (isSchema(props[k]) && props[k].type !== 'string') e.invalid(`${path}.properties[${k}].type`, props[k].type ?? '', 'must be string');
    }
  }
  const metadata = props.metadata;
  if (isSchema(metadata)) {
    if (checkMeta && metadata.type !== 'object') e.invalid(`${path}.properties[metadata].type`, metadata.type ?? '', 'must be object');
    if (w.level === 'root') {
      const { type: _t, default: _d, properties, ...rest } = metadata;
      const names = Object.keys(properties ?? {});
      const onlyNames = names.every((n) => n === 'name' || n === 'generateName');
      if (!onlyNames || Object.keys(rest).some((k) => (rest as Record<string, unknown>)[k] !== undefined)) {
        e.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified');
      }
    }
  }
  if (embedded && !s['x-kubernetes-preserve-unknown-fields'] && Object.keys(props).length === 0) {
    e.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields');
  }
  if (s['x-kubernetes-int-or-string'] && s['x-kubernetes-preserve-unknown-fields']) e.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true');
  if (s['x-kubernetes-int-or-string'] && embedded) e.invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true');
}

function extensionRules(e: Errors, s: JSONSchemaProps, path: string) {
  if (s['x-kubernetes-preserve-unknown-fields'] === false) e.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined');
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (s.type !== 'object') {
      if (!s.type) e.required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified');
      else e.invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-map-type is specified');
    }
    if (mapType !== 'atomic' && mapType !== 'granular') e.notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']);
  }
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const items = isSchema(s.items) ? s.items : undefined;
  if (listType !== undefined) {
    if (s.type !== 'array') {
      if (!s.type) e.required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified');
      else e.invalid(`${path}.type`, s.type, 'must be array if x-kubernetes-list-type is specified');
    } else if (listType === 'set' && items) {
      if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') e.invalid(`${path}.items.x-kubernetes-map-type`, items['x-kubernetes-map-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set');
      if (items.type === 'array' && items['x-kubernetes-list-type'] !== 'atomic' && items['x-kubernetes-list-type'] !== undefined) e.invalid(`${path}.items.x-kubernetes-list-type`, items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set');
    }
    if (!['atomic', 'set', 'map'].includes(listType)) e.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']);
  }
  if (keys.length && listType !== 'map') {
    if (listType === undefined) e.required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty');
    else e.invalid(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty');
  }
  if (listType === 'map') {
    if (!keys.length) e.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map');
    if (!items) e.required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map');
    else if (items.type !== 'object') e.invalid(`${path}.items.type`, items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map");
    else {
      const props = items.properties ?? {};
      if (keys.some((k) => !props[k])) e.invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'entries must all be names of item properties');
      else {
        for (const k of keys) {
          const t = props[k].type;
          if (t !== 'string' && t !== 'integer' && t !== 'number' && t !== 'boolean') e.invalid(`${path}.items.properties[${k}].type`, t ?? '', "must be a scalar type if parent array's x-kubernetes-list-type is map");
          if (!(items.required ?? []).includes(k) && props[k].default === undefined) e.required(`${path}.items.properties[${k}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property');
          if (props[k].nullable) e.forbidden(`${path}.items.properties[${k}].nullable`, 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable');
        }
      }
      if (new Set(keys).size !== keys.length) e.invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must not contain duplicate entries');
    }
  }
  if ((listType === 'map' || listType === 'set') && items?.nullable) e.forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`);
}

/** The static shape of x-kubernetes-validations entries (their CEL is compiled elsewhere). */
function ruleShapes(e: Errors, s: JSONSchemaProps, path: string) {
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    if (!r || typeof r.rule !== 'string' || r.rule.trim() === '') e.required(`${at}.rule`, 'rule is not specified');
    if (r?.message !== undefined) {
      if (r.message.trim() === '') e.invalid(`${at}.message`, r.message, 'must be non-empty if specified');
      else if (/[\n\r]/.test(r.message)) e.invalid(`${at}.message`, r.message, 'must not contain line breaks');
    } else if (/[\n\r]/.test(r?.rule ?? '') && !r?.messageExpression) e.required(`${at}.message`, 'message must be specified if rule contains line breaks');
    if (r?.messageExpression !== undefined && r.messageExpression.trim() === '') e.required(`${at}.messageExpression`, 'messageExpression must be non-empty if specified');
    if (r?.reason !== undefined && !RULE_REASONS.includes(r.reason)) e.notSupported(`${at}.reason`, r.reason, RULE_REASONS);
    if (r?.fieldPath !== undefined) {
      if (r.fieldPath.trim() === '') e.invalid(`${at}.fieldPath`, r.fieldPath, 'must be non-empty if specified');
      else if (/[\n\r]/.test(r.fieldPath)) e.invalid(`${at}.fieldPath`, r.fieldPath, 'must not contain line breaks');
      else if (!fieldPathValid(s, r.fieldPath)) e.invalid(`${at}.fieldPath`, r.fieldPath, 'must be a valid path');
    }
  });
}

/** A rule's fieldPath must name a field of the schema: .a.b, ['a.b'], and [0] or ['key'] into lists and maps. */
export function fieldPathValid(s: JSONSchemaProps, fieldPath: string): boolean {
  const parts = splitFieldPath(fieldPath);
  if (!parts) return false;
  let cur: JSONSchemaProps | undefined = s;
  for (const p of parts) {
    if (!cur) return false;
    if (p.index !== undefined) {
      if (cur.type === 'array' && isSchema(cur.items)) cur = cur.items;
      else if (isSchema(cur.additionalProperties)) cur = cur.additionalProperties;
      else return false;
    } else if (cur.properties?.[p.name!]) cur = cur.properties[p.name!];
    else if (isSchema(cur.additionalProperties)) cur = cur.additionalProperties;
    else if (cur['x-kubernetes-preserve-unknown-fields']) return true;
    else return false;
  }
  return true;
}

export function splitFieldPath(path: string): { name?: string; index?: string }[] | undefined {
  const out: { name?: string; index?: string }[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push({ name: m[1] });
    else if (m[2] !== undefined) out.push({ name: m[2] });
    else out.push({ index: m[3] });
    i = re.lastIndex;
  }
  return out.length ? out : undefined;
}

const GENERIC_FORBIDDEN: [keyof JSONSchemaProps, string][] = [
  ['type', 'must be empty to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
];

const isIntOrStringAnyOf = (list: JSONSchemaProps[] | undefined) =>
  list?.length === 2 && list[0]?.type === 'integer' && list[1]?.type === 'string' && Object.keys(list[0]).length === 1 && Object.keys(list[1]).length === 1;

/** allOf/anyOf/oneOf/not hold value validations only, and name only fields the structural part has. */
function nestedValidations(e: Errors, s: JSONSchemaProps, path: string, depth: number) {
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const lists: [string, JSONSchemaProps[] | undefined][] = [['allOf', s.allOf], ['anyOf', skipAnyOf ? undefined : s.anyOf], ['oneOf', s.oneOf]];
  for (const [name, list] of lists) {
    (list ?? []).forEach((v, i) => {
      const skip = name === 'allOf' && i === 0 && isIntOrStringAnyOf(v?.anyOf);
      nested(e, v, s, path, `${path}.${name}[${i}]`, name !== 'allOf', depth + 1, skip);
    });
  }
  if (s.not !== undefined) nested(e, s.not, s, path, `${path}.not`, true, depth + 1, false);
}

function nested(e: Errors, v: unknown, structural: JSONSchemaProps | undefined, sPath: string, vPath: string, noRules: boolean, depth: number, skipAnyOf: boolean) {
  if (depth > MAX_SCHEMA_DEPTH) { e.forbidden(vPath, `must not be nested more than ${MAX_SCHEMA_DEPTH} levels deep`); return; }
  if (!isSchema(v)) { e.typeInvalid(vPath, v, 'must be an object'); return; }
  if (!structural) { e.required(sPath, `because it is defined in ${vPath}`); return; }
  for (const [k, why] of GENERIC_FORBIDDEN) if (v[k] !== undefined && v[k] !== false) e.forbidden(`${vPath}.${k}`, why);
  if (v.additionalProperties !== undefined) e.forbidden(`${vPath}.additionalProperties`, 'must be undefined to be structural');
  if (noRules && v['x-kubernetes-validations']?.length) e.forbidden(`${vPath}.x-kubernetes-validations`, 'must be empty to be structural');
  if (v.properties?.metadata && !sPath.endsWith('openAPIV3Schema')) e.forbidden(`${vPath}.properties[metadata]`, 'must not be specified in a nested context');
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    const sField = structural.properties?.[k] ?? (isSchema(structural.additionalProperties) ? structural.additionalProperties : undefined);
    nested(e, p, sField, structural.properties?.[k] ? `${sPath}.properties[${k}]` : `${sPath}.properties[${k}]`, `${vPath}.properties[${k}]`, noRules, depth + 1, false);
  }
  if (v.items !== undefined) nested(e, v.items, isSchema(structural.items) ? structural.items : undefined, `${sPath}.items`, `${vPath}.items`, noRules, depth + 1, false);
  const lists: [string, JSONSchemaProps[] | undefined][] = [['allOf', v.allOf], ['anyOf', skipAnyOf ? undefined : v.anyOf], ['oneOf', v.oneOf]];
  for (const [name, list] of lists) (list ?? []).forEach((x, i) => nested(e, x, structural, sPath, `${vPath}.${name}[${i}]`, true, depth + 1, false));
  if (v.not !== undefined) nested(e, v.not, structural, sPath, `${vPath}.not`, true, depth + 1, false);
  patternRule(e, v, vPath);
}
