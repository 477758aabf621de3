// What a new cluster has before anyone writes to it: the system namespaces
// and the `kubernetes` Service, as kube-apiserver's bootstrap controllers
// create them. Runs once per isolate and only creates what is missing, so a
// removed kube-node-lease comes back as it does in a real cluster.
import type { KObject } from './resources/types';
import { lookup } from './resources/registry';
import type { RestContext } from './rest/context';
import { createObject } from './rest/write';
import { SERVER_WRITE } from './request/options';
import { readObject } from './rest/read';
import { ApiError } from './status/status';
import { KUBERNETES_SERVICE_IP } from './rest/hooks/services';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const KUBERNETES_SERVICE: KObject = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
  spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
};

let done: Promise<void> | undefined;

export function ensureBootstrapped(ctx: RestContext): Promise<void> {
  done ??= bootstrap(ctx).catch((e) => { done = undefined; throw e; });
  return done;
}

async function bootstrap(ctx: RestContext) {
  const namespaces = lookup('', 'v1', 'namespaces');
  const services = lookup('', 'v1', 'services');
  if (namespaces) {
    for (const name of SYSTEM_NAMESPACES) await ensure(ctx, namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  if (services) await ensure(ctx, services, 'default', structuredClone(KUBERNETES_SERVICE));
}

async function ensure(ctx: RestContext, def: NonNullable<ReturnType<typeof lookup>>, namespace: string | undefined, obj: KObject) {
  if (await readObject(ctx, { def, namespace }, obj.metadata.name)) return;
  try {
    await createObject(ctx, { def, namespace }, obj, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' });
  } catch (e) {
    if (!(e instanceof ApiError && e.status.code === 409)) throw e;
  }
}
