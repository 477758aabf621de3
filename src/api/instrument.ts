// Request metrics, as kube-apiserver's endpoints/metrics instruments its
// handlers: apiserver_request_total and apiserver_request_duration_seconds by
// verb, dry run, group, version, resource, subresource and scope; requests in
// flight by kind; long-running requests (watches, logs, proxies, exec) while
// their stream is open.
import type { Context, Hono } from 'hono';
import type { ApiEnv } from './types';
import { requestAttributes, type Attributes } from '../authz/attributes';
import { ANONYMOUS_USER } from '../authn/user';
import { flushSoon, record, track } from '../metrics/recorder';
import type { Labels } from '../metrics/set';

const VERBS: Record<string, string> = {
  get: 'GET', list: 'LIST', watch: 'WATCH', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETECOLLECTION', proxy: 'PROXY',
};
const CONNECT_SUBRESOURCES = new Set(['attach', 'exec', 'portforward', 'proxy']);
/** BasicLongRunningRequestCheck: the watch and proxy verbs, and these subresources. */
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
const READ_ONLY = new Set(['get', 'list', 'watch']);

/** Paths outside the resource tree that are counted, under their own path as subresource (as kube labels /healthz). */
const NON_RESOURCE = [/^\/(healthz|livez|readyz|version|metrics)$/, /^\/openapi\/v[23]$/, /^\/api(\/v1)?$/, /^\/apis(\/[^/]+(\/[^/]+)?)?$/];
const OPENAPI_V3_PATH = /^\/openapi\/v3\/.+$/;

interface Shape { labels: Labels; longRunning: boolean; readOnly: boolean }

/** The labels a request is counted under; undefined for paths kube would not count (unknown ones). */
export function requestShape(method: string, url: URL, contentType: string | undefined): Shape | undefined {
  const a: Attributes = requestAttributes(ANONYMOUS_USER, method, url);
  const readOnly = READ_ONLY.has(a.verb);
  if (!a.resourceRequest) {
    const path = OPENAPI_V3_PATH.test(url.pathname) ? '/openapi/v3' : url.pathname.replace(/\/$/, '') || '/';
    if (!NON_RESOURCE.some((r) => r.test(path)) && !OPENAPI_V3_PATH.test(url.pathname)) return undefined;
    return { labels: base(method.toUpperCase(), '', { subresource: path }), longRunning: false, readOnly: method === 'GET' || method === 'HEAD' };
  }
  let verb = VERBS[a.verb] ?? 'other';
  if (verb === 'PATCH' && contentType?.split(';')[0].trim() === 'application/apply-patch+yaml') verb = 'APPLY';
  if (a.subresource && CONNECT_SUBRESOURCES.has(a.subresource)) verb = 'CONNECT';
  const scope = a.name || a.verb === 'create' ? 'resource' : a.namespace ? 'namespace' : 'cluster';
  const labels = base(verb, dryRun(url), {
    group: a.apiGroup, version: a.apiVersion, resource: a.resource, subresource: a.subresource, scope,
  });
  const longRunning = a.verb === 'watch' || a.verb === 'proxy' || LONG_RUNNING_SUBRESOURCES.has(a.subresource);
  return { labels, longRunning, readOnly };
}

function base(verb: string, dry_run: string, rest: Partial<Labels>): Labels {
  return { verb, dry_run, group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver', ...rest };
}

/** cleanDryRun: the values, deduplicated and sorted. */
function dryRun(url: URL): string {
  const values = url.searchParams.getAll('dryRun');
  if (!values.length) return '';
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

const withoutDryRun = ({ dry_run: _, ...rest }: Labels) => rest;
const withoutCode = ({ code: _, ...rest }: Labels) => rest;

export function instrument(app: Hono<ApiEnv>) {
  app.use('*', async (c, next) => {
    const shape = requestShape(c.req.method, new URL(c.req.url), c.req.header('content-type'));
    if (!shape) return next();
    const started = Date.now();
    const kind = { request_kind: shape.readOnly ? 'readOnly' : 'mutating' };
    if (!shape.longRunning) track('apiserver_current_inflight_requests', kind, 1);
    try {
      await next();
    } finally {
      const code = String(c.res.status);
      record(c.env, (m) => {
        m.add('apiserver_request_total', { ...shape.labels, code });
        if (!shape.longRunning) m.observe('apiserver_request_duration_seconds', shape.labels, (Date.now() - started) / 1000);
      });
      if (shape.longRunning) trackStream(c, withoutCode(withoutDryRun(shape.labels)));
      else track('apiserver_current_inflight_requests', kind, -1);
      c.executionCtx.waitUntil(flushSoon(c.env));
    }
  });
}

/**
 * A long-running request counts while its body streams. A handler that writes
 * its body itself (a watch) says when it ends; any other body (a proxied log
 * or response) is piped natively (no JavaScript per chunk) through an identity
 * stream whose pipe settles when the body ends or the client goes away. A
 * body written from JavaScript must not be piped so: workerd's pipe from a
 * JavaScript stream keeps a promise per chunk for as long as the stream lives
 * (bench:soak saw a watch's heap grow by one per event). An upgraded
 * connection (exec over WebSocket) has no body to follow.
 */
function trackStream(c: Context<ApiEnv>, labels: Labels) {
  const body = c.res.body;
  if (!body || c.res.status === 101) return;
  track('apiserver_longrunning_requests', labels, 1);
  const end = () => {
    track('apiserver_longrunning_requests', labels, -1);
    return flushSoon(c.env);
  };
  const ended = c.get('streamEnded');
  if (ended) {
    c.executionCtx.waitUntil(ended.then(end, end));
    return;
  }
  const { readable, writable } = new IdentityTransformStream();
  c.executionCtx.waitUntil(body.pipeTo(writable).then(end, end));
  c.res = new Response(readable, c.res);
}
