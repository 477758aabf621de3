// autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers: one stored
// object seen in both versions, converted as pkg/apis/autoscaling/v1/conversion.go
// does (what v1 cannot say travels in autoscaling.alpha.kubernetes.io/*
// annotations), so that a v1 read-modify-write loses nothing.

import { beforeAll, describe, expect, it } from 'vitest';
import { api, mkns, type J } from './helpers';

const NS = 'hpa-versions';
const V1 = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`;
const V2 = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('HorizontalPodAutoscaler in autoscaling/v1 and v2', () => {
  beforeAll(() => mkns(NS));

  it('discovery lists both versions, v2 preferred', async () => {
    const g = await api('GET', '/apis/autoscaling');
    expect(g.body.versions.map((v: J) => v.version)).toEqual(['v2', 'v1']);
    expect(g.body.preferredVersion.version).toBe('v2');
    const v1 = await api('GET', '/apis/autoscaling/v1');
    expect(v1.body.resources.map((r: J) => r.name)).toEqual(['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
    const openapi = await api('GET', '/openapi/v3/apis/autoscaling/v1');
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.components.schemas)).toContain('io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler');
  });

  it('a v1 CPU target is a v2 Utilization metric; no target is v1\'s implicit 80%', async () => {
    const created = await api('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'cpu' }, spec: { scaleTargetRef: target, maxReplicas: 5, targetCPUUtilizationPercentage: 50 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 0, desiredReplicas: 0 } });
    const v2 = (await api('GET', `${V2}/cpu`)).body;
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    expect(v2.metadata.annotations).toBeUndefined();
    expect((await api('GET', `${V1}/cpu`)).body).toEqual(created.body);

    await api('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'implicit' }, spec: { scaleTargetRef: target, maxReplicas: 2 } });
    expect((await api('GET', `${V2}/implicit`)).body.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  it('what v1 cannot hold travels in annotations, and a v1 update keeps it', async () => {
    const spec = {
      scaleTargetRef: target, minReplicas: 2, maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
    };
    const made = await api('POST', V2, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'many', annotations: { owner: 'me' } }, spec });
    expect(made.status).toBe(201);
    const v1 = (await api('GET', `${V1}/many`)).body;
    expect(v1.spec).toEqual({ scaleTargetRef: target, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 60 });
    expect(v1.metadata.annotations.owner).toBe('me');
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
    ]);
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).ScaleDown).toMatchObject({ StabilizationWindowSeconds: 60, SelectPolicy: 'Min' });

    // a v1 client changes maxReplicas and sends the rest back as it read it
    v1.spec.maxReplicas = 12;
    const put = await api('PUT', `${V1}/many`, v1);
    expect(put.status).toBe(200);
    const after = (await api('GET', `${V2}/many`)).body;
    expect(after.spec.maxReplicas).toBe(12);
    expect(after.spec.metrics).toEqual([spec.metrics[1], spec.metrics[2], spec.metrics[0]]);
    expect(after.spec.behavior.scaleDown).toMatchObject(spec.behavior.scaleDown);
    expect(after.metadata.annotations).toEqual({ owner: 'me' });
  });

  it('status, lists and tables speak the version asked for', async () => {
    const cur = (await api('GET', `${V2}/cpu`)).body;
    cur.status = {
      currentReplicas: 3, desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 70 } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededRescale' }],
    };
    expect((await api('PUT', `${V2}/cpu/status`, cur)).status).toBe(200);
    const v1 = (await api('GET', `${V1}/cpu`)).body;
    expect(v1.status).toEqual({ currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 70 });
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics'])).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 70, currentAverageValue: '120m' } }]);
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'])[0]).toMatchObject({ type: 'AbleToScale', reason: 'SucceededRescale' });

    const list = (await api('GET', V1)).body;
    expect(list.kind).toBe('HorizontalPodAutoscalerList');
    expect(list.apiVersion).toBe('autoscaling/v1');
    expect(list.items.map((i: J) => [i.apiVersion, i.metadata.name])).toEqual([['autoscaling/v1', 'cpu'], ['autoscaling/v1', 'implicit'], ['autoscaling/v1', 'many']]);
    const table = await api('GET', V1, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.rows.find((r: J) => r.cells[0] === 'cpu').cells.slice(1, 6)).toEqual(['Deployment/web', 'cpu: 70%/50%', '1', 5, 3]);
  });
});
