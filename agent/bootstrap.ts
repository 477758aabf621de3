// TLS bootstrapping, as a kubelet's --bootstrap-kubeconfig does it: with a
// bootstrap token the agent asks for its own client certificate (a
// CertificateSigningRequest for kubernetes.io/kube-apiserver-client-kubelet,
// CN=system:node:NAME, O=system:nodes), waits until the server approves and
// signs it, and writes a kubeconfig with that certificate and the key it
// generated, which never leaves the node. From then on the agent is
// system:node:NAME; the bootstrap token is needed only for the first join.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ApiClient, ApiStatusError, type KObject } from './api.ts';
import { staticToken } from './credentials.ts';
import { loadKubeconfig, writeNodeKubeconfig, type Credentials } from './kubeconfig.ts';
import { errMsg, log, warn } from './log.ts';
import { KUBELET_CLIENT_SIGNER, toPem, x509 } from '../src/certificates/x509.ts';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client certificate that is still good for a while (kubelets rotate at 70-90% of its life; we renew on restart). */
function usable(creds: Credentials | undefined, nodeName: string): boolean {
  if (!creds?.clientCertificate) return false;
  try {
    const cert = new crypto.X509Certificate(creds.clientCertificate);
    const left = Date.parse(cert.validTo) - Date.now();
    return left > 0.1 * (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) && cert.subject.split('\n').includes(`CN=system:node:${nodeName}`);
  } catch {
    return false;
  }
}

function readExisting(file: string): Credentials | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return loadKubeconfig(file);
  } catch (e) {
    warn(`${file}: ${errMsg(e)}; joining again`);
    return undefined;
  }
}

async function request(nodeName: string): Promise<{ pem: string; keyPem: string }> {
  const keys = await crypto.webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=system:node:${nodeName},O=system:nodes`, keys, signingAlgorithm: ALG });
  return { pem: csr.toString('pem'), keyPem: toPem('PRIVATE KEY', await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

const condition = (csr: KObject, type: string) => (csr.status?.conditions ?? []).find((c: KObject) => c.type === type && c.status === 'True');

/** Posts the request and waits for its certificate; a denied or failed request ends the join. */
async function obtainCertificate(api: ApiClient, nodeName: string, pem: string): Promise<string> {
  const body = {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { generateName: `node-csr-${nodeName}-` },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'] },
  };
  let created: KObject;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      created = await api.post(CSRS, body);
      break;
    } catch (e) {
      if (e instanceof ApiStatusError && (e.code === 401 || e.code === 403 || e.code === 422)) throw new Error(`the server refused the certificate signing request: ${e.message}`);
      warn(`creating the certificate signing request: ${errMsg((e as Error & { cause?: unknown }).cause ?? e)}; retrying in ${delay / 1000}s`);
      await sleep(delay);
    }
  }
  const name = created.metadata.name;
  log(`certificate signing request ${name} created; waiting for it to be approved and signed`);
  let lastNote = Date.now();
  for (;;) {
    const csr = await api.get(`${CSRS}/${name}`).catch((e) => { warn(`reading ${name}: ${errMsg(e)}`); return undefined; });
    if (csr?.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString();
    const stop = csr && (condition(csr, 'Denied') ?? condition(csr, 'Failed'));
    if (stop) throw new Error(`certificate signing request ${name} was ${stop.type.toLowerCase()}: ${stop.reason ?? ''} ${stop.message ?? ''}`.trim());
    if (Date.now() - lastNote > 30_000) {
      log(`still waiting for ${name} (approve it with: kubectl certificate approve ${name})`);
      lastNote = Date.now();
    }
    await sleep(1000);
  }
}

/**
 * The node's own credentials: the kubeconfig at `kubeconfigPath` when it
 * holds a usable certificate for this node, else a new one obtained with the
 * bootstrap kubeconfig and written there.
 */
export async function bootstrapNodeCredentials(bootstrapKubeconfig: string, kubeconfigPath: string, nodeName: string): Promise<Credentials> {
  const existing = readExisting(kubeconfigPath);
  if (usable(existing, nodeName)) {
    log(`using the node credential in ${kubeconfigPath}`);
    return existing!;
  }
  const boot = loadKubeconfig(bootstrapKubeconfig);
  if (!boot.token) throw new Error(`${bootstrapKubeconfig} has no token (a bootstrap token, <id>.<secret>)`);
  log(`joining with the bootstrap token of ${bootstrapKubeconfig}: asking for a client certificate for system:node:${nodeName}`);
  const api = new ApiClient(boot.server, staticToken(boot.token), boot.ca);
  const { pem, keyPem } = await request(nodeName);
  const certificate = await obtainCertificate(api, nodeName, pem);
  writeNodeKubeconfig(kubeconfigPath, nodeName, { server: boot.server, ca: boot.ca, clientCertificate: certificate, clientKey: keyPem });
  log(`certificate issued; node credential written to ${kubeconfigPath}`);
  return loadKubeconfig(kubeconfigPath);
}
