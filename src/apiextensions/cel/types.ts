// A CRD schema as CEL sees it (kube's DeclType from a structural schema): an
// object with properties is a type with those fields, additionalProperties a
// map, an array a list, date-time strings timestamps, and anything
// schemaless (preserve-unknown-fields, int-or-string) dyn. Values are turned
// into CEL's forms the same way: integers as int (bigint), timestamps as Dates.
import type { Environment } from '@marcbachmann/cel-js';
import type { JSONSchemaProps } from '../types';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Registers the object types of a schema in `env`; returns the CEL type of each schema node. */
export class SchemaTypes {
  private readonly names = new Map<JSONSchemaProps, string>();
  private next = 0;

  constructor(private readonly env: Environment, private readonly prefix: string) {}

  /** The CEL type name of a node; `root` adds what every object has at the root (apiVersion, kind, metadata.name). */
  typeOf(s: JSONSchemaProps, root = false): string {
    if (s['x-kubernetes-int-or-string'] || (s['x-kubernetes-preserve-unknown-fields'] && !s.properties && !s.type)) return 'dyn';
    switch (s.type) {
      case 'integer': return 'int';
      case 'number': return 'double';
      case 'boolean': return 'bool';
      case 'string': return s.format === 'date-time' ? 'google.protobuf.Timestamp' : s.format === 'byte' ? 'bytes' : 'string';
      case 'array': return s.items && !Array.isArray(s.items) ? `list<${this.typeOf(s.items)}>` : 'list<dyn>';
      case 'object': {
        if (typeof s.additionalProperties === 'object') return `map<string, ${this.typeOf(s.additionalProperties)}>`;
        if (s.additionalProperties === true || !s.properties || s['x-kubernetes-preserve-unknown-fields']) return s.properties ? this.objectType(s, root) : 'map<string, dyn>';
        return this.objectType(s, root);
      }
      default: return 'dyn';
    }
  }

  private objectType(s: JSONSchemaProps, root: boolean): string {
    const known = this.names.get(s);
    if (known) return known;
    const name = `${this.prefix}.Object${this.next++}`;
    this.names.set(s, name);
    const fields: Record<string, string> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) fields[k] = this.typeOf(p);
    if (root || s['x-kubernetes-embedded-resource']) {
      const meta = `${name}.Metadata`;
      this.env.registerType(meta, { fields: { name: 'string', generateName: 'string' } });
      Object.assign(fields, { apiVersion: 'string', kind: 'string', metadata: meta });
    }
    this.env.registerType(name, { fields });
    return name;
  }
}

/** A JSON value in the form CEL evaluates, following its schema. */
export function toCel(s: JSONSchemaProps | undefined, v: unknown, root = false): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === 'number') return s?.type === 'number' ? v : Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string') {
    if (s?.format === 'date-time' && s.type === 'string') { const d = new Date(v); return Number.isNaN(d.getTime()) ? v : d; }
    if (s?.format === 'byte' && s.type === 'string') { try { return Uint8Array.from(atob(v), (c) => c.charCodeAt(0)); } catch { return v; } }
    return v;
  }
  if (Array.isArray(v)) {
    const items = s?.items && !Array.isArray(s.items) ? s.items : undefined;
    return v.map((x) => toCel(items, x));
  }
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    const ap = s && typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if ((root || s?.['x-kubernetes-embedded-resource']) && k === 'metadata' && isObject(x)) {
        // only name and generateName of metadata are visible to rules
        out.metadata = Object.fromEntries(['name', 'generateName'].filter((n) => typeof x[n] === 'string').map((n) => [n, x[n]]));
        continue;
      }
      out[k] = toCel(s?.properties?.[k] ?? ap, x);
    }
    return out;
  }
  return v;
}
