// /metrics against a real `wrangler dev`: a known sequence of requests is
// counted exactly (per verb, resource, scope and code), histograms agree with
// the counters, watches show as long-running requests, registered watchers
// and sent events, stored objects per resource, and the text is read by
// kubectl, checked by Prometheus' own promtool and scraped by a real
// Prometheus server (Debian's, installed when missing).
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNamespace, eventually, setupE2E, type E2E } from './harness'
import { startPrometheus, type Prometheus } from './prometheus'

let e: E2E
const NS = 'metrics'
const PT = `/api/v1/namespaces/${NS}/podtemplates`

beforeAll(async () => {
  // a heartbeat every second: the server notices a watcher that went away at its next write
  e = await setupE2E({ vars: { EDGEKUBE_BOOKMARK_SECONDS: '1' } })
  await createNamespace(e, NS)
})

afterAll(async () => {
  await e?.close()
})

interface Series { name: string; labels: Record<string, string>; value: number }

/** Reads the samples of the text format (validity is promtool's to judge, below). */
function samples(text: string): Series[] {
  const out: Series[] = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
    out.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return out
}

async function scrape(): Promise<Series[]> {
  const r = await e.http('GET', '/metrics', undefined, { accept: 'text/plain' })
  expect(r.status).toBe(200)
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return samples(r.text)
}

const pick = (all: Series[], name: string, match: Record<string, string>) =>
  all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
const total = (all: Series[], name: string, match: Record<string, string>) => pick(all, name, match).reduce((n, s) => n + s.value, 0)

const template = (name: string) => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } })

describe('/metrics', () => {
  it('counts a known sequence of requests exactly, by verb, scope and code', async () => {
    const before = await scrape()
    const statuses: number[] = []
    const req = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => statuses.push((await e.http(method, path, body, headers)).status)
    for (const n of ['a', 'b', 'c']) await req('POST', PT, template(n))
    await req('POST', PT, template('a'))
    await req('POST', `${PT}?dryRun=All`, template('d'))
    await req('GET', `${PT}/a`)
    await req('GET', `${PT}/missing`)
    await req('GET', `${PT}/missing`)
    await req('GET', PT)
    await req('GET', '/api/v1/podtemplates')
    await req('PATCH', `${PT}/a`, { metadata: { labels: { x: 'y' } } }, { 'content-type': 'application/merge-patch+json' })
    await req('PATCH', `${PT}/e?fieldManager=t`, template('e'), { 'content-type': 'application/apply-patch+yaml' })
    await req('DELETE', `${PT}/b`)
    expect(statuses).toEqual([201, 201, 201, 409, 201, 200, 404, 404, 200, 200, 200, 201, 200])
    const after = await scrape()
    const delta = (match: Record<string, string>) => total(after, 'apiserver_request_total', { resource: 'podtemplates', ...match }) - total(before, 'apiserver_request_total', { resource: 'podtemplates', ...match })
    const expected: [Record<string, string>, number][] = [
      [{ verb: 'POST', code: '201', dry_run: '' }, 3], [{ verb: 'POST', code: '201', dry_run: 'All' }, 1], [{ verb: 'POST', code: '409' }, 1],
      [{ verb: 'GET', code: '200', scope: 'resource' }, 1], [{ verb: 'GET', code: '404', scope: 'resource' }, 2],
      [{ verb: 'LIST', code: '200', scope: 'namespace' }, 1], [{ verb: 'LIST', code: '200', scope: 'cluster' }, 1],
      [{ verb: 'PATCH', code: '200' }, 1], [{ verb: 'APPLY', code: '201' }, 1], [{ verb: 'DELETE', code: '200' }, 1],
      [{}, 13],
    ]
    for (const [match, n] of expected) expect(delta(match), JSON.stringify(match)).toBe(n)
    for (const s of pick(after, 'apiserver_request_total', { resource: 'podtemplates' })) {
      expect(s.labels).toMatchObject({ component: 'apiserver', group: '', version: 'v1', subresource: '' })
    }
    // the first scrape was counted too, once it was answered
    expect(total(after, 'apiserver_request_total', { subresource: '/metrics' }) - total(before, 'apiserver_request_total', { subresource: '/metrics' })).toBe(1)
    expect(total(after, 'apiserver_storage_objects', { resource: 'podtemplates' })).toBe(3)
    expect(total(after, 'apiserver_resource_objects', { group: '', resource: 'podtemplates' })).toBe(3)
    // a, b, c, the second a (refused by the store) and e; a dry run never reaches the store
    expect(total(after, 'etcd_requests_total', { resource: 'podtemplates', operation: 'create' }) - total(before, 'etcd_requests_total', { resource: 'podtemplates', operation: 'create' })).toBe(5)
  })

  it('histograms: cumulative buckets, +Inf equal to _count, _count equal to the requests counted', async () => {
    const all = await scrape()
    const counts = pick(all, 'apiserver_request_duration_seconds_count', {})
    expect(counts.length).toBeGreaterThan(5)
    for (const c of counts) {
      const buckets = pick(all, 'apiserver_request_duration_seconds_bucket', c.labels)
      expect(buckets.length).toBe(24)
      const values = buckets.map((b) => b.value)
      expect(values).toEqual([...values].sort((a, b) => a - b))
      expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(c.value)
      expect(total(all, 'apiserver_request_total', c.labels), JSON.stringify(c.labels)).toBe(c.value)
      expect(pick(all, 'apiserver_request_duration_seconds_sum', c.labels)[0].value).toBeGreaterThanOrEqual(0)
    }
  })

  it('a watch is a long-running request, a registered watcher, and the events it is sent', async () => {
    const before = await scrape()
    const w = e.watch(`${PT}?watch=1&resourceVersion=0`)
    expect(await w.status).toBe(200)
    await w.waitFor((ev) => ev.object?.metadata?.name === 'a')
    await e.http('POST', PT, template('w1'))
    await w.waitFor((ev) => ev.object?.metadata?.name === 'w1')
    const during = await scrape()
    expect(total(during, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'podtemplates', scope: 'namespace' })).toBe(1)
    expect(total(during, 'apiserver_registered_watchers', { kind: 'PodTemplate', version: 'v1' })).toBe(1)
    const sent = total(during, 'apiserver_watch_events_total', { resource: 'podtemplates', version: 'v1' }) - total(before, 'apiserver_watch_events_total', { resource: 'podtemplates', version: 'v1' })
    expect(sent).toBe(w.events.length)
    w.close()
    await eventually(async () => {
      const now = await scrape()
      return total(now, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'podtemplates' }) === 0 &&
        total(now, 'apiserver_registered_watchers', { kind: 'PodTemplate' }) === 0
    }, 20_000, 'the watch to end')
  })

  it('kubectl get --raw /metrics reads it', async () => {
    const r = await e.kubectl(['get', '--raw', '/metrics'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('# TYPE apiserver_request_total counter')
    expect(samples(r.stdout).some((s) => s.name === 'apiserver_request_total' && s.labels.verb === 'GET')).toBe(true)
  })
})

describe('Prometheus', () => {
  let prom: Prometheus | undefined

  beforeAll(async () => {
    prom = await startPrometheus(new URL(e.url), e.tmpDir)
  }, 300_000)

  afterAll(() => prom?.stop())

  it('promtool check metrics finds nothing wrong', ({ skip }) => {
    if (!prom) return skip()
    const text = execFileSync('curl', ['-sS', `${e.url}/metrics`]).toString()
    const out = execFileSync(prom.promtool, ['check', 'metrics'], { input: text }).toString()
    expect(out).toBe('')
  })

  it('a real Prometheus scrapes it and sees what the server counted', async ({ skip }) => {
    if (!prom) return skip()
    const p = prom
    await e.http('GET', `${PT}/a`)
    const query = async (q: string) => {
      const r = await fetch(`${p.url}/api/v1/query?query=${encodeURIComponent(q)}`)
      return ((await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result
    }
    await eventually(async () => (await query('up{job="edgekube"}'))[0]?.value[1] === '1', 60_000, 'the target to be up')
    await eventually(async () => (await query('apiserver_request_total{resource="podtemplates",verb="GET",code="200"}')).length > 0, 60_000, 'a scrape with the GET')
    const got = await query('sum(apiserver_request_total{resource="podtemplates",verb="POST"})')
    const ours = total(await scrape(), 'apiserver_request_total', { resource: 'podtemplates', verb: 'POST' })
    expect(Number(got[0].value[1])).toBe(ours)
    const buckets = await query('apiserver_request_duration_seconds_bucket{resource="podtemplates",verb="GET",le="+Inf"}')
    expect(buckets.length).toBeGreaterThan(0)
  }, 120_000)
})
