// Bound service-account tokens (TokenRequest): ES256 JWTs with the claims
// kube-apiserver puts in them. The signing key is generated on first use and
// kept as a Secret in kube-system, so every isolate signs with the same key.
import type { KObject } from '../resources/types';
import type { RestContext } from './context';
import { ensureSystemSecret } from './system-secrets';
import { rfc3339 } from './objects';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SIGNING_KEY_SECRET = 'edgekube-token-signing-key';

let signingKey: Promise<CryptoKey> | undefined;

async function loadKey(ctx: RestContext): Promise<CryptoKey> {
  const stored = await ensureSystemSecret(ctx, SIGNING_KEY_SECRET, async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    return { type: 'Opaque', data: { 'key.jwk': btoa(JSON.stringify(jwk)) } };
  });
  const jwk = JSON.parse(atob(stored.data['key.jwk']));
  return crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

const b64url = (bytes: Uint8Array | string) => {
  const raw = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export async function issueServiceAccountToken(ctx: RestContext, sa: KObject, audiences: string[], expirationSeconds: number, boundObjectRef?: KObject) {
  signingKey ??= loadKey(ctx).catch((e) => { signingKey = undefined; throw e; });
  const key = await signingKey;
  const now = Math.floor(Date.now() / 1000);
  const aud = audiences.length ? audiences : [ISSUER];
  const claims: KObject = {
    aud, exp: now + expirationSeconds, iat: now, nbf: now, iss: ISSUER, jti: crypto.randomUUID(),
    sub: `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`,
    'kubernetes.io': {
      namespace: sa.metadata.namespace,
      serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid },
      ...(boundObjectRef?.kind ? { [boundObjectRef.kind.toLowerCase()]: { name: boundObjectRef.name, uid: boundObjectRef.uid } } : {}),
    },
  };
  const input = `${b64url(JSON.stringify({ alg: 'ES256', kid: 'edgekube' }))}.${b64url(JSON.stringify(claims))}`;
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new TextEncoder().encode(input)));
  return { token: `${input}.${b64url(sig)}`, audiences: aud, expirationTimestamp: rfc3339((now + expirationSeconds) * 1000) };
}
