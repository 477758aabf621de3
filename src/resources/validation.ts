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

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Service names and port names: an RFC 1035 label, which unlike RFC 1123 must start with a letter. */
export function dns1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v)) errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  return errs;
}

export function portNumber(v: unknown): string[] {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName: named ports (IANA_SVC_NAME). */
export function portName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIP(v: string): boolean {
  if (IPV4.test(v)) return true;
  if (!v.includes(':') || v.includes(':::')) return false;
  const [head, tail, ...rest] = v.split('::');
  if (rest.length) return false;
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const parts = [...groups(head), ...groups(tail)];
  const last = parts[parts.length - 1];
  const v4tail = last !== undefined && IPV4.test(last);
  const hex = v4tail ? parts.slice(0, -1) : parts;
  if (!hex.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p))) return false;
  const n = hex.length + (v4tail ? 2 : 0);
  return tail === undefined ? n === 8 : n < 8;
}

export function ipAddress(v: string): string[] {
  return isIP(v) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

/** ValidateNonnegativeField. Non-integers get the same message, as a decoding error would reject them anyway. */
export function nonNegative(e: Errors, v: unknown, field: string) {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || (v as number) < 0) e.invalid(field, v, 'must be greater than or equal to 0');
}

/** ValidatePositiveField. */
export function positive(e: Errors, v: unknown, field: string) {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || (v as number) <= 0) e.invalid(field, v, 'must be greater than 0');
}

/** An IntOrString that is a count or a percentage (maxSurge, minAvailable, ...). */
export function intOrPercent(e: Errors, v: unknown, field: string) {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') { nonNegative(e, v, field); return; }
  if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) {
    e.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
  }
}

/** The percentage of an IntOrString, or undefined when it is a plain count. */
export const percentOf = (v: unknown): number | undefined => (typeof v === 'string' && /^[0-9]+%$/.test(v) ? parseInt(v, 10) : undefined);
