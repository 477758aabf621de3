// A watcher that stops reading must cost the server a bounded buffer and
// nothing else: its watch ends once 8 MiB wait for it (kube-apiserver closes a
// watcher whose buffer fills), what it was sent still arrives in order, it
// resumes from its last resourceVersion without a gap, and other watchers of
// the same objects keep getting events meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNamespace, describeResponse, rawWatch, setupE2E, type E2E, type RawWatch } from './harness'

let e: E2E
const NS = 'watch-flow'
/** Far past the server's 8 MiB plus what loopback sockets and wrangler dev's proxy can hold. */
const OBJECTS = 96
const PAYLOAD = 'x'.repeat(512 * 1024)

beforeAll(async () => {
  e = await setupE2E()
  await createNamespace(e, NS)
})

afterAll(async () => {
  await e?.close()
})

describe('a watcher that stops reading', () => {
  it('is ended at its buffer bound, gets what was sent in order, resumes without a gap, and slows no one else', { timeout: 180_000 }, async () => {
    const list = await e.http('GET', `/api/v1/namespaces/${NS}/configmaps`)
    expect(list.status, describeResponse('GET', 'configmaps', list)).toBe(200)
    const from = list.json.metadata.resourceVersion as string
    const watchPath = `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${from}`
    const slow = rawWatch(e.url, watchPath, {}, { paused: true })
    expect(await slow.status).toBe(200)
    const steady: RawWatch = e.watch(watchPath)
    expect(await steady.status).toBe(200)

    const created: string[] = []
    for (let i = 0; i < OBJECTS; i++) {
      const name = `big-${String(i).padStart(3, '0')}`
      const r = await e.http('POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: PAYLOAD } })
      expect(r.status, describeResponse('POST', name, r)).toBe(201)
      created.push(name)
    }
    // the reading watcher has everything while the other still reads nothing
    await steady.waitFor((ev) => ev.object?.metadata?.name === created[OBJECTS - 1], 60_000)
    expect(steady.events.map((ev) => ev.object.metadata.name)).toEqual(created)
    expect(slow.events.length).toBe(0)

    slow.resume()
    const how = await Promise.race([slow.ended.then(() => 'ended'), new Promise<string>((r) => setTimeout(() => r('still open'), 60_000))])
    expect(how, 'the stalled watch should have been ended by the server').not.toBe('still open')
    const got = slow.events
    // cut short, yet in order and from the start: a prefix of what was written
    expect(got.length).toBeGreaterThan(0)
    expect(got.length).toBeLessThan(OBJECTS)
    expect(got.map((ev) => `${ev.type} ${ev.object.metadata.name}`)).toEqual(created.slice(0, got.length).map((n) => `ADDED ${n}`))
    expect(got.every((ev) => ev.object.data.payload.length === PAYLOAD.length)).toBe(true)

    // a reflector watches again from the last resourceVersion it saw: the rest, once each
    const last = got[got.length - 1].object.metadata.resourceVersion
    const rest = e.watch(`/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${last}`)
    await rest.waitFor((ev) => ev.object?.metadata?.name === created[OBJECTS - 1], 60_000)
    expect(rest.events.map((ev) => ev.object.metadata.name)).toEqual(created.slice(got.length))
    rest.close()
    steady.close()
    slow.close()

    // and the server still serves
    const after = await e.http('GET', `/api/v1/namespaces/${NS}/configmaps/${created[0]}`)
    expect(after.status).toBe(200)
  })
})
