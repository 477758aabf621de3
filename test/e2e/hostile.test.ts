// Hostile input at volume: ten thousand requests drawn from every class of
// malformed input (deep nesting, huge numbers, duplicate keys, bad encodings,
// wrong types in the query, path tricks, header floods, oversized bodies),
// each answered with a 4xx Status or taken as a dry run, never a 5xx, and
// nothing stored changes.
import http from 'node:http'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configMap, create, createNamespace, eventually, setupE2E, type E2E } from './harness'
import { CRD_GROUP, drawRequest, NS, prng, type HostileRequest } from './hostile-input'
import { MAX_JSON_DEPTH } from '../../src/request/json'

const COUNT = Number(process.env.FUZZ_REQUESTS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261207)
const CONCURRENCY = 16

let e: E2E

interface Answer { status: number; contentType: string; text: string }

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

/** node:http, not fetch: paths go out exactly as written, bodies as raw bytes, and any header is allowed. */
function send(base: string, req: HostileRequest, timeoutMs = 30_000): Promise<Answer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const r = http.request({
      host: url.hostname, port: url.port, method: req.method, path: req.path, agent, timeout: timeoutMs,
      headers: { accept: 'application/json', ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    r.on('error', (err) => reject(Object.assign(err, { reusedSocket: r.reusedSocket })))
    r.end(req.body)
  })
}

/** What is wrong with an answer, if anything: a 5xx, or an error that is not a Status of its own code. */
function fault(req: HostileRequest, a: Answer): string | undefined {
  if (a.status >= 500) return `${a.status}`
  if (a.status < 400 || req.method === 'HEAD') return undefined
  // a Status comes in the form the client asked for
  if (a.contentType.includes('protobuf')) return a.text.startsWith('k8s\0') && a.text.includes('Status') ? undefined : `${a.status} with a protobuf body that is not a Status`
  let status: { kind?: string; code?: number } | undefined
  try {
    status = a.contentType.includes('yaml') ? parseYaml(a.text) : JSON.parse(a.text)
  } catch {
    return `${a.status} with a body that is not ${a.contentType.includes('yaml') ? 'YAML' : 'JSON'} (${a.contentType})`
  }
  if (status?.kind !== 'Status' || status.code !== a.status) return `${a.status} with a body that is not its Status`
  return undefined
}

const WATCHED = [
  '/api/v1/configmaps', '/api/v1/secrets', '/api/v1/namespaces', '/api/v1/serviceaccounts',
  '/apis/apps/v1/deployments', `/apis/${CRD_GROUP}/v1/widgets`,
]

/** Every object of the kinds the requests aim at, by path, name and resourceVersion. */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const p of WATCHED) {
    const r = await e.http('GET', p)
    expect(r.status, p).toBe(200)
    for (const o of (r.json as { items: { metadata: { namespace?: string; name: string; resourceVersion: string; uid: string } }[] }).items) {
      out.set(`${p} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, `${o.metadata.uid} ${o.metadata.resourceVersion}`)
    }
  }
  return out
}

beforeAll(async () => {
  e = await setupE2E()
  await createNamespace(e, NS)
  for (const n of ['existing-0', 'existing-1']) await create(e, `/api/v1/namespaces/${NS}/configmaps`, configMap(n, NS, { k: 'v' }))
  await create(e, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${CRD_GROUP}` },
    spec: {
      group: CRD_GROUP, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
    },
  })
  await eventually(async () => (await e.http('GET', `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets`)).status === 200, 30_000, 'widgets served')
}, 120_000)

afterAll(async () => {
  agent.destroy()
  await e?.close()
})

describe('hostile input', () => {
  it(`refuses nesting past ${MAX_JSON_DEPTH} levels with encoding/json's 400, and stores, patches and serves what is under it`, async () => {
    const widgets = `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets`
    // the object and its spec are two levels: the arrays bring it to exactly the limit, or one past
    const deep = (name: string, levels: number) => `{"apiVersion":"${CRD_GROUP}/v1","kind":"Widget","metadata":{"name":"${name}"},"spec":{"x":${'['.repeat(levels - 2)}1${']'.repeat(levels - 2)}}}`
    const over = await send(e.url, { class: '', method: 'POST', path: widgets, headers: { 'content-type': 'application/json' }, body: Buffer.from(deep('over', MAX_JSON_DEPTH + 1)) })
    expect(over.status).toBe(400)
    expect(JSON.parse(over.text).message).toContain("json parse error: invalid character '[' exceeded max depth")
    const at = await send(e.url, { class: '', method: 'POST', path: widgets, headers: { 'content-type': 'application/json' }, body: Buffer.from(deep('at-limit', MAX_JSON_DEPTH)) })
    expect(at.status).toBe(201)
    let x = (await e.http('GET', `${widgets}/at-limit`)).json as { spec: { x: unknown } }
    let depth = 0
    for (let v: unknown = x.spec.x; Array.isArray(v); v = v[0]) depth++
    expect(depth).toBe(MAX_JSON_DEPTH - 2)
    const merge = await e.http('PATCH', `${widgets}/at-limit`, { metadata: { labels: { patched: 'yes' } } }, { 'content-type': 'application/merge-patch+json' })
    expect(merge.status).toBe(200)
    const applied = await send(e.url, { class: '', method: 'PATCH', path: `${widgets}/at-limit?fieldManager=fuzz&force=true`, headers: { 'content-type': 'application/apply-patch+yaml' }, body: Buffer.from(deep('at-limit', MAX_JSON_DEPTH)) })
    expect(applied.status).toBe(200)
    expect((await e.kubectl(['get', 'widgets', '-n', NS, 'at-limit', '-o', 'yaml'])).code).toBe(0)
    expect((await e.http('DELETE', `${widgets}/at-limit`)).status).toBe(200)
  })

  it('refuses a number no float64 holds instead of storing it as null', async () => {
    const r = await send(e.url, { class: '', method: 'POST', path: `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets`, headers: { 'content-type': 'application/json' }, body: Buffer.from(`{"apiVersion":"${CRD_GROUP}/v1","kind":"Widget","metadata":{"name":"huge"},"spec":{"size":1e400}}`) })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text).message).toContain('cannot unmarshal number 1e400')
    expect((await e.http('GET', `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets/huge`)).status).toBe(404)
  })

  it('refuses YAML nested deeper than a manifest needs, quickly, where the parser would take seconds', async () => {
    const r = await send(e.url, { class: '', method: 'POST', path: `/api/v1/namespaces/${NS}/configmaps?dryRun=All`, headers: { 'content-type': 'application/yaml' }, body: Buffer.from('data: ' + '[{'.repeat(100_000)) })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text).message).toMatch(/yaml: line 1: (unsupported map key|exceeded max depth)/)
  })

  it('reads boolean query parameters as apimachinery does: watch=maybe is a watch', async () => {
    const ac = new AbortController()
    const res = await fetch(`${e.url}/api/v1/namespaces/${NS}/configmaps?watch=maybe&resourceVersion=0`, { signal: ac.signal })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    let text = ''
    while (!/\S[^\n]*\n/.test(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    expect(JSON.parse(text.trim().split('\n')[0]).type, JSON.stringify(text.slice(0, 300))).toBe('ADDED')
    ac.abort()
    const list = await e.http('GET', `/api/v1/namespaces/${NS}/configmaps?watch=false`)
    expect((list.json as { kind: string }).kind).toBe('ConfigMapList')
  })

  it(`answers ${COUNT} hostile requests (seed ${SEED}) with no 5xx, only Status errors, and changes nothing stored`, async () => {
    const before = await snapshot()
    const r = prng(SEED)
    const requests = Array.from({ length: COUNT }, () => drawRequest(r))
    const faults: string[] = []
    const byClass = new Map<string, Map<number, number>>()
    let next = 0
    let devReloads = 0
    const started = Date.now()
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const i = next++
        const req = requests[i]
        let answer: Answer
        try {
          answer = await send(e.url, req).catch((err: Error & { reusedSocket?: boolean }) => {
            // a kept-alive socket the server closed just as it was reused: node's advice is to send again
            if (err.reusedSocket) return send(e.url, req)
            throw err
          })
        } catch (err) {
          // an oversized body may be cut off by the server before it is all sent
          if (req.class === 'oversized' && /EPIPE|ECONNRESET|socket hang up/.test(String(err))) continue
          faults.push(`#${i} ${req.class} ${req.method} ${req.path.slice(0, 120)}: ${(err as Error).message}`)
          continue
        }
        // wrangler dev's proxy (not the server) answers this when it swaps in a reloaded worker mid-request; send again, as it says
        if (answer.status === 503 && answer.text.startsWith('Your worker restarted mid-request')) {
          devReloads++
          answer = await send(e.url, req)
        }
        const counts = byClass.get(req.class) ?? new Map<number, number>()
        counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1)
        byClass.set(req.class, counts)
        const f = fault(req, answer)
        if (f) faults.push(`#${i} ${req.class} ${req.method} ${req.path.slice(0, 120)}: ${f}: ${answer.text.slice(0, 300)}`)
      }
    }))
    const summary = [...byClass].map(([c, m]) => `${c}: ${[...m].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
    console.log(`${COUNT} hostile requests in ${((Date.now() - started) / 1000).toFixed(1)} s${devReloads ? ` (${devReloads} sent again after a wrangler dev reload; its log: ${e.server.logs().split('\n').filter((l) => /reload|restart|rebuild|change/i.test(l)).slice(-5).join(' | ')})` : ''}\n  ${summary.join('\n  ')}`)
    expect(devReloads).toBeLessThanOrEqual(2)
    expect(faults.slice(0, 20)).toEqual([])
    // every class was drawn, and each was refused at least once
    expect(byClass.size).toBe(12)
    for (const [c, m] of byClass) expect([...m.keys()].some((s) => s >= 400), c).toBe(true)

    const after = await snapshot()
    expect([...after].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k}: ${before.get(k) ?? 'absent'} -> ${v}`)).toEqual([])
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([])

    // and it still serves writes
    expect((await e.http('GET', '/readyz')).status).toBe(200)
    await create(e, `/api/v1/namespaces/${NS}/configmaps`, configMap('after-fuzz', NS))
    expect((await e.http('DELETE', `/api/v1/namespaces/${NS}/configmaps/after-fuzz`)).status).toBe(200)
  }, 600_000)
})
