// The OpenAPI v3 document of one group-version, as kube-apiserver publishes it
// at /openapi/v3/apis/{group}/{version}: paths with kube's operation names and
// x-kubernetes-action / x-kubernetes-group-version-kind, and components.schemas
// with every definition reachable from the group-version's kinds.
//
// kubectl reads it for `explain` (components) and to decide whether the server
// validates fields itself (the `fieldValidation` parameter of each resource's
// PATCH operation, whose x-kubernetes-group-version-kind is an object).
import type { ResourceDefinition, SubresourceDefinition, Verb } from '../resources/types';
import { groups, listKindOf, resourcesIn, verbsOf } from '../resources/registry';
import { definition, schemaNameForKind, type OpenAPISchema } from '../schema';
import type { CustomResourceVersion } from '../apiextensions/definition';
import { customSchemaName, customSchemas } from './custom';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const REF = '#/components/schemas/';
const ref = (name: string) => ({ $ref: REF + name });

interface GVK { group: string; version: string; kind: string }

// ---------------------------------------------------------------------------
// Names.

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "rbac.authorization.k8s.io" -> "rbacAuthorization"; "" -> "core". */
function groupIdentifier(group: string) {
  if (group === '') return 'core';
  const parts = group.replace(/\.k8s\.io$/, '').split(/[.-]/);
  return parts[0] + parts.slice(1).map(capitalize).join('');
}

/** The tag of a group-version's operations, "core_v1", "apps_v1", "rbacAuthorization_v1". */
export const tagOf = (group: string, version: string) => `${groupIdentifier(group)}_${version}`;

/** The part of each operationId naming the group-version: "CoreV1", "AppsV1", "RbacAuthorizationV1". */
const operationPrefix = (group: string, version: string) => capitalize(groupIdentifier(group)) + capitalize(version);

/** The key of a group-version in /openapi/v3: "api/v1", "apis/apps/v1". */
export const documentKey = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

// ---------------------------------------------------------------------------
// Parameters (kube's wording).

const query = (name: string, type: string, description?: string) => ({
  ...(description ? { description } : {}), in: 'query', name, schema: { type, uniqueItems: true },
});

const P = {
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  namespace: { description: 'object name and auth scope, such as for teams and projects', in: 'path', name: 'namespace', required: true, schema: { type: 'string', uniqueItems: true } },
  name: (kind: string) => ({ description: `name of the ${kind}`, in: 'path', name: 'name', required: true, schema: { type: 'string', uniqueItems: true } }),
  path: { description: 'path to the resource', in: 'path', name: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
  dryRun: query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldManagerPatch: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).'),
  fieldValidation: query('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
  ignoreStoreReadError: query('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it"),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.'),
  propagationPolicy: query('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.'),
  continue: query('continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token. If the client needs a consistent list, it must restart their list without the continue field. Otherwise, the client may send another list request with the token received with the 410 error, the server will respond with a list starting from the next key, but from the latest snapshot, which is inconsistent from the previous list results - objects that are created, modified, or deleted after the first list request will be included in the response, as long as their keys are after the "next key".\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.'),
  fieldSelector: query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: query('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available. Servers may choose not to support the limit argument and will return all of the available results. If limit is specified and the continue field is empty, clients may assume that no more results are available. This field is not supported if watch is true.\n\nThe server guarantees that the objects returned when using continue will be identical to issuing a single list call without a limit - that is, no objects created, modified, or deleted after the first request is issued will be included in any subsequent continued requests. This is sometimes referred to as a consistent snapshot, and ensures that a client that is using limit to receive smaller chunks of a very large result can ensure they see all possible objects. If objects are updated during a chunked list the version of the object that was present at the time the first list result was calculated is returned.'),
  resourceVersion: query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `"k8s.io/initial-events-end": "true"` annotation. Afterwards, the watch stream will proceed as usual, sending watch events corresponding to changes (subsequent to the RV) to objects watched.\n\nWhen `sendInitialEvents` option is set, we require `resourceVersionMatch` option to also be set. The semantic of the watch request is as following: - `resourceVersionMatch` = NotOlderThan\n  is interpreted as "data at least as new as the provided `resourceVersion`"\n  and the bookmark event is send when the state is synced\n  to a `resourceVersion` at least as fresh as the one provided by the ListOptions.\n  If `resourceVersion` is unset, this is interpreted as "consistent read" and the\n  bookmark event is send when the state is synced at least to the moment\n  when request started being processed.\n- `resourceVersionMatch` set to any other value or unset\n  Invalid error is returned.\n\nDefaults to true if `resourceVersion=""` or `resourceVersion="0"` (for backward compatibility reasons) and to false otherwise.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManagerPatch, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy];
const DELETECOLLECTION_PARAMS = [
  P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit,
  P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds,
];

// ---------------------------------------------------------------------------
// Operations.

const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const LIST_TYPES = [...OBJECT_TYPES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

const content = (types: string[], schema: Json) => Object.fromEntries(types.map((t) => [t, { schema }]));
const response = (description: string, schema: Json, types = OBJECT_TYPES) => ({ content: content(types, schema), description });
const UNAUTHORIZED = { description: 'Unauthorized' };

interface OperationSpec {
  description: string;
  operationId: string;
  action: string;
  gvk: GVK;
  tag: string;
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

function operation(o: OperationSpec) {
  return {
    description: o.description,
    operationId: o.operationId,
    ...(o.parameters?.length ? { parameters: o.parameters } : {}),
    ...(o.requestBody ? { requestBody: o.requestBody } : {}),
    responses: { ...o.responses, 401: UNAUTHORIZED },
    tags: [o.tag],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version },
  };
}

const bodyOf = (schemaName: string) => ({ content: { '*/*': { schema: ref(schemaName) } }, required: true });
const patchBody = { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: ref(META + 'Patch') }])), required: true };
const deleteBody = { content: { '*/*': { schema: ref(META + 'DeleteOptions') } } };

/** HTTP methods of connect subresources, by verb. */
const CONNECT_METHODS: Partial<Record<Verb, string>> = { get: 'get', create: 'post', update: 'put', delete: 'delete', patch: 'patch' };
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

class PathsBuilder {
  readonly paths: Record<string, Json> = {};
  readonly schemaRoots = new Set<string>();
  private readonly prefix: string;
  private readonly tag: string;
  private readonly base: string;

  constructor(private readonly group: string, private readonly version: string, private readonly schemaName = schemaNameForKind) {
    this.prefix = operationPrefix(group, version);
    this.tag = tagOf(group, version);
    this.base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    this.paths[`${this.base}/`] = {
      get: {
        description: 'get available resources', operationId: `get${this.prefix}APIResources`,
        responses: { 200: response('OK', ref(META + 'APIResourceList')), 401: UNAUTHORIZED }, tags: [this.tag],
      },
    };
  }

  private path(p: string, parameters: Json[]) {
    return (this.paths[p] ??= { parameters });
  }

  add(d: ResourceDefinition) {
    const verbs = new Set(verbsOf(d));
    const kind = d.kind;
    const gvk: GVK = { group: d.group, version: d.version, kind };
    const schema = this.schemaName(d.group, d.version, kind);
    const listSchema = this.schemaName(d.group, d.version, listKindOf(d));
    if (schema) this.schemaRoots.add(schema);
    if (listSchema) this.schemaRoots.add(listSchema);
    const objectRef = schema ? ref(schema) : { type: 'object' };
    const listRef = listSchema ? ref(listSchema) : { type: 'object' };
    const ns = d.namespaced ? 'Namespaced' : '';
    const px = this.prefix;
    const tag = this.tag;
    const scope = d.namespaced ? [P.namespace] : [];
    const collection = d.namespaced ? `${this.base}/namespaces/{namespace}/${d.resource}` : `${this.base}/${d.resource}`;
    const item = `${collection}/{name}`;
    const itemParams = [P.name(kind), ...scope, P.pretty];
    const op = (o: Omit<OperationSpec, 'tag' | 'gvk'> & { gvk?: GVK }) => operation({ gvk, tag, ...o });

    // the collection
    if (verbs.has('list') || verbs.has('create') || verbs.has('deletecollection')) {
      const p = this.path(collection, [...scope, P.pretty]);
      if (verbs.has('list')) {
        p.get = op({
          description: `list or watch objects of kind ${kind}`, operationId: `list${px}${ns}${kind}`, action: 'list',
          parameters: LIST_PARAMS, responses: { 200: response('OK', listRef, LIST_TYPES) },
        });
      }
      if (verbs.has('create')) {
        p.post = op({
          description: `create ${article(kind)} ${kind}`, operationId: `create${px}${ns}${kind}`, action: 'post',
          parameters: WRITE_PARAMS, requestBody: bodyOf(schema ?? META + 'Patch'),
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef), 202: response('Accepted', objectRef) },
        });
      }
      if (verbs.has('deletecollection')) {
        p.delete = op({
          description: `delete collection of ${kind}`, operationId: `delete${px}Collection${ns}${kind}`, action: 'deletecollection',
          parameters: DELETECOLLECTION_PARAMS, requestBody: deleteBody, responses: { 200: response('OK', ref(META + 'Status')) },
        });
      }
    }
    // the items
    if (verbs.has('get') || verbs.has('update') || verbs.has('patch') || verbs.has('delete')) {
      const p = this.path(item, itemParams);
      if (verbs.has('get')) {
        p.get = op({ description: `read the specified ${kind}`, operationId: `read${px}${ns}${kind}`, action: 'get', responses: { 200: response('OK', objectRef) } });
      }
      if (verbs.has('update')) {
        p.put = op({
          description: `replace the specified ${kind}`, operationId: `replace${px}${ns}${kind}`, action: 'put',
          parameters: WRITE_PARAMS, requestBody: bodyOf(schema ?? META + 'Patch'),
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef) },
        });
      }
      if (verbs.has('patch')) {
        p.patch = op({
          description: `partially update the specified ${kind}`, operationId: `patch${px}${ns}${kind}`, action: 'patch',
          parameters: PATCH_PARAMS, requestBody: patchBody,
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef) },
        });
      }
      if (verbs.has('delete')) {
        p.delete = op({
          description: `delete ${article(kind)} ${kind}`, operationId: `delete${px}${ns}${kind}`, action: 'delete',
          parameters: DELETE_PARAMS, requestBody: deleteBody,
          responses: { 200: response('OK', objectRef), 202: response('Accepted', objectRef) },
        });
      }
    }
    // every namespace
    if (d.namespaced && verbs.has('list')) {
      this.path(`${this.base}/${d.resource}`, [...LIST_PARAMS, P.pretty]).get = op({
        description: `list or watch objects of kind ${kind}`, operationId: `list${px}${kind}ForAllNamespaces`, action: 'list',
        responses: { 200: response('OK', listRef, LIST_TYPES) },
      });
    }
    // the legacy /watch/ paths
    if (verbs.has('watch')) {
      const watchEvent = ref(META + 'WatchEvent');
      const watchDoc = `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`;
      const watchListDoc = `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`;
      const wCollection = d.namespaced ? `${this.base}/watch/namespaces/{namespace}/${d.resource}` : `${this.base}/watch/${d.resource}`;
      this.path(wCollection, [...LIST_PARAMS.filter((x) => x !== P.watch), ...scope, P.pretty, P.watch].sort(byName)).get = op({
        description: watchListDoc, operationId: `watch${px}${ns}${kind}List`, action: 'watchlist', responses: { 200: response('OK', watchEvent, LIST_TYPES) },
      });
      this.path(`${wCollection}/{name}`, [...LIST_PARAMS, P.name(kind), ...scope, P.pretty].sort(byName)).get = op({
        description: watchDoc, operationId: `watch${px}${ns}${kind}`, action: 'watch', responses: { 200: response('OK', watchEvent, LIST_TYPES) },
      });
      if (d.namespaced) {
        this.path(`${this.base}/watch/${d.resource}`, [...LIST_PARAMS, P.pretty].sort(byName)).get = op({
          description: watchListDoc, operationId: `watch${px}${kind}ListForAllNamespaces`, action: 'watchlist', responses: { 200: response('OK', watchEvent, LIST_TYPES) },
        });
      }
    }
    for (const s of d.subresources ?? []) this.addSubresource(d, s, item, itemParams);
  }

  private addSubresource(d: ResourceDefinition, s: SubresourceDefinition, item: string, itemParams: Json[]) {
    const gvk: GVK = { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind };
    const tag = this.tag;
    const op = (o: Omit<OperationSpec, 'tag' | 'gvk'>) => operation({ gvk, tag, ...o });
    const base = `${this.prefix}${d.namespaced ? 'Namespaced' : ''}${d.kind}${capitalize(s.name)}`;
    const path = `${item}/${s.name}`;
    const text = { 200: response('OK', { type: 'string' }, ['*/*']) };

    if (CONNECT_SUBRESOURCES.has(s.name)) {
      const forms: [string, Json[], string][] = [[path, itemParams, '']];
      if (s.name === 'proxy') forms.push([`${path}/{path}`, [...itemParams, P.path], 'WithPath']);
      for (const [p, params, suffix] of forms) {
        const entry = this.path(p, params);
        for (const v of s.verbs) {
          const method = CONNECT_METHODS[v];
          if (!method) continue;
          entry[method] = op({
            description: `connect ${method.toUpperCase()} requests to ${s.name} of ${d.kind}`,
            operationId: `connect${capitalize(method)}${base}${suffix}`, action: 'connect', responses: text,
          });
        }
      }
      return;
    }
    if (s.name === 'log') {
      this.path(path, itemParams).get = op({ description: `read log of the specified ${d.kind}`, operationId: `read${base}`, action: 'get', responses: text });
      return;
    }
    const schema = this.schemaName(gvk.group, gvk.version, gvk.kind);
    if (schema) this.schemaRoots.add(schema);
    const objectRef = schema ? ref(schema) : { type: 'object' };
    const what = s.name === 'status' ? `status of the specified ${d.kind}` : `${s.name} of the specified ${d.kind}`;
    const entry = this.path(path, itemParams);
    for (const v of s.verbs) {
      if (v === 'get') entry.get = op({ description: `read ${what}`, operationId: `read${base}`, action: 'get', responses: { 200: response('OK', objectRef) } });
      else if (v === 'update') {
        entry.put = op({
          description: `replace ${what}`, operationId: `replace${base}`, action: 'put', parameters: WRITE_PARAMS, requestBody: bodyOf(schema ?? META + 'Patch'),
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef) },
        });
      } else if (v === 'patch') {
        entry.patch = op({
          description: `partially update ${what}`, operationId: `patch${base}`, action: 'patch', parameters: PATCH_PARAMS, requestBody: patchBody,
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef) },
        });
      } else if (v === 'create') {
        entry.post = op({
          description: `create ${s.name} of ${article(d.kind)} ${d.kind}`, operationId: `create${base}`, action: 'post', parameters: WRITE_PARAMS,
          requestBody: bodyOf(schema ?? META + 'Patch'),
          responses: { 200: response('OK', objectRef), 201: response('Created', objectRef), 202: response('Accepted', objectRef) },
        });
      }
    }
  }
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const article = (kind: string) => (/^[AEIOU]/.test(kind) ? 'an' : 'a');

// ---------------------------------------------------------------------------
// Components.

/** A stored schema in OpenAPI v3 form: "#/components/schemas/" references, allOf around references with siblings. */
function toV3(s: OpenAPISchema): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, OpenAPISchema>).map(([n, p]) => [n, toV3(p)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = toV3(v as OpenAPISchema);
    else out[k] = v;
  }
  if (!s.$ref) return out;
  if (Object.keys(out).length === 0) return ref(s.$ref);
  return { allOf: [ref(s.$ref)], ...out };
}

function collectReferences(s: OpenAPISchema, into: Set<string>) {
  if (s.$ref) into.add(s.$ref);
  if (s.items) collectReferences(s.items, into);
  if (s.additionalProperties) collectReferences(s.additionalProperties, into);
  if (s.properties) for (const p of Object.values(s.properties)) collectReferences(p, into);
}

/** Kinds every group-version lists DeleteOptions and WatchEvent under, as kube-apiserver does. */
function everyGroupVersion(kind: string) {
  return groups().flatMap((g) => g.versions.map((version) => ({ group: g.group, kind, version })));
}

function components(roots: Set<string>, custom: Record<string, Json> = {}) {
  const names = new Set<string>();
  const queue = [...roots, META + 'DeleteOptions', META + 'Status', META + 'WatchEvent', META + 'APIResourceList', META + 'Patch'];
  if (Object.keys(custom).length) queue.push(META + 'ObjectMeta', META + 'ListMeta');
  while (queue.length) {
    const name = queue.pop()!;
    if (names.has(name) || custom[name]) continue;
    const def = definition(name);
    if (!def) continue;
    names.add(name);
    const refs = new Set<string>();
    collectReferences(def, refs);
    queue.push(...refs);
  }
  const schemas: Record<string, Json> = {};
  for (const name of [...names].sort()) {
    const v3 = toV3(definition(name)!);
    if (name === META + 'DeleteOptions' || name === META + 'WatchEvent') v3['x-kubernetes-group-version-kind'] = everyGroupVersion(name.slice(META.length));
    schemas[name] = v3;
  }
  return { ...schemas, ...custom };
}

// ---------------------------------------------------------------------------

/** The OpenAPI v3 document of a served group-version (built-in, or the `custom` resources' of a CRD group), or undefined. */
export function buildDocument(group: string, version: string, custom: readonly CustomResourceVersion[] = []): Json | undefined {
  const mine = custom.filter((v) => v.def.group === group && v.def.version === version);
  const defs = mine.length ? mine.map((v) => v.def) : resourcesIn(group, version);
  if (defs.length === 0) return undefined;
  const customSchemasByName: Record<string, Json> = Object.assign({}, ...mine.map(customSchemas));
  const names = mine.length ? (g: string, v: string, kind: string) => (customSchemasByName[customSchemaName(g, v, kind)] ? customSchemaName(g, v, kind) : schemaNameForKind(g, v, kind)) : schemaNameForKind;
  const b = new PathsBuilder(group, version, names);
  for (const d of defs) b.add(d);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: b.paths,
    components: {
      schemas: components(b.schemaRoots, customSchemasByName),
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
    security: [{ BearerToken: [] }],
  };
}
