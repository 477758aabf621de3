// Running x-kubernetes-validations on a custom resource: each rule on every
// value its schema node describes (every item of a list, every value of a
// map), with oldSelf the same value in the old object where one corresponds
// (object fields, map keys, listType=map items by their keys). Transition
// rules run only where there is an old value, unless optionalOldSelf.
import { Optional } from '@marcbachmann/cel-js';
import type { FieldError, KObject } from '../../resources/types';
import type { RuleValidator } from '../definition';
import type { JSONSchemaProps, ValidationRule } from '../types';
import { compileSchema, type CompiledRule } from './compile';
import { toCel } from './types';
import { splitFieldPath } from '../structural';
import { deepEqual } from '../../resources/validation';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The validator of a schema's rules, or undefined when it has none (or they do not compile). */
export function ruleValidator(schema: JSONSchemaProps): RuleValidator | undefined {
  const compiled = compileSchema(schema);
  if (compiled.rules.size === 0) return undefined;
  return {
    validate(obj: KObject, old?: KObject): FieldError[] {
      const errors: FieldError[] = [];
      walk(schema, obj, old, '', true, compiled.rules, errors);
      return errors;
    },
  };
}

function walk(s: JSONSchemaProps, v: unknown, old: unknown, path: string, root: boolean, rules: Map<JSONSchemaProps, CompiledRule[]>, errors: FieldError[]) {
  if (v === undefined || v === null) return;
  const here = rules.get(s);
  if (here) for (const r of here) run(r, s, v, old, path, root, errors);
  if (isObject(v)) {
    for (const [k, p] of Object.entries(s.properties ?? {})) walk(p, v[k], isObject(old) ? old[k] : undefined, join(path, k), false, rules, errors);
    const ap = s.additionalProperties;
    if (typeof ap === 'object' && !s.properties) for (const [k, x] of Object.entries(v)) walk(ap, x, isObject(old) ? old[k] : undefined, `${path}[${k}]`, false, rules, errors);
  } else if (Array.isArray(v) && s.items && !Array.isArray(s.items)) {
    const items = s.items;
    const keys = s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined;
    const keyOf = (x: unknown) => (isObject(x) && keys ? JSON.stringify(keys.map((k) => x[k] ?? null)) : undefined);
    const olds = keys && Array.isArray(old) ? new Map(old.map((x) => [keyOf(x), x])) : undefined;
    v.forEach((x, i) => walk(items, x, olds?.get(keyOf(x)), `${path}[${i}]`, false, rules, errors));
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const TYPE_NAMES: Record<string, string> = { object: 'object', array: 'array', string: 'string', integer: 'integer', number: 'number', boolean: 'boolean' };

function run(r: CompiledRule, s: JSONSchemaProps, v: unknown, old: unknown, path: string, root: boolean, errors: FieldError[]) {
  const rule = r.rule;
  if (r.transition && old === undefined && !rule.optionalOldSelf) return;
  // ratcheting: a rule that does not read oldSelf is not run again on a value an update leaves as it was
  if (!r.transition && old !== undefined && deepEqual(v, old)) return;
  const self = toCel(s, v, root);
  let oldSelf: unknown = old === undefined ? undefined : toCel(s, old, root);
  if (r.transition && rule.optionalOldSelf) oldSelf = old === undefined ? Optional.none() : Optional.of(oldSelf);
  const ctx = { self, oldSelf };
  const value = TYPE_NAMES[s.type ?? ''] ?? 'object';
  const field = rule.fieldPath ? fieldOf(path, rule.fieldPath) : path;
  let ok: unknown;
  try {
    ok = r.program(ctx);
  } catch (e) {
    errors.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${value}": ${(e as Error).message.split('\n')[0]} evaluating rule: ${ruleText(rule)}` });
    return;
  }
  if (ok === true) return;
  const message = messageOf(r, ctx);
  switch (rule.reason) {
    case 'FieldValueForbidden': errors.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` }); break;
    case 'FieldValueRequired': errors.push({ reason: 'FieldValueRequired', field, message: `Required value: ${message}` }); break;
    case 'FieldValueDuplicate': errors.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: "${value}": ${message}` }); break;
    default: errors.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${value}": ${message}` });
  }
}

const ruleText = (rule: ValidationRule) => rule.rule;

/** messageExpression's result when it gives a usable one, else message, else "failed rule: <rule>". */
function messageOf(r: CompiledRule, ctx: Record<string, unknown>): string {
  if (r.message) {
    try {
      const m = r.message(ctx);
      if (typeof m === 'string' && m.trim() !== '' && !/[\r\n]/.test(m) && m.length <= 5000) return m;
    } catch { /* falls back to message */ }
  }
  return r.rule.message ?? `failed rule: ${ruleText(r.rule)}`;
}

/** A rule's fieldPath (".spec.replicas", "['a.b']", "[0]") joined to the path of its node. */
function fieldOf(path: string, fieldPath: string): string {
  const parts = splitFieldPath(fieldPath) ?? [];
  let out = path;
  for (const p of parts) out = p.index !== undefined ? `${out}[${p.index}]` : /^[A-Za-z_$][\w$-]*$/.test(p.name!) ? join(out, p.name!) : `${out}[${p.name}]`;
  return out;
}
