// Faults injected into a running server: the store's Durable Object aborted
// (as a crash or an eviction would end it) in the middle of writes, watches
// and compaction, clients that go away mid-write, the controllers' Durable
// Object aborted mid-rollout. No acknowledged write is lost, no
// unacknowledged one is half applied (the linearizability check with
// unknown outcomes), watches resume from their last resourceVersion without
// gaps or duplicates, and compaction leaves a consistent log.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, createNamespace, eventually, setupE2E, type E2E, type RawWatch, type WatchEvent } from './harness'
import { checkLinearizable, explain } from '../lin/checker'
import { kvModel } from '../lin/kv'
import { validateWatch } from '../lin/watch'
import { LABEL, listRv, runWorkload, watched } from '../lin/workload'

let e: E2E

beforeAll(async () => {
  // a short history, so that compaction runs during the test
  e = await setupE2E({ vars: { EDGEKUBE_HISTORY_SECONDS: '2', EDGEKUBE_HISTORY_MIN_EVENTS: '50' } })
}, 120_000)

afterAll(async () => {
  await e?.close()
})

const abortStore = () => e.http('POST', '/debug/edgekube/faults/shards/cluster/abort')
const abortControllers = () => e.http('POST', '/debug/edgekube/faults/controllers/abort')

/** A watch that, like a reflector, starts again from the last resourceVersion it saw whenever its stream ends. */
class ResumingWatch {
  events: WatchEvent[] = []
  restarts = 0
  expired = 0
  private current: RawWatch
  private closed = false
  private last: number

  constructor(private readonly path: (rv: number) => string, start: number) {
    this.last = start
    this.current = this.open()
  }

  private open(): RawWatch {
    const w = e.watch(this.path(this.last))
    let taken = 0
    const take = () => {
      for (; taken < w.events.length; taken++) {
        const ev = w.events[taken]
        const rv = Number((ev.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion)
        if (ev.type === 'ERROR') { this.expired++; continue }
        if (rv) this.last = Math.max(this.last, rv)
        if (ev.type !== 'BOOKMARK') this.events.push(ev)
      }
    }
    const poll = setInterval(take, 20)
    void w.ended.then(async () => {
      clearInterval(poll)
      take()
      if (this.closed) return
      this.restarts++
      await new Promise((r) => setTimeout(r, 50))
      if (!this.closed) this.current = this.open()
    })
    return w
  }

  async caughtUp(rv: number) {
    await eventually(() => this.last >= rv, 30_000, `watch at ${rv}`)
  }

  close() {
    this.closed = true
    this.current.close()
  }

  asRaw(): RawWatch {
    return { events: this.events } as unknown as RawWatch
  }
}

describe('faults injected', () => {
  it('the store aborted again and again under 8 writers and 2 watchers: no acknowledged write lost, nothing half applied, watches resume without gaps', async () => {
    const ns = 'store-aborts'
    await createNamespace(e, ns)
    const start = await listRv(e, ns)
    const path = (rv: number) => `/api/v1/namespaces/${ns}/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=${encodeURIComponent(LABEL)}&resourceVersion=${rv}`
    const watches = [new ResumingWatch(path, start), new ResumingWatch(path, start)]
    let aborts = 0
    const { history, unexpected, samples } = await runWorkload(e.url, ns, {
      seed: 3, clients: 8, perClient: 200, keys: 5,
      during: async (i) => {
        if (i % 40 === 20) { await abortStore(); aborts++ }
      },
    })
    const end = await listRv(e, ns)
    await Promise.all(watches.map((w) => w.caughtUp(end)))
    for (const w of watches) w.close()
    console.log(`${aborts} store aborts; answers the model cannot place: ${JSON.stringify([...unexpected])}; watch restarts ${watches.map((w) => w.restarts)}\n${samples.join('\n')}`)
    // an abort is not the client's doing, but what it gets is still a Status it can retry, never a 500
    expect([...unexpected.keys()].filter((s) => s === 500)).toEqual([])
    expect(watches.every((w) => w.restarts >= 1)).toBe(true)

    const result = checkLinearizable(kvModel, history)
    expect(result.ok, explain(kvModel, history, result)).toBe(true)
    for (const w of watches) expect(validateWatch(history, watched(w.asRaw()), start, end)).toEqual([])
  }, 300_000)

  it('a client that goes away mid-write leaves the object whole or absent, never half written', async () => {
    const ns = 'disconnects'
    await createNamespace(e, ns)
    const url = new URL(e.url)
    const big = 'x'.repeat(512 * 1024)
    for (let i = 0; i < 20; i++) {
      const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { a: big, b: big } }))
      await new Promise<void>((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, headers: { 'content-type': 'application/json', 'content-length': body.length } })
        req.on('error', () => resolve())
        req.on('response', (res) => { res.resume(); res.on('end', () => resolve()) })
        // half the clients vanish halfway through the body, half right after sending all of it
        if (i % 2 === 0) { req.write(body.subarray(0, body.length / 2)); setTimeout(() => { req.destroy(); resolve() }, 20) }
        else { req.end(body); setImmediate(() => { req.destroy(); resolve() }) }
      })
    }
    await new Promise((r) => setTimeout(r, 1000))
    for (let i = 0; i < 20; i++) {
      const r = await e.http('GET', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`)
      if (i % 2 === 0) expect(r.status, `cm-${i}`).toBe(404)
      else if (r.status === 200) expect((r.json as { data: { a: string; b: string } }).data).toEqual({ a: big, b: big })
      else expect(r.status).toBe(404)
    }
    expect((await e.http('GET', '/readyz')).status).toBe(200)
  }, 120_000)

  it('compaction interrupted by aborts leaves a consistent log: every retained version lists as it was, older ones are 410', async () => {
    const ns = 'compaction'
    await createNamespace(e, ns)
    const versions: { rv: number; names: string[] }[] = []
    const names = new Set<string>()
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 15; i++) {
        const name = `c-${(round * 7 + i) % 40}`
        if (names.has(name) && i % 3 === 0) {
          expect((await e.http('DELETE', `/api/v1/namespaces/${ns}/configmaps/${name}`)).status).toBe(200)
          names.delete(name)
        } else if (!names.has(name)) {
          await create(e, `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { round: String(round) } })
          names.add(name)
        }
      }
      versions.push({ rv: await listRv(e, ns), names: [...names].sort() })
      // the compaction alarm runs every second with two seconds of history kept: abort around it
      await new Promise((r) => setTimeout(r, 400))
      await abortStore()
    }
    // the namespace's root CA config map is the controllers', not the test's
    const ours = (list: unknown) => (list as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name).filter((n) => n.startsWith('c-')).sort()
    let expired = 0
    for (const v of versions) {
      const r = await e.http('GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=${v.rv}&resourceVersionMatch=Exact`)
      if (r.status === 410) { expired++; continue }
      expect(r.status).toBe(200)
      expect(ours(r.json), `state at ${v.rv}`).toEqual(v.names)
    }
    // compaction did run (old versions are gone) and did not take the newest
    expect(expired).toBeGreaterThan(0)
    expect(expired).toBeLessThan(versions.length)
    expect(ours((await e.http('GET', `/api/v1/namespaces/${ns}/configmaps`)).json)).toEqual([...names].sort())
  }, 180_000)

  it('the controllers aborted mid-rollout: the Deployment still gets exactly its replicas', async () => {
    const ns = 'controller-aborts'
    await createNamespace(e, ns)
    await create(e, `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 5, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    })
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 150))
      await abortControllers()
    }
    const pods = async () => ((await e.http('GET', `/api/v1/namespaces/${ns}/pods`)).json as { items: { metadata: { name: string; deletionTimestamp?: string } }[] }).items.filter((p) => !p.metadata.deletionTimestamp)
    await eventually(async () => (await pods()).length === 5, 60_000, '5 pods')
    // and not more, once it settles
    await new Promise((r) => setTimeout(r, 3000))
    expect((await pods()).length).toBe(5)
    const rs = (await e.http('GET', `/apis/apps/v1/namespaces/${ns}/replicasets`)).json as { items: unknown[] }
    expect(rs.items.length).toBe(1)
  }, 120_000)
})
