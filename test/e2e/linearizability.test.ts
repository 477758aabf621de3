// The store's guarantees, checked as etcd checks its own: 8 concurrent clients
// record a history of a few thousand operations against the real server, a
// Porcupine-style checker verifies it is linearizable for a key-value model
// with resourceVersion compare-and-swap, and every watch stream (one from the
// start, one dropped and resumed from its last resourceVersion) is ordered,
// gapless, unique and consistent with the history. A store with a planted bug
// (writes acknowledged before they are stored) must fail the same check.
import { afterAll, describe, expect, it } from 'vitest'
import { create, createNamespace, namespace, setupE2E, type E2E, type RawWatch } from './harness'
import { checkLinearizable, explain } from '../lin/checker'
import { byKey, kvModel } from '../lin/kv'
import { validateWatch } from '../lin/watch'
import { LABEL, listRv, runWorkload, watched } from '../lin/workload'

const CLIENTS = 8
const started: E2E[] = []

afterAll(async () => {
  await Promise.all(started.map((e) => e.close()))
})

async function server(vars?: Record<string, string>) {
  const e = await setupE2E(vars ? { vars } : {})
  started.push(e)
  return e
}

const watchPath = (ns: string, rv: number) => `/api/v1/namespaces/${ns}/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=${encodeURIComponent(LABEL)}&resourceVersion=${rv}`

/** Waits until a watch has got to `rv` (an event or a bookmark at or after it). */
async function caughtUp(w: RawWatch, rv: number) {
  await w.waitFor((ev) => Number((ev.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion) >= rv, 30_000)
}

describe('linearizability', () => {
  it(`${CLIENTS} clients, 3,200 operations: the history is linearizable and every watch stream is ordered, gapless and consistent`, async () => {
    const e = await server()
    const ns = 'lin'
    await createNamespace(e, ns)
    const start = await listRv(e, ns)
    const full = e.watch(watchPath(ns, start))
    let dropped: RawWatch | undefined
    let resumed: RawWatch | undefined
    let droppedStart = 0
    const { history, unexpected } = await runWorkload(e.url, ns, {
      seed: 1, clients: CLIENTS, perClient: 400, keys: 6,
      during: async (i) => {
        if (i === 100) { droppedStart = await listRv(e, ns); dropped = e.watch(watchPath(ns, droppedStart)) }
        if (i === 250) {
          // the client goes away mid-stream and comes back from the last resourceVersion it saw
          dropped!.close()
          const seen = watched(dropped!)
          resumed = e.watch(watchPath(ns, seen.length ? seen[seen.length - 1].rv : droppedStart))
        }
      },
    })
    expect([...unexpected]).toEqual([])
    const end = await listRv(e, ns)
    await Promise.all([caughtUp(full, end), caughtUp(resumed!, end)].map((p) => p.catch(() => undefined)))

    const t0 = Date.now()
    const result = checkLinearizable(kvModel, history)
    console.log(`checked ${history.length} operations in ${Date.now() - t0} ms (${result.explored} steps): ${result.ok}`)
    expect(result.ok, explain(kvModel, history, result)).toBe(true)
    expect(history.filter((o) => o.output && 'ok' in o.output && o.input.op !== 'get' && o.input.op !== 'list').length).toBeGreaterThan(300)

    expect(validateWatch(history, watched(full), start, end)).toEqual([])
    const combined = [...watched(dropped!), ...watched(resumed!)]
    expect(validateWatch(history, combined, droppedStart, end)).toEqual([])
    full.close()
    resumed!.close()
  }, 300_000)

  it('catches a planted bug: a store that acknowledges writes before it stores them fails the check', async () => {
    const e = await server({ EDGEKUBE_TEST_PLANTED_BUG: 'ack-before-store' })
    const ns = 'planted'
    // not createNamespace: it waits on the controllers, whose own writes the planted bug breaks too
    await create(e, '/api/v1/namespaces', namespace(ns))
    const { history } = await runWorkload(e.url, ns, { seed: 2, clients: CLIENTS, perClient: 60, keys: 4 })
    // key by key: a violation makes the whole history's search exhaust every order, which takes long
    const results = [...byKey(history)].map(([key, h]) => ({ key, h, r: checkLinearizable(kvModel, h) }))
    const failed = results.find((x) => x.r.ok === false)
    console.log(`planted bug: ${results.map((x) => `${x.key}: ${x.r.ok}`).join(', ')}\n${failed ? explain(kvModel, failed.h, failed.r) : ''}`)
    expect(failed).toBeDefined()
  }, 300_000)
})
