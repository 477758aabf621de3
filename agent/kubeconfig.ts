// Reads a kubeconfig the way a kubelet's --kubeconfig does: the current
// context's cluster (server, CA) and user (bearer token). Paths inside it are
// relative to the file, as in client-go.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface Credentials {
  server: string;
  /** PEM of the CA that signs the server's certificate, when not a public one. */
  ca?: string;
  token?: string;
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
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString()
    : cluster['certificate-authority'] ? fs.readFileSync(path.resolve(dir, cluster['certificate-authority']), 'utf8') : undefined;
  const token = typeof user.token === 'string' ? user.token
    : user.tokenFile ? fs.readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim() : undefined;
  return { server: cluster.server, ...(ca ? { ca } : {}), ...(token ? { token } : {}) };
}
