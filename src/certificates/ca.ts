// The cluster signing CA: what kube-controller-manager's
// --cluster-signing-cert-file/--cluster-signing-key-file hold. Generated on
// first use and kept as a kubernetes.io/tls Secret in kube-system (like the
// service-account signing key), so every isolate signs and verifies with the
// same CA. It issues the client certificates of the kubernetes.io client
// signers; the authenticator trusts what it issued.
import type { KObject } from '../resources/types';
import type { RestContext } from '../rest/context';
import { ensureSystemSecret, readSystemSecret } from '../rest/system-secrets';
import { pemBlocks, toPem, x509, type CertificateRequestInfo } from './x509';

export const CLUSTER_SIGNING_SECRET = 'edgekube-cluster-signing-ca';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 3600 * 1000;
/** kube-controller-manager's --cluster-signing-duration default (8760h). */
export const SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** kube backdates certificates so that clocks a little behind accept them. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface SigningCA { cert: x509.X509Certificate; key: CryptoKey }

const serial = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b, i) => (i === 0 ? b & 0x7f | 0x10 : b).toString(16).padStart(2, '0')).join('');

async function generate(): Promise<Pick<KObject, 'type' | 'data'>> {
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=edgekube-cluster-signer@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + 10 * 365 * DAY_MS), signingAlgorithm: ALG, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = await crypto.subtle.exportKey('pkcs8', keys.privateKey) as ArrayBuffer;
  return {
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': btoa(cert.toString('pem') + '\n'), 'tls.key': btoa(toPem('PRIVATE KEY', key)) },
  };
}

const certOf = (secret: KObject) => new x509.X509Certificate(atob(secret.data['tls.crt']));

let signing: Promise<SigningCA> | undefined;
let verifying: Promise<x509.X509Certificate | undefined> | undefined;

async function loadSigning(ctx: RestContext): Promise<SigningCA> {
  const secret = await ensureSystemSecret(ctx, CLUSTER_SIGNING_SECRET, generate);
  const der = pemBlocks(atob(secret.data['tls.key']))[0].der;
  return { cert: certOf(secret), key: await crypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']) };
}

/** The CA that signs, made on first use. */
export function signingCA(ctx: RestContext): Promise<SigningCA> {
  signing ??= loadSigning(ctx).catch((e) => { signing = undefined; throw e; });
  return signing;
}

/** The CA certificate client certificates are checked against; undefined until one was ever made. */
export function trustedCA(ctx: RestContext): Promise<x509.X509Certificate | undefined> {
  verifying ??= readSystemSecret(ctx, CLUSTER_SIGNING_SECRET).then((s) => { if (!s) verifying = undefined; return s ? certOf(s) : undefined; }, (e) => { verifying = undefined; throw e; });
  return verifying;
}

const KEY_USAGE_BITS: Record<string, number> = {
  'digital signature': x509.KeyUsageFlags.digitalSignature, 'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'content commitment': x509.KeyUsageFlags.nonRepudiation, 'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
};
const EXT_USAGES: Record<string, string> = { 'client auth': x509.ExtendedKeyUsage.clientAuth, 'server auth': x509.ExtendedKeyUsage.serverAuth };

/**
 * Signs a request as kube's local signer does: the requested subject and
 * key, the requested usages, no longer than the signing duration, the
 * requested expirationSeconds, or the CA's own life.
 */
export async function signRequest(ca: SigningCA, info: CertificateRequestInfo, usages: string[], expirationSeconds?: number): Promise<string> {
  const now = Date.now();
  const seconds = Math.min(SIGNING_DURATION_SECONDS, expirationSeconds ?? SIGNING_DURATION_SECONDS);
  const notAfter = new Date(Math.min(now + seconds * 1000, ca.cert.notAfter.getTime()));
  let bits = 0;
  for (const u of usages) bits |= KEY_USAGE_BITS[u] ?? 0;
  const eku = usages.map((u) => EXT_USAGES[u]).filter(Boolean);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: info.request.subjectName, issuer: ca.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS), notAfter, signingAlgorithm: ALG, publicKey: info.request.publicKey, signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(bits ? [new x509.KeyUsagesExtension(bits, true)] : []),
      ...(eku.length ? [new x509.ExtendedKeyUsageExtension(eku)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return cert.toString('pem') + '\n';
}
