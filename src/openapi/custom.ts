// The OpenAPI v3 schemas of custom resources, as apiextensions-apiserver's
// builder publishes them: the CRD version's schema named after the reversed
// group ("com.example.stable.v1.Widget"), with apiVersion, kind and metadata
// added, x-kubernetes-group-version-kind set, and a list kind beside it.
import type { JSONSchemaProps } from '../apiextensions/types';
import type { CustomResourceVersion } from '../apiextensions/definition';
import { listKindOf } from '../resources/registry';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const REF = '#/components/schemas/';

/** "stable.example.com", "v1", "Widget" -> "com.example.stable.v1.Widget". */
export const customSchemaName = (group: string, version: string, kind: string) => `${group.split('.').reverse().join('.')}.${version}.${kind}`;

const API_VERSION_DOC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** A CRD schema node as published: int-or-string spelled out, embedded resources given their metadata. */
function publish(s: JSONSchemaProps): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, JSONSchemaProps>).map(([n, p]) => [n, publish(p)]));
    else if (k === 'items' && !Array.isArray(v)) out.items = publish(v as JSONSchemaProps);
    else if (k === 'additionalProperties' && typeof v === 'object') out.additionalProperties = publish(v as JSONSchemaProps);
    else if (['allOf', 'anyOf', 'oneOf'].includes(k)) out[k] = (v as JSONSchemaProps[]).map(publish);
    else if (k === 'not') out.not = publish(v as JSONSchemaProps);
    else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string'] && !s.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  if (s['x-kubernetes-embedded-resource']) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(out.properties ?? {}) };
  }
  return out;
}

/** The kind's and its list's schemas, by name. */
export function customSchemas(v: CustomResourceVersion): Record<string, Json> {
  const { def } = v;
  const name = customSchemaName(def.group, def.version, def.kind);
  const gvk = (kind: string) => [{ group: def.group, kind, version: def.version }];
  const root = publish(v.schema);
  const listKind = listKindOf(def);
  return {
    [name]: {
      ...root,
      properties: {
        apiVersion: { description: API_VERSION_DOC, type: 'string' },
        kind: { description: KIND_DOC, type: 'string' },
        metadata: { allOf: [{ $ref: `${REF}${META}ObjectMeta` }], description: METADATA_DOC },
        ...Object.fromEntries(Object.entries(root.properties ?? {}).filter(([k]) => !['apiVersion', 'kind', 'metadata'].includes(k))),
      },
      type: 'object',
      'x-kubernetes-group-version-kind': gvk(def.kind),
    },
    [customSchemaName(def.group, def.version, listKind)]: {
      description: `${listKind} is a list of ${def.kind}`,
      properties: {
        apiVersion: { description: API_VERSION_DOC, type: 'string' },
        items: { description: `List of ${def.resource}. More info: https://git.k8s.io/community/contributors/devel/api-conventions.md`, items: { $ref: `${REF}${name}` }, type: 'array' },
        kind: { description: KIND_DOC, type: 'string' },
        metadata: { allOf: [{ $ref: `${REF}${META}ListMeta` }], description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      },
      required: ['items'],
      type: 'object',
      'x-kubernetes-group-version-kind': gvk(listKind),
    },
  };
}
