// Turns a resource URL and method into an operation, as kube-apiserver's
// RequestInfoFactory does: verb, resource definition, namespace, name and
// subresource. Everything after this works on the operation, not the URL.
import type { ResourceDefinition, Verb } from '../resources/types';
import { lookup } from '../resources/registry';
import { badRequest, methodNotSupported, notFoundPath } from '../status/status';
import { verbsOf } from '../resources/registry';
import { queryBool } from './options';

export interface Operation {
  verb: Verb;
  def: ResourceDefinition;
  /** Namespace from the URL; undefined for cluster-scoped kinds and all-namespace lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Reached through the legacy /watch/ prefix. */
  legacyWatch: boolean;
}

const NAMESPACE_SUBRESOURCES = ['status', 'finalize'];

const METHOD_VERBS: Record<string, { item: Verb; collection?: Verb }> = {
  GET: { item: 'get', collection: 'list' },
  HEAD: { item: 'get', collection: 'list' },
  POST: { item: 'create', collection: 'create' },
  PUT: { item: 'update' },
  PATCH: { item: 'patch' },
  DELETE: { item: 'delete', collection: 'deletecollection' },
};

function locate(segments: string[]): { legacyWatch: boolean; namespace?: string; parts: string[] } {
  let parts = segments.filter((s) => s !== '');
  let legacyWatch = false;
  if (parts[0] === 'watch') { legacyWatch = true; parts = parts.slice(1); }
  // "namespaces/{ns}/{resource}..." scopes to a namespace; "namespaces/{name}[/status|/finalize]" is the Namespace itself.
  if (parts[0] === 'namespaces' && parts.length >= 3 && !NAMESPACE_SUBRESOURCES.includes(parts[2])) return { legacyWatch, namespace: parts[1], parts: parts.slice(2) };
  return { legacyWatch, parts };
}

/** The resource a path names (its first segment after any watch/ and namespaces/{ns}/ prefix). */
export const resourceSegment = (segments: string[]): string | undefined => locate(segments).parts[0];

/**
 * `custom` is the definition a CRD makes for this path, when there is one.
 * `segments` are the path parts after /api/v1 or /apis/{group}/{version}.
 * Returns undefined when the path names no served resource (404).
 */
export function parseOperation(method: string, group: string, version: string, segments: string[], query: URLSearchParams, custom?: ResourceDefinition): Operation {
  const { legacyWatch, namespace, parts } = locate(segments);
  const [resource, name, subresource, ...rest] = parts;
  const def = resource ? lookup(group, version, resource) ?? (custom?.resource === resource ? custom : undefined) : undefined;
  if (!def || rest.length > 0) throw notFoundPath();
  if (namespace !== undefined && !def.namespaced) throw notFoundPath();
  const verbs = METHOD_VERBS[method];
  if (!verbs) throw notFoundPath();
  let verb: Verb | undefined = name === undefined ? verbs.collection : verbs.item;
  const q = { group: def.group, resource: def.resource };
  if (verb === undefined) throw methodNotSupported(q, method === 'PUT' ? 'update' : method.toLowerCase());
  if (legacyWatch || (verb === 'list' && queryBool(query.get('watch')))) {
    if (method !== 'GET') throw notFoundPath();
    verb = 'watch';
  }
  if (legacyWatch && name !== undefined && subresource !== undefined) throw notFoundPath();
  if (subresource !== undefined && !def.subresources?.some((s) => s.name === subresource)) throw notFoundPath();
  if (name !== undefined && name.length === 0) throw badRequest('resource name may not be empty');
  if (subresource === undefined && !verbsOf(def).includes(verb)) throw methodNotSupported(q, verb);
  return { verb, def, namespace, name, subresource, legacyWatch };
}
