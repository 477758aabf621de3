// @kubernetes/client-node 1.4: CoreV1Api CRUD (409 on a stale resourceVersion, Status on
// delete) and makeInformer (ordered add/update/delete; relist after 410 Expired).
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNamespace, eventually, setupE2E, summarize, type E2E } from './harness'

type CM = k8s.V1ConfigMap

function cm(name: string, data: Record<string, string>): CM {
  // client-node sends exactly this body: no apiVersion/kind (the server takes them from the URL).
  return { metadata: { name }, data }
}

async function apiError(p: Promise<unknown>): Promise<k8s.ApiException<unknown>> {
  try {
    await p
  } catch (err) {
    if (err instanceof k8s.ApiException) return err
    throw err
  }
  throw new Error('expected the call to fail with an ApiException')
}

function statusOf(err: k8s.ApiException<unknown>) {
  const b = err.body
  return typeof b === 'string' ? JSON.parse(b) : b
}

describe('client-node against the default history settings', () => {
  let e: E2E
  let core: k8s.CoreV1Api

  beforeAll(async () => {
    e = await setupE2E()
    core = e.kubeConfig().makeApiClient(k8s.CoreV1Api)
    await createNamespace(e, 'crud')
    await createNamespace(e, 'inf')
  })

  afterAll(async () => {
    await e?.close()
  })

  it('CoreV1Api create / read / replace / stale replace (409) / delete (Status Success)', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'crud', body: cm('cn-cm', { a: '1' }) })
    expect(created.kind).toBe('ConfigMap')
    expect(created.apiVersion).toBe('v1')
    expect(created.metadata?.namespace).toBe('crud')
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/)
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date)

    const dup = await apiError(core.createNamespacedConfigMap({ namespace: 'crud', body: cm('cn-cm', { a: 'x' }) }))
    expect(dup.code).toBe(409)
    expect(statusOf(dup)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409 })

    const read = await core.readNamespacedConfigMap({ name: 'cn-cm', namespace: 'crud' })
    expect(read.metadata?.uid).toBe(created.metadata?.uid)
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion)
    expect(read.data).toEqual({ a: '1' })

    // client-node echoes creationTimestamp with milliseconds; the server must accept that.
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'cn-cm',
      namespace: 'crud',
      body: { ...read, data: { a: '2' } },
    })
    expect(replaced.data).toEqual({ a: '2' })
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid)
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion))

    // Replace again with the resourceVersion we read before the first replace.
    const stale = await apiError(
      core.replaceNamespacedConfigMap({ name: 'cn-cm', namespace: 'crud', body: { ...read, data: { a: 'stale' } } }),
    )
    expect(stale.code).toBe(409)
    expect(statusOf(stale)).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 })
    expect((await core.readNamespacedConfigMap({ name: 'cn-cm', namespace: 'crud' })).data).toEqual({ a: '2' })

    const del = await core.deleteNamespacedConfigMap({ name: 'cn-cm', namespace: 'crud' })
    expect(del.kind).toBe('Status')
    expect(del.status).toBe('Success')
    expect(del.details?.name).toBe('cn-cm')

    const gone = await apiError(core.readNamespacedConfigMap({ name: 'cn-cm', namespace: 'crud' }))
    expect(gone.code).toBe(404)
    expect(statusOf(gone)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 })
  })

  it('makeInformer sees every create/update/delete, in order', async () => {
    await core.createNamespacedConfigMap({ namespace: 'inf', body: cm('pre', { p: '0' }) })
    const seen: string[] = []
    const errors: unknown[] = []
    const fmt = (verb: string, o: CM) => `${verb} ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`
    const informer = k8s.makeInformer<CM>(e.kubeConfig(), '/api/v1/namespaces/inf/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'inf' }),
    )
    // The namespace's own kube-root-ca.crt is not part of this story.
    const mine = (o: CM) => o.metadata?.name !== 'kube-root-ca.crt'
    informer.on('add', (o) => mine(o) && seen.push(fmt('add', o)))
    informer.on('update', (o) => mine(o) && seen.push(fmt('update', o)))
    informer.on('delete', (o) => mine(o) && seen.push(fmt('delete', o)))
    informer.on('error', (err) => errors.push(err))
    await informer.start()
    try {
      await eventually(() => seen.length >= 1, 20_000, 'the initial list')
      const a = await core.createNamespacedConfigMap({ namespace: 'inf', body: cm('a', { k: '1' }) })
      await core.replaceNamespacedConfigMap({ name: 'a', namespace: 'inf', body: { ...a, data: { k: '2' } } })
      await core.createNamespacedConfigMap({ namespace: 'inf', body: cm('b', { k: 'x' }) })
      await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'inf' })
      await core.createNamespacedConfigMap({ namespace: 'inf', body: cm('c', { k: 'y' }) })
      await core.deleteNamespacedConfigMap({ name: 'b', namespace: 'inf' })
      await eventually(() => seen.length >= 7, 20_000, `7 informer events (have ${JSON.stringify(seen)})`)
      expect(errors).toEqual([])
      expect(seen).toEqual([
        'add pre {"p":"0"}',
        'add a {"k":"1"}',
        'update a {"k":"2"}',
        'add b {"k":"x"}',
        'delete a {"k":"2"}',
        'add c {"k":"y"}',
        'delete b {"k":"x"}',
      ])
      expect(informer.list('inf').map((o) => o.metadata?.name).sort()).toEqual(['c', 'kube-root-ca.crt', 'pre'])
    } finally {
      await informer.stop()
    }
  })
})

describe('client-node after history compaction (410 Expired)', () => {
  // Short history retention, so that an early resourceVersion is compacted quickly.
  let e: E2E
  let core: k8s.CoreV1Api

  beforeAll(async () => {
    e = await setupE2E({ vars: { EDGEKUBE_HISTORY_SECONDS: '1', EDGEKUBE_HISTORY_MIN_EVENTS: '1' } })
    core = e.kubeConfig().makeApiClient(k8s.CoreV1Api)
    await createNamespace(e, 'old')
  })

  afterAll(async () => {
    await e?.close()
  })

  it('a watch from a compacted resourceVersion is 410 Expired, and an informer relists and recovers', async () => {
    const first = await core.createNamespacedConfigMap({ namespace: 'old', body: cm('c0', { n: '0' }) })
    const oldRV = first.metadata!.resourceVersion!
    for (let i = 1; i <= 5; i++) await core.createNamespacedConfigMap({ namespace: 'old', body: cm(`c${i}`, { n: String(i) }) })

    // Keep writing (compaction may run on writes) until the old resourceVersion is reported as too old.
    let n = 0
    const expired = await eventually(
      async () => {
        await core.createNamespacedConfigMap({ namespace: 'old', body: cm(`filler-${n++}`, {}) })
        const w = e.watch(`/api/v1/namespaces/old/configmaps?watch=1&resourceVersion=${oldRV}`)
        try {
          const status = await w.status
          if (status === 410) return { how: 'http', status }
          if (status !== 200) throw new Error(`watch status ${status}`)
          const ev = await w.waitFor(() => true, 5_000)
          if (ev.type === 'ERROR' && ev.object?.code === 410) {
            expect(ev.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 })
            // kube-apiserver ends the stream after the ERROR event.
            await w.ended
            return { how: 'event', status }
          }
          return false // still replaying history: not compacted yet
        } finally {
          w.close()
        }
      },
      25_000,
      `a 410 for a watch from resourceVersion ${oldRV} (EDGEKUBE_HISTORY_SECONDS=1)`,
    )
    expect(['http', 'event']).toContain(expired.how)

    // An informer whose first list claims the compacted resourceVersion: its watch gets 410,
    // it must relist (second listFn call) and deliver the current objects.
    let listCalls = 0
    const seen: string[] = []
    const errors: unknown[] = []
    const informer = k8s.makeInformer<CM>(e.kubeConfig(), '/api/v1/namespaces/old/configmaps', async () => {
      listCalls++
      if (listCalls === 1) {
        return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: oldRV }, items: [] } as k8s.V1ConfigMapList
      }
      return core.listNamespacedConfigMap({ namespace: 'old' })
    })
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`))
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name}`))
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`))
    informer.on('error', (err) => errors.push(err))
    await informer.start()
    try {
      await eventually(() => listCalls >= 2, 20_000, 'the informer to relist after 410')
      await eventually(() => seen.includes('add c5'), 20_000, `the relisted objects (have ${JSON.stringify(seen)})`)
      for (let i = 0; i <= 5; i++) expect(seen).toContain(`add c${i}`)
      // And it keeps watching after the relist.
      await core.createNamespacedConfigMap({ namespace: 'old', body: cm('after-410', { ok: 'yes' }) })
      await eventually(() => seen.includes('add after-410'), 20_000, `the post-relist event (have ${JSON.stringify(seen)})`)
      expect(errors.map(String)).toEqual([])
      expect(informer.get('after-410', 'old')?.data).toEqual({ ok: 'yes' })
    } finally {
      await informer.stop()
    }
  })

  it('a watch from the current resourceVersion is never 410', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'old' })
    const rv = list.metadata!.resourceVersion!
    const w = e.watch(`/api/v1/namespaces/old/configmaps?watch=1&resourceVersion=${rv}`)
    try {
      expect(await w.status).toBe(200)
      await core.createNamespacedConfigMap({ namespace: 'old', body: cm('fresh', {}) })
      const ev = await w.waitFor((x) => x.type !== 'BOOKMARK')
      expect(summarize(ev)).toMatch(/^ADDED fresh /)
    } finally {
      w.close()
    }
  })
})
