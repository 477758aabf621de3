// The schemas of the served kinds, built lazily from the generated OpenAPI
// definitions (scripts/gen-schemas.mjs -> generated/definitions.json) into
// resolved SchemaNode graphs, one shared node per definition.
import type { SchemaIndex, SchemaNode } from './types';
import data from './generated/definitions.json';
import { METRICS_DEFINITIONS } from './metrics-definitions';

export type { SchemaIndex, SchemaNode } from './types';

/** One OpenAPI schema as stored in definitions.json; "$ref" holds a bare definition name. */
export interface OpenAPISchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  $ref?: string;
  properties?: Record<string, OpenAPISchema>;
  additionalProperties?: OpenAPISchema;
  items?: OpenAPISchema;
  required?: string[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const DEFINITIONS: Record<string, OpenAPISchema> = { ...(data as unknown as { definitions: Record<string, OpenAPISchema> }).definitions, ...METRICS_DEFINITIONS };

export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
export const FIELDS_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1';

/** Definitions whose values are not structurally checked: anything goes. */
const ANY_DEFINITIONS = new Set([INT_OR_STRING, QUANTITY, RAW_EXTENSION, FIELDS_V1]);

/** Every generated definition, by name (read-only). */
export const definitions = (): Readonly<Record<string, OpenAPISchema>> => DEFINITIONS;

export const definition = (name: string): OpenAPISchema | undefined => DEFINITIONS[name];

let gvkIndex: Map<string, string> | undefined;
const gvkKey = (group: string, version: string, kind: string) => `${group}/${version}/${kind}`;

/** The definition name of a kind ("io.k8s.api.core.v1.Pod" for "", "v1", "Pod"), from x-kubernetes-group-version-kind. */
export function schemaNameForKind(group: string, version: string, kind: string): string | undefined {
  if (!gvkIndex) {
    gvkIndex = new Map();
    for (const [name, def] of Object.entries(DEFINITIONS)) {
      for (const g of def['x-kubernetes-group-version-kind'] ?? []) gvkIndex.set(gvkKey(g.group, g.version, g.kind), name);
    }
  }
  return gvkIndex.get(gvkKey(group, version, kind));
}

const nodes = new Map<string, SchemaNode>();
const inProgress = new Set<string>();

/** The resolved node of a definition; a reference back into a definition being built (a cycle) is `any`. */
export function nodeForDefinition(name: string): SchemaNode {
  const cached = nodes.get(name);
  if (cached) return cached;
  const def = DEFINITIONS[name];
  if (!def) return { type: 'any' };
  if (ANY_DEFINITIONS.has(name)) return remember(name, { type: 'any', ...desc(def) });
  if (def.type !== 'object' || !def.properties) {
    if (def.type === 'object' || def.type === undefined || def.type === 'array') return remember(name, { type: 'any', ...desc(def) });
    return remember(name, { type: def.type, ...(def.format ? { format: def.format } : {}), ...desc(def) });
  }
  if (inProgress.has(name)) return { type: 'any', ...desc(def) };
  inProgress.add(name);
  try {
    const fields: Record<string, SchemaNode> = {};
    for (const [k, p] of Object.entries(def.properties)) fields[k] = nodeForSchema(p);
    const node: SchemaNode = {
      type: 'object', name, fields,
      ...(def.required?.length ? { required: def.required } : {}),
      ...desc(def),
      ...(def['x-kubernetes-map-type'] ? { mapType: def['x-kubernetes-map-type'] } : {}),
      ...(def['x-kubernetes-preserve-unknown-fields'] ? { preserveUnknownFields: true } : {}),
    };
    return remember(name, node);
  } finally {
    inProgress.delete(name);
  }
}

function remember(name: string, node: SchemaNode): SchemaNode {
  nodes.set(name, node);
  return node;
}

const desc = (s: OpenAPISchema) => (s.description ? { description: s.description } : {});

/** The node of one property, item or map value schema. */
export function nodeForSchema(s: OpenAPISchema): SchemaNode {
  if (s.$ref) {
    const base = nodeForDefinition(s.$ref);
    // Field-level metadata on a struct field needs a node of its own (fields stay shared).
    if (base.type === 'object' && (s['x-kubernetes-patch-strategy'] || s['x-kubernetes-map-type'])) {
      return {
        ...base,
        ...(s['x-kubernetes-patch-strategy'] ? { patchStrategy: s['x-kubernetes-patch-strategy'] } : {}),
        ...(s['x-kubernetes-map-type'] ? { mapType: s['x-kubernetes-map-type'] } : {}),
      };
    }
    return base;
  }
  switch (s.type) {
    case 'array':
      return {
        type: 'array', items: s.items ? nodeForSchema(s.items) : { type: 'any' }, ...desc(s),
        ...(s['x-kubernetes-list-type'] ? { listType: s['x-kubernetes-list-type'] } : {}),
        ...(s['x-kubernetes-list-map-keys'] ? { listMapKeys: s['x-kubernetes-list-map-keys'] } : {}),
        ...(s['x-kubernetes-patch-strategy'] ? { patchStrategy: s['x-kubernetes-patch-strategy'] } : {}),
        ...(s['x-kubernetes-patch-merge-key'] ? { patchMergeKey: s['x-kubernetes-patch-merge-key'] } : {}),
      };
    case 'object':
      if (s.additionalProperties) {
        return {
          type: 'map', values: nodeForSchema(s.additionalProperties), ...desc(s),
          ...(s['x-kubernetes-map-type'] ? { mapType: s['x-kubernetes-map-type'] } : {}),
        };
      }
      if (s.properties) {
        const fields: Record<string, SchemaNode> = {};
        for (const [k, p] of Object.entries(s.properties)) fields[k] = nodeForSchema(p);
        return { type: 'object', fields, ...desc(s), ...(s.required?.length ? { required: s.required } : {}) };
      }
      return { type: 'any', ...desc(s) };
    case 'string': case 'integer': case 'number': case 'boolean':
      return { type: s.type, ...(s.format ? { format: s.format } : {}), ...desc(s) };
    default:
      return { type: 'any', ...desc(s) };
  }
}

/** A kind's schema: its own (custom resources), or the generated one of its kind. */
export const schemaFor = (def: { group: string; version: string; kind: string; schema?: SchemaNode }): SchemaNode | undefined =>
  def.schema ?? schemas.forKind(def.group, def.version, def.kind);

/** The schema index over the generated definitions. */
export const schemas: SchemaIndex = {
  forKind(group, version, kind) {
    const name = schemaNameForKind(group, version, kind);
    return name ? nodeForDefinition(name) : undefined;
  },
};
