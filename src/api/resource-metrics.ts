// metrics.k8s.io/v1beta1, as metrics-server serves it, from what each node
// agent measures: the Nodes and Pods the request names are read from the
// store, and their usage from their agents' /stats/summary (the kubelet's
// Summary API), asked in parallel on each request. A node that cannot be
// reached, or a pod not measured yet, is left out, as metrics-server leaves
// out what it has no fresh sample of.
import type { KObject } from '../resources/types';
import type { VirtualAnswer, VirtualRequest } from './virtual';
import { lookup } from '../resources/registry';
import { listObjects, readObject } from '../rest/read';
import { forward } from '../proxy/forward';
import { proxyEnv } from '../proxy/env';
import { formatQuantity } from '../resources/quantity';
import { methodNotSupported, notFound } from '../status/status';

/** The Summary API's part this reads (k8s.io/kubelet pkg/apis/stats/v1alpha1). */
interface Usage { time: string; usageNanoCores?: number; workingSetBytes?: number }
interface ContainerStats { name: string; cpu?: Usage; memory?: Usage }
interface PodStats { podRef: { name: string; namespace: string; uid: string }; containers: ContainerStats[] }
export interface Summary { node: { nodeName: string; cpu?: Usage; memory?: Usage; window?: string }; pods: PodStats[]; window?: string }

const API_VERSION = 'metrics.k8s.io/v1beta1';
const cpu = (u?: Usage) => formatQuantity({ mantissa: BigInt(Math.round(u?.usageNanoCores ?? 0)), exponent: -9, format: 'DecimalSI' });
const memory = (u?: Usage) => formatQuantity({ mantissa: BigInt(Math.round(u?.workingSetBytes ?? 0)), exponent: 0, format: 'BinarySI' });
const measured = (u?: Usage) => u?.usageNanoCores !== undefined;

export async function serveResourceMetrics(req: VirtualRequest): Promise<VirtualAnswer> {
  const { op } = req;
  if (op.verb !== 'get' && op.verb !== 'list') throw methodNotSupported(op.def, op.verb);
  const items = op.def.resource === 'nodes' ? await nodeMetrics(req) : await podMetrics(req);
  if (op.verb === 'get') {
    // metrics-server names its kinds' resources podmetrics and nodemetrics in errors, and a pod by namespace/name
    if (!items[0]) throw notFound({ group: op.def.group, resource: op.def.kind.toLowerCase() }, op.def.namespaced ? `${op.namespace}/${op.name}` : op.name!);
    return { text: JSON.stringify({ kind: op.def.kind, apiVersion: API_VERSION, ...items[0] }), status: 200, list: items };
  }
  return { text: JSON.stringify({ kind: `${op.def.kind}List`, apiVersion: API_VERSION, metadata: {}, items }), status: 200, list: items };
}

/** The objects a request names: one by name, or a list with its label selector. */
async function objects(req: VirtualRequest, resource: 'nodes' | 'pods'): Promise<KObject[]> {
  const { ctx, op, query } = req;
  const def = lookup('', 'v1', resource)!;
  const namespace = def.namespaced ? op.namespace : undefined;
  if (op.name !== undefined) {
    const one = await readObject(ctx, { def, namespace }, op.name);
    return one ? [one.obj] : [];
  }
  const page = await listObjects(ctx, { verb: 'list', def, namespace, legacyWatch: false }, {
    labelSelector: query.get('labelSelector') ?? '', fieldSelector: query.get('fieldSelector') ?? '',
    resourceVersion: '', resourceVersionMatch: '', limit: 0, continue: '', allowWatchBookmarks: false,
  });
  return page.items.map((t) => JSON.parse(t) as KObject);
}

/** Each node's Summary, by node name; nodes whose agent does not answer are missing. */
async function summaries(req: VirtualRequest, nodes: KObject[]): Promise<Map<string, Summary>> {
  const env = proxyEnv(req.env);
  const out = new Map<string, Summary>();
  await Promise.all(nodes.map(async (node) => {
    try {
      const res = await forward(env, node, '/stats/summary', new Request('https://agent/stats/summary'));
      if (res.ok) out.set(node.metadata.name, await res.json() as Summary);
      else await res.body?.cancel();
    } catch (e) {
      console.warn(`metrics: no summary from node ${node.metadata.name}: ${(e as Error).message}`);
    }
  }));
  return out;
}

async function nodeMetrics(req: VirtualRequest): Promise<KObject[]> {
  const nodes = await objects(req, 'nodes');
  const stats = await summaries(req, nodes);
  return nodes.flatMap((node) => {
    const s = stats.get(node.metadata.name)?.node;
    if (!s || !measured(s.cpu)) return [];
    return [{
      metadata: { name: node.metadata.name, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels: node.metadata.labels ?? {} },
      timestamp: s.cpu!.time, window: s.window ?? '10s', usage: { cpu: cpu(s.cpu), memory: memory(s.memory) },
    }];
  });
}

async function podMetrics(req: VirtualRequest): Promise<KObject[]> {
  const pods = (await objects(req, 'pods')).filter((p) => p.spec?.nodeName && p.status?.phase === 'Running');
  const nodeNames = [...new Set(pods.map((p) => p.spec.nodeName as string))];
  const nodes = (await Promise.all(nodeNames.map((n) => readObject(req.ctx, { def: lookup('', 'v1', 'nodes')!, namespace: undefined }, n))))
    .flatMap((r) => (r ? [r.obj] : []));
  const stats = await summaries(req, nodes);
  return pods.flatMap((pod) => {
    const summary = stats.get(pod.spec.nodeName);
    const s = summary?.pods.find((p) => p.podRef.uid === pod.metadata.uid);
    if (!s || !s.containers.length || !s.containers.every((c) => measured(c.cpu))) return [];
    return [{
      metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels: pod.metadata.labels ?? {} },
      timestamp: s.containers[0].cpu!.time, window: summary!.window ?? '10s',
      containers: s.containers.map((c) => ({ name: c.name, usage: { cpu: cpu(c.cpu), memory: memory(c.memory) } })),
    }];
  });
}
