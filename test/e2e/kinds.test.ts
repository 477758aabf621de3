// Every served kind in every served version through the real kubectl 1.35:
// create -f, get and describe by the fully qualified resource, explain with
// --api-version, and `get all`. The kinds come from the resource table, the
// objects from test/unit/minimal-objects.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { definitions, gvString } from '../../src/resources/registry'
import { MINIMAL } from '../unit/minimal-objects'
import { parseTable, setupE2E, type E2E } from './harness'

let e: E2E
const NS = 'every-kind'

beforeAll(async () => {
  e = await setupE2E()
  ok(await e.kubectl(['create', 'namespace', NS]), 'create namespace')
})

afterAll(async () => {
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what} failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
}

/** resource.version.group (core: resource.version.), which kubectl resolves to exactly one served version. */
const qualified = (d: { resource: string; version: string; group: string }) => `${d.resource}.${d.version}.${d.group}`

// core and events.k8s.io Events share their storage, as the HPA versions do
const nameOf = (d: { group: string; version: string; resource: string }) => `k-${d.group.split('.')[0] || 'core'}-${d.version}-${d.resource.slice(0, 20)}`

const stored = definitions().filter((d) => !d.review && !d.virtual && (d.verbs ?? ['create']).includes('create'))

describe('every served kind and version with kubectl', () => {
  it.each(stored.map((d) => [`${gvString(d)} ${d.kind}`, d] as const))('%s: create -f, get, describe, explain', async (_label, d) => {
    const name = nameOf(d)
    const obj = MINIMAL[`${gvString(d)}/${d.resource}`](name, NS)
    const objName: string = obj.metadata.name
    const ns = d.namespaced ? ['-n', NS] : []
    ok(await e.kubectl(['create', '-f', '-', ...ns], { input: JSON.stringify(obj) }), `create ${d.kind}`)

    const get = await e.kubectl(['get', qualified(d), objName, ...ns, '-o', 'json'])
    ok(get, `get ${qualified(d)}`)
    const got = JSON.parse(get.stdout)
    expect([got.apiVersion, got.kind, got.metadata.name]).toEqual([gvString(d), d.kind, objName])

    // the server's Table: a header and one row (Events have no NAME column, as on kube)
    const table = await e.kubectl(['get', qualified(d), objName, ...ns])
    ok(table, `get ${qualified(d)} (table)`)
    expect(table.stdout.trim().split('\n')).toHaveLength(2)
    const byName = await e.kubectl(['get', qualified(d), objName, ...ns, '-o', 'name'])
    ok(byName, `get ${qualified(d)} -o name`)
    expect(byName.stdout.trim()).toBe(`${d.kind.toLowerCase()}${d.group ? `.${d.group}` : ''}/${objName}`)

    const described = await e.kubectl(['describe', qualified(d), objName, ...ns])
    ok(described, `describe ${qualified(d)}`)
    expect(described.stdout).toMatch(new RegExp(`^Name:\\s+${objName.replaceAll('.', '\\.')}$`, 'm'))
    expect(described.stderr).toBe('')

    const explain = await e.kubectl(['explain', d.resource, `--api-version=${gvString(d)}`])
    ok(explain, `explain ${d.resource} --api-version=${gvString(d)}`)
    expect(explain.stdout).toMatch(new RegExp(`^KIND:\\s+${d.kind}$`, 'm'))
    expect(explain.stdout).toMatch(new RegExp(`^VERSION:\\s+${d.version}$`, 'm'))
  })

  it('explain of the kinds that are answers or act on others, never stored', async () => {
    for (const d of definitions().filter((x) => x.review || x.virtual)) {
      const r = await e.kubectl(['explain', d.resource, `--api-version=${gvString(d)}`])
      ok(r, `explain ${d.resource}`)
      expect(r.stdout).toMatch(new RegExp(`^KIND:\\s+${d.kind}$`, 'm'))
    }
  })

  it("get componentstatuses: the control plane's health, with kube's deprecation warning", async () => {
    const r = await e.kubectl(['get', 'cs'])
    ok(r, 'get cs')
    expect(r.stderr).toContain('Warning: v1 ComponentStatus is deprecated in v1.19+')
    const rows = parseTable(r.stdout)
    expect(rows.map((x) => [x.NAME, x.STATUS, x.MESSAGE])).toEqual([['scheduler', 'Healthy', 'ok'], ['controller-manager', 'Healthy', 'ok'], ['etcd-0', 'Healthy', 'ok']])
  })

  it('get all lists the "all" kinds of the namespace', async () => {
    const r = await e.kubectl(['get', 'all', '-n', NS])
    ok(r, 'get all')
    expect(r.stderr).toBe('')
    for (const d of stored.filter((x) => x.categories?.includes('all') && x.namespaced)) {
      const name = nameOf(d)
      const group = d.group ? `.${d.group}` : ''
      expect(r.stdout, `${d.resource} in\n${r.stdout}`).toContain(`${d.kind.toLowerCase()}${group}/${name}`)
    }
  })
})
