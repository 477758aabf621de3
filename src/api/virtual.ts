// Kinds with a REST object of their own instead of a store (definitions
// marked `virtual`): bindings, which bind the pod their body names,
// componentstatuses, the control plane's health probed on each read, and
// metrics.k8s.io's node and pod metrics, read from the node agents.
import type { KObject } from '../resources/types';
import type { Operation } from '../request/info';
import type { RestContext } from '../rest/context';
import { lookup } from '../resources/registry';
import { subresourceHandler } from '../rest/subresources';
import { parseWriteOptions } from '../request/options';
import { invalid, methodNotSupported, notFound } from '../status/status';
import { shard, SHARDS, type Env } from '../store/client';
import { controllersStub } from '../controllers/notify';
import { serveResourceMetrics } from './resource-metrics';

export interface VirtualRequest {
  ctx: RestContext;
  op: Operation;
  query: URLSearchParams;
  env: Env;
  body(): Promise<KObject>;
}

/** The answer's JSON text and code. */
export type VirtualAnswer = { text: string; status: 200 | 201; list?: KObject[] };

export async function serveVirtual(req: VirtualRequest): Promise<VirtualAnswer> {
  const { op } = req;
  const key = `${op.def.group}/${op.def.resource}`;
  // awaited here: a rejected promise passed on unawaited is reported as unhandled by workerd
  if (key === '/bindings' && op.verb === 'create' && op.name === undefined) return await bind(req);
  if (key === '/componentstatuses' && (op.verb === 'get' || op.verb === 'list')) return await componentStatuses(req);
  if (op.def.group === 'metrics.k8s.io') return await serveResourceMetrics(req);
  throw methodNotSupported(op.def, op.verb);
}

/** LegacyBindingREST: pods/{name}/binding for the pod named in the body. */
async function bind({ ctx, op, query, body }: VirtualRequest): Promise<VirtualAnswer> {
  const binding = await body();
  const name = binding.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw invalid('Binding', '', '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  }
  const pods = lookup('', 'v1', 'pods')!;
  const text = await subresourceHandler(pods, 'binding')!.create!(ctx, { ...op, def: pods, name, subresource: 'binding' }, binding, parseWriteOptions(query, 'CreateOptions'));
  return { text, status: 201 };
}

/**
 * kube probes the scheduler, the controller manager and each etcd server. Here the
 * scheduler and the controllers run in the controllers' Durable Object and etcd's part is
 * played by the store's shards, so those are what answer.
 */
async function componentStatuses({ ctx, op, env }: VirtualRequest): Promise<VirtualAnswer> {
  // the deprecation warning kube's registry attaches to every request of the kind
  ctx.warn('299 - "v1 ComponentStatus is deprecated in v1.19+"');
  const probe = async (name: string, check: () => Promise<unknown>): Promise<KObject> => {
    let condition: KObject;
    try {
      await check();
      condition = { type: 'Healthy', status: 'True', message: 'ok' };
    } catch (e) {
      condition = { type: 'Healthy', status: 'False', error: (e as Error).message ?? String(e) };
    }
    return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [condition] };
  };
  const controllers = async () => {
    const stub = controllersStub(env);
    if (!stub) throw new Error('the controllers are not deployed with this server');
    await stub.stats();
  };
  const names = ['scheduler', 'controller-manager', ...SHARDS.map((_, i) => `etcd-${i}`)];
  if (op.verb === 'get' && !names.includes(op.name!)) throw notFound({ group: '', resource: 'componentstatuses' }, op.name!);
  const wanted = op.verb === 'get' ? [op.name!] : names;
  const items = await Promise.all(wanted.map((name) => {
    if (name.startsWith('etcd-')) return probe(name, () => shard(env, SHARDS[Number(name.slice(5))]).currentResourceVersion());
    return probe(name, controllers);
  }));
  if (op.verb === 'get') return { text: JSON.stringify(items[0]), status: 200, list: items };
  return { text: JSON.stringify({ kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items }), status: 200, list: items };
}
