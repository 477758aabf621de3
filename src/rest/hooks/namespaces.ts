// Namespace lifecycle: the NamespaceLifecycle admission plugin (no content in
// a missing or terminating namespace; the system namespaces stay) and the
// namespace controller's work (empty a terminating namespace, then remove it),
// done here by the server itself.
import type { KObject, ResourceDefinition } from '../../resources/types';
import { lookup } from '../../resources/registry';
import { ApiError, forbidden, notFound } from '../../status/status';
import { SHARDS, shard } from '../../store/client';
import type { RestContext } from '../context';
import type { ResourceHooks } from './types';
import { defForKey, rfc3339 } from '../objects';
import { readObject } from '../read';
import { SERVER_WRITE } from '../../request/options';

const PROTECTED = ['default', 'kube-system', 'kube-public'];

const namespacesDef = () => lookup('', 'v1', 'namespaces') as ResourceDefinition;

export const namespaceHooks: ResourceHooks = {
  beforeDelete(name) {
    if (PROTECTED.includes(name)) throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
  },
  terminate(obj) {
    if (obj.metadata.deletionTimestamp) return obj;
    return { ...obj, metadata: { ...obj.metadata, deletionTimestamp: rfc3339(Date.now()), deletionGracePeriodSeconds: 0 }, status: { ...(obj.status ?? {}), phase: 'Terminating' } };
  },
  afterTerminate(ctx, obj) {
    namespaceTerminated(ctx, obj.metadata.name);
  },
  holds: (obj) => (obj.spec?.finalizers ?? []).length > 0,
};

/** Create-time admission for namespaced kinds. */
export async function admitNamespace(ctx: RestContext, def: ResourceDefinition, namespace: string | undefined, name: string) {
  if (!def.namespaced || !namespace) return;
  const ns = await readObject(ctx, { def: namespacesDef(), namespace: undefined }, namespace);
  if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  if (ns.obj.metadata.deletionTimestamp || ns.obj.status?.phase === 'Terminating') {
    const err = forbidden({ group: def.group, resource: def.resource }, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    err.status.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
    throw err;
  }
}

// One cleanup per namespace at a time in this isolate; a request arriving
// while one runs asks for another pass instead of starting a second.
const running = new Map<string, { again: boolean }>();

/** Called whenever something in `namespace` is removed or the namespace starts terminating. */
export function namespaceTerminated(ctx: RestContext, namespace: string) {
  const run = running.get(namespace);
  if (run) { run.again = true; return; }
  const state = { again: false };
  running.set(namespace, state);
  ctx.waitUntil((async () => {
    try {
      do { state.again = false; await finalizeNamespace(ctx, namespace); } while (state.again);
    } finally {
      running.delete(namespace);
    }
  })());
}

async function finalizeNamespace(ctx: RestContext, namespace: string) {
  const def = namespacesDef();
  const ns = await readObject(ctx, { def, namespace: undefined }, namespace);
  if (!ns?.obj.metadata.deletionTimestamp) return;
  // Imported lazily: delete and write import this module.
  const { deleteObject } = await import('../delete');
  const { guaranteedUpdate } = await import('../write');
  const keysIn = async () => (await Promise.all(SHARDS.map((s) => shard(ctx.env, s).keysInNamespace(namespace)))).flat();
  // custom resources go too, as kube's namespace controller deletes every kind discovery lists
  const { customDefinitions } = await import('../../apiextensions/registry');
  const custom = (await customDefinitions(ctx)).map((v) => v.def);
  for (const key of await keysIn()) {
    const kind = defForKey(key, custom);
    if (!kind) continue;
    const name = key.split('/').slice(4).join('/'); // /<group>/<resource>/<namespace>/<name>
    try {
      await deleteObject(ctx, kind, namespace, name, { dryRun: false, propagationPolicy: 'Background' });
    } catch (e) {
      if (!(e instanceof ApiError && e.status.code === 404)) throw e;
    }
  }
  if ((await keysIn()).length > 0) return; // finalizers or grace periods still pending
  try {
    await guaranteedUpdate(ctx, { def, namespace: undefined }, namespace, { ...SERVER_WRITE, fieldManager: 'namespace-controller' }, (old: KObject) => {
      const next = structuredClone(old);
      next.spec = { ...(next.spec ?? {}), finalizers: [] };
      return next;
    });
  } catch (e) {
    if (!(e instanceof ApiError && e.status.code === 404)) throw e;
  }
}
