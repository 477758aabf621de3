// Server-side field validation (fieldValidation=Strict|Warn|Ignore) and
// pruning, the way kube-apiserver's strict JSON decoder (sigs.k8s.io/json
// UnmarshalStrict) sees a request body: unknown fields and duplicate keys,
// named by their JSON path ("spec.containers[0].foo"), in document order.
import { UNMARSHAL_ERRORS } from '../request/yaml';
import type { SchemaNode } from './types';

export interface FieldCheckResult {
  /** Paths of unknown fields, e.g. "spec.x", "spec.containers[0].foo". */
  unknown: string[];
  /** Paths of keys given twice in one object, e.g. "metadata.name". */
  duplicates: string[];
  /** Every finding as kube words it, in document order: `unknown field "spec.x"`, `duplicate field "metadata.name"`. */
  messages: string[];
}

/** The decoder keeps at most this many strict errors (as sigs.k8s.io/json does). */
const MAX_ERRORS = 100;

/**
 * What the scanner does inside a value:
 * - check: report unknown fields and duplicate keys (a typed value);
 * - dups: report duplicate keys only (inside preserve-unknown-fields);
 * - skip: parse only (an unknown field's value, an `any` value, a type mismatch).
 */
type Mode = 'check' | 'dups' | 'skip';

class SyntaxFailure extends Error {}

class Scanner {
  i = 0;
  readonly result: FieldCheckResult = { unknown: [], duplicates: [], messages: [] };
  private readonly seen = new Set<string>();

  constructor(private readonly s: string) {}

  private report(kind: 'unknown' | 'duplicate', path: string) {
    const message = `${kind} field ${JSON.stringify(path)}`;
    if (this.seen.has(message) || this.seen.size >= MAX_ERRORS) return;
    this.seen.add(message);
    (kind === 'unknown' ? this.result.unknown : this.result.duplicates).push(path);
    this.result.messages.push(message);
  }

  private ws() {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private fail(): never {
    throw new SyntaxFailure(`invalid JSON at offset ${this.i}`);
  }

  private expect(ch: string) {
    this.ws();
    if (this.s[this.i] !== ch) this.fail();
    this.i++;
  }

  /** A JSON string at the cursor, decoded. */
  string(): string {
    const s = this.s;
    const start = this.i;
    if (s[start] !== '"') this.fail();
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) this.fail();
      if (c === 0x22) break;
      if (c === 0x5c) { escaped = true; i += 2; continue; }
      i++;
    }
    this.i = i + 1;
    if (!escaped) return s.slice(start + 1, i);
    try { return JSON.parse(s.slice(start, i + 1)) as string; } catch { this.fail(); }
  }

  /** One value at the cursor, checked against `node` in `mode`. */
  value(node: SchemaNode | undefined, path: string, mode: Mode) {
    this.ws();
    const c = this.s[this.i];
    if (node?.type === 'any') mode = 'skip';
    if (c === '{') {
      if (mode === 'check' && node && node.type !== 'object' && node.type !== 'map') mode = 'skip';
      this.object(node, path, mode);
    } else if (c === '[') {
      if (mode === 'check' && node?.type !== 'array') mode = 'skip';
      this.array(node?.type === 'array' ? node.items : undefined, path, mode);
    } else if (c === '"') this.string();
    else this.literal();
  }

  private literal() {
    const s = this.s;
    let i = this.i;
    while (i < s.length && /[-+0-9.eEa-z]/.test(s[i])) i++;
    if (i === this.i) this.fail();
    this.i = i;
  }

  private object(node: SchemaNode | undefined, path: string, mode: Mode) {
    this.i++; // {
    const keys = mode === 'skip' ? undefined : new Set<string>();
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return; }
    for (;;) {
      this.ws();
      const key = this.string();
      this.expect(':');
      const childPath = path ? `${path}.${key}` : key;
      // A typed struct tracks only its known fields (a repeated unknown key is
      // one unknown field); maps and untyped (preserved) objects track every key.
      if (keys && (mode === 'dups' || node?.type !== 'object' || node.preserveUnknownFields || Object.hasOwn(node.fields, key))) {
        if (keys.has(key)) this.report('duplicate', childPath);
        else keys.add(key);
      }
      if (mode === 'skip') this.value(undefined, childPath, 'skip');
      else if (node?.type === 'object') {
        const field = fieldOf(node, key);
        if (field) this.value(field, childPath, mode);
        else if (node.preserveUnknownFields) this.value(undefined, childPath, 'dups');
        else {
          if (mode === 'check') this.report('unknown', childPath);
          this.value(undefined, childPath, mode === 'dups' ? 'dups' : 'skip');
        }
      } else if (node?.type === 'map') this.value(node.values, childPath, mode);
      else this.value(undefined, childPath, mode === 'dups' ? 'dups' : 'skip');
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return;
      if (c !== ',') { this.i--; this.fail(); }
    }
  }

  private array(items: SchemaNode | undefined, path: string, mode: Mode) {
    this.i++; // [
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return; }
    for (let n = 0; ; n++) {
      this.value(items, `${path}[${n}]`, mode);
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return;
      if (c !== ',') { this.i--; this.fail(); }
    }
  }
}

/**
 * Unknown and duplicate fields of a raw JSON request body against a kind's
 * schema. Malformed JSON yields an empty result: decoding reports it.
 */
export function checkFields(node: SchemaNode, rawJsonText: string): FieldCheckResult {
  const scanner = new Scanner(rawJsonText);
  try {
    scanner.value(node, '', 'check');
  } catch (e) {
    if (e instanceof SyntaxFailure) return { unknown: [], duplicates: [], messages: [] };
    throw e;
  }
  return scanner.result;
}

/** Unknown fields of an already decoded value (a YAML or protobuf body: duplicates are found by their decoders). */
export function checkObject(node: SchemaNode, value: unknown): FieldCheckResult {
  const result: FieldCheckResult = { unknown: [], duplicates: [], messages: [] };
  const walk = (n: SchemaNode, v: unknown, path: string) => {
    if (result.unknown.length >= MAX_ERRORS) return;
    if (n.type === 'array') {
      if (Array.isArray(v)) v.forEach((item, i) => walk(n.items, item, `${path}[${i}]`));
      return;
    }
    if (!isPlainObject(v)) return;
    if (n.type === 'map') {
      for (const [k, x] of Object.entries(v)) walk(n.values, x, path ? `${path}.${k}` : k);
    } else if (n.type === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        const f = fieldOf(n, k);
        if (f) walk(f, x, p);
        else if (!n.preserveUnknownFields) {
          result.unknown.push(p);
          result.messages.push(`unknown field ${JSON.stringify(p)}`);
        }
      }
    }
  };
  walk(node, value, '');
  return result;
}

/** A struct's field by JSON name (own properties only: "constructor" is not a field). */
const fieldOf = (n: { fields: Record<string, SchemaNode> }, key: string): SchemaNode | undefined =>
  (Object.hasOwn(n.fields, key) ? n.fields[key] : undefined);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Drops the fields the schema does not know from a decoded object, in place
 * (kube-apiserver decodes into typed structs, so unknown fields are never
 * stored). Returns the same object.
 */
export function prune<T>(node: SchemaNode, obj: T): T {
  const walk = (n: SchemaNode, v: unknown) => {
    if (n.type === 'array') {
      if (Array.isArray(v)) for (const item of v) walk(n.items, item);
      return;
    }
    if (!isPlainObject(v)) return;
    if (n.type === 'map') {
      for (const x of Object.values(v)) walk(n.values, x);
    } else if (n.type === 'object') {
      for (const k of Object.keys(v)) {
        const f = fieldOf(n, k);
        if (f) walk(f, v[k]);
        else if (!n.preserveUnknownFields) delete v[k];
      }
    }
  };
  walk(node, obj);
  return obj;
}

const hasFindings = (r: FieldCheckResult) => r.messages.length > 0;

/**
 * The 400 message of fieldValidation=Strict:
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.x", duplicate field "metadata.name"`.
 * `kind`/`version` are those the body declares; `targetKind` the kind decoded into (the same for a plain write).
 * Undefined when there is nothing to report.
 */
export function strictDecodingError(kind: string, version: string, result: FieldCheckResult, targetKind = kind): string | undefined {
  if (!hasFindings(result)) return undefined;
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${targetKind}: strict decoding error: ${result.messages.join(', ')}`;
}

/** Warning header values of fieldValidation=Warn: `299 - "unknown field \"spec.x\""`, one per finding. */
export function warningsFor(result: FieldCheckResult): string[] {
  return result.messages.flatMap(yamlWarnings).map((m) => `299 - "${m.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}

/** parseYAMLWarnings: go-yaml's strict error lists each finding on its own line, and each is a warning. */
export const yamlWarnings = (m: string) => (m.startsWith(UNMARSHAL_ERRORS) ? m.slice(UNMARSHAL_ERRORS.length).split('\n').map((l) => l.trim()) : [m]);
