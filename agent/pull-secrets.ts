// Registry credentials from a pod's imagePullSecrets, as the kubelet's
// credential keyring reads them: `kubernetes.io/dockerconfigjson`
// ({"auths": {server: {...}}}) and the older `kubernetes.io/dockercfg`
// ({server: {...}}). A secret that is missing or unreadable is skipped, as
// the kubelet only warns about it; the pull then goes without it.
import type { ApiClient, KObject } from './api.ts';
import type { RegistryAuth } from './runtime.ts';
import { warn } from './log.ts';

function entries(secret: KObject): [string, KObject][] {
  const data = secret.data ?? {};
  const decode = (v: string | undefined) => (v ? JSON.parse(Buffer.from(v, 'base64').toString('utf8')) : undefined);
  if (secret.type === 'kubernetes.io/dockerconfigjson') return Object.entries(decode(data['.dockerconfigjson'])?.auths ?? {});
  if (secret.type === 'kubernetes.io/dockercfg') return Object.entries(decode(data['.dockercfg']) ?? {});
  return [];
}

export async function pullSecrets(api: ApiClient, pod: KObject): Promise<RegistryAuth[]> {
  const out: RegistryAuth[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!ref?.name) continue;
    const ns = encodeURIComponent(pod.metadata.namespace);
    try {
      const secret = await api.getOptional(`/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(ref.name)}`);
      if (!secret) { warn(`pod ${pod.metadata.namespace}/${pod.metadata.name}: image pull secret "${ref.name}" not found; pulling without it`); continue; }
      for (const [server, a] of entries(secret)) {
        out.push({
          serverAddress: server, username: a.username, password: a.password, auth: a.auth,
          identityToken: a.identitytoken, registryToken: a.registrytoken,
        });
      }
    } catch (e) {
      warn(`pod ${pod.metadata.namespace}/${pod.metadata.name}: image pull secret "${ref.name}": ${(e as Error).message}`);
    }
  }
  return out;
}

/** The registry host of a server address as dockercfg files write it ("https://index.docker.io/v1/", "registry:5000"). */
export function registryHost(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').split('/')[0].toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
