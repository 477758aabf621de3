// The kubelet's streaming endpoints: /exec/{ns}/{pod}/{container},
// /attach/{ns}/{pod}/{container} and /portForward/{ns}/{pod}. A request is
// checked against the pods this node runs, then served on the WebSocket the
// caller accepts: the agent's own port (direct) or a tunnel stream.
import type { PodManager } from '../pods.ts';
import type { ContainerRuntime } from '../runtime.ts';
import type { MessageSocket } from './socket.ts';
import { serveRemoteCommand } from './remotecommand.ts';
import { dialTcp, serveChannelPortForward, serveSpdyPortForward, type ForwardTarget } from './portforward.ts';

const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Served here rather than forwarded: the caller accepts the WebSocket with `protocol`, then hands it to serve(). */
export interface LocalUpgrade {
  ok: 'local';
  protocol: string;
  serve(sock: MessageSocket): void;
}

export interface StreamContext {
  pods: PodManager;
  runtime: ContainerRuntime;
  /** The kubelet's --streaming-connection-idle-timeout. */
  idleTimeoutMs: number;
}

/** Protocols in the agent's order of preference; the client's order decides among them, as kube's wsstream does. */
export const REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

export type StreamAnswer = LocalUpgrade | { ok: false; status: number; message: string };

const fail = (status: number, message: string): StreamAnswer => ({ ok: false, status, message });

/** The first subprotocol the client offers that `supported` has; '' when it offers none; undefined when none fits. */
export function negotiate(header: string | undefined, supported: string[]): string | undefined {
  const offered = (header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (offered.length === 0) return '';
  return offered.find((p) => supported.includes(p));
}

/** Whether a path is one of the streaming endpoints. */
export const isStreamPath = (pathname: string) => /^\/(exec|attach|portForward)\//.test(pathname);

/**
 * Checks a streaming request and says how to serve it. `upgrade` is false for
 * a plain request, which gets the pod's errors or 400 "Upgrade request
 * required" (the server asks this way before refusing a SPDY upgrade).
 */
export function streamRequest(ctx: StreamContext, url: URL, protocolHeader: string | undefined, upgrade: boolean): StreamAnswer | undefined {
  const seg = url.pathname.split('/').slice(1).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  const kind = seg[0];
  if (kind === 'portForward' && seg.length === 3) return portForwardRequest(ctx, seg[1], seg[2], url.searchParams, protocolHeader, upgrade);
  if (!((kind === 'exec' || kind === 'attach') && seg.length === 4)) return undefined;
  const [, namespace, name, container] = seg;
  const q = url.searchParams;
  const pod = ctx.pods.find(namespace, name);
  if (!pod || (q.get('uid') && q.get('uid') !== pod.uid)) return fail(404, `pod does not exist`);
  const c = pod.container(container);
  if (!c) return fail(404, `container not found (${JSON.stringify(container)})`);
  const current = c.current;
  if (!current || current.state !== 'running') return fail(400, `unable to upgrade connection: container not found (${JSON.stringify(container)})`);
  const flag = (k: string) => q.get(k) === '1' || q.get(k) === 'true';
  const tty = flag('tty');
  const opts = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty, tty };
  const command = q.getAll('command');
  if (kind === 'exec' && command.length === 0) return fail(400, 'you must specify at least one command for the container');
  if (!opts.stdin && !opts.stdout && !opts.stderr) return fail(400, 'you must specify at least 1 of stdin, stdout, stderr');
  if (!upgrade) return fail(400, 'Upgrade request required');
  const protocol = negotiate(protocolHeader, REMOTE_COMMAND_PROTOCOLS);
  if (protocol === undefined) return fail(400, `unable to upgrade: requested protocol(s) are not supported: [${protocolHeader}]; supports [${REMOTE_COMMAND_PROTOCOLS.join(' ')}]`);
  const id = current.id;
  return {
    ok: 'local',
    protocol,
    serve(sock) {
      const what = kind === 'exec' ? command.join(' ') : `attach ${container}`;
      void serveRemoteCommand(sock, { ...opts, what, idleTimeoutMs: ctx.idleTimeoutMs }, (size) =>
        kind === 'exec'
          ? ctx.runtime.execStream(id, command, { stdin: opts.stdin, tty, size })
          : ctx.runtime.attachStream(id, { stdin: opts.stdin, tty, size }),
      ).catch(() => sock.close(1011, 'internal error'));
    },
  };
}

/** Port-forward's protocols: SPDY tunnelled in the WebSocket (kubectl), or channels per port (client libraries). */
export const PORT_FORWARD_PROTOCOLS = [SPDY_TUNNEL_PROTOCOL, 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

function portForwardRequest(ctx: StreamContext, namespace: string, name: string, q: URLSearchParams, protocolHeader: string | undefined, upgrade: boolean): StreamAnswer {
  const pod = ctx.pods.find(namespace, name);
  if (!pod || (q.get('uid') && q.get('uid') !== pod.uid)) return fail(404, 'pod does not exist');
  if (!upgrade) return fail(400, 'Upgrade request required');
  const protocol = negotiate(protocolHeader, PORT_FORWARD_PROTOCOLS);
  if (protocol === undefined) return fail(400, `unable to upgrade: requested protocol(s) are not supported: [${protocolHeader}]; supports [${PORT_FORWARD_PROTOCOLS.join(' ')}]`);
  const target: ForwardTarget = { podName: name, podUid: pod.uid, dial: (port) => dialTcp(pod.podIP(), port), idleTimeoutMs: ctx.idleTimeoutMs };
  if (protocol === SPDY_TUNNEL_PROTOCOL) return { ok: 'local', protocol, serve: (sock) => serveSpdyPortForward(sock, target) };
  // The channel protocol takes its ports from the query, as the kubelet's NewV4Options.
  const ports: number[] = [];
  const given = q.getAll('port');
  if (given.length === 0) return fail(400, 'query parameter "port" is required');
  for (const text of given) {
    if (text === '') return fail(400, 'query parameter "port" cannot be empty');
    for (const p of text.split(',')) {
      const n = Number(p);
      if (!/^\d+$/.test(p) || n > 65535) return fail(400, `unable to parse ${JSON.stringify(text)} as a port: strconv.ParseUint: parsing ${JSON.stringify(p)}: invalid syntax`);
      if (n < 1) return fail(400, `port ${JSON.stringify(text)} must be > 0`);
      ports.push(n);
    }
  }
  return { ok: 'local', protocol, serve: (sock) => serveChannelPortForward(sock, ports, target) };
}
