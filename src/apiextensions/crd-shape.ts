// The JSON types of a CustomResourceDefinition body, checked before anything
// reads it. kube's typed decoding refuses a CRD whose fields have the wrong
// JSON types; CRDs are JSON only here (no descriptor-driven decoding), so this
// walk does that job, down through every nested schema, and the validation
// after it can trust what it reads.
import type { FieldError } from '../resources/types';
import { Errors } from '../resources/validation';
import { MAX_SCHEMA_DEPTH } from './structural';

type Kind = 'string' | 'boolean' | 'number' | 'integer' | 'object' | 'array' | 'strings' | 'any';

const typeOk = (kind: Kind, v: unknown): boolean => {
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'number': return typeof v === 'number';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    default: return true;
  }
};

const GO_TYPES: Record<Kind, string> = { string: 'string', boolean: 'bool', number: 'float64', integer: 'int64', object: 'object', array: 'array', strings: '[]string', any: 'any' };

const jsonKind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

const SCHEMA_FIELDS: Record<string, Kind> = {
  id: 'string', $schema: 'string', $ref: 'string', description: 'string', type: 'string', format: 'string', title: 'string', pattern: 'string',
  maximum: 'number', minimum: 'number', multipleOf: 'number',
  maxLength: 'integer', minLength: 'integer', maxItems: 'integer', minItems: 'integer', maxProperties: 'integer', minProperties: 'integer',
  exclusiveMaximum: 'boolean', exclusiveMinimum: 'boolean', uniqueItems: 'boolean', nullable: 'boolean',
  required: 'strings', enum: 'array', allOf: 'array', oneOf: 'array', anyOf: 'array',
  properties: 'object', patternProperties: 'object', definitions: 'object', dependencies: 'object', externalDocs: 'object', not: 'object',
  'x-kubernetes-preserve-unknown-fields': 'boolean', 'x-kubernetes-embedded-resource': 'boolean', 'x-kubernetes-int-or-string': 'boolean',
  'x-kubernetes-list-type': 'string', 'x-kubernetes-map-type': 'string', 'x-kubernetes-list-map-keys': 'strings', 'x-kubernetes-validations': 'array',
};

const RULE_FIELDS: Record<string, Kind> = { rule: 'string', message: 'string', messageExpression: 'string', reason: 'string', fieldPath: 'string', optionalOldSelf: 'boolean' };

class Shape {
  readonly e = new Errors();

  field(v: Record<string, unknown>, key: string, kind: Kind, path: string): boolean {
    const x = v[key];
    if (x === undefined || x === null || typeOk(kind, x)) return x !== undefined && x !== null;
    this.e.typeInvalid(`${path}.${key}`, x, `must be of type ${GO_TYPES[kind]}, not ${jsonKind(x)}`);
    return false;
  }

  fields(v: Record<string, unknown>, kinds: Record<string, Kind>, path: string) {
    for (const [k, kind] of Object.entries(kinds)) this.field(v, k, kind, path);
  }

  schema(s: unknown, path: string, depth: number) {
    if (depth > MAX_SCHEMA_DEPTH) { this.e.forbidden(path, `must not be nested more than ${MAX_SCHEMA_DEPTH} levels deep`); return; }
    if (!typeOk('object', s)) { this.e.typeInvalid(path, s, `must be of type object, not ${jsonKind(s)}`); return; }
    const o = s as Record<string, unknown>;
    this.fields(o, SCHEMA_FIELDS, path);
    if (typeOk('object', o.properties)) for (const [k, p] of Object.entries(o.properties as object)) this.schema(p, `${path}.properties[${k}]`, depth + 1);
    for (const k of ['allOf', 'oneOf', 'anyOf'] as const) if (Array.isArray(o[k])) (o[k] as unknown[]).forEach((x, i) => this.schema(x, `${path}.${k}[${i}]`, depth + 1));
    if (o.not !== undefined && o.not !== null) this.schema(o.not, `${path}.not`, depth + 1);
    if (Array.isArray(o.items)) o.items.forEach((x, i) => this.schema(x, `${path}.items[${i}]`, depth + 1));
    else if (o.items !== undefined && o.items !== null) this.schema(o.items, `${path}.items`, depth + 1);
    if (o.additionalProperties !== undefined && o.additionalProperties !== null && typeof o.additionalProperties !== 'boolean') this.schema(o.additionalProperties, `${path}.additionalProperties`, depth + 1);
    if (Array.isArray(o['x-kubernetes-validations'])) {
      (o['x-kubernetes-validations'] as unknown[]).forEach((r, i) => {
        const at = `${path}.x-kubernetes-validations[${i}]`;
        if (!typeOk('object', r)) this.e.typeInvalid(at, r, `must be of type object, not ${jsonKind(r)}`);
        else this.fields(r as Record<string, unknown>, RULE_FIELDS, at);
      });
    }
  }

  list(v: Record<string, unknown>, key: string, path: string, each: (x: Record<string, unknown>, at: string) => void) {
    if (!this.field(v, key, 'array', path)) return;
    (v[key] as unknown[]).forEach((x, i) => {
      const at = `${path}.${key}[${i}]`;
      if (!typeOk('object', x)) this.e.typeInvalid(at, x, `must be of type object, not ${jsonKind(x)}`);
      else each(x as Record<string, unknown>, at);
    });
  }
}

export function checkCRDShape(obj: Record<string, unknown>): FieldError[] {
  const sh = new Shape();
  if (!sh.field(obj, 'spec', 'object', '')) return sh.e.list.map((e) => ({ ...e, field: e.field.replace(/^\./, '') }));
  const spec = obj.spec as Record<string, unknown>;
  sh.fields(spec, { group: 'string', scope: 'string', names: 'object', versions: 'array', conversion: 'object', preserveUnknownFields: 'boolean' }, 'spec');
  if (typeOk('object', spec.names)) sh.fields(spec.names as Record<string, unknown>, { plural: 'string', singular: 'string', kind: 'string', listKind: 'string', shortNames: 'strings', categories: 'strings' }, 'spec.names');
  if (typeOk('object', spec.conversion)) sh.fields(spec.conversion as Record<string, unknown>, { strategy: 'string', webhook: 'object' }, 'spec.conversion');
  sh.list(spec, 'versions', 'spec', (v, at) => {
    sh.fields(v, { name: 'string', served: 'boolean', storage: 'boolean', deprecated: 'boolean', deprecationWarning: 'string', schema: 'object', subresources: 'object' }, at);
    if (typeOk('object', v.schema) && (v.schema as Record<string, unknown>).openAPIV3Schema !== undefined) sh.schema((v.schema as Record<string, unknown>).openAPIV3Schema, `${at}.schema.openAPIV3Schema`, 0);
    if (typeOk('object', v.subresources)) {
      const sub = v.subresources as Record<string, unknown>;
      sh.fields(sub, { status: 'object', scale: 'object' }, `${at}.subresources`);
      if (typeOk('object', sub.scale)) sh.fields(sub.scale as Record<string, unknown>, { specReplicasPath: 'string', statusReplicasPath: 'string', labelSelectorPath: 'string' }, `${at}.subresources.scale`);
    }
    sh.list(v, 'additionalPrinterColumns', at, (c, cat) => sh.fields(c, { name: 'string', type: 'string', format: 'string', description: 'string', priority: 'integer', jsonPath: 'string' }, cat));
    sh.list(v, 'selectableFields', at, (f, fat) => sh.fields(f, { jsonPath: 'string' }, fat));
  });
  return sh.e.list;
}
