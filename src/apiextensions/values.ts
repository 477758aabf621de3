// OpenAPI v3 validation of a custom resource against its CRD's schema, as
// kube-openapi's validator reports it through apiextensions-apiserver: one
// FieldError per failure, in field-path form ("spec.replicas"), with kube's
// wording ("spec.replicas in body must be of type integer: \"string\"").
// Patterns run on RE2 (linear time), as Go's regexp does, so no value can
// make a pattern backtrack for ever.
import { RE2JS } from '@bufbuild/re2';
import type { FieldError } from '../resources/types';
import { Errors, deepEqual } from '../resources/validation';
import type { JSONSchemaProps } from './types';
import { FORMATS } from './formats';

const patterns = new Map<string, RE2JS | null>();

/** A compiled RE2 pattern, or null when it does not compile (the CRD's validation reports that). */
export function re2(pattern: string): RE2JS | null {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try { re = RE2JS.compile(pattern); } catch { re = null; }
    if (patterns.size > 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

/** The RE2 syntax error of a pattern, in Go's words ("error parsing regexp: ..."), or undefined. */
export function patternError(pattern: string): string | undefined {
  try { RE2JS.compile(pattern); return undefined; } catch (e) { return (e as Error).message; }
}

export function validateValue(schema: JSONSchemaProps, value: unknown): FieldError[] {
  const e = new Errors();
  check(e, schema, value, '');
  return e.list;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const inBody = (path: string) => (path || 'body');

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number';
    default: return true;
  }
}

/** Go's %v of a value inside kube-openapi's messages: strings quoted. */
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null');

function check(e: Errors, s: JSONSchemaProps, v: unknown, path: string) {
  if (v === null) {
    if (s.nullable || s['x-kubernetes-preserve-unknown-fields'] && !s.type) return;
    if (s.type) { e.typeInvalid(path, 'null', `${inBody(path)} in body must be of type ${s.type}: "null"`); return; }
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      e.typeInvalid(path, typeName(v), `${inBody(path)} in body must be of type integer,string: ${shown(typeName(v))}`);
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    // kube-openapi reports the value's type as the invalid value
    e.typeInvalid(path, typeName(v), `${inBody(path)} in body must be of type ${s.type}: ${shown(typeName(v))}`);
    return;
  }
  if (s.enum && !s.enum.some((x) => deepEqual(x, v))) e.notSupported(path, v, s.enum.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))));
  if (typeof v === 'number') numberRules(e, s, v, path);
  if (typeof v === 'string') stringRules(e, s, v, path);
  if (Array.isArray(v)) arrayRules(e, s, v, path);
  else if (v !== null && typeof v === 'object') objectRules(e, s, v as Record<string, unknown>, path);
  combinators(e, s, v, path);
}

function numberRules(e: Errors, s: JSONSchemaProps, v: number, path: string) {
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    e.invalid(path, v, `${inBody(path)} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`);
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    e.invalid(path, v, `${inBody(path)} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`);
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(Number((v / s.multipleOf).toPrecision(12)))) {
    e.invalid(path, v, `${inBody(path)} in body should be a multiple of ${s.multipleOf}`);
  }
  if (s.format === 'int32' && (v < -2147483648 || v > 2147483647)) e.invalid(path, v, `${inBody(path)} in body must be of type int32: "${v}"`);
}

function stringRules(e: Errors, s: JSONSchemaProps, v: string, path: string) {
  const length = [...v].length;
  if (s.maxLength !== undefined && length > s.maxLength) e.tooLong(path, s.maxLength);
  if (s.minLength !== undefined && length < s.minLength) e.invalid(path, v, `${inBody(path)} in body should be at least ${s.minLength} chars long`);
  if (s.pattern !== undefined) {
    const re = re2(s.pattern);
    if (re && !re.test(v)) e.invalid(path, v, `${inBody(path)} in body should match '${s.pattern}'`);
  }
  const format = s.format ? FORMATS[s.format] : undefined;
  if (format && !format(v)) e.invalid(path, v, `${inBody(path)} in body must be of type ${s.format}: ${shown(v)}`);
}

function arrayRules(e: Errors, s: JSONSchemaProps, v: unknown[], path: string) {
  if (s.maxItems !== undefined && v.length > s.maxItems) e.list.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && v.length < s.minItems) e.invalid(path, v.length, `${inBody(path)} in body should have at least ${s.minItems} items`);
  const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
  if (items) v.forEach((x, i) => check(e, items, x, `${path}[${i}]`));
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen: unknown[] = [];
    v.forEach((x, i) => {
      if (seen.some((y) => deepEqual(x, y))) e.duplicate(`${path}[${i}]`, x);
      else seen.push(x);
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    v.forEach((x, i) => {
      if (x === null || typeof x !== 'object') return;
      const key = JSON.stringify(keys.map((k) => (x as Record<string, unknown>)[k] ?? null));
      if (seen.has(key)) e.duplicate(`${path}[${i}]`, Object.fromEntries(keys.map((k) => [k, (x as Record<string, unknown>)[k]])));
      seen.add(key);
    });
  }
}

function objectRules(e: Errors, s: JSONSchemaProps, v: Record<string, unknown>, path: string) {
  const n = Object.keys(v).filter((k) => v[k] !== undefined).length;
  if (s.maxProperties !== undefined && n > s.maxProperties) e.list.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && n < s.minProperties) e.invalid(path, n, `${inBody(path)} in body should have at least ${s.minProperties} properties`);
  for (const r of s.required ?? []) if (v[r] === undefined) e.required(join(path, r));
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const p = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (p) check(e, p, x, join(path, k));
  }
}

function combinators(e: Errors, s: JSONSchemaProps, v: unknown, path: string) {
  const passes = (x: JSONSchemaProps) => validateBranch(x, v, path).length === 0;
  for (const x of s.allOf ?? []) check(e, x, v, path);
  if (s.anyOf?.length && !s.anyOf.some(passes)) {
    e.invalid(path, v, `${inBody(path)} in body must validate at least one schema (anyOf)`);
    for (const x of s.anyOf) e.list.push(...validateBranch(x, v, path));
  }
  if (s.oneOf?.length) {
    const n = s.oneOf.filter(passes).length;
    if (n !== 1) e.invalid(path, v, `${inBody(path)} in body must validate one and only one schema (oneOf)${n > 1 ? `. Found ${n} valid alternatives` : ''}`);
  }
  if (s.not && passes(s.not)) e.invalid(path, v, `${inBody(path)} in body must not validate the schema (not)`);
}

function validateBranch(s: JSONSchemaProps, v: unknown, path: string): FieldError[] {
  const e = new Errors();
  check(e, s, v, path);
  return e.list;
}
