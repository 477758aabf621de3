// ServiceAccount tokens: the bound JWTs serviceaccounts/{name}/token issues,
// verified with jose against the cluster's signing key, and refused once
// they expire or the ServiceAccount (or the pod or secret they are bound to)
// is gone or replaced, as kube's serviceaccount token authenticator does.
import { decodeProtectedHeader, importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { readObject } from '../rest/read';
import { ISSUER, SIGNING_KEY_SECRET } from '../rest/tokens';
import { readSystemSecret } from '../rest/system-secrets';
import type { UserInfo } from './user';

let verifyKey: Promise<CryptoKey | undefined> | undefined;

async function loadVerifyKey(ctx: RestContext): Promise<CryptoKey | undefined> {
  const stored = await readSystemSecret(ctx, SIGNING_KEY_SECRET);
  if (!stored) return undefined;
  const { d: _private, key_ops: _ops, ...publicJwk } = JSON.parse(atob(stored.data['key.jwk']));
  return (await importJWK({ ...publicJwk, alg: 'ES256' }, 'ES256')) as CryptoKey;
}

function key(ctx: RestContext): Promise<CryptoKey | undefined> {
  // Until a token has been issued there is no key; look again next time.
  verifyKey ??= loadVerifyKey(ctx).then((k) => { if (!k) verifyKey = undefined; return k; }, (e) => { verifyKey = undefined; throw e; });
  return verifyKey;
}

/** Only a compact JWS of the one algorithm we sign with is checked; anything else is not this authenticator's. */
function looksLikeOurJWT(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    return decodeProtectedHeader(token).alg === 'ES256';
  } catch {
    return false;
  }
}

async function live(ctx: RestContext, resource: string, namespace: string, ref: KObject | undefined): Promise<KObject | undefined> {
  if (!ref?.name) return undefined;
  const found = await readObject(ctx, { def: lookup('', 'v1', resource)!, namespace }, ref.name);
  if (!found || (ref.uid && found.obj.metadata.uid !== ref.uid)) return undefined;
  return found.obj;
}

export async function authenticateServiceAccountToken(ctx: RestContext, token: string): Promise<UserInfo | undefined> {
  if (!looksLikeOurJWT(token)) return undefined;
  const k = await key(ctx);
  if (!k) return undefined;
  let claims: JWTPayload;
  try {
    // jose refuses alg "none", other algorithms, bad signatures, and exp/nbf outside the clock.
    ({ payload: claims } = await jwtVerify(token, k, { algorithms: ['ES256'], issuer: ISSUER, audience: ISSUER, requiredClaims: ['exp', 'sub'] }));
  } catch {
    return undefined;
  }
  const k8s = (claims['kubernetes.io'] ?? {}) as KObject;
  const namespace: string | undefined = k8s?.namespace;
  const sa = k8s?.serviceaccount;
  if (!namespace || !sa?.name || claims.sub !== `system:serviceaccount:${namespace}:${sa.name}`) return undefined;
  const account = await live(ctx, 'serviceaccounts', namespace, sa);
  if (!account || account.metadata.deletionTimestamp) return undefined;
  const extra: Record<string, string[]> = {};
  if (k8s.pod) {
    const pod = await live(ctx, 'pods', namespace, k8s.pod);
    if (!pod || pod.metadata.deletionTimestamp) return undefined;
    extra['authentication.kubernetes.io/pod-name'] = [pod.metadata.name];
    extra['authentication.kubernetes.io/pod-uid'] = [pod.metadata.uid];
    if (pod.spec?.nodeName) extra['authentication.kubernetes.io/node-name'] = [pod.spec.nodeName];
  }
  if (k8s.secret && !(await live(ctx, 'secrets', namespace, k8s.secret))) return undefined;
  if (typeof claims.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  return {
    username: claims.sub, uid: account.metadata.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
