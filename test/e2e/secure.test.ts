// `npm run start:secure` driven with the real kubectl over TLS: the CA and
// admin kubeconfig it writes, 401s for missing and wrong credentials, and
// credentials that survive a restart.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as k8s from '@kubernetes/client-node'
import { setupE2E, type E2E } from './harness'

let e: E2E
let tokenFile: string

const ok = (r: { code: number | null; stdout: string; stderr: string }, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`)
  return r.stdout
}

/** A kubeconfig for the same server and CA with another user entry. */
function kubeconfigWith(name: string, user: Record<string, string>): string {
  const admin = fs.readFileSync(e.kubeconfigPath, 'utf8')
  const server = /server: (\S+)/.exec(admin)![1]
  const ca = /certificate-authority-data: (\S+)/.exec(admin)![1]
  const file = path.join(e.tmpDir, `${name}.kubeconfig`)
  const userYaml = Object.entries(user).map(([k, v]) => `    ${k}: ${v}`).join('\n') || '    {}'
  fs.writeFileSync(file, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
    certificate-authority-data: ${ca}
users:
- name: ${name}
  user:
${userYaml}
contexts:
- name: ${name}
  context: {cluster: c, user: ${name}, namespace: default}
current-context: ${name}
`)
  return file
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'edgekube-tokens-'))
  tokenFile = path.join(dir, 'tokens.csv')
  fs.writeFileSync(tokenFile, 'viewer-token,victor,uid-victor,"viewers"\n')
  e = await setupE2E({ tls: true, tokenAuthFile: tokenFile })
})

afterAll(async () => {
  await e?.close()
  if (tokenFile) fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true })
})

describe('npm run start:secure', () => {
  it('serves https with its own CA and writes an admin kubeconfig for a system:masters user', async () => {
    expect(e.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const ca = fs.readFileSync(path.join(e.server.persistDir, 'pki/ca.crt'), 'utf8')
    expect(ca).toContain('BEGIN CERTIFICATE')
    const kc = fs.readFileSync(e.server.adminKubeconfig!, 'utf8')
    expect(kc).toContain(`server: ${e.url}`)
    expect(kc).toContain(`certificate-authority-data: ${Buffer.from(ca).toString('base64')}`)
    expect(fs.statSync(e.server.adminKubeconfig!).mode & 0o077).toBe(0)
    expect(fs.statSync(path.join(e.server.persistDir, 'pki/ca.key')).mode & 0o077).toBe(0)
    const who = ok(await e.kubectl(['auth', 'whoami', '-o', 'json']), 'auth whoami')
    expect(JSON.parse(who).status.userInfo).toMatchObject({ username: 'admin', groups: ['system:masters', 'system:authenticated'] })
  })

  it('without a credential kubectl says "You must be logged in to the server"', async () => {
    const kc = kubeconfigWith('nobody', { username: 'nobody' })
    const r = await e.kubectl(['--kubeconfig', kc, 'get', 'namespaces'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('error: You must be logged in to the server')
    const raw = await e.http('GET', '/api/v1/namespaces')
    expect(raw.status).toBe(401)
    expect(raw.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 })
  })

  it('a wrong token is a 401', async () => {
    const r = await e.kubectl(['--token', 'not-a-real-token', 'get', 'pods'])
    expect(r.stderr).toContain('error: You must be logged in to the server')
    const raw = await e.http('GET', '/api/v1/pods', undefined, { authorization: 'Bearer not-a-real-token' })
    expect(raw.status).toBe(401)
    expect(raw.text).not.toContain('not-a-real-token')
  })

  it('authenticates the tokens of EDGEKUBE_TOKEN_AUTH_FILE', async () => {
    const kc = kubeconfigWith('victor', { token: 'viewer-token' })
    const who = JSON.parse(ok(await e.kubectl(['--kubeconfig', kc, 'auth', 'whoami', '-o', 'json']), 'whoami victor'))
    expect(who.status.userInfo).toEqual({ username: 'victor', uid: 'uid-victor', groups: ['viewers', 'system:authenticated'] })
  })

  it('the admin kubeconfig creates, applies, lists, watches and deletes over TLS', async () => {
    ok(await e.kubectl(['create', 'namespace', 'sec']), 'create ns')
    ok(await e.kubectl(['-n', 'sec', 'create', 'configmap', 'c1', '--from-literal=a=1']), 'create cm')
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: sec}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n'
    ok(await e.kubectl(['apply', '-f', '-'], { input: manifest }), 'apply')
    ok(await e.kubectl(['apply', '--server-side', '-f', '-'], { input: manifest.replace('replicas: 2', 'replicas: 3') }), 'apply --server-side')
    expect(ok(await e.kubectl(['-n', 'sec', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), 'get')).toBe('3')
    const w = e.kubectlBackground(['-n', 'sec', 'get', 'configmaps', '--watch', '-o', 'name'])
    await w.waitForLine((l) => l === 'configmap/c1')
    ok(await e.kubectl(['-n', 'sec', 'create', 'configmap', 'c2']), 'create c2')
    await w.waitForLine((l) => l === 'configmap/c2')
    await w.stop()
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(e.kubeconfigPath)
    const core = kc.makeApiClient(k8s.CoreV1Api)
    const cms = await core.listNamespacedConfigMap({ namespace: 'sec' })
    expect(cms.items.map((c) => c.metadata!.name)).toEqual(expect.arrayContaining(['c1', 'c2']))
    ok(await e.kubectl(['delete', 'namespace', 'sec', '--wait=false']), 'delete ns')
  })

  it('reuses the CA, certificate and tokens after a restart', async () => {
    const pki = path.join(e.server.persistDir, 'pki')
    const before = ['ca.crt', 'apiserver.crt', 'tokens.csv'].map((f) => fs.readFileSync(path.join(pki, f), 'utf8'))
    await e.server.restart()
    const after = ['ca.crt', 'apiserver.crt', 'tokens.csv'].map((f) => fs.readFileSync(path.join(pki, f), 'utf8'))
    expect(after).toEqual(before)
    // The kubeconfig copied before the restart still works: same CA, same token.
    expect(ok(await e.kubectl(['get', 'namespace', 'kube-system', '-o', 'name']), 'get after restart')).toBe('namespace/kube-system\n')
  })
})
