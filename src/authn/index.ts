// Authentication: who a request is, from its credentials, as kube-apiserver's
// union of authenticators. A request that names a credential no
// authenticator accepts is refused; so is one with none, since anonymous
// access is off (only the health and version paths skip this).
import type { RestContext } from '../rest/context';
import { authEnv } from './env';
import { lookupToken, tokenFile } from './tokenfile';
import { authenticateServiceAccountToken } from './serviceaccount';
import { authenticateBootstrapToken } from './bootstrap';
import { authenticateClientCertificateAssertion } from './clientcert';
import { withAuthenticatedGroup, type UserInfo } from './user';

export type { UserInfo } from './user';

/**
 * The bearer token of a request, as kube's bearertoken authenticator reads
 * it: "Bearer <token>" (scheme in any case). Anything else is no token.
 */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.get('authorization');
  if (!header) return undefined;
  const parts = header.trim().split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return undefined;
  const token = parts[1];
  return token === '' ? undefined : token;
}

/** Browsers cannot set Authorization on a WebSocket: kube takes the token from this Sec-WebSocket-Protocol entry. */
export const WS_BEARER_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** The token of a WebSocket upgrade's `base64url.bearer.authorization.k8s.io.<token>` protocol, if any. */
export function webSocketBearerToken(req: Request): string | undefined {
  if ((req.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') return undefined;
  const entry = (req.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).find((p) => p.startsWith(WS_BEARER_PREFIX));
  if (entry === undefined) return undefined;
  const encoded = entry.slice(WS_BEARER_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(encoded.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** The authenticated user, or undefined when no authenticator accepts the request. */
export async function authenticate(ctx: RestContext, req: Request): Promise<UserInfo | undefined> {
  // '' is a WebSocket protocol entry that does not decode: no user.
  const token = bearerToken(req) ?? webSocketBearerToken(req);
  return token ? authenticateToken(ctx, token) : undefined;
}

/** The user a bearer token stands for: a static token, then (in order) the other token authenticators. */
export async function authenticateToken(ctx: RestContext, token: string): Promise<UserInfo | undefined> {
  const csv = authEnv(ctx.env).EDGEKUBE_TOKEN_AUTH;
  const user = (csv ? await lookupToken(await tokenFile(csv), token) : undefined)
    ?? await authenticateClientCertificateAssertion(ctx, token)
    ?? await authenticateServiceAccountToken(ctx, token)
    ?? await authenticateBootstrapToken(ctx, token);
  return user ? withAuthenticatedGroup(user) : undefined;
}
