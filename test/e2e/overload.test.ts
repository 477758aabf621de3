// More load than the store can take: hundreds of concurrent writers, creating
// objects and fighting over a few hot ones. Every request either succeeds or
// is told 429 with Retry-After (kube's max-in-flight answer); none gets a 5xx,
// none hangs; every acknowledged create is there afterwards, and the server
// answers as soon as the load stops.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configMap, setupE2E, type E2E } from './harness'

const WRITERS = Number(process.env.OVERLOAD_WRITERS ?? 300)
const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 8)
const NS = 'overload'
let e: E2E

const ADMIN = 'overload-admin-token'
const LOADER = 'overload-loader-token'

beforeAll(async () => {
  // Authentication on: the writers are an ordinary user, whom max-in-flight limits (system:masters, the local
  // admin of the insecure port, is exempt, as in kube). The store keeps up with 300 writers here, only slower,
  // so the limit is lowered to make sure the 429 path is taken.
  e = await setupE2E({ secure: true, vars: {
    EDGEKUBE_MAX_REQUESTS_IN_FLIGHT: '64',
    EDGEKUBE_TOKEN_AUTH: `${ADMIN},admin,uid-admin,"system:masters"\n${LOADER},loader,uid-loader,"loaders"`,
  } })
  const admin = (method: string, path: string, body: unknown) => send(method, path, body, ADMIN).then((r) => {
    if (r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${r.text}`)
  })
  await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })
  await admin('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'loader-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', name: 'loader' }],
  })
  for (let i = 0; i < 4; i++) await admin('POST', `/api/v1/namespaces/${NS}/configmaps`, configMap(`hot-${i}`, NS, { n: '0' }))
}, 120_000)

afterAll(async () => {
  await e?.close()
})

const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS })

function send(method: string, path: string, body: unknown, token = LOADER): Promise<{ status: number; retryAfter?: string; text: string }> {
  const url = new URL(e.url)
  const payload = Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, timeout: 60_000, headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json', authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, text: Buffer.concat(chunks).toString() }))
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')))
    req.on('error', reject)
    req.end(payload)
  })
}

describe('overload', () => {
  it(`${WRITERS} concurrent writers for ${SECONDS} s: each request succeeds or gets 429 with Retry-After, none a 5xx or no answer`, async () => {
    const statuses = new Map<number, number>()
    const faults: string[] = []
    const created: string[] = []
    let devReloads = 0
    const deadline = Date.now() + SECONDS * 1000
    await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const hot = n % 2 === 1
        const name = hot ? `hot-${w % 4}` : `w-${w}-${n}`
        const attempt = () => send(hot ? 'PUT' : 'POST', hot ? `/api/v1/namespaces/${NS}/configmaps/${name}` : `/api/v1/namespaces/${NS}/configmaps`, configMap(name, NS, { writer: String(w), n: String(n) }))
          .catch((err: Error) => ({ status: 0, retryAfter: undefined, text: err.message }))
        let r = await attempt()
        // wrangler dev's proxy (not the server) answers this when it swaps in a reloaded worker; send again, as it says
        if (r.status === 503 && r.text.startsWith('Your worker restarted mid-request')) { devReloads++; r = await attempt() }
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
        if (r.status === 201) created.push(name)
        else if (r.status === 429) {
          if (!r.retryAfter || JSON.parse(r.text).reason !== 'TooManyRequests') faults.push(`429 without Retry-After or its Status: ${r.text.slice(0, 200)}`)
          // a well-behaved client waits as told
          await new Promise((res) => setTimeout(res, Number(r.retryAfter ?? 1) * 1000))
        } else if (r.status !== 200) faults.push(`${hot ? 'PUT' : 'POST'} ${name}: ${r.status} ${r.text.slice(0, 200)}`)
      }
    }))
    console.log(`statuses under ${WRITERS} writers: ${JSON.stringify(Object.fromEntries(statuses))}${devReloads ? `; ${devReloads} sent again after a wrangler dev reload` : ''}`)
    expect(faults.slice(0, 10)).toEqual([])
    // under this load wrangler dev's proxy swaps workers now and then (a few in 2,000 requests in CI); more is a failure
    expect(devReloads).toBeLessThanOrEqual(10)
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0)

    // it answers at once, and nothing acknowledged was lost
    expect((await e.http('GET', '/readyz')).status).toBe(200)
    const list = await e.http('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, { authorization: `Bearer ${LOADER}` })
    const names = new Set((list.json as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name))
    expect(created.filter((n) => !names.has(n))).toEqual([])
    expect((await send('POST', `/api/v1/namespaces/${NS}/configmaps`, configMap('after-load', NS))).status).toBe(201)
  }, 180_000)
})
