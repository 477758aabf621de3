// Validation helpers shared by the definitions, following
// k8s.io/apimachinery/pkg/util/validation: the same regexps, limits and
// messages, so a client sees the text kube-apiserver would print.
import type { FieldError, KObject } from './types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function dns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  return errs;
}

export function dns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return errs;
}

/** Names that only have to be a valid path segment (e.g. RBAC objects). */
export function pathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  if (v.includes('/')) return ["may not contain '/'"];
  if (v.includes('%')) return ["may not contain '%'"];
  return [];
}

export function qualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name = v;
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME.test(name)) errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  return errs;
}

export function labelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  return errs;
}

export const isCIdentifier = (v: string) => C_IDENTIFIER.test(v);
export const isEnvVarName = (v: string) => ENV_VAR_NAME.test(v);

/** Collects FieldErrors with kube-apiserver's message format. */
export class Errors {
  readonly list: FieldError[] = [];
  required(field: string, detail = '') {
    this.list.push({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
  }
  invalid(field: string, value: unknown, detail: string) {
    this.list.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${fmt(value)}: ${detail}` });
  }
  notSupported(field: string, value: unknown, supported: string[]) {
    this.list.push({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${fmt(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` });
  }
  duplicate(field: string, value: unknown) {
    this.list.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${fmt(value)}` });
  }
  forbidden(field: string, detail: string) {
    this.list.push({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
  }
  tooLong(field: string, max: number) {
    this.list.push({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` });
  }
  typeInvalid(field: string, value: unknown, detail: string) {
    this.list.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${fmt(value)}: ${detail}` });
  }
  /** Runs a string check (dns1123Label etc.) and records each message. */
  check(field: string, value: string, fn: (v: string) => string[]) {
    for (const m of fn(value)) this.invalid(field, value, m);
  }
  /** The field must be present and a non-empty string. Returns it when it is. */
  requireString(obj: KObject | undefined, key: string, field: string): string | undefined {
    const v = obj?.[key];
    if (v === undefined || v === null || v === '') { this.required(field); return undefined; }
    if (typeof v !== 'string') { this.typeInvalid(field, v, 'must be a string'); return undefined; }
    return v;
  }
  /** The field, when present, must be an array; returns it or []. */
  array(obj: KObject | undefined, key: string, field: string): KObject[] {
    const v = obj?.[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) { this.typeInvalid(field, v, 'must be an array'); return []; }
    return v;
  }
  /** Records a Forbidden error when `path` differs between the two objects. */
  immutable(newObj: KObject, oldObj: KObject, path: string[], field = path.join('.')) {
    if (!deepEqual(dig(newObj, path), dig(oldObj, path))) this.invalid(field, dig(newObj, path) ?? null, 'field is immutable');
  }
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function dig(obj: KObject | undefined, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as KObject)[p];
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as KObject)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as KObject)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as KObject)[k], (b as KObject)[k]));
}
