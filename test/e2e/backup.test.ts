// Backup and restore, as an operator runs them: `npm run backup` of a cluster
// with 2,000 objects of 10 kinds, `npm run restore` into a fresh server, and
// the two compared object for object with kubectl; then kubectl goes on
// working on the restored cluster, and anything that remembers a
// resourceVersion from before is told 410 rather than given wrong events.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, eventually, ROOT, setupE2E, type E2E } from './harness'

const run = promisify(execFile)
const GROUP = 'backup.example.com'
const NAMESPACES = ['team-a', 'team-b', 'team-c', 'team-d']
const PER_KIND = 200
/** The 10 kinds, with what makes one of each; no controller rewrites these, so both clusters hold them as written. */
const KINDS: { resource: string; collection: (ns: string) => string; make: (name: string, ns: string, i: number) => unknown; clusterScoped?: boolean }[] = [
  { resource: 'configmaps', collection: (ns) => `/api/v1/namespaces/${ns}/configmaps`, make: (name, ns, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { i: String(i % 7) } }, data: { i: String(i) } }) },
  { resource: 'secrets', collection: (ns) => `/api/v1/namespaces/${ns}/secrets`, make: (name, ns, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: { password: `p${i}` } }) },
  { resource: 'serviceaccounts', collection: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`, make: (name, ns) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } }) },
  { resource: 'podtemplates', collection: (ns) => `/api/v1/namespaces/${ns}/podtemplates`, make: (name, ns) => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name, namespace: ns }, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } }) },
  { resource: 'roles.rbac.authorization.k8s.io', collection: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, make: (name, ns) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: ns }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }) },
  { resource: 'rolebindings.rbac.authorization.k8s.io', collection: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, make: (name, ns) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'User', name: `user-${name}` }] }) },
  { resource: 'networkpolicies.networking.k8s.io', collection: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, make: (name, ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { app: name } }, policyTypes: ['Ingress'] } }) },
  { resource: 'leases.coordination.k8s.io', collection: (ns) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, make: (name, ns) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec: { holderIdentity: name, leaseDurationSeconds: 30 } }) },
  { resource: 'priorityclasses.scheduling.k8s.io', clusterScoped: true, collection: () => '/apis/scheduling.k8s.io/v1/priorityclasses', make: (name, _ns, i) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000 + i }) },
  { resource: `widgets.${GROUP}`, collection: (ns) => `/apis/${GROUP}/v1/namespaces/${ns}/widgets`, make: (name, ns, i) => ({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: ns }, spec: { size: i, nested: { list: [i, String(i), { deep: true }] } } }) },
]
const KIND_LIST = KINDS.map((k) => k.resource).join(',')

let a: E2E
let b: E2E

function npm(script: string, args: string[]) {
  return run('node', [path.join(ROOT, 'scripts', `${script}.mjs`), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
}

/** Many requests at once, a few at a time. */
async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>) {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]) }))
}

interface Obj { kind: string; metadata: { name: string; namespace?: string; uid: string; resourceVersion: string; ownerReferences?: { uid: string }[] } }

async function getAll(e: E2E): Promise<Map<string, Obj>> {
  const r = await e.kubectl(['get', KIND_LIST, '-A', '-o', 'json'], { timeoutMs: 120_000 })
  expect(r.code, r.stderr).toBe(0)
  const items = (JSON.parse(r.stdout) as { items: Obj[] }).items
  return new Map(items.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]))
}

beforeAll(async () => {
  ;[a, b] = await Promise.all([setupE2E(), setupE2E()])
  await create(a, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${GROUP}` },
    spec: { group: GROUP, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }] },
  })
  for (const ns of NAMESPACES) await create(a, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
  await eventually(async () => (await a.http('GET', `/apis/${GROUP}/v1/widgets`)).status === 200, 30_000, 'widgets served')
  const work: { k: (typeof KINDS)[number]; i: number }[] = []
  for (const k of KINDS) for (let i = 0; i < PER_KIND; i++) work.push({ k, i })
  await pool(work, 16, async ({ k, i }) => {
    const ns = NAMESPACES[i % NAMESPACES.length]
    const r = await a.http('POST', k.collection(ns), k.make(`${k.resource.split('.')[0]}-${i}`, ns, i))
    if (r.status !== 201) throw new Error(`create ${k.resource} ${i}: ${r.status} ${r.text.slice(0, 200)}`)
  })
  // ownerReferences across kinds: each ConfigMap owned by the Secret of its number
  await pool(Array.from({ length: PER_KIND }, (_, i) => i), 16, async (i) => {
    const ns = NAMESPACES[i % NAMESPACES.length]
    const owner = (await a.http('GET', `/api/v1/namespaces/${ns}/secrets/secrets-${i}`)).json as Obj
    const r = await a.http('PATCH', `/api/v1/namespaces/${ns}/configmaps/configmaps-${i}`, { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name, uid: owner.metadata.uid }] } }, { 'content-type': 'application/merge-patch+json' })
    if (r.status !== 200) throw new Error(`owner patch ${i}: ${r.status} ${r.text.slice(0, 200)}`)
  })
}, 300_000)

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()])
})

describe('backup and restore', () => {
  let before: Map<string, Obj>
  let backupFile: string
  let backupRv: number

  it('npm run backup writes every object at one resourceVersion and says what it did', async () => {
    before = await getAll(a)
    // the 2,000 made here, and what the server keeps of these kinds itself (service accounts, root CA config maps, system roles)
    expect([...before.values()].filter((o) => NAMESPACES.includes(o.metadata.namespace ?? '') || o.kind === 'PriorityClass').length).toBeGreaterThanOrEqual(KINDS.length * PER_KIND)
    backupFile = path.join(a.tmpDir, 'cluster.backup')
    const { stdout, stderr } = await npm('backup', ['--server', a.url, '--out', backupFile])
    expect(stderr).toMatch(/backup: shard cluster at resourceVersion \d+: [\d,]+ objects/)
    const m = /backup: wrote .*: shard cluster, ([\d,]+) objects at resourceVersion (\d+)/.exec(stdout)
    expect(m, stdout).not.toBeNull()
    backupRv = Number(m![2])
    const lines = fs.readFileSync(backupFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ kind: 'Backup', apiVersion: 'edgekube.dev/v1' })
    const objects = lines.filter((l) => l.key)
    expect(objects.length).toBe(Number(m![1].replace(/,/g, '')))
    // more than the 2,000: the namespaces, the CRD, RBAC defaults and what controllers made are in it too
    expect(objects.length).toBeGreaterThan(KINDS.length * PER_KIND)
    expect(objects.every((o) => Number(o.resourceVersion) <= backupRv && o.object.metadata.resourceVersion === o.resourceVersion)).toBe(true)
    // a write after the backup is not in it
    await create(a, '/api/v1/namespaces/team-a/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-backup' } })
    expect(fs.readFileSync(backupFile, 'utf8')).not.toContain('after-backup')
  }, 120_000)

  it('npm run restore refuses a cluster with namespaces of its own, and a file that is no backup', async () => {
    await create(b, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mine' } })
    await expect(npm('restore', ['--server', b.url, '--in', backupFile])).rejects.toMatchObject({ stderr: expect.stringContaining('is not empty (namespaces mine)') })
    const bogus = path.join(b.tmpDir, 'bogus.backup')
    fs.writeFileSync(bogus, '{"kind":"ConfigMap"}\n')
    await expect(npm('restore', ['--server', b.url, '--in', bogus, '--force'])).rejects.toMatchObject({ stderr: expect.stringContaining('is not an edgekube backup') })
    // a truncated backup stages but never commits: nothing changes
    const truncated = path.join(b.tmpDir, 'truncated.backup')
    fs.writeFileSync(truncated, fs.readFileSync(backupFile, 'utf8').split('\n').slice(0, 500).join('\n') + '\n')
    await expect(npm('restore', ['--server', b.url, '--in', truncated, '--force'])).rejects.toMatchObject({ stderr: expect.stringContaining('the backup is incomplete') })
    expect((await b.http('GET', '/api/v1/namespaces/mine')).status).toBe(200)
    expect((await b.http('GET', '/api/v1/namespaces/team-a')).status).toBe(404)
  }, 120_000)

  it('npm run restore into a fresh server brings back every object, uid, resourceVersion and ownerReference', async () => {
    const oldRv = (await b.http('GET', '/api/v1/namespaces')).json as { metadata: { resourceVersion: string } }
    const watcher = b.watch(`/api/v1/namespaces?watch=true&resourceVersion=${oldRv.metadata.resourceVersion}`)
    const { stdout, stderr } = await npm('restore', ['--server', b.url, '--in', backupFile, '--force'])
    expect(stdout).toContain(`restored into ${b.url}`)
    expect(stderr).toMatch(/objects staged/)
    const after = await getAll(b)
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
    const differ = [...before].filter(([k, o]) => JSON.stringify(after.get(k)) !== JSON.stringify(o)).map(([k]) => k)
    expect(differ).toEqual([])
    // resourceVersion order is the original order
    const order = (m: Map<string, Obj>) => [...m.values()].sort((x, y) => Number(x.metadata.resourceVersion) - Number(y.metadata.resourceVersion)).map((o) => o.metadata.uid)
    expect(order(after)).toEqual(order(before))
    const owned = [...after.values()].filter((o) => o.kind === 'ConfigMap')
    expect(owned.every((o) => o.metadata.ownerReferences?.[0].uid === before.get(`Secret ${o.metadata.namespace}/secrets-${o.metadata.name.split('-')[1]}`)?.metadata.uid)).toBe(true)
    // the server's own state from before the restore is gone
    expect((await b.http('GET', '/api/v1/namespaces/mine')).status).toBe(404)
    // a watcher of the replaced state is told 410, not given events of another history
    const ev = await watcher.waitFor((x) => x.type === 'ERROR', 20_000)
    expect((ev.object as { code: number }).code).toBe(410)
    expect(watcher.events.filter((x) => x.type !== 'ERROR')).toEqual([])
    watcher.close()
  }, 180_000)

  it('resourceVersions from before the restore are 410 for lists and watches; kubectl goes on working', async () => {
    const list = await b.http('GET', `/api/v1/configmaps?resourceVersion=${backupRv - 1}&resourceVersionMatch=Exact`)
    expect(list.status).toBe(410)
    const w = b.watch(`/api/v1/namespaces/team-a/configmaps?watch=true&resourceVersion=${backupRv - 1}`)
    const ev = await w.waitFor((x) => x.type === 'ERROR', 20_000)
    expect(w.events.filter((x) => x.type !== 'ERROR')).toEqual([])
    expect((ev.object as { code: number }).code).toBe(410)
    w.close()
    const current = Number(((await b.http('GET', '/api/v1/namespaces')).json as { metadata: { resourceVersion: string } }).metadata.resourceVersion)
    expect(current).toBeGreaterThan(backupRv)

    expect((await b.kubectl(['create', 'configmap', 'after-restore', '-n', 'team-a', '--from-literal=a=b'])).code).toBe(0)
    expect((await b.kubectl(['label', 'configmap', 'configmaps-0', '-n', 'team-a', 'restored=yes'])).code).toBe(0)
    expect((await b.kubectl(['delete', 'secret', 'secrets-0', '-n', 'team-a', '--wait=true'])).code).toBe(0)
    // the garbage collector follows the restored ownerReference
    await eventually(async () => (await b.http('GET', '/api/v1/namespaces/team-a/configmaps/configmaps-0')).status === 404, 30_000, 'configmaps-0 collected with its owner')
    const cm = await b.kubectl(['get', 'configmap', 'after-restore', '-n', 'team-a', '-o', 'jsonpath={.metadata.resourceVersion}'])
    expect(Number(cm.stdout)).toBeGreaterThan(current)
    const widgets = await b.kubectl(['get', 'widgets', '-A', '--no-headers'])
    expect(widgets.stdout.trim().split('\n').length).toBe(PER_KIND)
  }, 120_000)

  it('point-in-time recovery says plainly that a local runtime keeps no bookmarks, and checks what it is asked', async () => {
    const bookmark = await b.http('GET', '/admin/v1/shards/cluster/bookmark')
    expect(bookmark.status).toBe(400)
    expect((bookmark.json as { message: string }).message).toContain('keeps no bookmarks')
    const restore = (body: unknown) => b.http('POST', '/admin/v1/shards/cluster/point-in-time-restore', body)
    expect(((await restore({ time: 'yesterday' })).json as { message: string }).message).toContain('RFC 3339')
    expect(((await restore({ time: new Date(Date.now() + 3_600_000).toISOString() })).json as { message: string }).message).toContain('in the future')
    expect((await b.http('GET', '/admin/v1/shards/elsewhere/bookmark')).status).toBe(404)
    // nothing was restored
    expect((await b.http('GET', '/api/v1/namespaces/team-a/configmaps/after-restore')).status).toBe(200)
  })
})
