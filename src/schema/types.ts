// The structural schema of a kind, as the write path needs it: which fields
// exist (field validation and pruning), and how lists and maps merge
// (strategic merge patch, server-side apply). Built from the generated
// OpenAPI schemas plus the x-kubernetes-* patch and list metadata.

export type SchemaNode =
  | {
      type: 'object';
      /** The definition name, e.g. "io.k8s.api.core.v1.PodSpec". */
      name?: string;
      fields: Record<string, SchemaNode>;
      required?: string[];
      description?: string;
      /** x-kubernetes-map-type */
      mapType?: 'atomic' | 'granular';
      /** x-kubernetes-patch-strategy on a struct field, e.g. "retainKeys" (Deployment spec.strategy). */
      patchStrategy?: string;
      preserveUnknownFields?: boolean;
    }
  | { type: 'map'; values: SchemaNode; description?: string; mapType?: 'atomic' | 'granular' }
  | {
      type: 'array';
      items: SchemaNode;
      description?: string;
      /** x-kubernetes-list-type */
      listType?: 'atomic' | 'set' | 'map';
      /** x-kubernetes-list-map-keys */
      listMapKeys?: string[];
      /** x-kubernetes-patch-strategy ("merge", "retainKeys", "merge,retainKeys", "replace") */
      patchStrategy?: string;
      /** x-kubernetes-patch-merge-key */
      patchMergeKey?: string;
    }
  | { type: 'string' | 'integer' | 'number' | 'boolean'; format?: string; description?: string }
  /** int-or-string, Quantity, RawExtension, JSON: anything goes. */
  | { type: 'any'; description?: string };

/** Object fields may also carry patch metadata (retainKeys on e.g. volume sources, strategy). */
export interface SchemaIndex {
  /** The schema of a kind's object, or undefined when the kind has none. */
  forKind(group: string, version: string, kind: string): SchemaNode | undefined;
}
