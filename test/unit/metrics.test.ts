// The metric set: counters, gauges and histograms as data, merged across
// isolates, and written in the Prometheus text format.
import { describe, expect, it } from 'vitest'
import { MetricSet } from '../../src/metrics/set'
import { requestShape } from '../../src/api/instrument'

describe('MetricSet', () => {
  it('writes counters with sorted labels, escaped values and kube help', () => {
    const m = new MetricSet()
    m.add('apiserver_request_total', { verb: 'GET', code: '200', resource: 'pods' })
    m.add('apiserver_request_total', { resource: 'pods', verb: 'GET', code: '200' }, 2)
    m.add('apiserver_request_total', { verb: 'GET', code: '404', resource: 'a"b\\c\nd' })
    expect(m.expose()).toBe([
      '# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      '# TYPE apiserver_request_total counter',
      'apiserver_request_total{code="200",resource="pods",verb="GET"} 3',
      'apiserver_request_total{code="404",resource="a\\"b\\\\c\\nd",verb="GET"} 1',
      '',
    ].join('\n'))
  })

  it('histograms: cumulative buckets, +Inf equal to the count, the sum', () => {
    const m = new MetricSet()
    for (const v of [0.001, 0.005, 0.03, 0.3, 100]) m.observe('apiserver_request_duration_seconds', { verb: 'LIST' }, v)
    const lines = m.expose().split('\n')
    const bucket = (le: string) => lines.find((l) => l.startsWith(`apiserver_request_duration_seconds_bucket{verb="LIST",le="${le}"}`))?.split(' ')[1]
    expect(bucket('0.005')).toBe('2')
    expect(bucket('0.025')).toBe('2')
    expect(bucket('0.05')).toBe('3')
    expect(bucket('0.4')).toBe('4')
    expect(bucket('60')).toBe('4')
    expect(bucket('+Inf')).toBe('5')
    expect(lines).toContain('apiserver_request_duration_seconds_count{verb="LIST"} 5')
    expect(lines).toContain(`apiserver_request_duration_seconds_sum{verb="LIST"} ${0.001 + 0.005 + 0.03 + 0.3 + 100}`)
  })

  it('merges what isolates send: counters and histograms add up, series stay apart', () => {
    const a = new MetricSet()
    const b = new MetricSet()
    a.add('apiserver_request_total', { code: '200' })
    b.add('apiserver_request_total', { code: '200' }, 4)
    b.add('apiserver_request_total', { code: '500' })
    a.observe('etcd_request_duration_seconds', { operation: 'get' }, 0.01)
    b.observe('etcd_request_duration_seconds', { operation: 'get' }, 2)
    const sum = new MetricSet().merge(structuredClone(a.data)).merge(structuredClone(b.data)).expose()
    expect(sum).toContain('apiserver_request_total{code="200"} 5\n')
    expect(sum).toContain('apiserver_request_total{code="500"} 1\n')
    expect(sum).toContain('etcd_request_duration_seconds_count{operation="get"} 2\n')
    expect(sum).toContain('etcd_request_duration_seconds_bucket{operation="get",le="0.025"} 1\n')
    expect(sum).toContain('etcd_request_duration_seconds_bucket{operation="get",le="2"} 2\n')
  })

  it('refuses a family it does not define', () => {
    expect(() => new MetricSet().observe('no_such_metric', {}, 1)).toThrow(/not defined/)
  })
})

describe('requestShape', () => {
  const shape = (method: string, path: string, type?: string) => requestShape(method, new URL(`http://x${path}`), type)

  it('labels resource requests as kube does', () => {
    expect(shape('GET', '/api/v1/namespaces/a/pods/p')?.labels).toEqual({
      verb: 'GET', dry_run: '', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'resource', component: 'apiserver',
    })
    expect(shape('GET', '/apis/apps/v1/namespaces/a/deployments')?.labels).toMatchObject({ verb: 'LIST', group: 'apps', scope: 'namespace' })
    expect(shape('GET', '/apis/apps/v1/deployments?watch=true')).toMatchObject({ labels: { verb: 'WATCH', scope: 'cluster' }, longRunning: true, readOnly: true })
    expect(shape('POST', '/api/v1/namespaces/a/pods?dryRun=All')?.labels).toMatchObject({ verb: 'POST', dry_run: 'All', scope: 'resource' })
    expect(shape('PATCH', '/api/v1/namespaces/a/pods/p', 'application/apply-patch+yaml')?.labels.verb).toBe('APPLY')
    expect(shape('PATCH', '/api/v1/namespaces/a/pods/p', 'application/merge-patch+json')?.labels.verb).toBe('PATCH')
    expect(shape('DELETE', '/api/v1/namespaces/a/pods')).toMatchObject({ labels: { verb: 'DELETECOLLECTION' }, readOnly: false })
    expect(shape('POST', '/api/v1/namespaces/a/pods/p/exec')).toMatchObject({ labels: { verb: 'CONNECT', subresource: 'exec' }, longRunning: true })
    expect(shape('GET', '/api/v1/namespaces/a/pods/p/log')).toMatchObject({ labels: { verb: 'GET', subresource: 'log' }, longRunning: true })
  })

  it('counts known paths outside the resource tree under their path, and not unknown ones', () => {
    expect(shape('GET', '/healthz')?.labels).toMatchObject({ verb: 'GET', subresource: '/healthz', scope: '', resource: '' })
    expect(shape('GET', '/metrics')?.labels.subresource).toBe('/metrics')
    expect(shape('GET', '/apis/apps/v1')?.labels.subresource).toBe('/apis/apps/v1')
    expect(shape('GET', '/openapi/v3/apis/apps/v1')?.labels.subresource).toBe('/openapi/v3')
    expect(shape('GET', '/no/such/path')).toBeUndefined()
  })
})
