// Header hygiene for proxied requests and responses: hop-by-hop headers
// (RFC 9110 §7.6.1) belong to one connection and never travel on. `Expect`
// also goes: forwarding `Expect: 100-continue` makes the local runtime fail
// the request (workers-platform.md §5.2). WebSocket upgrades keep `Upgrade`
// and `Connection: Upgrade`, which is what passes them through.

import { WS_BEARER_PREFIX } from '../authn';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'trailers', 'upgrade', 'expect',
  'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'proxy-authentication-info',
]);

/** True for a WebSocket upgrade request (the only upgrade Workers pass through). */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return (headers.get('upgrade') ?? '').toLowerCase().split(',').some((v) => v.trim() === 'websocket');
}

/** Header names the Connection header lists: hop-by-hop for this message as well. */
function connectionTokens(headers: Headers): Set<string> {
  return new Set((headers.get('connection') ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

function hopByHop(name: string, listed: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed.has(name);
}

/**
 * The headers to send upstream. Drops hop-by-hop headers, the client's own
 * credentials for this API (kube-apiserver's authentication filter removes
 * Authorization before proxying), Host (the upstream gets its own) and the
 * platform's cf-* headers. A WebSocket upgrade keeps Upgrade/Connection.
 */
export function forwardRequestHeaders(incoming: Headers): Headers {
  const listed = connectionTokens(incoming);
  const ws = isWebSocketUpgrade(incoming);
  const out = new Headers();
  for (const [name, value] of incoming) {
    const n = name.toLowerCase();
    if (n === 'host' || n === 'authorization' || n.startsWith('impersonate-') || n.startsWith('cf-') || n === 'x-real-ip') continue;
    if (ws && (n === 'upgrade' || n === 'connection')) continue; // set below, normalised
    if (ws && n === 'sec-websocket-protocol') {
      // The client's credential for this API, never the upstream's business.
      const kept = value.split(',').map((p) => p.trim()).filter((p) => p && !p.startsWith(WS_BEARER_PREFIX));
      if (kept.length) out.append(name, kept.join(', '));
      continue;
    }
    if (ws && listed.has(n) && n.startsWith('sec-websocket-')) { out.append(name, value); continue; }
    if (hopByHop(n, listed)) continue;
    out.append(name, value);
  }
  if (ws) {
    out.set('upgrade', 'websocket');
    out.set('connection', 'Upgrade');
  }
  return out;
}

/** The headers of an upstream response to pass back: hop-by-hop ones dropped (a 101 keeps Upgrade/Connection). */
export function forwardResponseHeaders(incoming: Headers, status: number): Headers {
  const listed = connectionTokens(incoming);
  const out = new Headers();
  for (const [name, value] of incoming) {
    const n = name.toLowerCase();
    if (status === 101 && (n === 'upgrade' || n === 'connection')) { out.append(name, value); continue; }
    if (hopByHop(n, listed)) continue;
    out.append(name, value);
  }
  return out;
}

/** Whether a request carries a body worth forwarding. */
export function requestHasBody(req: Request): boolean {
  return req.method !== 'GET' && req.method !== 'HEAD' && req.body !== null;
}

/** A close code one may send (1005, 1006 and 1015 only ever describe a close). */
export const sendableCode = (code: number | undefined, fallback = 1000) =>
  code && code >= 1000 && code < 5000 && ![1005, 1006, 1015].includes(code) ? code : fallback;
