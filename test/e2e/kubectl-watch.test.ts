// kubectl 1.35 watch paths: `get -w` (Table events), `get pod X -w` (resourceVersion=0,
// synthetic ADDED), `--output-watch-events -o name`, and `delete` (watch-list with
// sendInitialEvents + the initial-events-end bookmark).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, describeResponse, namespace, parseWatchRows, pod, setupE2E, type Background, type E2E } from './harness'

let e: E2E
const running: Background[] = []

beforeAll(async () => {
  e = await setupE2E()
  for (const ns of ['w-list', 'w-single', 'w-events', 'w-delete']) await create(e, '/api/v1/namespaces', namespace(ns))
})

afterAll(async () => {
  for (const b of running) await b.stop()
  await e?.close()
})

function background(args: string[]) {
  const b = e.kubectlBackground(args)
  running.push(b)
  return b
}

/** GET, change labels, PUT (with the resourceVersion just read); returns the updated object. */
async function relabel(ns: string, name: string, labels: Record<string, string>) {
  const p = `/api/v1/namespaces/${ns}/pods/${name}`
  const cur = await e.http('GET', p)
  expect(cur.status, describeResponse('GET', p, cur)).toBe(200)
  const obj = cur.json
  obj.metadata.labels = labels
  const r = await e.http('PUT', p, obj)
  expect(r.status, describeResponse('PUT', p, r)).toBe(200)
  return r.json
}

async function del(ns: string, name: string) {
  const p = `/api/v1/namespaces/${ns}/pods/${name}`
  const r = await e.http('DELETE', p)
  expect(r.status, describeResponse('DELETE', p, r)).toBe(200)
}

describe('kubectl get -w', () => {
  it('get pods -w prints a row for each ADDED, MODIFIED and DELETED event', async () => {
    const ns = 'w-list'
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('anchor', ns, { role: 'anchor' }))
    const w = background(['get', 'pods', '-n', ns, '-w', '--show-labels'])
    // The initial list has been printed (and the watch starts from its resourceVersion).
    await w.waitForLine((l) => l.startsWith('anchor '))
    expect(w.lines[0].trim().split(/\s{2,}/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS'])

    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('p1', ns, { step: 'one' }))
    await relabel(ns, 'p1', { step: 'two' })
    await del(ns, 'p1')
    // A later event marks the end: everything about p1 has been printed before it.
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('zz-end', ns, { role: 'end' }))
    await w.waitForLine((l) => l.startsWith('zz-end '))

    const rows = parseWatchRows(w.lines[0], w.lines.slice(1))
    const p1 = rows.filter((r) => r.NAME === 'p1')
    const out = w.lines.join('\n')
    // ADDED, MODIFIED, then DELETED. kube-apiserver first marks an unscheduled pod with a
    // zero-grace deletionTimestamp (one more MODIFIED, printed as Terminating), then deletes it.
    expect(p1.length, out).toBeGreaterThanOrEqual(3)
    expect(p1.length, out).toBeLessThanOrEqual(4)
    expect(p1.map((r) => r.LABELS), out).toEqual(['step=one', ...Array(p1.length - 1).fill('step=two')])
    expect(p1[0], out).toMatchObject({ READY: '0/1', STATUS: 'Pending', RESTARTS: '0' })
    expect(p1[1], out).toMatchObject({ READY: '0/1', STATUS: 'Pending', RESTARTS: '0' })
    for (const r of p1.slice(2)) expect(['Pending', 'Terminating'], out).toContain(r.STATUS)
    // The header is printed once; anchor only from the initial list.
    expect(w.lines.filter((l) => l.startsWith('NAME '))).toHaveLength(1)
    expect(rows.filter((r) => r.NAME === 'anchor')).toHaveLength(1)
    expect(w.child.exitCode).toBe(null) // still watching
  })

  it('get pod X -w prints the existing pod, then its changes (needs the synthetic ADDED for resourceVersion=0)', async () => {
    const ns = 'w-single'
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('solo', ns, { v: '1' }))
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('other', ns, { v: '1' }))
    const w = background(['get', 'pod', 'solo', '-n', ns, '-w', '--show-labels'])
    await w.waitForLine((l) => l.startsWith('solo '))
    // kubectl drops the first watch event of a single-object watch (it expects the
    // server's synthetic ADDED for the current state). Without it, v=2 would be lost.
    await relabel(ns, 'solo', { v: '2' })
    await relabel(ns, 'other', { v: '2' }) // filtered out by the fieldSelector
    await relabel(ns, 'solo', { v: '3' })
    await w.waitForLine((l) => l.startsWith('solo ') && l.includes('v=3'))
    const rows = parseWatchRows(w.lines[0], w.lines.slice(1))
    expect(rows.map((r) => `${r.NAME} ${r.LABELS}`), w.lines.join('\n')).toEqual(['solo v=1', 'solo v=2', 'solo v=3'])
  })

  it('get pods -w --output-watch-events: EVENT column in tables, kind/name lines with -o name', async () => {
    const ns = 'w-events'
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('anchor', ns))
    const names = background(['get', 'pods', '-n', ns, '-w', '--output-watch-events', '-o', 'name'])
    const table = background(['get', 'pods', '-n', ns, '-w', '--output-watch-events'])
    await names.waitForLine((l) => l.trim() === 'pod/anchor')
    await table.waitForLine((l) => /^ADDED\s+anchor\s/.test(l))
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('p3', ns, { a: 'b' }))
    await relabel(ns, 'p3', { a: 'c' })
    await del(ns, 'p3')
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('zz-end', ns))
    await names.waitForLine((l) => l.trim() === 'pod/zz-end')
    await table.waitForLine((l) => /^ADDED\s+zz-end\s/.test(l))

    // kube-apiserver may emit one extra MODIFIED (zero-grace deletionTimestamp) right before DELETED.
    const graceful = ['ADDED anchor', 'ADDED p3', 'MODIFIED p3', 'MODIFIED p3', 'DELETED p3', 'ADDED zz-end']
    const immediate = ['ADDED anchor', 'ADDED p3', 'MODIFIED p3', 'DELETED p3', 'ADDED zz-end']
    expect(table.lines[0].trim().split(/\s{2,}/)).toEqual(['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    const rows = parseWatchRows(table.lines[0], table.lines.slice(1)).map((r) => `${r.EVENT} ${r.NAME}`)
    expect([JSON.stringify(graceful), JSON.stringify(immediate)], table.lines.join('\n')).toContain(JSON.stringify(rows))

    // The name printer drops the event type: one kind/name line per event.
    const lines = names.lines.map((l) => l.trim()).filter(Boolean)
    const expected = (rows.length === graceful.length ? graceful : immediate).map((x) => `pod/${x.split(' ')[1]}`)
    expect(lines, names.lines.join('\n')).toEqual(expected)
  })
})

describe('the watch-list protocol kubectl delete/wait rely on', () => {
  it('sendInitialEvents=true streams ADDED for each object, then the initial-events-end BOOKMARK, then live events', async () => {
    const ns = 'w-delete'
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('wl-1', ns, { wl: 'yes' }))
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('wl-2', ns, { wl: 'yes' }))
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('wl-other', ns, { wl: 'no' }))
    const w = e.watch(
      `/api/v1/namespaces/${ns}/pods?allowWatchBookmarks=true&labelSelector=wl%3Dyes&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=300&watch=true`,
    )
    try {
      expect(await w.status).toBe(200)
      const bookmark = await w.waitFor((ev) => ev.type === 'BOOKMARK' && ev.object?.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true')
      const before = w.events.slice(0, w.events.indexOf(bookmark))
      expect(before.map((ev) => `${ev.type} ${ev.object.metadata.name}`).sort()).toEqual(['ADDED wl-1', 'ADDED wl-2'])
      expect(bookmark.object.kind).toBe('Pod')
      expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
        Math.max(...before.map((ev) => Number(ev.object.metadata.resourceVersion))),
      )
      await create(e, `/api/v1/namespaces/${ns}/pods`, pod('wl-3', ns, { wl: 'yes' }))
      const live = await w.waitFor((ev) => ev.type !== 'BOOKMARK', 20_000, w.events.indexOf(bookmark) + 1)
      expect(`${live.type} ${live.object.metadata.name}`).toBe('ADDED wl-3')
      expect(Number(live.object.metadata.resourceVersion)).toBeGreaterThan(Number(bookmark.object.metadata.resourceVersion))
    } finally {
      w.close()
    }
  })
})

describe('kubectl delete', () => {
  it('delete pod X returns promptly for an unscheduled pod and the pod is gone', async () => {
    const ns = 'w-delete'
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('victim', ns))
    await create(e, `/api/v1/namespaces/${ns}/pods`, pod('bystander', ns))
    // kubectl waits for deletion with a watch-list (sendInitialEvents=true); if the server
    // never sends the initial-events-end bookmark it hangs, so bound it well below the test timeout.
    const r = await e.kubectl(['delete', 'pod', 'victim', '-n', ns], { timeoutMs: 40_000 })
    expect(r.timedOut, `kubectl delete hung\nstderr:\n${r.stderr}`).toBe(false)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^pod "victim" deleted/m)
    const gone = await e.http('GET', `/api/v1/namespaces/${ns}/pods/victim`)
    expect(gone.status).toBe(404)
    expect(gone.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 })
    const still = await e.http('GET', `/api/v1/namespaces/${ns}/pods/bystander`)
    expect(still.status).toBe(200)
  })

  it('HTTP DELETE of a pod answers 200 with the Pod itself (pods return the deleted object, not a Status)', async () => {
    const ns = 'w-delete'
    const created = await create(e, `/api/v1/namespaces/${ns}/pods`, pod('raw-victim', ns))
    const p = `/api/v1/namespaces/${ns}/pods/raw-victim`
    const r = await e.http('DELETE', p)
    expect(r.status, describeResponse('DELETE', p, r)).toBe(200)
    expect(r.json, describeResponse('DELETE', p, r)).toMatchObject({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'raw-victim', namespace: ns, uid: created.metadata.uid },
    })
    expect((await e.http('GET', p)).status).toBe(404)
  })

  it('delete of a missing pod fails with NotFound', async () => {
    const r = await e.kubectl(['delete', 'pod', 'ghost', '-n', 'w-delete'], { timeoutMs: 40_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Error from server (NotFound): pods "ghost" not found')
  })
})
