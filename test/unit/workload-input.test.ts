// Bad input to the workload kinds, through the API as a client sends it:
// each is a 422 naming the field, nothing is stored, and the controllers go
// on with the rest. Ownership cycles, which kube accepts, never wedge the
// garbage collector, in any propagation.
import { describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';
import { settle, template } from './workload-helpers';

const NS = 'wl-input';
const sel = { matchLabels: { app: 'x' } };
const tpl = template({ app: 'x' });
const jobTpl = { ...tpl, spec: { ...tpl.spec, restartPolicy: 'Never' } };

interface Kind { path: string; kind: string; apiVersion: string; spec: J; replicasField?: string; noun: string }
const KINDS: Kind[] = [
  { path: 'apis/apps/v1', kind: 'Deployment', apiVersion: 'apps/v1', spec: { replicas: 1, selector: sel, template: tpl }, replicasField: 'replicas', noun: 'deployment' },
  { path: 'apis/apps/v1', kind: 'ReplicaSet', apiVersion: 'apps/v1', spec: { replicas: 1, selector: sel, template: tpl }, replicasField: 'replicas', noun: 'replicaset' },
  { path: 'apis/apps/v1', kind: 'StatefulSet', apiVersion: 'apps/v1', spec: { replicas: 1, serviceName: 'x', selector: sel, template: tpl }, replicasField: 'replicas', noun: 'statefulset' },
  { path: 'apis/apps/v1', kind: 'DaemonSet', apiVersion: 'apps/v1', spec: { selector: sel, template: tpl }, noun: 'daemonset' },
  { path: 'apis/batch/v1', kind: 'Job', apiVersion: 'batch/v1', spec: { parallelism: 1, selector: sel, manualSelector: true, template: jobTpl }, replicasField: 'parallelism', noun: 'job' },
];
const plural = (k: Kind) => `${k.kind.toLowerCase()}s`;
const post = (k: Kind, name: string, spec: J) => api('POST', `/${k.path}/namespaces/${NS}/${plural(k)}`, { apiVersion: k.apiVersion, kind: k.kind, metadata: { name }, spec });
const causes = (r: { body: J }) => (r.body.details?.causes ?? []).map((c: J) => `${c.field}: ${c.message}`);

describe('bad workload input', () => {
  it('refuses invalid selectors, templates that do not match, negative counts, with 422 and nothing stored', async () => {
    await mkns(NS);
    for (const k of KINDS) {
      const cases: [string, J, RegExp][] = [
        ['mismatch', { ...k.spec, selector: { matchLabels: { app: 'y' } } }, /^spec\.template\.metadata\.labels: Invalid value: \{"app":"x"\}: `selector` does not match template `labels`$/],
        ['operator', { ...k.spec, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }, /^spec\.selector\.matchExpressions\[0\]\.operator: Invalid value: "Near": not a valid selector operator$/],
        ['key', { ...k.spec, selector: { matchLabels: { 'bad key!': 'x' } } }, /^spec\.selector\.matchLabels: Invalid value: "bad key!": name part must consist of alphanumeric characters/],
        ['missing', { ...k.spec, selector: undefined, ...(k.kind === 'Job' ? { manualSelector: true } : {}) }, /^spec\.selector: Required value$/],
      ];
      if (k.kind !== 'Job') cases.push(['empty', { ...k.spec, selector: {} }, /^spec\.selector: Invalid value: \{\}: empty selector is invalid for (deployment|statefulset|daemonset)|^spec\.selector: Invalid value: .*empty selector/]);
      if (k.replicasField) cases.push(['negative', { ...k.spec, [k.replicasField]: -1 }, new RegExp(`^spec\\.${k.replicasField}: Invalid value: -1: must be greater than or equal to 0$`)]);
      for (const [name, spec, want] of cases) {
        const r = await post(k, `bad-${name}`, spec);
        expect(r.status, `${k.kind} ${name}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: `bad-${name}`, kind: k.kind } });
        expect(causes(r).some((c: string) => want.test(c)), `${k.kind} ${name}: ${causes(r).join('; ')}`).toBe(true);
        expect((await api('GET', `/${k.path}/namespaces/${NS}/${plural(k)}/bad-${name}`)).status).toBe(404);
      }
    }
  });

  it('refuses a selector change and a negative scale on stored workloads, which keep running as they were', async () => {
    for (const k of KINDS.filter((x) => x.kind !== 'Job')) {
      expect((await post(k, 'good', k.spec)).status).toBe(201);
      const cur = (await api('GET', `/${k.path}/namespaces/${NS}/${plural(k)}/good`)).body;
      const moved = await api('PUT', `/${k.path}/namespaces/${NS}/${plural(k)}/good`, { ...cur, spec: { ...cur.spec, selector: { matchLabels: { app: 'x', tier: 'y' } }, template: template({ app: 'x', tier: 'y' }) } });
      expect(moved.status, k.kind).toBe(422);
      // A StatefulSet refuses any change outside the few fields it lets change.
      expect(causes(moved).join('; ')).toMatch(k.kind === 'StatefulSet'
        ? /^spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/
        : /^spec\.selector: Invalid value: .*field is immutable/);
      if (k.replicasField) {
        const scaled = await api('PATCH', `/${k.path}/namespaces/${NS}/${plural(k)}/good/scale`, { spec: { replicas: -3 } }, { 'content-type': 'application/merge-patch+json' });
        expect(scaled.status, k.kind).toBe(422);
      }
    }
    const bad = await api('POST', `/apis/batch/v1/namespaces/${NS}/cronjobs`, { metadata: { name: 'never' }, spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: jobTpl } } } });
    expect(bad.status).toBe(422);
    expect(causes(bad).join('; ')).toMatch(/^spec\.schedule: Invalid value: "61 \* \* \* \*"/);
    // Everything that was stored is reconciled: no controller is stuck on what was refused.
    const pass = await settle();
    expect(pass.errors).toEqual([]);
    const owners = (await api('GET', `/api/v1/namespaces/${NS}/pods`)).body.items.map((p: J) => p.metadata.ownerReferences[0].kind).sort();
    // (The DaemonSet has no node to run on here.)
    expect(owners.filter((o: string) => o !== 'DaemonSet')).toEqual(['ReplicaSet', 'ReplicaSet', 'StatefulSet']);
  });
});

describe('ownership cycles', () => {
  const ref = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, blockOwnerDeletion: true });
  const cm = (ns: string, name: string, owners: J[] = []) =>
    api('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name, ownerReferences: owners } });
  const own = (ns: string, name: string, owners: J[]) =>
    api('PATCH', `/api/v1/namespaces/${ns}/configmaps/${name}`, { metadata: { ownerReferences: owners } }, { 'content-type': 'application/merge-patch+json' });
  const gone = async (ns: string, name: string) => (await api('GET', `/api/v1/namespaces/${ns}/configmaps/${name}`)).status === 404;

  it('a foreground delete of a blocking cycle, a three-object ring and a self-owner finishes', async () => {
    const ns = 'wl-cycles';
    await mkns(ns);
    // a <-> b, both blocking their owner's deletion.
    const a = await cm(ns, 'a');
    const b = await cm(ns, 'b', [ref('a', a.body.metadata.uid)]);
    expect((await own(ns, 'a', [ref('b', b.body.metadata.uid)])).status).toBe(200);
    // r1 -> r2 -> r3 -> r1.
    const r1 = await cm(ns, 'r1');
    const r2 = await cm(ns, 'r2', [ref('r1', r1.body.metadata.uid)]);
    const r3 = await cm(ns, 'r3', [ref('r2', r2.body.metadata.uid)]);
    expect((await own(ns, 'r1', [ref('r3', r3.body.metadata.uid)])).status).toBe(200);
    // self owns itself.
    const self = await cm(ns, 'self');
    expect((await own(ns, 'self', [ref('self', self.body.metadata.uid)])).status).toBe(200);
    await settle();
    for (const n of ['a', 'b', 'r1', 'r2', 'r3', 'self']) expect(await gone(ns, n), n).toBe(false);

    for (const n of ['a', 'r1', 'self']) {
      const d = await api('DELETE', `/api/v1/namespaces/${ns}/configmaps/${n}`, { propagationPolicy: 'Foreground' });
      expect(d.status, n).toBe(200);
    }
    const pass = await settle();
    expect(pass.errors).toEqual([]);
    for (const n of ['a', 'b', 'r1', 'r2', 'r3', 'self']) expect(await gone(ns, n), n).toBe(true);
  });

  it('an orphaning delete of a cycle member leaves the rest, no longer owned by it', async () => {
    const ns = 'wl-cycles-orphan';
    await mkns(ns);
    const a = await cm(ns, 'a');
    const b = await cm(ns, 'b', [ref('a', a.body.metadata.uid)]);
    expect((await own(ns, 'a', [ref('b', b.body.metadata.uid)])).status).toBe(200);
    expect((await api('DELETE', `/api/v1/namespaces/${ns}/configmaps/a`, { propagationPolicy: 'Orphan' })).status).toBe(200);
    await settle();
    expect(await gone(ns, 'a')).toBe(true);
    const left = (await api('GET', `/api/v1/namespaces/${ns}/configmaps/b`)).body;
    expect(left.metadata.ownerReferences ?? []).toEqual([]);
  });
});
