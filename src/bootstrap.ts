// What a new cluster has before anyone writes to it: the system namespaces,
// the `kubernetes` Service and its ServiceCIDR, and the default RBAC policy, as kube-apiserver's
// bootstrap controllers create them, and the default StorageClass served by
// the built-in local-path provisioner (k3s ships its local-path class the same way). Runs once per isolate and only creates what is missing, so a
// removed kube-node-lease comes back as it does in a real cluster.
import type { KObject } from './resources/types';
import { lookup } from './resources/registry';
import type { RestContext } from './rest/context';
import { createObject, guaranteedUpdate } from './rest/write';
import { DEFAULT_CLUSTER_ROLES, DEFAULT_CLUSTER_ROLE_BINDINGS, reconcile } from './authz/bootstrap-policy';
import { SERVER_WRITE } from './request/options';
import { readObject } from './rest/read';
import { ApiError } from './status/status';
import { KUBERNETES_SERVICE_IP, SERVICE_CIDR } from './rest/hooks/services';
import { DEFAULT_CLASS_ANNOTATION } from './rest/hooks/persistentvolumeclaims';
import { LOCAL_PATH_PROVISIONER } from './controllers/storage';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const KUBERNETES_SERVICE: KObject = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
  spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
};

/** The range service IPs come from, as kube's default-servicecidr controller publishes it. */
const DEFAULT_SERVICE_CIDR: KObject = {
  apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'kubernetes' }, spec: { cidrs: [SERVICE_CIDR] },
};

/** Node-local directories, made on the node that runs a claim's first pod. */
const LOCAL_PATH_CLASS: KObject = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

let done: Promise<void> | undefined;

export function ensureBootstrapped(ctx: RestContext): Promise<void> {
  // The server's own writes: not admitted as whoever's request happened to come first.
  done ??= bootstrap({ ...ctx, user: undefined, admit: undefined }).catch((e) => { done = undefined; throw e; });
  return done;
}

async function bootstrap(ctx: RestContext) {
  const namespaces = lookup('', 'v1', 'namespaces');
  const services = lookup('', 'v1', 'services');
  if (namespaces) {
    for (const name of SYSTEM_NAMESPACES) await ensure(ctx, namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  if (services) await ensure(ctx, services, 'default', structuredClone(KUBERNETES_SERVICE));
  const cidrs = lookup('networking.k8s.io', 'v1', 'servicecidrs');
  if (cidrs) await ensure(ctx, cidrs, undefined, structuredClone(DEFAULT_SERVICE_CIDR));
  const classes = lookup('storage.k8s.io', 'v1', 'storageclasses');
  if (classes) await ensure(ctx, classes, undefined, structuredClone(LOCAL_PATH_CLASS));
  const roles = lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const bindings = lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  await Promise.all([
    ...DEFAULT_CLUSTER_ROLES.map((r) => ensure(ctx, roles, undefined, structuredClone(r), true)),
    ...DEFAULT_CLUSTER_ROLE_BINDINGS.map((b) => ensure(ctx, bindings, undefined, structuredClone(b), true)),
  ]);
}

async function ensure(ctx: RestContext, def: NonNullable<ReturnType<typeof lookup>>, namespace: string | undefined, obj: KObject, reconciled = false) {
  const existing = await readObject(ctx, { def, namespace }, obj.metadata.name);
  if (existing && reconciled && reconcile(obj, existing.obj)) {
    await guaranteedUpdate(ctx, { def, namespace }, obj.metadata.name, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' }, (cur) => reconcile(obj, cur) ?? cur);
  }
  if (existing) return;
  try {
    await createObject(ctx, { def, namespace }, obj, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' });
  } catch (e) {
    if (!(e instanceof ApiError && e.status.code === 409)) throw e;
  }
}
