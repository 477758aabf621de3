// Bound service-account tokens (TokenRequest): ES256 JWTs with the claims
// kube-apiserver puts in them. The signing key is generated on first use and
// kept as a Secret in kube-system, so every isolate signs with the same key.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { ApiError } from '../status/status';
import type { RestContext } from './context';
import { createObject } from './write';
import { SERVER_WRITE } from '../request/options';
import { readObject } from './read';
import { rfc3339 } from './objects';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SIGNING_KEY_SECRET = 'edgekube-token-signing-key';

let signingKey: Promise<CryptoKey> | undefined;

async function loadKey(ctx: RestContext): Promise<CryptoKey> {
  const def = lookup('', 'v1', 'secrets')!;
  const op = { def, namespace: 'kube-system' };
  let stored = await readObject(ctx, op, SIGNING_KEY_SECRET);
  if (!stored) {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
    try {
      await createObject(ctx, op, { apiVersion: 'v1', kind: 'Secret', metadata: { name: SIGNING_KEY_SECRET, namespace: 'kube-system' }, type: 'Opaque', data: { 'key.jwk': btoa(JSON.stringify(jwk)) } }, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' });
    } catch (e) {
      if (!(e instanceof ApiError && e.status.code === 409)) throw e;
    }
    stored = await readObject(ctx, op, SIGNING_KEY_SECRET);
  }
  const jwk = JSON.parse(atob(stored!.obj.data['key.jwk']));
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
