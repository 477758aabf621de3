// kubectl 1.35 read paths against a real `wrangler dev`: discovery, Tables, selectors,
// chunking, describe, raw GETs. Objects are created with plain HTTP POSTs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, describeResponse, eventually, namespace, parseTable, pod, setupE2E, type E2E } from './harness'

let e: E2E

beforeAll(async () => {
  e = await setupE2E()
})

afterAll(async () => {
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what} failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
}

describe('discovery and server endpoints', () => {
  it('kubectl get ns lists the four system namespaces as Active', async () => {
    const r = await e.kubectl(['get', 'ns'])
    ok(r, 'kubectl get ns')
    const rows = parseTable(r.stdout)
    expect(Object.keys(rows[0] ?? {})).toEqual(['NAME', 'STATUS', 'AGE'])
    const byName = new Map(rows.map((x) => [x.NAME, x]))
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      expect(byName.get(ns)?.STATUS, `namespace ${ns} in\n${r.stdout}`).toBe('Active')
    }
  })

  it('kubectl api-resources shows pods, deployments and nodes with short names, group/version, scope and kind', async () => {
    const r = await e.kubectl(['api-resources'])
    ok(r, 'kubectl api-resources')
    const rows = parseTable(r.stdout)
    expect(Object.keys(rows[0] ?? {})).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'])
    const find = (name: string, gv: string) => rows.find((x) => x.NAME === name && x.APIVERSION === gv)
    expect(find('pods', 'v1'), r.stdout).toEqual({ NAME: 'pods', SHORTNAMES: 'po', APIVERSION: 'v1', NAMESPACED: 'true', KIND: 'Pod' })
    expect(find('deployments', 'apps/v1'), r.stdout).toEqual({
      NAME: 'deployments',
      SHORTNAMES: 'deploy',
      APIVERSION: 'apps/v1',
      NAMESPACED: 'true',
      KIND: 'Deployment',
    })
    expect(find('nodes', 'v1'), r.stdout).toEqual({ NAME: 'nodes', SHORTNAMES: 'no', APIVERSION: 'v1', NAMESPACED: 'false', KIND: 'Node' })
    expect(find('namespaces', 'v1')?.NAMESPACED, r.stdout).toBe('false')
  })

  it('kubectl api-versions includes v1, apps/v1 and batch/v1', async () => {
    const r = await e.kubectl(['api-versions'])
    ok(r, 'kubectl api-versions')
    const versions = r.stdout.split('\n').map((l) => l.trim())
    expect(versions).toEqual(expect.arrayContaining(['v1', 'apps/v1', 'batch/v1']))
  })

  it('kubectl get --raw /api/v1 is the core APIResourceList', async () => {
    const r = await e.kubectl(['get', '--raw', '/api/v1'])
    ok(r, 'kubectl get --raw /api/v1')
    const list = JSON.parse(r.stdout)
    expect(list.kind).toBe('APIResourceList')
    expect(list.groupVersion).toBe('v1')
    const pods = list.resources.find((x: { name: string }) => x.name === 'pods')
    expect(pods).toMatchObject({ name: 'pods', namespaced: true, kind: 'Pod' })
    expect(pods.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'watch']))
    expect(pods.shortNames).toEqual(['po'])
  })

  it('GET /api is APIVersions with serverAddressByClientCIDRs', async () => {
    const r = await e.http('GET', '/api')
    expect(r.status, describeResponse('GET', '/api', r)).toBe(200)
    expect(r.json.kind).toBe('APIVersions')
    expect(r.json.versions).toEqual(['v1'])
    expect(Array.isArray(r.json.serverAddressByClientCIDRs), r.text).toBe(true)
    expect(r.json.serverAddressByClientCIDRs.length).toBeGreaterThan(0)
    for (const a of r.json.serverAddressByClientCIDRs) {
      expect(typeof a.clientCIDR).toBe('string')
      expect(typeof a.serverAddress).toBe('string')
    }
  })

  it('GET /version has integer-string major/minor and a v1.35 gitVersion', async () => {
    const r = await e.http('GET', '/version')
    expect(r.status, describeResponse('GET', '/version', r)).toBe(200)
    expect(r.json.major).toMatch(/^\d+$/)
    expect(r.json.minor).toMatch(/^\d+$/)
    expect(r.json.major).toBe('1')
    expect(r.json.minor).toBe('35')
    expect(r.json.gitVersion).toMatch(/^v1\.35\./)
    const v = await e.kubectl(['version', '-o', 'json'])
    ok(v, 'kubectl version')
    expect(JSON.parse(v.stdout).serverVersion?.gitVersion).toBe(r.json.gitVersion)
  })

  it('the kubernetes Service exists in default with a ClusterIP', async () => {
    const r = await e.kubectl(['get', 'svc', 'kubernetes'])
    ok(r, 'kubectl get svc kubernetes')
    const rows = parseTable(r.stdout)
    expect(Object.keys(rows[0] ?? {})).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'])
    expect(rows).toHaveLength(1)
    expect(rows[0].NAME).toBe('kubernetes')
    expect(rows[0].TYPE).toBe('ClusterIP')
    expect(rows[0]['CLUSTER-IP']).toMatch(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/)
    expect(rows[0]['EXTERNAL-IP']).toBe('<none>')
    expect(rows[0]['PORT(S)']).toBe('443/TCP')
  })

  it('a new namespace gets the default ServiceAccount and kube-root-ca.crt (over TLS: the serving CA)', async () => {
    ok(await e.kubectl(['create', 'namespace', 'sa-check']), 'create namespace')
    const account = await eventually(async () => parseTable((await e.kubectl(['-n', 'sa-check', 'get', 'serviceaccounts'])).stdout).find((r) => r.NAME === 'default'), 30_000, 'the default ServiceAccount')
    expect(account.NAME).toBe('default')
    const bundle = await eventually(async () => {
      const r = await e.kubectl(['-n', 'sa-check', 'get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}'])
      return r.code === 0 && r.stdout.includes('BEGIN CERTIFICATE') ? r.stdout : undefined
    }, 30_000, 'kube-root-ca.crt')
    if (e.server.ca) expect(bundle.trim()).toBe(e.server.ca.trim())
    ok(await e.kubectl(['delete', 'namespace', 'sa-check', '--wait=false']), 'delete namespace')
  })
})

describe('pods created over HTTP', () => {
  const defaultPods = ['db-1', 'web-1', 'web-2']
  const teamPods = ['batch-0', 'batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-5', 'web-a']

  beforeAll(async () => {
    await create(e, '/api/v1/namespaces', namespace('team-a'))
    await create(e, '/api/v1/namespaces/default/pods', pod('web-1', 'default', { app: 'web', tier: 'frontend' }))
    await create(e, '/api/v1/namespaces/default/pods', pod('web-2', 'default', { app: 'web' }))
    await create(e, '/api/v1/namespaces/default/pods', pod('db-1', 'default', { app: 'db' }))
    for (let i = 0; i < 6; i++) await create(e, '/api/v1/namespaces/team-a/pods', pod(`batch-${i}`, 'team-a', { app: 'batch' }))
    await create(e, '/api/v1/namespaces/team-a/pods', pod('web-a', 'team-a', { app: 'web' }))
  })

  it('GET /api/v1/pods is a PodList across namespaces', async () => {
    const r = await e.http('GET', '/api/v1/pods')
    expect(r.status, describeResponse('GET', '/api/v1/pods', r)).toBe(200)
    expect(r.json.kind).toBe('PodList')
    expect(r.json.apiVersion).toBe('v1')
    expect(r.json.metadata.resourceVersion).toMatch(/^\d+$/)
    const names = r.json.items.map((p: { metadata: { namespace: string; name: string } }) => `${p.metadata.namespace}/${p.metadata.name}`)
    expect(names.sort()).toEqual([...defaultPods.map((n) => `default/${n}`), ...teamPods.map((n) => `team-a/${n}`)].sort())
  })

  it('get pods -o wide prints the real pod columns', async () => {
    const r = await e.kubectl(['get', 'pods', '-o', 'wide'])
    ok(r, 'kubectl get pods -o wide')
    const header = r.stdout.split('\n')[0]
    expect(header.trim().split(/\s{2,}/)).toEqual([
      'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES',
    ])
    const rows = parseTable(r.stdout)
    expect(rows.map((x) => x.NAME).sort()).toEqual(defaultPods)
    const web1 = rows.find((x) => x.NAME === 'web-1')!
    expect(web1).toMatchObject({ READY: '0/1', STATUS: 'Pending', RESTARTS: '0', NODE: '<none>' })
    expect(web1.AGE).toMatch(/^\d+[smhd]/)
  })

  it('get pods -A adds a NAMESPACE column filled from each row', async () => {
    const r = await e.kubectl(['get', 'pods', '-A'])
    ok(r, 'kubectl get pods -A')
    const rows = parseTable(r.stdout)
    expect(Object.keys(rows[0] ?? {})).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    const seen = rows.map((x) => `${x.NAMESPACE}/${x.NAME}`).sort()
    expect(seen).toEqual([...defaultPods.map((n) => `default/${n}`), ...teamPods.map((n) => `team-a/${n}`)].sort())
  })

  it('get pods -l app=web filters by label (namespaced and -A)', async () => {
    const r = await e.kubectl(['get', 'pods', '-l', 'app=web'])
    ok(r, 'kubectl get pods -l app=web')
    expect(parseTable(r.stdout).map((x) => x.NAME).sort()).toEqual(['web-1', 'web-2'])

    const all = await e.kubectl(['get', 'pods', '-A', '-l', 'app=web,tier!=frontend'])
    ok(all, 'kubectl get pods -A -l app=web,tier!=frontend')
    expect(parseTable(all.stdout).map((x) => `${x.NAMESPACE}/${x.NAME}`).sort()).toEqual(['default/web-2', 'team-a/web-a'])

    const show = await e.kubectl(['get', 'pod', 'web-1', '--show-labels'])
    ok(show, 'kubectl get pod web-1 --show-labels')
    expect(parseTable(show.stdout)[0]?.LABELS).toBe('app=web,tier=frontend')
  })

  it('get pods -l with set-based selectors (in, notin, exists, !exists)', async () => {
    const cases: [string, string[]][] = [
      ['app in (web,db)', ['db-1', 'web-1', 'web-2']],
      ['app notin (web)', ['db-1']],
      ['tier', ['web-1']],
      ['!tier', ['db-1', 'web-2']],
      ['app=web,tier=frontend', ['web-1']],
    ]
    for (const [sel, want] of cases) {
      const r = await e.kubectl(['get', 'pods', '-l', sel, '-o', 'name'])
      ok(r, `kubectl get pods -l '${sel}'`)
      expect(r.stdout.split('\n').filter(Boolean).sort(), sel).toEqual(want.map((n) => `pod/${n}`))
    }
  })

  it('get pods --field-selector metadata.name / status.phase', async () => {
    const byName = await e.kubectl(['get', 'pods', '--field-selector', 'metadata.name=web-2'])
    ok(byName, 'field-selector metadata.name=web-2')
    expect(parseTable(byName.stdout).map((x) => x.NAME)).toEqual(['web-2'])

    const pending = await e.kubectl(['get', 'pods', '--field-selector', 'status.phase=Pending'])
    ok(pending, 'field-selector status.phase=Pending')
    expect(parseTable(pending.stdout).map((x) => x.NAME).sort()).toEqual(defaultPods)

    const running = await e.kubectl(['get', 'pods', '--field-selector', 'status.phase=Running'])
    ok(running, 'field-selector status.phase=Running')
    expect(running.stdout.trim()).toBe('')
    expect(running.stderr).toContain('No resources found in default namespace.')
  })

  it('an unknown field selector is a 400 BadRequest', async () => {
    const r = await e.kubectl(['get', 'pods', '--field-selector', 'spec.bogus=x'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Error from server (BadRequest)')
    expect(r.stderr).toContain('spec.bogus')
  })

  it('paged raw lists: limit/continue, remainingItemCount, one resourceVersion for all pages', async () => {
    const base = '/api/v1/namespaces/team-a/pods'
    const names: string[] = []
    let url = `${base}?limit=3`
    let firstRV: string | undefined
    let pages = 0
    for (;;) {
      const r = await e.http('GET', url)
      expect(r.status, describeResponse('GET', url, r)).toBe(200)
      expect(r.json.kind).toBe('PodList')
      expect(r.json.items.length).toBeLessThanOrEqual(3)
      names.push(...r.json.items.map((p: { metadata: { name: string } }) => p.metadata.name))
      firstRV ??= r.json.metadata.resourceVersion
      expect(r.json.metadata.resourceVersion, `page ${pages + 1}`).toBe(firstRV)
      pages++
      const cont = r.json.metadata.continue
      if (!cont) {
        expect(r.json.metadata.remainingItemCount).toBeUndefined()
        break
      }
      expect(r.json.metadata.remainingItemCount, describeResponse('GET', url, r)).toBe(teamPods.length - names.length)
      url = `${base}?limit=3&continue=${encodeURIComponent(cont)}`
      if (pages > 10) throw new Error('too many pages')
    }
    expect(pages).toBe(3)
    expect(names).toEqual(teamPods) // each pod once, in key order
  })

  it('get pods --chunk-size=2 pages with continue tokens and returns every pod once', async () => {
    const r = await e.kubectl(['get', 'pods', '-n', 'team-a', '--chunk-size=2', '-v=6'])
    ok(r, 'kubectl get pods --chunk-size=2')
    const lines = r.stdout.split('\n').filter((l) => l.trim())
    expect(lines.filter((l) => l.startsWith('NAME '))).toHaveLength(1)
    const names = parseTable(r.stdout).map((x) => x.NAME)
    expect(names.sort()).toEqual(teamPods)
    // The requests kubectl logged at -v=6: the first page, then continued pages.
    expect(r.stderr).toMatch(/pods\?limit=2/)
    expect(r.stderr).toMatch(/continue=[^&\s"]+&limit=2/)
  })

  it('get pods -o json is a List of Pods; the raw collection is a PodList', async () => {
    const r = await e.kubectl(['get', 'pods', '-o', 'json'])
    ok(r, 'kubectl get pods -o json')
    const list = JSON.parse(r.stdout)
    expect(list.kind).toBe('List')
    expect(list.items.map((p: { kind: string }) => p.kind)).toEqual(['Pod', 'Pod', 'Pod'])
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(defaultPods)
    const web1 = list.items.find((p: { metadata: { name: string } }) => p.metadata.name === 'web-1')
    expect(web1.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(web1.metadata.resourceVersion).toMatch(/^\d+$/)
    expect(web1.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(web1.status.phase).toBe('Pending')

    const raw = await e.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods'])
    ok(raw, 'kubectl get --raw .../pods')
    expect(JSON.parse(raw.stdout).kind).toBe('PodList')
  })

  it('get pod -o yaml / jsonpath read the single object', async () => {
    const r = await e.kubectl(['get', 'pod', 'web-1', '-o', 'jsonpath={.metadata.labels.tier} {.spec.containers[0].image}'])
    ok(r, 'kubectl get pod -o jsonpath')
    expect(r.stdout).toBe('frontend nginx:1.27')
  })

  it('describe pod prints Name, Namespace, Labels and Containers', async () => {
    const r = await e.kubectl(['describe', 'pod', 'web-1'])
    ok(r, 'kubectl describe pod web-1')
    expect(r.stdout).toMatch(/^Name:\s+web-1$/m)
    expect(r.stdout).toMatch(/^Namespace:\s+default$/m)
    expect(r.stdout).toMatch(/^Labels:\s+app=web$/m)
    expect(r.stdout).toMatch(/^Status:\s+Pending$/m)
    expect(r.stdout).toMatch(/^Containers:$/m)
    expect(r.stdout).toMatch(/^ {2}app:$/m)
    expect(r.stdout).toMatch(/^ {4}Image:\s+nginx:1\.27$/m)
  })

  it('get pod nope fails with NotFound', async () => {
    const r = await e.kubectl(['get', 'pod', 'nope'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Error from server (NotFound): pods "nope" not found')
  })
})
