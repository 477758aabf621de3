// Client certificates, carried in a signed assertion. TLS ends before the
// Worker (at Cloudflare's edge, or in wrangler's dev proxy), so the Worker
// never sees a TLS client certificate. A client that holds a certificate of
// the cluster signing CA instead sends, as its bearer token, a short-lived
// JWT signed with the certificate's private key that carries the certificate
// in its `x5c` header. Checking the certificate against the CA and the JWT
// against the certificate proves what kube's x509 authenticator proves from
// the TLS handshake: that the client holds the key of a certificate the
// cluster issued. The user is then the certificate's CN, its groups the O
// values, as kube-apiserver's --client-ca-file authentication makes them.
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import type { RestContext } from '../rest/context';
import { trustedCA } from '../certificates/ca';
import { toPem, x509 } from '../certificates/x509';
import type { UserInfo } from './user';

/** The `aud` of a client-certificate assertion. */
export const CLIENT_CERTIFICATE_AUDIENCE = 'edgekube:client-certificate';
/** The longest an assertion may live (exp - iat). */
export const MAX_ASSERTION_SECONDS = 600;
const ALGORITHMS = ['ES256', 'ES384', 'RS256'];
/** Verified assertions by token, until they expire: a node sends the same one many times. */
const verified = new Map<string, { user: UserInfo; exp: number }>();
const CACHE_ENTRIES = 1024;

function headerOf(token: string): { alg?: string; x5c?: unknown } | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

async function verify(ctx: RestContext, token: string, alg: string, leafBase64: string): Promise<{ user: UserInfo; exp: number } | undefined> {
  const ca = await trustedCA(ctx);
  if (!ca) return undefined;
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(Uint8Array.from(atob(leafBase64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const now = new Date();
  if (cert.issuer !== ca.subject || !(await cert.verify({ publicKey: ca.publicKey, date: now }).catch(() => false))) return undefined;
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku?.usages.includes(x509.ExtendedKeyUsage.clientAuth)) return undefined;
  let exp: number;
  try {
    const key = await importX509(toPem('CERTIFICATE', cert.rawData), alg);
    const { payload } = await jwtVerify(token, key, { algorithms: ALGORITHMS, audience: CLIENT_CERTIFICATE_AUDIENCE, requiredClaims: ['iat', 'exp'] });
    if (payload.exp! - payload.iat! > MAX_ASSERTION_SECONDS || payload.iat! > now.getTime() / 1000 + 60) return undefined;
    exp = Math.min(payload.exp!, cert.notAfter.getTime() / 1000);
  } catch {
    return undefined;
  }
  const username = cert.subjectName.getField('CN')[0];
  if (!username) return undefined;
  const user: UserInfo = {
    username, groups: cert.subjectName.getField('O'),
    extra: { 'authentication.kubernetes.io/credential-id': [`X509SHA256=${hex(await crypto.subtle.digest('SHA-256', cert.rawData))}`] },
  };
  return { user, exp };
}

export async function authenticateClientCertificateAssertion(ctx: RestContext, token: string): Promise<UserInfo | undefined> {
  const header = headerOf(token);
  if (!header || !ALGORITHMS.includes(header.alg ?? '') || !Array.isArray(header.x5c) || typeof header.x5c[0] !== 'string') return undefined;
  const now = Date.now() / 1000;
  const hit = verified.get(token);
  if (hit) {
    if (hit.exp > now) return hit.user;
    verified.delete(token);
  }
  const result = await verify(ctx, token, header.alg!, header.x5c[0]);
  if (!result) return undefined;
  if (verified.size >= CACHE_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(token, result);
  return result.user;
}
