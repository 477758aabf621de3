// X.509 for the certificates API, with @peculiar/x509 (a kept library that
// runs in workerd on WebCrypto): PEM blocks, PKCS#10 requests as kube's
// csr helpers read them, and the signer checks of the kubernetes.io signers.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(crypto);

export { x509 };

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

export interface PemBlock { label: string; der: Uint8Array<ArrayBuffer> }

/** Every PEM block of a text, in order; text outside blocks is ignored as Go's pem.Decode skips it. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m; (m = re.exec(text));) {
    const body = m[2].replace(/\s+/g, '');
    try {
      out.push({ label: m[1], der: Uint8Array.from(atob(body), (c) => c.charCodeAt(0)) });
    } catch {
      out.push({ label: m[1], der: new Uint8Array() });
    }
  }
  return out;
}

export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `-----BEGIN ${label}-----\n${btoa(bin).replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
}

/** What the signers and approvers look at in a request. */
export interface CertificateRequestInfo {
  request: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
  /** DNS names, emails, IPs and URIs asked for as subjectAltNames. */
  altNames: { type: string; value: string }[];
  /** "EC" or "RSA" and so on, from the public key algorithm. */
  keyAlgorithm: string;
}

/** kube's ParseCSR: one CERTIFICATE REQUEST block that parses. Throws with Go's messages. */
export function parseCertificateRequest(pem: string): CertificateRequestInfo {
  const block = pemBlocks(pem)[0];
  if (!block || block.label !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(block.der);
  } catch (e) {
    throw new Error(`x509: malformed certificate request (${e instanceof Error ? e.message : String(e)})`);
  }
  const san = request.getExtension(x509.SubjectAlternativeNameExtension.NAME) as x509.SubjectAlternativeNameExtension | null;
  const altNames = san ? san.names.items.map((n) => ({ type: n.type, value: n.value })) : [];
  return {
    request,
    commonName: request.subjectName.getField('CN')[0] ?? '',
    organizations: request.subjectName.getField('O'),
    altNames,
    keyAlgorithm: request.publicKey.algorithm.name,
  };
}

/** Decodes spec.request (base64 of the PEM text in JSON). */
export function requestPem(csr: { spec?: { request?: unknown } }): string {
  const raw = csr.spec?.request;
  if (typeof raw !== 'string') return '';
  try {
    return atob(raw);
  } catch {
    return '';
  }
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * kube's ValidateKubeletClientCSR: O=system:nodes only, CN system:node:NAME,
 * no subjectAltNames, and the usages a kubelet asks for. Returns why not, or
 * undefined when the request is a kubelet client request.
 */
export function kubeletClientProblem(info: CertificateRequestInfo, usages: string[]): string | undefined {
  if (!sameSet(info.organizations, [NODES_GROUP])) return 'subject organization is not system:nodes';
  const kinds: Record<string, string> = { dns: 'DNS', email: 'Email', ip: 'IP', url: 'URI' };
  const san = info.altNames[0];
  if (san) return `${kinds[san.type] ?? san.type} subjectAltNames are not allowed`;
  if (!info.commonName.startsWith(NODE_USER_PREFIX)) return 'subject common name does not begin with system:node:';
  // Without key encipherment for ECDSA and Ed25519 keys; with it, as RSA kubelets ask.
  const allowed = [['digital signature', 'client auth'], ['digital signature', 'key encipherment', 'client auth']];
  if (!allowed.some((u) => sameSet(u, usages))) return 'usages did not match [client auth digital signature key encipherment]';
  return undefined;
}

/** The kube-apiserver-client signer issues client certificates only. */
export function apiserverClientProblem(usages: string[]): string | undefined {
  const allowed = new Set(['digital signature', 'key encipherment', 'client auth']);
  if (!usages.includes('client auth')) return 'missing required usages: client auth';
  const extra = usages.filter((u) => !allowed.has(u));
  return extra.length ? `invalid usage for client certificate: ${extra.join(', ')}` : undefined;
}
