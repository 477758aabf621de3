// The built-in controllers inside workerd: the scheduler, node lifecycle and
// the endpoints/endpointslice controllers, driven through the Controllers
// Durable Object's alarm (runDurableObjectAlarm) or, for node lifecycle, its
// reconcile() with an explicit clock. Every change goes through the API, so
// the assertions read the API like a client.
import { afterEach, describe, expect, it } from 'vitest';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { api, mkns, type J } from './helpers';
import { controllers } from './workload-helpers';
import type { ControllerEnv } from '../../src/controllers/env';
import { milliCPU, parseQuantity } from '../../src/controllers/quantity';
import { fitMessage, matchRequirement, pickNode, nodeStates } from '../../src/controllers/scheduler';
import { evictionTime } from '../../src/controllers/nodelifecycle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');

/** Runs the controllers' alarm (as its timer would) until `check` holds. */
async function settle<T>(check: () => Promise<T>, what = 'the controllers to converge', timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    await runDurableObjectAlarm(controllers());
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(30);
  }
}

interface NodeOpts { labels?: Record<string, string>; taints?: J[]; cpu?: string; memory?: string; pods?: string; ready?: 'True' | 'False'; unschedulable?: boolean; ip?: string }

// Every node a test registers carries this taint and every pod here tolerates
// it, so nothing but these tests' pods lands on them.
const nodeObj = (name: string, o: NodeOpts = {}) => {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: alloc, allocatable: alloc,
      addresses: [{ type: 'InternalIP', address: o.ip ?? '10.0.0.1' }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
};

const created: string[] = [];
async function addNode(name: string, o: NodeOpts = {}, leaseAt = Date.now()) {
  const r = await api('POST', '/api/v1/nodes', nodeObj(name, o));
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  created.push(name);
  await renewLease(name, leaseAt);
  return r.body;
}

async function renewLease(name: string, at = Date.now()) {
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  const cur = await api('GET', path);
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(at) };
  const r = cur.status === 404
    ? await api('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec })
    : await api('PUT', path, { ...cur.body, spec });
  expect(r.status).toBeLessThan(300);
}

afterEach(async () => {
  for (const n of created.splice(0)) {
    await api('DELETE', `/api/v1/nodes/${n}`);
    await api('DELETE', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n}`);
  }
});

const TEST_TOLERATION = { key: 'edgekube.test/controllers', operator: 'Exists' };
const TEST_TAINT = { key: 'edgekube.test/controllers', value: 'yes', effect: 'NoSchedule' };

const podObj = (name: string, spec: J = {}, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1000'], ...(spec.container ?? {}) }], ...spec, container: undefined, tolerations: [TEST_TOLERATION, ...(spec.tolerations ?? [])] },
});

async function addPod(ns: string, name: string, spec: J = {}, labels: Record<string, string> = {}) {
  const r = await api('POST', `/api/v1/namespaces/${ns}/pods`, podObj(name, spec, labels));
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const getPod = async (ns: string, name: string) => (await api('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).body;
const cond = (obj: J, type: string) => (obj.status?.conditions ?? []).find((c: J) => c.type === type);
const events = async (ns: string, pod: J) =>
  (await api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.uid%3D${pod.metadata.uid}`)).body.items as J[];

/** Everything a test's objects are at, to show a pass writes nothing. */
async function versions(paths: string[]) {
  return Promise.all(paths.map(async (p) => {
    const b = (await api('GET', p)).body;
    return b.items ? b.items.map((i: J) => `${i.metadata.name}@${i.metadata.resourceVersion}`) : `${b.metadata?.name}@${b.metadata?.resourceVersion}`;
  }));
}

// ---- pure parts ------------------------------------------------------------------------

describe('quantities and scheduling rules', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('1')).toBe(1);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('100u')).toBeCloseTo(1e-4);
    expect(parseQuantity('nope')).toBeUndefined();
    expect(milliCPU('250m')).toBe(250);
    expect(milliCPU('2')).toBe(2000);
    expect(milliCPU('0.1')).toBe(100);
    expect(milliCPU('100u')).toBe(1); // rounded up, as MilliValue() does
  });

  it('matches node selector requirements with every operator', () => {
    const labels = { zone: 'a', gpus: '4' };
    expect(matchRequirement({ key: 'zone', operator: 'In', values: ['a', 'b'] }, labels)).toBe(true);
    expect(matchRequirement({ key: 'zone', operator: 'NotIn', values: ['a'] }, labels)).toBe(false);
    expect(matchRequirement({ key: 'other', operator: 'NotIn', values: ['a'] }, labels)).toBe(true);
    expect(matchRequirement({ key: 'zone', operator: 'Exists' }, labels)).toBe(true);
    expect(matchRequirement({ key: 'zone', operator: 'DoesNotExist' }, labels)).toBe(false);
    expect(matchRequirement({ key: 'gpus', operator: 'Gt', values: ['3'] }, labels)).toBe(true);
    expect(matchRequirement({ key: 'gpus', operator: 'Lt', values: ['3'] }, labels)).toBe(false);
    expect(matchRequirement({ key: 'zone', operator: 'Gt', values: ['3'] }, labels)).toBe(false);
  });

  it('words an unschedulable pod like kube-scheduler', () => {
    const ready = [{ type: 'Ready', status: 'True' }];
    const nodes = [
      { metadata: { name: 'a', labels: {} }, spec: {}, status: { conditions: ready } },
      { metadata: { name: 'b', labels: { disk: 'ssd' } }, spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }, status: { conditions: ready } },
    ];
    const pod = { metadata: { name: 'p' }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c' }] } };
    expect(pickNode(pod, nodeStates(nodes, []))).toEqual({
      message: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.",
    });
    expect(fitMessage(3, new Map([['Insufficient cpu', 2], ['Too many pods', 1]]))).toBe('0/3 nodes are available: 1 Too many pods, 2 Insufficient cpu.');
  });

  it('computes when a pod must leave a NoExecute-tainted node', () => {
    const opts = { now: 1_000_000, nodeGraceSeconds: 40, podEvictionSeconds: 300 };
    const added = new Date(1_000_000).toISOString();
    const unreachable = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added }];
    expect(evictionTime({ spec: {} }, unreachable, opts)).toBe(1_000_000 + 300_000);
    expect(evictionTime({ spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] } }, unreachable, opts)).toBe(1_010_000);
    expect(evictionTime({ spec: { tolerations: [{ operator: 'Exists' }] } }, unreachable, opts)).toBeUndefined();
    expect(evictionTime({ spec: {} }, [{ key: 'maintenance', effect: 'NoExecute' }], opts)).toBe(opts.now);
  });
});

// ---- the scheduler ------------------------------------------------------------------------

describe('scheduler', () => {
  it('binds each pod to the node that fits: selector, taints and tolerations, resources, affinity', async () => {
    await mkns('sched');
    await addNode('sch-small', { cpu: '1', memory: '1Gi', labels: { disk: 'ssd' }, taints: [TEST_TAINT] });
    await addNode('sch-big', { cpu: '8', memory: '16Gi', labels: { disk: 'hdd', gpus: '4' }, taints: [TEST_TAINT] });
    await addNode('sch-ml', { cpu: '8', memory: '16Gi', labels: { disk: 'hdd' }, taints: [TEST_TAINT, { key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] });
    const req = (cpu: string, memory = '64Mi') => ({ container: { resources: { requests: { cpu, memory } } } });
    await addPod('sched', 'on-ssd', { nodeSelector: { disk: 'ssd' } });
    await addPod('sched', 'needs-2-cpus', req('2'));
    await addPod('sched', 'ml-job', {
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['sch-ml'] }] }] } } },
    });
    await addPod('sched', 'gpu', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
        { matchExpressions: [{ key: 'missing', operator: 'Exists' }] },
        { matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['2'] }, { key: 'disk', operator: 'NotIn', values: ['ssd'] }] },
      ] } } },
    });
    await addPod('sched', 'too-big', { nodeSelector: { disk: 'ssd' }, ...req('500m', '2Gi') });
    const want = { 'on-ssd': 'sch-small', 'needs-2-cpus': 'sch-big', 'ml-job': 'sch-ml', gpu: 'sch-big' };
    await settle(async () => {
      for (const [p, n] of Object.entries(want)) {
        const pod = await getPod('sched', p);
        if (pod.spec.nodeName !== n || !(await events('sched', pod)).some((e) => e.reason === 'Scheduled')) return false;
      }
      return cond(await getPod('sched', 'too-big'), 'PodScheduled')?.status === 'False';
    }, 'pods to bind');
    const onSsd = await getPod('sched', 'on-ssd');
    expect(cond(onSsd, 'PodScheduled')).toMatchObject({ status: 'True' });
    expect((await events('sched', onSsd)).map((e) => [e.reason, e.message, e.source.component])).toEqual([['Scheduled', 'Successfully assigned sched/on-ssd to sch-small', 'default-scheduler']]);
    const tooBig = await getPod('sched', 'too-big');
    expect(tooBig.spec.nodeName).toBeUndefined();
    expect(cond(tooBig, 'PodScheduled')).toMatchObject({
      status: 'False', reason: 'Unschedulable',
      message: "0/3 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: ml}.",
    });
  });

  it('spreads pods to the least loaded node and counts pods against allocatable', async () => {
    await mkns('spread');
    await addNode('spr-a', { taints: [TEST_TAINT], pods: '2' });
    await addNode('spr-b', { taints: [TEST_TAINT], pods: '2' });
    for (let i = 1; i <= 5; i++) await addPod('spread', `p${i}`);
    await settle(async () => {
      const pods = (await api('GET', '/api/v1/namespaces/spread/pods')).body.items as J[];
      return pods.filter((p) => p.spec.nodeName).length === 4 && pods.some((p) => cond(p, 'PodScheduled')?.reason === 'Unschedulable');
    }, 'four pods bound');
    const pods = (await api('GET', '/api/v1/namespaces/spread/pods')).body.items as J[];
    const on = (n: string) => pods.filter((p) => p.spec.nodeName === n).length;
    expect([on('spr-a'), on('spr-b')]).toEqual([2, 2]);
    const left = pods.find((p) => !p.spec.nodeName);
    expect(cond(left, 'PodScheduled').message).toBe('0/2 nodes are available: 2 Too many pods.');
  });

  it('reports an unschedulable pod once, and binds it when a fitting node arrives', async () => {
    await mkns('unsched');
    await addNode('uns-plain', { taints: [TEST_TAINT] });
    const pod = await addPod('unsched', 'picky', { nodeSelector: { tier: 'gold' } });
    await settle(async () => cond(await getPod('unsched', 'picky'), 'PodScheduled')?.reason === 'Unschedulable'
      && (await events('unsched', pod)).some((e) => e.reason === 'FailedScheduling'), 'the Unschedulable condition and event');
    // Retries (kicks, periodic passes) neither rewrite the pod nor add events.
    const before = await versions(['/api/v1/namespaces/unsched/pods/picky', '/api/v1/namespaces/unsched/events']);
    for (let i = 0; i < 3; i++) await controllers().reconcile({ all: true });
    expect(await versions(['/api/v1/namespaces/unsched/pods/picky', '/api/v1/namespaces/unsched/events'])).toEqual(before);
    const failed = (await events('unsched', pod)).filter((e) => e.reason === 'FailedScheduling');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: 'Warning', count: 1, message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.", source: { component: 'default-scheduler' } });
    // A node with the label: the node write kicks the scheduler.
    await addNode('uns-gold', { taints: [TEST_TAINT], labels: { tier: 'gold' } });
    const bound = await settle(async () => {
      const p = await getPod('unsched', 'picky');
      return p.spec.nodeName && (await events('unsched', p)).some((e) => e.reason === 'Scheduled') ? p : undefined;
    }, 'the pod to bind');
    expect(bound.spec.nodeName).toBe('uns-gold');
    expect(cond(bound, 'PodScheduled')).toMatchObject({ status: 'True' });
    const reasons = (await events('unsched', pod)).map((e) => e.reason).sort();
    expect(reasons).toEqual(['FailedScheduling', 'Scheduled']);
  });

  it('leaves pods alone while no node exists, and pods for other schedulers always', async () => {
    await mkns('nonodes');
    await addPod('nonodes', 'waiting');
    await controllers().reconcile({ all: true });
    const p = await getPod('nonodes', 'waiting');
    expect(p.spec.nodeName).toBeUndefined();
    expect(cond(p, 'PodScheduled')).toBeUndefined();
    await addNode('nn-1', { taints: [TEST_TAINT] });
    await addPod('nonodes', 'custom', { schedulerName: 'my-scheduler' });
    await settle(async () => (await getPod('nonodes', 'waiting')).spec.nodeName === 'nn-1', 'the waiting pod to bind');
    await controllers().reconcile({ all: true });
    const custom = await getPod('nonodes', 'custom');
    expect(custom.spec.nodeName).toBeUndefined();
    expect(cond(custom, 'PodScheduled')).toBeUndefined();
  });

  it('runs on its own alarm: a write kicks it, and it stays armed while nodes exist', async () => {
    await mkns('kick');
    await addNode('kick-1', { taints: [TEST_TAINT] });
    await addPod('kick', 'k');
    // No test-driven pass here: only the alarm the write's kick armed.
    const deadline = Date.now() + 5000;
    while ((await getPod('kick', 'k')).spec.nodeName !== 'kick-1') {
      if (Date.now() > deadline) throw new Error('the alarm did not bind the pod');
      await sleep(50);
    }
    // Once the pass that bound it (and the one its own writes asked for) are
    // over, the periodic alarm stays set: at most 5 s ahead.
    let at: number | null = null;
    while (at === null && Date.now() < deadline + 3000) {
      at = await runInDurableObject(controllers(), (_i, state) => state.storage.getAlarm());
      if (at === null) await sleep(20);
    }
    expect(at).not.toBeNull();
    expect(at! - Date.now()).toBeLessThanOrEqual(5000);
  });

});

// ---- node lifecycle ----------------------------------------------------------------------

describe('node lifecycle', () => {
  it('marks a node whose lease went stale Unknown and taints it, marks its pods not ready, evicts them, and untaints it when it is back', async () => {
    await mkns('life');
    const t0 = Date.now();
    await addNode('life-1', { taints: [TEST_TAINT] }, t0);
    const bound = (name: string, extra: J = {}) => addPod('life', name, { nodeName: 'life-1', terminationGracePeriodSeconds: 30, ...extra });
    await bound('plain');
    await bound('quick', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] });
    await bound('stays', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] });
    for (const name of ['plain', 'quick', 'stays']) {
      const p = await getPod('life', name);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const r = await api('PUT', `/api/v1/namespaces/life/pods/${name}/status`, { ...p, status: { ...p.status, phase: 'Running', podIP: '10.0.0.1', conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now }, { type: 'Ready', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now }, { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ] } });
      expect(r.status).toBe(200);
    }
    const c = controllers();
    // Within the grace period nothing happens.
    await c.reconcile({ all: true, now: t0 + 30_000 });
    expect(cond((await api('GET', '/api/v1/nodes/life-1')).body, 'Ready').status).toBe('True');

    // 41 s without a renewal: Unknown, tainted, pods not ready.
    const stale = t0 + 41_000;
    const r1 = await c.reconcile({ all: true, now: stale });
    expect(r1.errors).toEqual([]);
    expect(r1.nodelifecycle?.errors).toEqual([]);
    expect(r1.nodelifecycle?.unknown).toEqual(['life-1']);
    const node = (await api('GET', '/api/v1/nodes/life-1')).body;
    expect(cond(node, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    const unreachable = node.spec.taints.filter((t: J) => t.key === 'node.kubernetes.io/unreachable');
    expect(unreachable.map((t: J) => t.effect).sort()).toEqual(['NoExecute', 'NoSchedule']);
    expect(unreachable.every((t: J) => Date.parse(t.timeAdded) === Math.floor(stale / 1000) * 1000)).toBe(true);
    expect(node.spec.taints).toContainEqual(TEST_TAINT);
    for (const name of ['plain', 'quick', 'stays']) {
      const p = await getPod('life', name);
      expect(cond(p, 'Ready').status).toBe('False');
      expect(cond(p, 'ContainersReady').status).toBe('False');
    }
    const settled = await versions(['/api/v1/nodes/life-1', '/api/v1/namespaces/life/pods']);
    await c.reconcile({ all: true, now: stale + 1000 });
    expect(await versions(['/api/v1/nodes/life-1', '/api/v1/namespaces/life/pods'])).toEqual(settled);

    // tolerationSeconds: 10 goes first; the default 300 s later; no limit never.
    const taintedAt = Math.floor(stale / 1000) * 1000;
    const r2 = await c.reconcile({ all: true, now: taintedAt + 11_000 });
    expect(r2.nodelifecycle?.evicted).toEqual(['life/quick']);
    const quick = await getPod('life', 'quick');
    expect(quick.metadata.deletionTimestamp).toBeDefined();
    expect(cond(quick, 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    expect((await events('life', quick)).map((e) => e.reason)).toContain('TaintManagerEviction');
    // Nobody on the node finishes a deletion: once its grace period (30 s) is over the pod goes.
    const r299 = await c.reconcile({ all: true, now: taintedAt + 299_000 });
    expect(r299.nodelifecycle?.evicted).toEqual([]);
    expect(r299.nodelifecycle?.removed).toEqual(['life/quick']);
    const r3 = await c.reconcile({ all: true, now: taintedAt + 301_000 });
    expect(r3.nodelifecycle?.evicted).toEqual(['life/plain']);
    expect((await getPod('life', 'plain')).metadata.deletionTimestamp).toBeDefined();
    expect((await getPod('life', 'stays')).metadata.deletionTimestamp).toBeUndefined();
    const r4 = await c.reconcile({ all: true, now: Date.now() + 31_000 });
    expect(r4.nodelifecycle?.removed).toEqual(['life/plain']);
    expect((await api('GET', '/api/v1/namespaces/life/pods/plain')).status).toBe(404);
    expect((await api('GET', '/api/v1/namespaces/life/pods/quick')).status).toBe(404);

    // The agent comes back: lease renewed, Ready posted; the taints go.
    await renewLease('life-1');
    const n = (await api('GET', '/api/v1/nodes/life-1')).body;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    n.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }];
    expect((await api('PUT', '/api/v1/nodes/life-1/status', n)).status).toBe(200);
    await settle(async () => {
      const back = (await api('GET', '/api/v1/nodes/life-1')).body;
      return cond(back, 'Ready').status === 'True' && back.spec.taints.length === 1;
    }, 'the unreachable taints to go');
    expect((await api('GET', '/api/v1/nodes/life-1')).body.spec.taints).toEqual([TEST_TAINT]);
  });

  it('reads the grace period and default eviction time from the environment', async () => {
    const { controllerOptions } = await import('../../src/controllers/env');
    expect(controllerOptions({ EDGEKUBE_NODE_GRACE_SECONDS: '5', EDGEKUBE_POD_EVICTION_SECONDS: '0' } as ControllerEnv, { now: 1 })).toEqual({ now: 1, nodeGraceSeconds: 5, podEvictionSeconds: 0 });
    expect(controllerOptions({} as ControllerEnv, { now: 1 })).toEqual({ now: 1, nodeGraceSeconds: 40, podEvictionSeconds: 300 });
  });
});

// ---- endpoints -----------------------------------------------------------------------------

describe('endpoints and endpointslices', () => {
  const setStatus = async (ns: string, name: string, ip: string | undefined, ready: boolean) => {
    const p = await getPod(ns, name);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = { ...p.status, phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] };
    expect((await api('PUT', `/api/v1/namespaces/${ns}/pods/${name}/status`, { ...p, status })).status).toBe(200);
  };
  const endpointsOf = async (ns: string, name: string) => (await api('GET', `/api/v1/namespaces/${ns}/endpoints/${name}`)).body;
  const slicesOf = async (ns: string, svc: string) =>
    (await api('GET', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${svc}`)).body.items as J[];
  const ips = (list: J[] | undefined) => (list ?? []).map((a) => `${a.ip}/${a.targetRef.name}`).sort();

  it('follows pods becoming ready, unready, terminating and deleted, and goes with the service', async () => {
    await mkns('eps');
    const ports = [{ name: 'http', containerPort: 8080 }];
    const web = (name: string) => addPod('eps', name, { nodeName: 'eps-node', container: { ports } }, { app: 'web' });
    await web('web-1');
    await web('web-2');
    await web('web-3');
    await addPod('eps', 'no-ip', { nodeName: 'eps-node', container: { ports } }, { app: 'web' });
    await addPod('eps', 'other', { nodeName: 'eps-node', container: { ports } }, { app: 'db' });
    await setStatus('eps', 'web-1', '10.1.0.1', true);
    await setStatus('eps', 'web-2', '10.1.0.2', true);
    await setStatus('eps', 'web-3', '10.1.0.3', false);
    await setStatus('eps', 'other', '10.1.0.9', true);
    const svc = await api('POST', '/api/v1/namespaces/eps/services', {
      metadata: { name: 'web', labels: { team: 'a' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
    });
    expect(svc.status).toBe(201);

    const ep = await settle(async () => {
      const e = await endpointsOf('eps', 'web');
      return e.subsets && (await slicesOf('eps', 'web'))[0]?.endpoints.length === 3 ? e : undefined;
    }, 'the Endpoints and the slice');
    expect(ep.metadata.labels).toEqual({ team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    expect(ep.subsets).toHaveLength(1);
    expect(ips(ep.subsets[0].addresses)).toEqual(['10.1.0.1/web-1', '10.1.0.2/web-2']);
    expect(ips(ep.subsets[0].notReadyAddresses)).toEqual(['10.1.0.3/web-3']);
    expect(ep.subsets[0].addresses[0]).toMatchObject({ nodeName: 'eps-node', targetRef: { kind: 'Pod', namespace: 'eps', name: 'web-1' } });
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);

    const slices = await slicesOf('eps', 'web');
    expect(slices).toHaveLength(1);
    const slice = slices[0];
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.body.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e: J) => [e.addresses[0], e.conditions, e.nodeName, e.targetRef.name])).toEqual([
      ['10.1.0.1', { ready: true, serving: true, terminating: false }, 'eps-node', 'web-1'],
      ['10.1.0.2', { ready: true, serving: true, terminating: false }, 'eps-node', 'web-2'],
      ['10.1.0.3', { ready: false, serving: false, terminating: false }, 'eps-node', 'web-3'],
    ]);

    // Nothing changed: a pass writes nothing.
    const before = await versions(['/api/v1/namespaces/eps/endpoints', '/apis/discovery.k8s.io/v1/namespaces/eps/endpointslices']);
    await controllers().reconcile({ all: true });
    await controllers().reconcile({ all: true });
    expect(await versions(['/api/v1/namespaces/eps/endpoints', '/apis/discovery.k8s.io/v1/namespaces/eps/endpointslices'])).toEqual(before);

    // web-1 goes unready, web-3 ready.
    await setStatus('eps', 'web-1', undefined, false);
    await setStatus('eps', 'web-3', undefined, true);
    await settle(async () => {
      const e = await endpointsOf('eps', 'web');
      const slice = (await slicesOf('eps', 'web'))[0];
      return JSON.stringify(ips(e.subsets?.[0].notReadyAddresses)) === JSON.stringify(['10.1.0.1/web-1'])
        && slice.endpoints.find((x: J) => x.targetRef.name === 'web-3').conditions.ready;
    }, 'web-1 to be not ready');
    expect(ips((await endpointsOf('eps', 'web')).subsets[0].addresses)).toEqual(['10.1.0.2/web-2', '10.1.0.3/web-3']);
    const s2 = (await slicesOf('eps', 'web'))[0];
    expect(s2.metadata.name).toBe(slice.metadata.name);
    expect(s2.endpoints.find((e: J) => e.targetRef.name === 'web-1').conditions).toEqual({ ready: false, serving: false, terminating: false });

    // web-2 is deleted: it terminates (bound to a node, 30 s grace) and leaves Endpoints; the slice shows it terminating.
    await api('DELETE', '/api/v1/namespaces/eps/pods/web-2');
    const s3 = await settle(async () => {
      const gone = !ips((await endpointsOf('eps', 'web')).subsets[0].addresses).includes('10.1.0.2/web-2');
      const slice = (await slicesOf('eps', 'web'))[0];
      return gone && slice.endpoints.find((e: J) => e.targetRef.name === 'web-2').conditions.terminating ? slice : undefined;
    }, 'web-2 to leave the Endpoints and terminate in the slice');
    expect(s3.endpoints.find((e: J) => e.targetRef.name === 'web-2').conditions).toEqual({ ready: false, serving: true, terminating: true });
    await api('DELETE', '/api/v1/namespaces/eps/pods/web-2?gracePeriodSeconds=0');
    await settle(async () => (await slicesOf('eps', 'web'))[0].endpoints.every((e: J) => e.targetRef.name !== 'web-2'), 'web-2 to leave the slice');

    // The service goes: its Endpoints and slices go too.
    await api('DELETE', '/api/v1/namespaces/eps/services/web');
    await settle(async () => (await api('GET', '/api/v1/namespaces/eps/endpoints/web')).status === 404 && (await slicesOf('eps', 'web')).length === 0, 'the Endpoints and slices to go');
  });

  it('keeps an empty Endpoints and a placeholder slice for a service with no pods, and never touches user-managed Endpoints', async () => {
    await mkns('eps2');
    await api('POST', '/api/v1/namespaces/eps2/services', { metadata: { name: 'empty' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    await api('POST', '/api/v1/namespaces/eps2/services', { metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
    const manual = await api('POST', '/api/v1/namespaces/eps2/endpoints', { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.168.1.10' }], ports: [{ port: 80 }] }] });
    expect(manual.status).toBe(201);
    await settle(async () => (await api('GET', '/api/v1/namespaces/eps2/endpoints/empty')).status === 200 && (await slicesOf('eps2', 'empty')).length === 1, 'the empty Endpoints');
    const empty = await endpointsOf('eps2', 'empty');
    expect(empty.subsets).toBeUndefined();
    expect((await slicesOf('eps2', 'empty'))[0]).toMatchObject({ addressType: 'IPv4', endpoints: [] });
    await controllers().reconcile({ all: true });
    expect(await endpointsOf('eps2', 'manual')).toEqual(manual.body);
    expect(await slicesOf('eps2', 'manual')).toEqual([]);
    expect((await api('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).status).toBe(404);
  });
});
