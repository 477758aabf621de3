// pods/exec, pods/attach and pods/portforward: kube's streaming
// subresources. The Worker checks the request as kube-apiserver's
// ExecLocation/AttachLocation/PortForwardLocation do (the pod, its container,
// its node, the options), then passes the WebSocket through to the node
// agent, which speaks the protocol (the kubelet's role): the remote-command
// channels (v1..v5, binary and base64) and port-forward (its WebSocket
// channels, and SPDY/3.1 tunnelled in a WebSocket as kubectl 1.31+ sends).
// SPDY upgrades themselves cannot cross a Worker, so they are refused with a
// Status once the request checked out; kubectl only sends them after a
// WebSocket attempt failed, and then prints that Status.
import type { KObject } from '../resources/types';
import { ApiError, badRequest, type Status } from '../status/status';
import { isWebSocketUpgrade } from './headers';
import { WS_BEARER_PREFIX } from '../authn';

export type StreamKind = 'exec' | 'attach' | 'portforward';

/** `/api/v1/namespaces/{ns}/pods/{name}/{exec|attach|portforward}` -> its parts. */
export function parseStreamPath(pathname: string): { namespace: string; name: string; kind: StreamKind } | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]), kind: m[3] as StreamKind };
  } catch {
    throw badRequest(`invalid path ${pathname}`);
  }
}

/** The remote-command subprotocols the agent speaks, most preferred first (kubelet's set plus v5). */
export const REMOTE_COMMAND_PROTOCOLS = [
  'v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io',
];
/** kubectl 1.31+ tunnels SPDY port-forwarding through a WebSocket with this subprotocol. */
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** Port-forward's own WebSocket protocol (two channels per port) as the kubelet speaks it, and the SPDY tunnel. */
export const PORT_FORWARD_PROTOCOLS = [SPDY_TUNNEL_PROTOCOL, 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

const KIND_NAME: Record<StreamKind, string> = { exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions' };

/** strconv.ParseBool, as query parameters decode into option structs. */
function parseBool(kind: StreamKind, q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  const k = KIND_NAME[kind];
  throw badRequest(`${k} in version "v1" cannot be handled as a ${k}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export interface StreamOptions {
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  ports: number[];
}

/** PodExecOptions / PodAttachOptions / PodPortForwardOptions from the query, checked as kube decodes them. */
export function streamOptions(kind: StreamKind, q: URLSearchParams): StreamOptions {
  const o: StreamOptions = {
    container: q.get('container') ?? '', command: q.getAll('command'), ports: [],
    stdin: parseBool(kind, q, 'stdin'), stdout: parseBool(kind, q, 'stdout'), stderr: parseBool(kind, q, 'stderr'), tty: parseBool(kind, q, 'tty'),
  };
  if (kind === 'portforward') {
    for (const raw of q.getAll('ports')) {
      for (const p of raw.split(',')) {
        if (!/^\d+$/.test(p) || Number(p) > 2147483647) {
          throw badRequest(`PodPortForwardOptions in version "v1" cannot be handled as a PodPortForwardOptions: strconv.ParseInt: parsing ${JSON.stringify(p)}: invalid syntax`);
        }
        const n = Number(p);
        if (n < 1 || n > 65535) throw badRequest(`port ${JSON.stringify(p)} must be in the range 1-65535`);
        o.ports.push(n);
      }
    }
    return o;
  }
  // As the kubelet: a terminal merges stderr into stdout.
  if (o.tty) o.stderr = false;
  if (kind === 'exec' && o.command.length === 0) throw badRequest('you must specify at least one command for the container');
  if (!o.stdin && !o.stdout && !o.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return o;
}

const names = (list: KObject[] | undefined) => (list ?? []).map((c) => c.name as string);

/** The container a request names, or the pod's only one (kube's streamLocation and LogLocation). */
export function pickContainer(pod: KObject, container: string, listEphemeral = false): string {
  const name = pod.metadata.name;
  if (!container) {
    const cs = names(pod.spec?.containers);
    if (cs.length === 1) return cs[0];
    let msg = `a container name must be specified for pod ${name}, choose one of: [${cs.join(' ')}]`;
    const init = names(pod.spec?.initContainers);
    if (init.length) msg += ` or one of the init containers: [${init.join(' ')}]`;
    // pods/log lists ephemeral containers too; exec and attach do not (kube's LogLocation vs streamLocation).
    const eph = names(pod.spec?.ephemeralContainers);
    if (listEphemeral && eph.length) msg += ` or one of the ephemeral containers: [${eph.join(' ')}]`;
    throw badRequest(msg);
  }
  const all = [...names(pod.spec?.containers), ...names(pod.spec?.initContainers), ...names(pod.spec?.ephemeralContainers)];
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** A pod that has finished runs nothing more to stream into (kubectl's own check, made here for every client). */
export function checkPodRunnable(pod: KObject, kind: StreamKind) {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    const what = kind === 'attach' ? 'attach to' : kind === 'exec' ? 'exec into' : 'port-forward to';
    throw badRequest(`cannot ${what} a container in a completed pod; current phase is ${phase}`);
  }
  if (!pod.spec?.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
}

/** kube's answer to a streaming request that is not an upgrade; the agent gives it too once a request checked out. */
export const UPGRADE_REQUIRED = 'Upgrade request required';

/** A SPDY upgrade: by its Upgrade header, or by X-Stream-Protocol-Version (the local runtime drops Upgrade: SPDY/3.1 on the way in). */
export const isSpdyUpgrade = (req: Request) =>
  !isWebSocketUpgrade(req.headers) && ((req.headers.get('upgrade') ?? '').toLowerCase().includes('spdy/') || req.headers.has('x-stream-protocol-version'));

/** The subprotocols the client offers (without the bearer-token entry, which authentication consumed). */
function offered(req: Request): string[] {
  return (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).filter((p) => p && !p.startsWith(WS_BEARER_PREFIX));
}

/**
 * Refuses what cannot be upgraded here: a request that is not a WebSocket
 * upgrade (kube: 400 "Upgrade request required"), a SPDY upgrade (it cannot
 * cross a Worker), and a WebSocket offering none of the agent's subprotocols.
 */
export function checkUpgrade(kind: StreamKind, req: Request) {
  if (!isWebSocketUpgrade(req.headers)) {
    if (isSpdyUpgrade(req)) {
      throw new ApiError({
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400,
        message: `unable to upgrade connection: this server streams pods/${kind} over WebSockets only (${(kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS).join(', ')}); SPDY upgrades cannot cross it`,
      });
    }
    throw badRequest(UPGRADE_REQUIRED);
  }
  const supported = kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
  const given = offered(req);
  if (given.length === 0) return; // the unversioned binary protocol
  if (!given.some((p) => supported.includes(p))) {
    throw badRequest(`unable to upgrade: requested protocol(s) are not supported: [${given.join(' ')}]; supports [${supported.join(' ')}]`);
  }
}

/** The agent path and query for a checked request (the kubelet's /exec, /attach and /portForward). */
export function agentStreamPath(kind: StreamKind, namespace: string, name: string, uid: string, container: string, o: StreamOptions): string {
  const enc = encodeURIComponent;
  const q = new URLSearchParams();
  if (kind === 'portforward') {
    for (const p of o.ports) q.append('port', String(p));
  } else {
    for (const c of o.command) q.append('command', c);
    for (const k of ['stdin', 'stdout', 'stderr', 'tty'] as const) if (o[k]) q.set(k, '1');
  }
  q.set('uid', uid);
  const base = kind === 'portforward'
    ? `/portForward/${enc(namespace)}/${enc(name)}`
    : `/${kind}/${enc(namespace)}/${enc(name)}/${enc(container)}`;
  return `${base}?${q}`;
}

/**
 * Accepts a remote-command WebSocket only to report `status` on its error
 * channel (3) and close it: what kube's stream translator does when the
 * kubelet fails after the client's upgrade.
 */
export function errorChannelResponse(req: Request, status: Status): Response {
  const protocol = offered(req).find((p) => REMOTE_COMMAND_PROTOCOLS.includes(p)) ?? '';
  const version = /^v(\d+)\./.exec(protocol)?.[1];
  const body = version && Number(version) >= 4 ? JSON.stringify(status) : status.message ?? 'error';
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  const bytes = new TextEncoder().encode(body);
  if (protocol.includes('base64.')) {
    server.send(`3${btoa(String.fromCharCode(...bytes))}`);
  } else {
    const msg = new Uint8Array(bytes.length + 1);
    msg[0] = 3;
    msg.set(bytes, 1);
    server.send(msg);
  }
  server.close(1000, '');
  return new Response(null, { status: 101, webSocket: pair[0], headers: protocol ? { 'Sec-WebSocket-Protocol': protocol } : {} });
}
