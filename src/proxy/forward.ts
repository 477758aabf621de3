// forward(node, agent path, request): the one way every proxy route reaches a
// node agent. Through the node's tunnel when its agent is connected; else a
// direct fetch to http://<InternalIP>:<kubelet port> with the node
// credential (local use and public nodes: production Workers cannot fetch
// raw IPs or custom ports, so real nodes behind NAT use --tunnel).
import type { KObject } from '../resources/types';
import { CREDENTIAL_HEADER, TUNNEL_ANNOTATION } from './protocol';
import { forwardRequestHeaders, forwardResponseHeaders, isWebSocketUpgrade, requestHasBody } from './headers';
import { tunnelFor, type ProxyEnv } from './env';
import { headerTimeoutMs } from './settings';
import { unreachable } from './errors';

/** The address the kubelet is reached on: InternalIP first, as the apiserver's preferred address types. */
export function nodeAddress(node: KObject): string | undefined {
  const addrs: KObject[] = node.status?.addresses ?? [];
  for (const type of ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS']) {
    const a = addrs.find((x) => x.type === type && x.address);
    if (a) return a.address;
  }
  return undefined;
}

export const kubeletPort = (node: KObject): number | undefined => {
  const p = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port);
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : undefined;
};

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Whether the node's agent said it is reachable only through its tunnel. */
export const tunnelOnly = (node: KObject) => node.metadata?.annotations?.[TUNNEL_ANNOTATION] === 'tunnel';

export interface ForwardOptions {
  /** Extra headers for the agent (e.g. the upstream scheme). */
  headers?: Record<string, string>;
}

export async function forward(env: ProxyEnv, node: KObject, agentPath: string, req: Request, opts: ForwardOptions = {}): Promise<Response> {
  const name: string = node.metadata.name;
  const stub = tunnelFor(env, name);
  const route = await stub.route();
  const headers = forwardRequestHeaders(req.headers);
  headers.delete(CREDENTIAL_HEADER);
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers.set(k, v);
  const body = requestHasBody(req) && !isWebSocketUpgrade(req.headers) ? req.body : null;
  let res: Response;
  if (route.connected) {
    res = await stub.fetch(new Request(`https://tunnel/forward${agentPath}`, { method: req.method, headers, body, redirect: 'manual' }));
  } else {
    if (tunnelOnly(node)) throw unreachable(`the agent of node "${name}" is not connected (the node is reachable only through its tunnel)`);
    const host = nodeAddress(node);
    const port = kubeletPort(node);
    if (!host || !port) throw unreachable(`node "${name}" reports no address and kubelet port to reach its agent on`);
    if (!route.credential) throw unreachable(`node "${name}" has no credential: its agent has not registered`);
    headers.set('authorization', `Bearer ${route.credential}`);
    const url = `http://${hostPort(host, port)}${agentPath}`;
    const timeoutMs = headerTimeoutMs(env);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no response from ${hostPort(host, port)} within ${timeoutMs / 1000}s`)), timeoutMs);
    try {
      res = await fetch(url, { method: req.method, headers, body, redirect: 'manual', signal: abort.signal });
    } catch (e) {
      const why = abort.signal.aborted ? String((abort.signal.reason as Error)?.message ?? abort.signal.reason) : (e as Error).message;
      throw unreachable(`dial tcp ${hostPort(host, port)}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }
  return relay(res);
}

/** The agent's response on its way back: hop-by-hop headers dropped, never compressed at the edge (that would buffer streams). */
export function relay(res: Response): Response {
  // A WebSocket goes back as it came: the runtime joins the two sockets itself, with backpressure (a relay
  // here could not have any: Workers' WebSocket has no bufferedAmount, workerd#988). A client that vanishes
  // is noticed at the agent's next write, which the agent's keepalives make sure comes.
  if (res.status === 101 || res.webSocket) return res;
  const headers = forwardResponseHeaders(res.headers, res.status);
  if (!headers.has('content-encoding')) headers.set('content-encoding', 'identity');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}
