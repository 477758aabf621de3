// What a request asks to do, in the terms authorizers decide on: kube's
// RequestInfoFactory run on the URL alone, before any handler, so that a
// request for a kind that does not exist is authorized (and refused) like
// any other.
import type { UserInfo } from '../authn/user';
import type { ReviewAttributes } from '../resources/types';
import { queryBool } from '../request/options';

/** Who asks to do what to which object: the same shape access reviews ask about. */
export type Attributes = ReviewAttributes;

/** The object a server-side check asks about (an admission plugin's or a controller's SubjectAccessReview). */
export interface ResourceTarget { apiGroup: string; resource: string; subresource?: string; namespace?: string; name?: string }

/** Attributes of a resource request made in code rather than from a URL. */
export function resourceAttributes(user: UserInfo, verb: string, t: ResourceTarget): Attributes {
  return {
    user, verb, resourceRequest: true, path: '', apiGroup: t.apiGroup, apiVersion: '*', resource: t.resource,
    subresource: t.subresource ?? '', namespace: t.namespace ?? '', name: t.name ?? '',
  };
}

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestAttributes(user: UserInfo, method: string, url: URL): Attributes {
  const path = url.pathname;
  const none: Attributes = {
    user, verb: (METHOD_VERBS[method] ?? method).toLowerCase(), resourceRequest: false, path,
    apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '',
  };
  const decode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  let parts = path.split('/').filter((p) => p !== '').map(decode);
  // The node agent's endpoints act on its Node: nodes/{name}/tunnel and nodes/{name}/credential.
  if (parts[0] === 'edgekube' && parts[1] === 'v1' && parts[2] === 'nodes' && parts.length === 5) {
    return { ...none, resourceRequest: true, apiVersion: 'v1', resource: 'nodes', name: parts[3], subresource: parts[4] };
  }
  let apiGroup = '';
  if (parts[0] === 'api' && parts.length >= 3) parts = parts.slice(1);
  else if (parts[0] === 'apis' && parts.length >= 4) { apiGroup = parts[1]; parts = parts.slice(2); }
  else return none;
  const apiVersion = parts[0];
  parts = parts.slice(1);
  let verb = METHOD_VERBS[method];
  if (!verb) return none;
  if (parts[0] === 'watch' || parts[0] === 'proxy') {
    verb = parts[0] === 'watch' ? 'watch' : 'proxy';
    parts = parts.slice(1);
    if (parts.length === 0) return none;
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const [resource, name = '', subresource = ''] = parts;
  if (name === '' && verb === 'get') verb = 'list';
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  // as routing reads it, so that what is authorized is what is served
  if (verb === 'list' && queryBool(url.searchParams.get('watch'))) verb = 'watch';
  let objectName = name;
  // A list or watch of one name (fieldSelector=metadata.name=x) is authorized for that name, as kube does.
  if ((verb === 'list' || verb === 'watch') && !objectName) {
    const m = /^metadata\.name==?([^,]+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    if (m) objectName = m[1];
  }
  // proxy subresources may carry a scheme and port: pods/https:p:8443/proxy.
  return { ...none, verb, resourceRequest: true, apiGroup, apiVersion, resource, subresource, namespace, name: objectName };
}
