// How the agent proves who it is: a bearer token from its kubeconfig, or its
// client certificate. The Worker never sees TLS client certificates (TLS
// ends at the edge), so a certificate is presented as edgekube's
// client-certificate assertion: a short-lived JWT signed with the
// certificate's key, the certificate in its `x5c` header (see
// src/authn/clientcert.ts on the server).
import crypto from 'node:crypto';
import { pemBlocks } from '../src/certificates/x509.ts';

/** The bearer token to send now; undefined for none. */
export type TokenSource = () => string | undefined;

/** Must match the server's CLIENT_CERTIFICATE_AUDIENCE. */
const AUDIENCE = 'edgekube:client-certificate';
/** The server accepts at most 600 s; a new assertion is made a minute before one expires. */
const LIFETIME_SECONDS = 300;
const RENEW_BEFORE_SECONDS = 60;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function staticToken(token: string | undefined): TokenSource {
  return () => token;
}

export function clientCertificateAssertions(certPem: string, keyPem: string): TokenSource {
  const key = crypto.createPrivateKey(keyPem);
  const cert = new crypto.X509Certificate(certPem);
  if (!cert.checkPrivateKey(key)) throw new Error('the client key does not belong to the client certificate');
  const ec = key.asymmetricKeyType === 'ec';
  if (!ec && key.asymmetricKeyType !== 'rsa') throw new Error(`client keys of type ${key.asymmetricKeyType} are not supported (ECDSA P-256 or RSA)`);
  const leaf = pemBlocks(certPem).find((b) => b.label === 'CERTIFICATE');
  if (!leaf) throw new Error('no CERTIFICATE block in the client certificate');
  const header = b64url(JSON.stringify({ alg: ec ? 'ES256' : 'RS256', typ: 'JWT', x5c: [Buffer.from(leaf.der).toString('base64')] }));
  let current: { token: string; exp: number } | undefined;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (current && current.exp - now > RENEW_BEFORE_SECONDS) return current.token;
    const exp = now + LIFETIME_SECONDS;
    const payload = b64url(JSON.stringify({ aud: AUDIENCE, iat: now, exp, jti: crypto.randomUUID() }));
    const input = `${header}.${payload}`;
    const sig = crypto.sign('sha256', Buffer.from(input), ec ? { key, dsaEncoding: 'ieee-p1363' } : key);
    current = { token: `${input}.${b64url(sig)}`, exp };
    return current.token;
  };
}
