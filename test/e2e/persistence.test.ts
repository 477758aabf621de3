// State survives a restart of `wrangler dev` (same --persist-to), and a watch that the
// restart cut off resumes from its last resourceVersion with no gaps and no duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configMap, create, createNamespace, describeResponse, setupE2E, summarize, type E2E, type WatchEvent } from './harness'

let e: E2E

beforeAll(async () => {
  e = await setupE2E()
  await createNamespace(e, 'keep')
  await createNamespace(e, 'resume')
})

afterAll(async () => {
  await e?.close()
})

async function put(p: string, obj: unknown) {
  const r = await e.http('PUT', p, obj)
  expect(r.status, describeResponse('PUT', p, r)).toBe(200)
  return r.json
}

async function del(p: string) {
  const r = await e.http('DELETE', p)
  expect(r.status, describeResponse('DELETE', p, r)).toBe(200)
  return r.json
}

describe('persistence across restarts', () => {
  it('objects, namespaces and resourceVersions survive restart()', async () => {
    const a = await create(e, '/api/v1/namespaces/keep/configmaps', configMap('a', 'keep', { x: '1' }, { app: 'keep' }))
    const b = await create(e, '/api/v1/namespaces/keep/configmaps', configMap('b', 'keep', { y: '2' }))
    const before = await e.http('GET', '/api/v1/namespaces/keep/configmaps')
    expect(before.status).toBe(200)

    await e.server.restart()

    const ns = await e.http('GET', '/api/v1/namespaces/keep')
    expect(ns.status, describeResponse('GET', '/api/v1/namespaces/keep', ns)).toBe(200)
    const ga = await e.http('GET', '/api/v1/namespaces/keep/configmaps/a')
    expect(ga.status, describeResponse('GET', '.../configmaps/a', ga)).toBe(200)
    expect(ga.json.metadata).toMatchObject({
      name: 'a',
      uid: a.metadata.uid,
      resourceVersion: a.metadata.resourceVersion,
      creationTimestamp: a.metadata.creationTimestamp,
      labels: { app: 'keep' },
    })
    expect(ga.json.data).toEqual({ x: '1' })
    const list = await e.http('GET', '/api/v1/namespaces/keep/configmaps')
    expect(list.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(['a', 'b', 'kube-root-ca.crt'])
    // The resourceVersion counter does not go backwards: a new write gets a larger RV.
    const c = await create(e, '/api/v1/namespaces/keep/configmaps', configMap('c', 'keep'))
    expect(Number(c.metadata.resourceVersion)).toBeGreaterThan(Number(b.metadata.resourceVersion))
    expect(Number(c.metadata.resourceVersion)).toBeGreaterThan(Number(before.json.metadata.resourceVersion))

    // kubectl sees the same state.
    const k = await e.kubectl(['get', 'configmaps', '-n', 'keep', '-o', 'name'])
    expect(k.code, k.stderr).toBe(0)
    expect(k.stdout.trim().split('\n').sort()).toEqual(['configmap/a', 'configmap/b', 'configmap/c', 'configmap/kube-root-ca.crt'])
  })

  it('a watch cut off by a restart resumes from its last resourceVersion: no gaps, no duplicates', async () => {
    const base = '/api/v1/namespaces/resume/configmaps'
    const list = await e.http('GET', base)
    expect(list.status, describeResponse('GET', base, list)).toBe(200)
    const listRV = list.json.metadata.resourceVersion as string

    const w1 = e.watch(`${base}?watch=1&resourceVersion=${listRV}`)
    expect(await w1.status).toBe(200)
    const one = await create(e, base, configMap('one', 'resume', { v: '1' }))
    const two = await create(e, base, configMap('two', 'resume', { v: '1' }))
    await w1.waitFor((ev) => ev.object?.metadata?.name === 'two')
    // Written while the watch is open; it may or may not be delivered before the restart.
    await create(e, base, configMap('three', 'resume', { v: '1' }))

    await e.server.restart()
    await w1.ended // the server went away: the stream ended

    // Written while nobody watches.
    await put(`${base}/one`, { ...one, data: { v: '2' } })
    await del(`${base}/two`)
    await create(e, base, configMap('four', 'resume', { v: '1' }))

    const seen1 = w1.events.filter((ev) => ev.type !== 'BOOKMARK')
    for (const ev of seen1) expect(['ADDED', 'MODIFIED', 'DELETED'], summarize(ev)).toContain(ev.type)
    const lastRV = seen1[seen1.length - 1].object.metadata.resourceVersion as string

    const w2 = e.watch(`${base}?watch=1&resourceVersion=${lastRV}`)
    try {
      expect(await w2.status).toBe(200)
      // An end marker written after the re-watch started: everything before it is in the stream.
      await create(e, base, configMap('zz-end', 'resume'))
      await w2.waitFor((ev) => ev.object?.metadata?.name === 'zz-end')
    } finally {
      w2.close()
    }
    const seen2 = w2.events.filter((ev) => ev.type !== 'BOOKMARK')

    const all: WatchEvent[] = [...seen1, ...seen2]
    const key = (ev: WatchEvent) => `${ev.type} ${ev.object.metadata.name}`
    expect(all.map(key), all.map(summarize).join('\n')).toEqual([
      'ADDED one',
      'ADDED two',
      'ADDED three',
      'MODIFIED one',
      'DELETED two',
      'ADDED four',
      'ADDED zz-end',
    ])
    // resourceVersions strictly increase across both streams (no event delivered twice).
    const rvs = all.map((ev) => Number(ev.object.metadata.resourceVersion))
    for (let i = 1; i < rvs.length; i++) expect(rvs[i], all.map(summarize).join('\n')).toBeGreaterThan(rvs[i - 1])
    expect(seen2[0] && Number(seen2[0].object.metadata.resourceVersion)).toBeGreaterThan(Number(lastRV))
    // Event payloads are the objects as written.
    const modified = all.find((ev) => key(ev) === 'MODIFIED one')!
    expect(modified.object.data).toEqual({ v: '2' })
    expect(modified.object.metadata.uid).toBe(one.metadata.uid)
    const deleted = all.find((ev) => key(ev) === 'DELETED two')!
    expect(deleted.object.metadata.uid).toBe(two.metadata.uid)
  })
})
