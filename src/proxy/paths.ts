// URL forms of the proxy and log subresources, parsed without touching the
// store (unit tested on their own). Names are percent-decoded; the path after
// `proxy` stays raw (still encoded), to be forwarded verbatim.
//
//   /api/v1/nodes/{[scheme:]name[:port]}/proxy[/{path}]
//   /api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy[/{path}]
//   /api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy[/{path}]
//   /api/v1/proxy/nodes/{id}[/{path}]                       (legacy, removed upstream in 1.10)
//   /api/v1/proxy/namespaces/{ns}/pods|services/{id}[/{path}]
//   /api/v1/namespaces/{ns}/pods/{name}/log

import { badRequest } from '../status/status';

export type ProxyKind = 'node' | 'pod' | 'service';

export interface ProxyRequestTarget {
  kind: ProxyKind;
  namespace?: string;
  /** The object's name. */
  name: string;
  /** "" (http), "http" or "https". */
  scheme: string;
  /** "" when not given; a number, or a port name (services, pods). */
  port: string;
  /** The raw path to forward: "" when the URL ends at the id or at `proxy`, else starting with "/". */
  path: string;
  legacy: boolean;
}

const KIND_OF: Record<string, ProxyKind> = { pods: 'pod', services: 'service', nodes: 'node' };
const SCHEMES = new Set(['', 'http', 'https']);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid path segment "${segment}"`);
  }
}

/** utilnet.SplitSchemeNamePort: "name", "name:port" or "scheme:name:port". */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) [name] = parts;
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (!name || !SCHEMES.has(scheme)) return undefined;
  return { scheme, name, port };
}

/** Rejects "." and ".." segments (raw or percent-encoded) in a path to forward. */
export function checkForwardPath(path: string): void {
  for (const seg of path.split('/')) {
    const d = seg.replace(/%2e/gi, '.');
    if (d === '..' || d === '.') throw badRequest(`the path ${JSON.stringify(path)} is not allowed: it contains a "${d}" segment`);
  }
}

function target(kind: ProxyKind, namespace: string | undefined, id: string, rest: string[], legacy: boolean): ProxyRequestTarget {
  const split = splitSchemeNamePort(decode(id));
  if (!split) throw badRequest(`invalid ${kind} request "${decode(id)}"`);
  const path = rest.length ? '/' + rest.join('/') : '';
  checkForwardPath(path);
  return { kind, namespace: namespace === undefined ? undefined : decode(namespace), ...split, path, legacy };
}

/**
 * The proxy target of a raw (still percent-encoded) pathname, or undefined
 * when the path is not a proxy URL. Throws a 400 Status for a malformed id.
 */
export function parseProxyPath(pathname: string): ProxyRequestTarget | undefined {
  if (!pathname.startsWith('/api/v1/')) return undefined;
  const s = pathname.slice('/api/v1/'.length).split('/');
  // Legacy: proxy/nodes/{id}/..., proxy/namespaces/{ns}/{pods|services}/{id}/...
  if (s[0] === 'proxy') {
    if (s[1] === 'nodes' && s[2]) return target('node', undefined, s[2], s.slice(3), true);
    if (s[1] === 'namespaces' && s[2] && (s[3] === 'pods' || s[3] === 'services') && s[4]) return target(KIND_OF[s[3]], s[2], s[4], s.slice(5), true);
    return undefined;
  }
  if (s[0] === 'nodes' && s[1] && s[2] === 'proxy') return target('node', undefined, s[1], s.slice(3), false);
  if (s[0] === 'namespaces' && s[1] && (s[2] === 'pods' || s[2] === 'services') && s[3] && s[4] === 'proxy') {
    return target(KIND_OF[s[2]], s[1], s[3], s.slice(5), false);
  }
  return undefined;
}

/** `/api/v1/namespaces/{ns}/pods/{name}/log` -> namespace and name. */
export function parseLogPath(pathname: string): { namespace: string; name: string } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log\/?$/.exec(pathname);
  return m ? { namespace: decode(m[1]), name: decode(m[2]) } : undefined;
}

/** Query parameters of PodLogOptions passed on to the agent's containerLogs. */
export const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'limitBytes', 'sinceSeconds', 'sinceTime'] as const;
