// The routes that reach nodes: {nodes,pods,services}/proxy in their current
// and legacy URL forms (every method), pods/log, and the agent-facing
// tunnel and credential endpoints. Mounted before the resource routes.
import type { Context, Hono } from 'hono';
import type { ApiEnv } from '../api/types';
import type { FieldError, KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { readObject, listObjects } from '../rest/read';
import type { RestContext } from '../rest/context';
import { restContext } from '../api/resources';
import { ApiError, badRequest, invalid, notFound, tooLarge, type Status } from '../status/status';
import { LOG_PARAMS, parseLogPath, parseProxyPath, type ProxyRequestTarget } from './paths';
import { forward, kubeletPort } from './forward';
import {
  UPGRADE_REQUIRED, agentStreamPath, checkPodRunnable, checkUpgrade, errorChannelResponse, isSpdyUpgrade, parseStreamPath, pickContainer, streamOptions,
  type StreamKind,
} from './streaming';
import { authorize, forbiddenError, resourceAttributes } from '../authz';
import { proxyEnv, tunnelFor } from './env';
import { unavailable, unreachable, statusResponse } from './errors';
import { SCHEME_HEADER } from './protocol';

type C = Context<ApiEnv>;

/** Bodies above this are refused with a Status rather than the platform's own error page (100 MB on most plans). */
export const MAX_PROXY_BODY = 100 * 1024 * 1024;

const def = (resource: string, group = '', version = 'v1') => lookup(group, version, resource)!;

async function read(ctx: RestContext, resource: string, namespace: string | undefined, name: string, group = '', version = 'v1'): Promise<KObject | undefined> {
  const d = def(resource, group, version);
  const r = await readObject(ctx, { def: d, namespace: d.namespaced ? namespace : undefined }, name);
  return r ? (d.storage ? d.storage.fromStorage(r.obj) : r.obj) : undefined;
}

async function mustRead(ctx: RestContext, resource: string, namespace: string | undefined, name: string): Promise<KObject> {
  const obj = await read(ctx, resource, namespace, name);
  if (!obj) throw notFound({ group: '', resource }, name);
  return obj;
}

async function list(ctx: RestContext, resource: string, namespace: string, labelSelector = '', group = '', version = 'v1'): Promise<KObject[]> {
  const d = def(resource, group, version);
  const page = await listObjects(ctx, { verb: 'list', def: d, namespace, legacyWatch: false }, {
    labelSelector, fieldSelector: '', resourceVersion: '', resourceVersionMatch: '', limit: 0, continue: '', allowWatchBookmarks: false,
  });
  return page.items.map((t) => JSON.parse(t));
}

const enc = encodeURIComponent;

export function proxyRoutes(app: Hono<ApiEnv>) {
  // The agent's reverse tunnel (a WebSocket it dials out) and its credential.
  app.all('/edgekube/v1/nodes/:name/tunnel', async (c) => {
    const name = c.req.param('name');
    const ctx = restContext(c);
    if (!(await read(ctx, 'nodes', undefined, name))) throw notFound({ group: '', resource: 'nodes' }, name);
    return tunnelFor(proxyEnv(c.env), name).fetch(new Request('https://tunnel/connect', c.req.raw));
  });
  app.post('/edgekube/v1/nodes/:name/credential', async (c) => {
    const name = c.req.param('name');
    const ctx = restContext(c);
    if (!(await read(ctx, 'nodes', undefined, name))) throw notFound({ group: '', resource: 'nodes' }, name);
    const credential = await tunnelFor(proxyEnv(c.env), name).issueCredential();
    if (credential === undefined) {
      throw new ApiError({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
        message: 'node credentials are set by the operator (EDGEKUBE_NODE_CREDENTIAL): start the agent with --credential',
      });
    }
    return c.json({ kind: 'NodeCredential', apiVersion: 'edgekube.dev/v1', metadata: { name }, credential });
  });

  app.all('/api/v1/*', async (c, next) => {
    const url = new URL(c.req.url);
    const logPath = parseLogPath(url.pathname);
    if (logPath && (c.req.method === 'GET' || c.req.method === 'HEAD')) return await podLog(c, logPath.namespace, logPath.name, url.searchParams);
    const stream = parseStreamPath(url.pathname);
    if (stream && (c.req.method === 'GET' || c.req.method === 'POST')) return await podStream(c, stream.namespace, stream.name, stream.kind, url.searchParams);
    const target = parseProxyPath(url.pathname);
    if (!target) return next();
    return await proxy(c, target, url);
  });
}

// ---- {nodes,pods,services}/proxy -------------------------------------------------

async function proxy(c: C, t: ProxyRequestTarget, url: URL): Promise<Response> {
  const ctx = restContext(c);
  const env = proxyEnv(c.env);
  const req = c.req.raw;
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > MAX_PROXY_BODY) throw tooLarge(`limit is ${MAX_PROXY_BODY} bytes`);
  let node: KObject;
  let agentPath: string;
  let scheme = t.scheme || 'http';
  if (t.kind === 'node') {
    node = await mustRead(ctx, 'nodes', undefined, t.name);
    const kp = kubeletPort(node);
    // The kubelet port (or none) is the agent's own API; another port is a port on the host.
    agentPath = !t.port || Number(t.port) === kp ? t.path || '/' : `/hostProxy/${enc(t.port)}${t.path || '/'}`;
    if (!t.port || Number(t.port) === kp) scheme = 'http';
  } else if (t.kind === 'pod') {
    const pod = await mustRead(ctx, 'pods', t.namespace, t.name);
    const port = podPort(pod, t.port);
    if (!pod.status?.podIP || !pod.spec?.nodeName) throw badRequest('address not allowed');
    node = await nodeOfPod(ctx, pod);
    agentPath = `/podProxy/${enc(t.namespace!)}/${enc(t.name)}/${port}${t.path || '/'}`;
  } else {
    const picked = await serviceEndpoint(ctx, t.namespace!, t.name, t.port);
    scheme = t.scheme || 'http';
    node = picked.node;
    agentPath = picked.pod
      ? `/podProxy/${enc(t.namespace!)}/${enc(picked.pod)}/${picked.port}${t.path || '/'}`
      : `/hostProxy/${picked.port}${t.path || '/'}`;
  }
  if (t.path === '') {
    // Like kube's UpgradeAwareHandler: an empty path redirects to one ending in "/" so relative links work.
    return new Response(null, { status: 301, headers: { location: `${url.pathname}/${url.search}` } });
  }
  return forward(env, node, agentPath + url.search, req, { headers: { [SCHEME_HEADER]: scheme } });
}

/** The pod's port: as given (a number or a container port's name), else its first declared container port, else 80. */
function podPort(pod: KObject, port: string): number {
  const ports: KObject[] = (pod.spec?.containers ?? []).flatMap((c: KObject) => c.ports ?? []);
  if (!port) return ports[0]?.containerPort ?? 80;
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n < 1 || n > 65535) throw badRequest(`invalid port "${port}"`);
    return n;
  }
  const named = ports.find((p) => p.name === port);
  if (!named) throw unreachable(`pod "${pod.metadata.name}" has no container port named "${port}"`);
  return named.containerPort;
}

async function nodeOfPod(ctx: RestContext, pod: KObject): Promise<KObject> {
  const node = await read(ctx, 'nodes', undefined, pod.spec.nodeName);
  if (!node) throw unreachable(`node "${pod.spec.nodeName}" of pod "${pod.metadata.name}" not found`);
  return node;
}

const isReady = (pod: KObject) => !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

interface Picked { node: KObject; pod?: string; port: number }

/**
 * A ready endpoint of the service (kube's service ResourceLocation): from its
 * Endpoints, else its EndpointSlices, else ready pods its selector matches.
 * Each address maps to a pod (targetRef) or a node (nodeName, or by IP).
 */
async function serviceEndpoint(ctx: RestContext, namespace: string, name: string, portReq: string): Promise<Picked> {
  const svc = await mustRead(ctx, 'services', namespace, name);
  const svcPorts: KObject[] = svc.spec?.ports ?? [];
  let portName = portReq;
  let svcPort: KObject | undefined;
  if (/^\d+$/.test(portReq)) {
    svcPort = svcPorts.find((p) => String(p.port) === portReq);
    if (!svcPort) throw unavailable(`no service port ${portReq} found for service "${name}"`);
    portName = svcPort.name ?? '';
  } else {
    svcPort = svcPorts.find((p) => (p.name ?? '') === portName);
  }
  const candidates: { ip: string; port: number; pod?: string; nodeName?: string }[] = [];
  const eps = await read(ctx, 'endpoints', namespace, name);
  for (const ss of eps?.subsets ?? []) {
    const port = (ss.ports ?? []).find((p: KObject) => (p.name ?? '') === portName);
    if (!port) continue;
    for (const a of ss.addresses ?? []) {
      candidates.push({ ip: a.ip, port: port.port, pod: a.targetRef?.kind === 'Pod' ? a.targetRef.name : undefined, nodeName: a.nodeName });
    }
  }
  if (candidates.length === 0) {
    const slices = await list(ctx, 'endpointslices', namespace, `kubernetes.io/service-name=${name}`, 'discovery.k8s.io', 'v1');
    for (const sl of slices) {
      const port = (sl.ports ?? []).find((p: KObject) => (p.name ?? '') === portName);
      if (!port?.port) continue;
      for (const e of sl.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses ?? []) candidates.push({ ip, port: port.port, pod: e.targetRef?.kind === 'Pod' ? e.targetRef.name : undefined, nodeName: e.nodeName });
      }
    }
  }
  if (candidates.length === 0 && !eps && svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svcPort) {
    // No endpoints object at all: the service's own selector over ready pods.
    const selector = Object.entries(svc.spec.selector).map(([k, v]) => `${k}=${v}`).join(',');
    for (const pod of (await list(ctx, 'pods', namespace, selector)).filter(isReady)) {
      const port = targetPort(pod, svcPort);
      if (port && pod.status?.podIP) candidates.push({ ip: pod.status.podIP, port, pod: pod.metadata.name, nodeName: pod.spec?.nodeName });
    }
  }
  // Random start, then the first address that resolves to a node (isValidAddress in kube).
  const start = Math.floor(Math.random() * Math.max(1, candidates.length));
  for (let i = 0; i < candidates.length; i++) {
    const cand = candidates[(start + i) % candidates.length];
    let nodeName = cand.nodeName;
    if (cand.pod) {
      const pod = await read(ctx, 'pods', namespace, cand.pod);
      if (!pod || pod.status?.podIP !== cand.ip) continue;
      nodeName = pod.spec?.nodeName;
    }
    let node = nodeName ? await read(ctx, 'nodes', undefined, nodeName) : undefined;
    if (!node && !nodeName) {
      const nodes = await list(ctx, 'nodes', '');
      node = nodes.find((n) => (n.status?.addresses ?? []).some((a: KObject) => a.address === cand.ip));
    }
    if (node) return { node, pod: cand.pod, port: cand.port };
  }
  throw unavailable(`no endpoints available for service "${name}"`);
}

/** A service port's targetPort on a pod: a number, or a container port's name (default: the service port). */
function targetPort(pod: KObject, svcPort: KObject): number | undefined {
  const tp = svcPort.targetPort ?? svcPort.port;
  if (typeof tp === 'number' || /^\d+$/.test(String(tp))) return Number(tp);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}

// ---- pods/exec, pods/attach, pods/portforward ------------------------------------

async function podStream(c: C, namespace: string, name: string, kind: StreamKind, q: URLSearchParams): Promise<Response> {
  const ctx = restContext(c);
  if (c.req.method === 'GET' && ctx.user) {
    // kube 1.35 (AuthorizePodWebsocketUpgradeCreatePermission): a WebSocket GET needs `create` as well.
    const attrs = resourceAttributes(ctx.user, 'create', { apiGroup: '', resource: 'pods', subresource: kind, namespace, name });
    const decision = await authorize(ctx, attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }
  const opts = streamOptions(kind, q);
  const pod = await mustRead(ctx, 'pods', namespace, name);
  const container = kind === 'portforward' ? '' : pickContainer(pod, opts.container);
  checkPodRunnable(pod, kind);
  const node = await read(ctx, 'nodes', undefined, pod.spec.nodeName);
  if (!node) throw notFound({ group: '', resource: 'nodes' }, pod.spec.nodeName);
  const env = proxyEnv(c.env);
  const path = agentStreamPath(kind, namespace, name, pod.metadata.uid, container, opts);
  if (isSpdyUpgrade(c.req.raw)) {
    // kubectl falls back to SPDY after a failed WebSocket attempt: answer with why that failed, if the agent says.
    let status: Status | undefined;
    try {
      const probe = await forward(env, node, path, new Request(c.req.url, { method: 'GET' }));
      status = await agentStatus(probe);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status;
    }
    if (status.message !== UPGRADE_REQUIRED) return statusResponse(status);
  }
  checkUpgrade(kind, c.req.raw);
  if (kind === 'portforward') return forward(env, node, path, c.req.raw);
  // Past the checks kube-apiserver makes itself, failures reach a remote-command client on its error channel, as
  // kube's stream translator reports the kubelet's (kubectl would otherwise retry with SPDY and hide them).
  let res: Response;
  try {
    res = await forward(env, node, path, c.req.raw);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return errorChannelResponse(c.req.raw, e.status);
  }
  if (res.status === 101) return res;
  return errorChannelResponse(c.req.raw, await agentStatus(res));
}

// ---- pods/log --------------------------------------------------------------------

function logOptions(name: string, q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  const causes: FieldError[] = [];
  const int = (key: string, min: number) => {
    const v = q.get(key);
    if (v === null || v === '') return;
    if (!/^-?\d+$/.test(v)) throw badRequest(`PodLogOptions in version "v1" cannot be handled as a PodLogOptions: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    if (Number(v) < min) causes.push({ reason: 'FieldValueInvalid', field: key, message: `Invalid value: ${v}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}` });
    out.set(key, v);
  };
  const bool = (key: string) => {
    const v = q.get(key);
    if (v === null || v === '') return;
    if (!['true', 'false', '1', '0', 'True', 'False'].includes(v)) throw badRequest(`PodLogOptions in version "v1" cannot be handled as a PodLogOptions: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
    if (v === 'true' || v === '1' || v === 'True') out.set(key, 'true');
  };
  bool('follow'); bool('previous'); bool('timestamps');
  int('tailLines', 0); int('limitBytes', 1); int('sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw badRequest(`PodLogOptions in version "v1" cannot be handled as a PodLogOptions: parsing time ${JSON.stringify(sinceTime)}`);
    if (out.has('sinceSeconds')) causes.push({ reason: 'FieldValueForbidden', field: 'sinceSeconds', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
    out.set('sinceTime', sinceTime);
  }
  if (causes.length) throw invalid('PodLogOptions', '', name, causes);
  for (const k of LOG_PARAMS) if (!out.has(k) && q.get(k)) out.set(k, q.get(k)!);
  return out;
}

async function podLog(c: C, namespace: string, name: string, q: URLSearchParams): Promise<Response> {
  const ctx = restContext(c);
  const opts = logOptions(name, q);
  const pod = await mustRead(ctx, 'pods', namespace, name);
  const container = pickContainer(pod, q.get('container') ?? '', true);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = await read(ctx, 'nodes', undefined, nodeName);
  if (!node) throw notFound({ group: '', resource: 'nodes' }, nodeName);
  const qs = opts.toString();
  const res = await forward(proxyEnv(c.env), node, `/containerLogs/${enc(namespace)}/${enc(name)}/${enc(container)}${qs ? `?${qs}` : ''}`, c.req.raw);
  if (res.ok) {
    const headers = new Headers(res.headers);
    headers.set('content-type', 'text/plain');
    headers.set('cache-control', 'no-cache, private');
    return new Response(c.req.method === 'HEAD' ? null : res.body, { status: 200, headers });
  }
  return statusResponse(await agentStatus(res));
}

/** The agent answers errors as Statuses; anything else becomes one. */
async function agentStatus(res: Response): Promise<Status> {
  const text = (await res.text()).slice(0, 64 * 1024);
  try {
    const v = JSON.parse(text);
    if (v?.kind === 'Status') return v;
  } catch { /* not JSON */ }
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text.trim() || res.statusText, code: res.status,
    reason: res.status === 404 ? 'NotFound' : res.status === 400 ? 'BadRequest' : res.status >= 500 ? 'InternalError' : 'Unknown',
  };
}
