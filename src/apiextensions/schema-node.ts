// A CRD version's structural schema as the write path's SchemaNode: what
// pruning, strict field validation, server-side apply and managedFields walk
// for built-in kinds, made from the openAPIV3Schema at run time.
import type { SchemaNode } from '../schema/types';
import { nodeForDefinition } from '../schema';
import type { JSONSchemaProps } from './types';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const STRING: SchemaNode = { type: 'string' };

/** The node of a custom resource: apiVersion, kind and metadata are always there, as for every object. */
export function resourceNode(root: JSONSchemaProps): SchemaNode {
  return withResourceMeta(toNode(root));
}

function withResourceMeta(node: SchemaNode): SchemaNode {
  if (node.type !== 'object') return node;
  return { ...node, fields: { ...node.fields, apiVersion: STRING, kind: STRING, metadata: nodeForDefinition(OBJECT_META) } };
}

export function toNode(s: JSONSchemaProps): SchemaNode {
  const description = s.description ? { description: s.description } : {};
  if (s['x-kubernetes-int-or-string']) return { type: 'any', ...description };
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  switch (s.type) {
    case 'object': {
      const ap = s.additionalProperties;
      if (ap !== undefined && ap !== false && !s.properties) {
        return { type: 'map', values: ap === true ? { type: 'any' } : toNode(ap), ...description, ...(s['x-kubernetes-map-type'] ? { mapType: s['x-kubernetes-map-type'] as 'atomic' | 'granular' } : {}) };
      }
      if (!s.properties && preserve) return { type: 'any', ...description };
      const fields: Record<string, SchemaNode> = {};
      for (const [k, p] of Object.entries(s.properties ?? {})) fields[k] = toNode(p);
      const node: SchemaNode = {
        type: 'object', fields, ...description,
        ...(s.required?.length ? { required: s.required } : {}),
        ...(preserve ? { preserveUnknownFields: true } : {}),
        ...(s['x-kubernetes-map-type'] ? { mapType: s['x-kubernetes-map-type'] as 'atomic' | 'granular' } : {}),
      };
      return s['x-kubernetes-embedded-resource'] ? withResourceMeta(node) : node;
    }
    case 'array': {
      const items = s.items && !Array.isArray(s.items) ? toNode(s.items) : { type: 'any' as const };
      const listType = (s['x-kubernetes-list-type'] ?? 'atomic') as 'atomic' | 'set' | 'map';
      return { type: 'array', items, listType, ...(s['x-kubernetes-list-map-keys'] ? { listMapKeys: s['x-kubernetes-list-map-keys'] } : {}), ...description };
    }
    case 'string': case 'integer': case 'number': case 'boolean':
      return { type: s.type, ...(s.format ? { format: s.format } : {}), ...description };
    default:
      return { type: 'any', ...description };
  }
}
