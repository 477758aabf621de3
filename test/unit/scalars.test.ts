// Quantities and times written back in the form kube's Go types write them.
// Quantity expectations are kube's own:
// k8s.io/apimachinery v0.35.0 pkg/api/resource/quantity_test.go, TestQuantityString's
// (alternate -> expect) pairs and TestQuantityParseEmit's table, negated as those tests negate them.
import { describe, expect, it } from 'vitest';
import { canonicalQuantity } from '../../src/resources/quantity';
import { api, mkns } from './helpers';

const STRING_ALTERNATES: [string, string][] = [
  ['1024Mi', '1Gi'], ['307200Ki', '300Mi'], ['1025024Mi', '1001Gi'], ['1024Gi', '1Ti'], ['5000m', '5'], ['0.5', '500m'],
  ['1000M', '1G'], ['0.001T', '1G'], ['1000u', '1m'], ['1.08', '1080m'], ['1080000000n', '1080m'],
  ['.001e12', '1e9'], ['0.001e0', '1e-3'], ['1000e-12', '1e-9'], ['00', '0'],
];
const PARSE_EMIT: [string, string][] = [
  ['1Ki', '1Ki'], ['1Mi', '1Mi'], ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1000M', '1G'],
  ['.001Ki', '1024m'], ['.000001Ki', '1024u'], ['.000000001Ki', '1024n'], ['.000000000001Ki', '2n'],
];

describe('Quantity canonical form', () => {
  it.each([...STRING_ALTERNATES, ...PARSE_EMIT])('%s -> %s', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical);
    if (canonical !== '0') expect(canonicalQuantity(`-${input}`)).toBe(`-${canonical}`);
    expect(canonicalQuantity(canonical)).toBe(canonical);
  });

  it('takes JSON numbers as Go hands their text over, and refuses what does not parse', () => {
    expect([canonicalQuantity(2), canonicalQuantity(0.25), canonicalQuantity(1000)]).toEqual(['2', '250m', '1k']);
    expect([canonicalQuantity('1Z'), canonicalQuantity('.'), canonicalQuantity(true)]).toEqual([undefined, undefined, undefined]);
  });
});

describe('quantities through the API', () => {
  it('are answered and stored canonical wherever a kind holds them, status updates included', async () => {
    await mkns('qty');
    const pod = await api('POST', '/api/v1/namespaces/qty/pods', {
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: 2, memory: '2048Mi' } } }],
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '0.5Gi' } }],
      },
    });
    expect(pod.status, JSON.stringify(pod.body)).toBe(201);
    expect(pod.body.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(pod.body.spec.volumes[0].emptyDir.sizeLimit).toBe('512Mi');
    const got = await api('GET', '/api/v1/namespaces/qty/pods/p');
    expect(got.body.spec.containers[0].resources.requests).toEqual({ cpu: '1', memory: '1Gi' });

    const quota = await api('POST', '/api/v1/namespaces/qty/resourcequotas', { metadata: { name: 'q' }, spec: { hard: { pods: '1000', 'requests.cpu': '0.5' } } });
    expect(quota.body.spec.hard).toEqual({ pods: '1k', 'requests.cpu': '500m' });
    const patched = await api('PATCH', '/api/v1/namespaces/qty/resourcequotas/q', { spec: { hard: { pods: '10000m' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.body.spec.hard.pods).toBe('10');
    const status = await api('PATCH', '/api/v1/namespaces/qty/resourcequotas/q/status', { status: { hard: { pods: '10' }, used: { pods: '0.001k' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(status.body.status.used).toEqual({ pods: '1' });

    // what does not parse is kube's 400 decode error, before anything is stored
    const withCpu = (cpu: string) => ({ metadata: { name: 'bad' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] } });
    const bad = await api('POST', '/api/v1/namespaces/qty/pods', withCpu('1mm'));
    expect([bad.status, bad.body.message]).toEqual([400, 'Pod in version "v1" cannot be handled as a Pod: unable to parse quantity\'s suffix']);
    const worse = await api('POST', '/api/v1/namespaces/qty/pods', withCpu('1Z'));
    expect([worse.status, worse.body.message]).toEqual([400, 'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'']);
    const nano = await api('POST', '/api/v1/namespaces/qty/pods', { metadata: { name: 'nano' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '100n' } } }] } });
    expect(nano.status, JSON.stringify(nano.body)).toBe(201);
  });

  it('times come back in UTC as Go writes them: whole seconds for a Time, six fraction digits for a MicroTime', async () => {
    await mkns('times');
    const lease = await api('POST', '/apis/coordination.k8s.io/v1/namespaces/times/leases', {
      metadata: { name: 'l' }, spec: { acquireTime: '2026-01-02T05:04:05.123456+02:00', renewTime: '2026-01-02T03:04:05.654321Z' },
    });
    expect(lease.status, JSON.stringify(lease.body)).toBe(201);
    expect(lease.body.spec).toMatchObject({ acquireTime: '2026-01-02T03:04:05.123456Z', renewTime: '2026-01-02T03:04:05.654321Z' });
    await api('POST', '/apis/batch/v1/namespaces/times/jobs', {
      metadata: { name: 'j' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } },
    });
    const status = await api('PATCH', '/apis/batch/v1/namespaces/times/jobs/j/status', { status: { startTime: '2026-01-02T04:04:05.999-01:00' } }, { 'content-type': 'application/merge-patch+json' });
    expect(status.body.status.startTime).toBe('2026-01-02T05:04:05Z');
  });
});
