// What the workload controller tests share: passes of the controllers run
// to a fixed point, and pods marked as a node agent would mark them.
import { expect } from 'vitest';
import { env } from 'cloudflare:workers';
import { api, type J } from './helpers';
import type { Controllers } from '../../src/controllers/durable';
import type { WorkloadsPass } from '../../src/controllers/manager';

export const controllers = () => {
  const ns = env.CONTROLLERS!;
  return ns.get(ns.idFromName('cluster')) as DurableObjectStub<Controllers>;
};

/** Runs controller passes until one reads no change and has nothing queued. */
export async function settle(now?: number) {
  let last: unknown;
  let lastRun: WorkloadsPass | undefined;
  for (let i = 0; i < 40; i++) {
    // The first pass runs every controller; later ones only those with work.
    const r = await controllers().reconcile({ ...(now === undefined ? {} : { now }), all: i === 0 });
    const w = r.workloads;
    last = r;
    lastRun = w ?? lastRun;
    if (r.errors.length) throw new Error(r.errors.join('; '));
    if (!w || (w.changes === 0 && Object.values(w.processed).every((n) => n === 0))) return lastRun!;
  }
  throw new Error(`the controllers did not settle: ${JSON.stringify(last)}`);
}

export const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
});

export async function podsOf(ns: string, selector: string): Promise<J[]> {
  const r = await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
  expect(r.status).toBe(200);
  return r.body.items;
}

export async function setReady(ns: string, pod: J, ready: boolean, at = new Date()) {
  const t = at.toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await api('PATCH', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t }] },
  }, { 'content-type': 'application/merge-patch+json' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Marks every active pod with these labels Running and Ready, as a node agent would. */
export async function readyAll(ns: string, selector: string) {
  for (const p of await podsOf(ns, selector)) if (!p.metadata.deletionTimestamp && p.status?.conditions?.[0]?.status !== 'True') await setReady(ns, p, true);
}


/** A Ready node (as a node agent would register it); nothing runs it, so pods on it stay as tests set them. */
export async function addNode(name: string, o: { labels?: Record<string, string>; annotations?: Record<string, string>; taints?: J[]; unschedulable?: boolean } = {}) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await api('POST', '/api/v1/nodes', {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) }, annotations: o.annotations ?? {} },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

/** Ends a pod's one container as a node agent would report it. */
export async function finishPod(ns: string, pod: J, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1) {
  const r = await api('PATCH', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`, {
    status: { phase, containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', finishedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } }] },
  }, { 'content-type': 'application/merge-patch+json' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}
