// The DaemonSet controller inside workerd, driven through the Controllers
// Durable Object: which nodes get a daemon, the pods' pinning and
// tolerations, nodes that join or stop qualifying, and a rolling update.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { addNode, podsOf, setReady, settle, template } from './workload-helpers';

const getDs = async (ns: string, name: string) => (await api('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}`)).body;
const byNode = (pods: J[]) => Object.fromEntries(pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0], p]));
const ready = (p: J) => p.status?.conditions?.some((c: J) => c.type === 'Ready' && c.status === 'True');

describe('daemonset controller', () => {
  it('runs one pod on each eligible node, follows nodes that join or stop qualifying, and rolls updates node by node', async () => {
    const ns = 'ds-test';
    await mkns(ns);
    await addNode('ds-n1', { labels: { edge: 'yes' } });
    await addNode('ds-n2', { labels: { edge: 'yes' } });
    await addNode('ds-n3', { labels: { edge: 'yes' }, taints: [{ key: 'dedicated', value: 'special', effect: 'NoSchedule' }] });
    await addNode('ds-n4', { labels: { edge: 'yes' }, unschedulable: true });
    await addNode('ds-n5', { labels: { edge: 'no' } });
    const body = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { ...template({ app: 'agent' }), spec: { ...template({}).spec, nodeSelector: { edge: 'yes' } } } },
    };
    expect((await api('POST', `/apis/apps/v1/namespaces/${ns}/daemonsets`, body)).status).toBe(201);
    await settle();
    let pods = byNode(await podsOf(ns, 'app=agent'));
    // The tainted node and the node outside the selector get none; the cordoned node gets one (kube tolerates unschedulable).
    expect(Object.keys(pods).sort()).toEqual(['ds-n1', 'ds-n2', 'ds-n4']);
    for (const [node, p] of Object.entries<J>(pods)) {
      expect(p.spec.nodeName).toBe(node);
      expect(p.metadata.labels['controller-revision-hash']).toMatch(/^[a-z0-9]+$/);
      expect(p.metadata.labels['pod-template-generation']).toBe('1');
      expect(p.spec.tolerations).toEqual(expect.arrayContaining([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      ]));
    }
    for (const p of Object.values<J>(pods)) await setReady(ns, p, true);
    await settle();
    let ds = await getDs(ns, 'agent');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });

    // A node that joins gets a daemon; one that gains a taint the template does not tolerate loses it.
    await addNode('ds-n6', { labels: { edge: 'yes' } });
    expect((await api('PATCH', '/api/v1/nodes/ds-n2', { spec: { taints: [{ key: 'drain', effect: 'NoExecute' }] } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
    await settle();
    pods = byNode(await podsOf(ns, 'app=agent'));
    expect(Object.keys(pods).sort()).toEqual(['ds-n1', 'ds-n4', 'ds-n6']);
    await setReady(ns, pods['ds-n6'], true);
    await settle();

    // A new template replaces one node's daemon at a time (maxUnavailable 1).
    const patch = { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2', command: ['sleep', '3600'] }] } } } };
    expect((await api('PATCH', `/apis/apps/v1/namespaces/${ns}/daemonsets/agent`, patch, { 'content-type': 'application/strategic-merge-patch+json' })).status).toBe(200);
    const hashes = new Set<string>();
    for (let i = 0; i < 10; i++) {
      await settle();
      const all = await podsOf(ns, 'app=agent');
      const now = byNode(all);
      const fresh = Object.values<J>(now).filter((p) => p.spec.containers[0].image === 'busybox:2');
      // Never more than one node without a ready daemon.
      expect(Object.keys(now).length - Object.values<J>(now).filter(ready).length + (3 - Object.keys(now).length)).toBeLessThanOrEqual(1);
      if (fresh.length === 3 && fresh.every(ready)) break;
      for (const p of fresh) { hashes.add(p.metadata.labels['controller-revision-hash']); if (!ready(p)) await setReady(ns, p, true); }
    }
    ds = await getDs(ns, 'agent');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 2 });
    expect(hashes.size).toBe(1);
    const revs = (await api('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`)).body.items as J[];
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect(revs.find((r) => r.revision === 2).metadata.labels['controller.kubernetes.io/hash']).toBe([...hashes][0]);
    for (const n of ['ds-n1', 'ds-n2', 'ds-n3', 'ds-n4', 'ds-n5', 'ds-n6']) await api('DELETE', `/api/v1/nodes/${n}`);
  });
});
