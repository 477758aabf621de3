// Reads a kubeconfig the way a kubelet's --kubeconfig does: the current
// context's cluster (server, CA) and user (bearer token, or client
// certificate and key). Paths inside it are relative to the file, as in
// client-go. Also writes the kubeconfig a node gets when it joins.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export interface Credentials {
  server: string;
  /** PEM of the CA that signs the server's certificate, when not a public one. */
  ca?: string;
  token?: string;
  /** PEM client certificate and key (client-certificate(-data), client-key(-data)). */
  clientCertificate?: string;
  clientKey?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const named = (list: Any[] | undefined, name: string, what: string) => {
  const hit = (list ?? []).find((x) => x?.name === name);
  if (!hit) throw new Error(`kubeconfig: ${what} "${name}" not found`);
  return hit;
};

export function loadKubeconfig(file: string): Credentials {
  const doc: Any = parse(fs.readFileSync(file, 'utf8'));
  const dir = path.dirname(path.resolve(file));
  const contextName = doc?.['current-context'];
  if (!contextName) throw new Error('kubeconfig: no current-context');
  const context = named(doc.contexts, contextName, 'context').context ?? {};
  const cluster = named(doc.clusters, context.cluster, 'cluster').cluster ?? {};
  const user = context.user ? named(doc.users, context.user, 'user').user ?? {} : {};
  if (typeof cluster.server !== 'string') throw new Error('kubeconfig: the cluster has no server');
  /** `<field>-data` (base64) or `<field>` (a path), as client-go reads them. */
  const pem = (obj: Any, field: string) => (obj[`${field}-data`]
    ? Buffer.from(obj[`${field}-data`], 'base64').toString()
    : obj[field] ? fs.readFileSync(path.resolve(dir, obj[field]), 'utf8') : undefined);
  const ca = pem(cluster, 'certificate-authority');
  const token = typeof user.token === 'string' ? user.token
    : user.tokenFile ? fs.readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim() : undefined;
  const clientCertificate = pem(user, 'client-certificate');
  const clientKey = pem(user, 'client-key');
  if (!!clientCertificate !== !!clientKey) throw new Error('kubeconfig: a client certificate needs its key, and a key its certificate');
  return { server: cluster.server, ...(ca ? { ca } : {}), ...(token ? { token } : {}), ...(clientCertificate ? { clientCertificate, clientKey } : {}) };
}

/** Writes a kubeconfig (mode 0600: it holds a private key) with the certificate a node was issued. */
export function writeNodeKubeconfig(file: string, nodeName: string, creds: Required<Pick<Credentials, 'server' | 'clientCertificate' | 'clientKey'>> & Pick<Credentials, 'ca'>) {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const user = `system:node:${nodeName}`;
  const doc = {
    apiVersion: 'v1', kind: 'Config', 'current-context': 'default',
    clusters: [{ name: 'default-cluster', cluster: { server: creds.server, ...(creds.ca ? { 'certificate-authority-data': b64(creds.ca) } : {}) } }],
    contexts: [{ name: 'default', context: { cluster: 'default-cluster', user, namespace: 'default' } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(creds.clientCertificate), 'client-key-data': b64(creds.clientKey) } }],
  };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, stringify(doc), { mode: 0o600 });
  fs.renameSync(tmp, file);
}
