// `npm run start:secure` driven with the real kubectl over TLS: the CA and
// admin kubeconfig it writes, 401s for missing and wrong credentials, and
// credentials that survive a restart.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as k8s from '@kubernetes/client-node'
import { SignJWT, decodeJwt, importJWK } from 'jose'
import { execFileSync } from 'node:child_process'
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { ROOT, eventually, httpRequest, parseTable, setupE2E, type E2E } from './harness'
import { startAgent } from './agent'

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
  // One line made the way the README tells operators to: scripts/kubeconfig.mjs token.
  const made = execFileSync(process.execPath, [path.join(ROOT, 'scripts/kubeconfig.mjs'), 'token', 'dana', 'ops,oncall']).toString()
  fs.writeFileSync(tokenFile, 'viewer-token,victor,uid-victor,"viewers"\neditor-token,eddie,uid-eddie,"editors"\nsn1-node-token,system:node:sn1,uid-sn1,"system:nodes"\n' + made)
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
    const raw = await httpRequest(e.url, 'GET', '/api/v1/namespaces')
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

  it('scripts/kubeconfig.mjs makes a token line and a kubeconfig that log in', async () => {
    const kc = path.join(e.tmpDir, 'dana.kubeconfig')
    fs.writeFileSync(kc, execFileSync(process.execPath, [path.join(ROOT, 'scripts/kubeconfig.mjs'), 'config', e.url, 'dana', tokenFile, '--ca', path.join(e.server.persistDir, 'pki/ca.crt')]))
    const who = JSON.parse(ok(await e.kubectl(['--kubeconfig', kc, 'auth', 'whoami', '-o', 'json']), 'whoami dana'))
    expect(who.status.userInfo).toMatchObject({ username: 'dana', groups: ['ops', 'oncall', 'system:authenticated'] })
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

describe('RBAC with the real kubectl', () => {
  let victor: string
  let eddie: string
  const as = (kc: string, args: string[], input?: string) => e.kubectl(['--kubeconfig', kc, ...args], input === undefined ? {} : { input })

  beforeAll(async () => {
    victor = kubeconfigWith('victor', { token: 'viewer-token' })
    eddie = kubeconfigWith('eddie', { token: 'editor-token' })
    ok(await e.kubectl(['create', 'namespace', 'team']), 'ns team')
    ok(await e.kubectl(['create', 'rolebinding', 'victor-view', '-n', 'team', '--clusterrole=view', '--user=victor']), 'bind view')
    ok(await e.kubectl(['create', 'rolebinding', 'eddie-admin', '-n', 'team', '--clusterrole=admin', '--group=editors']), 'bind admin')
    ok(await e.kubectl(['-n', 'team', 'create', 'configmap', 'c1', '--from-literal=a=1']), 'cm')
    ok(await e.kubectl(['-n', 'team', 'create', 'secret', 'generic', 's1', '--from-literal=a=1']), 'secret')
    ok(await e.kubectl(['-n', 'team', 'create', 'deployment', 'd1', '--image=nginx']), 'deploy')
    ok(await e.kubectl(['-n', 'team', 'run', 'p1', '--image=nginx']), 'pod')
  })

  it('a user bound to view in one namespace can get, list and watch there, and gets kube\'s 403 elsewhere', async () => {
    expect(ok(await as(victor, ['-n', 'team', 'get', 'configmaps', '-o', 'name']), 'get cms')).toContain('configmap/c1')
    expect(ok(await as(victor, ['-n', 'team', 'get', 'deployment', 'd1', '-o', 'name']), 'get deploy')).toBe('deployment.apps/d1\n')
    const w = e.kubectlBackground(['--kubeconfig', victor, '-n', 'team', 'get', 'pods', '--watch', '-o', 'name'])
    await w.waitForLine((l) => l === 'pod/p1')
    await w.stop()
    const write = await as(victor, ['-n', 'team', 'create', 'configmap', 'c2'])
    expect(write.code).not.toBe(0)
    expect(write.stderr).toContain('error: failed to create configmap: configmaps is forbidden: User "victor" cannot create resource "configmaps" in API group "" in the namespace "team"')
    const del = await as(victor, ['-n', 'team', 'delete', 'configmap', 'c1'])
    expect(del.stderr).toContain('Error from server (Forbidden): configmaps "c1" is forbidden: User "victor" cannot delete resource "configmaps" in API group "" in the namespace "team"')
    const elsewhere = await as(victor, ['-n', 'default', 'get', 'pods'])
    expect(elsewhere.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "victor" cannot list resource "pods" in API group "" in the namespace "default"')
    const secrets = await as(victor, ['-n', 'team', 'get', 'secret', 's1'])
    expect(secrets.stderr).toContain('secrets "s1" is forbidden: User "victor" cannot get resource "secrets" in API group "" in the namespace "team"')
    const nodes = await as(victor, ['get', 'nodes'])
    expect(nodes.stderr).toContain('nodes is forbidden: User "victor" cannot list resource "nodes" in API group "" at the cluster scope')
  })

  it('audits writes and refusals as one JSON line each, with no credentials in them', async () => {
    ok(await e.kubectl(['-n', 'team', 'create', 'configmap', 'audited']), 'create audited')
    await as(victor, ['-n', 'team', 'delete', 'configmap', 'audited'])
    await e.http('GET', '/api/v1/namespaces', undefined, { authorization: 'Bearer not-a-real-token' })
    const events = () => e.server.logs().split('\n').filter((l) => l.includes('audit {')).map((l) => JSON.parse(l.slice(l.indexOf('{'))))
    const find = async (pred: (ev: any) => boolean) => {
      for (let i = 0; i < 50; i++) {
        const hit = events().find(pred)
        if (hit) return hit
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`no such audit event in:\n${events().map((ev) => JSON.stringify(ev)).join('\n')}`)
    }
    const created = await find((ev) => ev.verb === 'create' && ev.objectRef?.resource === 'configmaps' && ev.requestURI.startsWith('/api/v1/namespaces/team/configmaps'))
    expect(created).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', stage: 'ResponseComplete', user: { username: 'admin' }, objectRef: { namespace: 'team', apiVersion: 'v1' }, responseStatus: { code: 201 } })
    expect(created.sourceIPs.length).toBeGreaterThan(0)
    const denied = await find((ev) => ev.verb === 'delete' && ev.objectRef?.name === 'audited')
    expect(denied).toMatchObject({ user: { username: 'victor', groups: ['viewers', 'system:authenticated'] }, responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } })
    const anonymous = await find((ev) => ev.responseStatus.code === 401 && ev.requestURI === '/api/v1/namespaces')
    expect(anonymous.user.username).toBe('system:anonymous')
    // Reads that succeed are not audited at this level... and no token ever reaches the log.
    expect(events().some((ev) => ev.verb === 'list' && ev.responseStatus.code === 200)).toBe(false)
    const adminToken = /token: (\S+)/.exec(fs.readFileSync(e.kubeconfigPath, 'utf8'))![1]
    for (const secret of [adminToken, 'viewer-token', 'not-a-real-token']) expect(e.server.logs()).not.toContain(secret)
  })

  it('kubectl auth can-i agrees with what actually happens', async () => {
    type Case = [who: 'victor' | 'eddie' | 'admin', verb: string, resource: string, ns: string, name?: string]
    const cases: Case[] = [
      ['victor', 'get', 'configmaps', 'team', 'c1'], ['victor', 'list', 'pods', 'team'], ['victor', 'watch', 'pods', 'team'],
      ['victor', 'create', 'configmaps', 'team'], ['victor', 'delete', 'configmaps', 'team', 'c1'], ['victor', 'get', 'secrets', 'team', 's1'],
      ['victor', 'list', 'pods', 'default'], ['victor', 'list', 'nodes', ''], ['victor', 'get', 'deployments.apps', 'team', 'd1'],
      ['victor', 'patch', 'deployments.apps', 'team', 'd1'], ['victor', 'list', 'rolebindings.rbac.authorization.k8s.io', 'team'],
      ['victor', 'list', 'namespaces', ''],
      ['eddie', 'create', 'configmaps', 'team'], ['eddie', 'get', 'secrets', 'team', 's1'], ['eddie', 'patch', 'deployments.apps', 'team', 'd1'],
      ['eddie', 'list', 'rolebindings.rbac.authorization.k8s.io', 'team'], ['eddie', 'list', 'pods', 'default'], ['eddie', 'delete', 'nodes', '', 'n1'],
      ['eddie', 'list', 'clusterroles.rbac.authorization.k8s.io', ''], ['eddie', 'delete', 'pods', 'team', 'p1'],
      ['admin', 'list', 'nodes', ''], ['admin', 'get', 'secrets', 'kube-system', 'edgekube-token-signing-key'],
    ]
    const kubeconfigs = { victor, eddie, admin: e.kubeconfigPath }
    const tokens = { victor: 'viewer-token', eddie: 'editor-token', admin: /token: (\S+)/.exec(fs.readFileSync(e.kubeconfigPath, 'utf8'))![1] }
    const plural = (r: string) => r.split('.')[0]
    const groupOf = (r: string) => r.split('.').slice(1).join('.')
    const table: string[] = []
    let yes = 0
    for (const [who, verb, resource, ns, name] of cases) {
      const canI = await as(kubeconfigs[who], ['auth', 'can-i', verb, name ? `${resource}/${name}` : resource, ...(ns ? ['-n', ns] : [])])
      expect(canI.stdout.trim(), `${who} can-i ${verb} ${resource}: ${canI.stderr}`).toMatch(/^(yes|no)$/)
      const said = canI.stdout.trim() === 'yes'
      if (said) yes++
      const g = groupOf(resource)
      const base = `${g ? `/apis/${g}/v1` : '/api/v1'}${ns ? `/namespaces/${ns}` : ''}/${plural(resource)}`
      const headers = { authorization: `Bearer ${tokens[who]}` }
      const target = name ? `${base}/${name}` : base
      const r = verb === 'get' || verb === 'list' ? await e.http('GET', target, undefined, headers)
        : verb === 'watch' ? await e.http('GET', `${base}?watch=1&timeoutSeconds=1`, undefined, headers)
        : verb === 'create' ? await e.http('POST', `${base}?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' } }, headers)
        : verb === 'delete' ? await e.http('DELETE', `${target}?dryRun=All`, undefined, headers)
        : await e.http('PATCH', `${target}?dryRun=All`, {}, { ...headers, 'content-type': 'application/merge-patch+json' })
      const allowed = r.status !== 403
      table.push(`${who} ${verb} ${resource} ${ns || '(cluster)'}: can-i ${said ? 'yes' : 'no'}, request ${r.status}`)
      expect(allowed, table[table.length - 1]).toBe(said)
    }
    // Both answers occur, so the comparison means something.
    expect(yes).toBeGreaterThan(5)
    expect(cases.length - yes).toBeGreaterThan(5)
    const list = ok(await as(victor, ['auth', 'can-i', '--list', '-n', 'team']), 'can-i --list')
    expect(list).toMatch(/configmaps\s+\[\]\s+\[\]\s+\[get list watch\]/)
    expect(list).not.toMatch(/^secrets\s/m)
  })

  it('refuses role escalation, and allows granting what one holds', async () => {
    const grant = await as(eddie, ['-n', 'team', 'create', 'rolebinding', 'victor-root', '--clusterrole=cluster-admin', '--user=victor'])
    expect(grant.code).not.toBe(0)
    expect(grant.stderr).toContain('rolebindings.rbac.authorization.k8s.io "victor-root" is forbidden: user "eddie" (groups=["editors" "system:authenticated"]) is attempting to grant RBAC permissions not currently held')
    const role = await as(eddie, ['-n', 'team', 'create', 'role', 'node-reader', '--verb=get', '--resource=nodes'])
    expect(role.stderr).toContain('is attempting to grant RBAC permissions not currently held')
    ok(await as(eddie, ['-n', 'team', 'create', 'role', 'secret-reader', '--verb=get', '--resource=secrets']), 'role eddie holds')
    ok(await as(eddie, ['-n', 'team', 'create', 'rolebinding', 'victor-secrets', '--role=secret-reader', '--user=victor']), 'binding eddie holds')
    expect(ok(await as(victor, ['-n', 'team', 'get', 'secret', 's1', '-o', 'name']), 'victor reads the secret')).toBe('secret/s1\n')
  })

  it('impersonation works only with the impersonate verb', async () => {
    const who = JSON.parse(ok(await e.kubectl(['--as', 'victor', '--as-group', 'viewers', 'auth', 'whoami', '-o', 'json']), 'admin --as victor'))
    expect(who.status.userInfo).toEqual({ username: 'victor', groups: ['viewers', 'system:authenticated'] })
    const asVictor = await e.kubectl(['--as', 'victor', '-n', 'default', 'get', 'pods'])
    expect(asVictor.stderr).toContain('User "victor" cannot list resource "pods"')
    const denied = await as(victor, ['--as', 'eddie', 'get', 'pods', '-n', 'team'])
    expect(denied.stderr).toContain('users "eddie" is forbidden: User "victor" cannot impersonate resource "users" in API group "" at the cluster scope')
    // admin in a namespace may impersonate its service accounts (kube's edit role), and nothing more.
    ok(await e.kubectl(['-n', 'team', 'create', 'serviceaccount', 'bot']), 'sa')
    expect(JSON.parse(ok(await as(eddie, ['--as', 'system:serviceaccount:team:bot', 'auth', 'whoami', '-o', 'json']), 'eddie as bot')).status.userInfo.username).toBe('system:serviceaccount:team:bot')
    expect((await as(eddie, ['--as', 'victor', '-n', 'team', 'get', 'pods'])).stderr).toContain('users "victor" is forbidden: User "eddie" cannot impersonate resource "users"')
  })

  it('a token from kubectl create token works until its ServiceAccount is deleted or it expires', async () => {
    ok(await e.kubectl(['-n', 'team', 'create', 'serviceaccount', 'robot']), 'sa robot')
    ok(await e.kubectl(['-n', 'team', 'create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=team:robot']), 'bind robot')
    const token = ok(await e.kubectl(['-n', 'team', 'create', 'token', 'robot']), 'create token').trim()
    const robot = kubeconfigWith('robot', { token })
    expect(ok(await as(robot, ['-n', 'team', 'get', 'configmap', 'c1', '-o', 'name']), 'robot reads')).toBe('configmap/c1\n')
    expect(JSON.parse(ok(await as(robot, ['auth', 'whoami', '-o', 'json']), 'robot whoami')).status.userInfo.username).toBe('system:serviceaccount:team:robot')
    // The same claims, expired, signed with the cluster's own key (read by the admin): refused.
    const jwk = JSON.parse(Buffer.from(JSON.parse(ok(await e.kubectl(['-n', 'kube-system', 'get', 'secret', 'edgekube-token-signing-key', '-o', 'json']), 'key')).data['key.jwk'], 'base64').toString())
    const key = await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')
    const now = Math.floor(Date.now() / 1000)
    const expired = await new SignJWT({ ...decodeJwt(token), iat: now - 7200, nbf: now - 7200, exp: now - 60 }).setProtectedHeader({ alg: 'ES256', kid: 'edgekube' }).sign(key)
    expect((await as(kubeconfigWith('expired', { token: expired }), ['-n', 'team', 'get', 'configmaps'])).stderr).toContain('You must be logged in to the server')
    ok(await e.kubectl(['-n', 'team', 'delete', 'serviceaccount', 'robot']), 'delete sa')
    expect((await as(robot, ['-n', 'team', 'get', 'configmaps'])).stderr).toContain('You must be logged in to the server')
  })
})

async function nodeReady(name: string) {
  await eventually(async () => {
    const r = await e.kubectl(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])
    return r.stdout === 'True'
  }, 30_000, `node ${name} Ready`)
}

describe('a node agent with --kubeconfig', () => {
  it('joins over TLS with its node credential, renews its Lease and runs pods', async () => {
    const kc = kubeconfigWith('sn1', { token: 'sn1-node-token' })
    const agent = startAgent(e, 'sn1', ['--tunnel', '--kubeconfig', kc])
    try {
      await eventually(() => agent.output().includes('tunnel connected'), 30_000, `the agent's tunnel; output:\n${agent.output()}`)
      await nodeReady('sn1')
      const lease = JSON.parse(ok(await e.kubectl(['-n', 'kube-node-lease', 'get', 'lease', 'sn1', '-o', 'json']), 'lease'))
      expect(lease.spec.holderIdentity).toBe('sn1')
      expect(Date.parse(lease.spec.renewTime)).toBeGreaterThan(Date.now() - 60_000)
      ok(await e.kubectl(['create', 'namespace', 'nodejob']), 'ns')
      ok(await e.kubectl(['-n', 'nodejob', 'create', 'secret', 'generic', 'greeting', '--from-literal=word=hello-from-a-secret']), 'secret')
      const podYaml = `apiVersion: v1
kind: Pod
metadata: {name: greeter, namespace: nodejob}
spec:
  nodeSelector: {kubernetes.io/hostname: sn1}
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo $WORD; sleep 600"]
    env:
    - name: WORD
      valueFrom: {secretKeyRef: {name: greeting, key: word}}
`
      ok(await e.kubectl(['apply', '-f', '-'], { input: podYaml }), 'pod')
      await eventually(async () => (await e.kubectl(['-n', 'nodejob', 'get', 'pod', 'greeter', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 30_000, 'pod Running')
      await eventually(async () => (await e.kubectl(['-n', 'nodejob', 'logs', 'greeter'])).stdout.includes('hello-from-a-secret'), 20_000, 'the pod log, read through the tunnel')
      expect(agent.output()).not.toMatch(/\b403\b|forbidden/i)
    } finally {
      await e.kubectl(['delete', 'namespace', 'nodejob', '--wait=false'])
      await eventually(async () => !(await e.kubectl(['-n', 'nodejob', 'get', 'pod', 'greeter'])).stdout.includes('greeter'), 30_000, 'pod gone').catch(() => {})
      await agent.stop()
    }
  }, 120_000)
})

describe('a node that joins with a bootstrap token', () => {
  it('gets its own certificate through a CSR, runs pods as system:node:NAME, and keeps that credential across restarts', async () => {
    // The token, made as the README says (what `kubeadm token create` stores).
    const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')
    ok(await e.kubectl(['-n', 'kube-system', 'create', 'secret', 'generic', 'bootstrap-token-j0in42', '--type', 'bootstrap.kubernetes.io/token',
      '--from-literal=token-id=j0in42', '--from-literal=token-secret=0123456789abcdef', '--from-literal=usage-bootstrap-authentication=true',
      `--from-literal=expiration=${expiration}`]), 'bootstrap token')
    // The bootstrap kubeconfig, made with the README's command.
    const line = path.join(e.tmpDir, 'bootstrap-token.csv')
    fs.writeFileSync(line, 'j0in42.0123456789abcdef,system:bootstrap:j0in42\n')
    const boot = path.join(e.tmpDir, 'bootstrap.kubeconfig')
    fs.writeFileSync(boot, execFileSync(process.execPath, [path.join(ROOT, 'scripts/kubeconfig.mjs'), 'config', e.url, 'system:bootstrap:j0in42', line, '--ca', path.join(e.server.persistDir, 'pki/ca.crt')]))
    const nodeKubeconfig = path.join(e.tmpDir, 'agents', 'sb1', 'kubelet.kubeconfig')
    const NODE_USER = { username: 'system:node:sb1', groups: ['system:nodes', 'system:authenticated'] }
    /** The distinct users of the audited writes to object sb1 of a resource (none is a failure: there must be some). */
    const writersOf = (resource: string) => {
      const audit = e.server.logs().split('\n').filter((l) => l.includes('audit {')).map((l) => JSON.parse(l.slice(l.indexOf('{'))))
      const users = audit.filter((ev) => ev.objectRef?.resource === resource && ev.objectRef?.name === 'sb1').map((ev) => JSON.stringify(ev.user))
      return [...new Set(users)].map((u) => JSON.parse(u))
    }
    let agent = startAgent(e, 'sb1', ['--tunnel', '--bootstrap-kubeconfig', boot])
    try {
      await eventually(() => agent.output().includes('tunnel connected'), 45_000, `the agent's tunnel; output:\n${agent.output()}`)
      expect(agent.output()).toContain('waiting for it to be approved and signed')
      expect(agent.output()).toContain(`node credential written to ${nodeKubeconfig}`)
      await nodeReady('sb1')
      const csrs = parseTable(ok(await e.kubectl(['get', 'csr']), 'get csr'))
      const mine = csrs.find((r) => r.NAME.startsWith('node-csr-sb1-'))!
      expect(mine).toMatchObject({ SIGNERNAME: 'kubernetes.io/kube-apiserver-client-kubelet', REQUESTOR: 'system:bootstrap:j0in42', CONDITION: 'Approved,Issued' })
      // The node's kubeconfig holds its certificate and key, not the bootstrap token, readable by its owner only.
      const written = fs.readFileSync(nodeKubeconfig, 'utf8')
      expect(written).toContain('client-certificate-data')
      expect(written).not.toContain('0123456789abcdef')
      expect(fs.statSync(nodeKubeconfig).mode & 0o077).toBe(0)
      // Every write to the Node was the node's own, as system:node:sb1 (the audit log names who).
      expect(writersOf('nodes')).toEqual([NODE_USER])

      ok(await e.kubectl(['create', 'namespace', 'joined']), 'ns')
      ok(await e.kubectl(['-n', 'joined', 'run', 'hello', '--image=busybox', '--restart=Never', '--overrides', JSON.stringify({ spec: { nodeName: 'sb1' } }), '--command', '--', 'sh', '-c', 'echo joined-node-says-hi; sleep 600']), 'run')
      await eventually(async () => (await e.kubectl(['-n', 'joined', 'logs', 'hello'])).stdout.includes('joined-node-says-hi'), 30_000, 'the pod log from the joined node')
      expect(agent.output()).not.toMatch(/\b403\b|forbidden/i)

      // The token may go; a restarted agent uses the certificate it was given.
      ok(await e.kubectl(['-n', 'kube-system', 'delete', 'secret', 'bootstrap-token-j0in42']), 'delete token')
      await agent.stop()
      agent = startAgent(e, 'sb1', ['--tunnel', '--bootstrap-kubeconfig', boot])
      await eventually(() => agent.output().includes('tunnel connected'), 45_000, `the restarted agent; output:\n${agent.output()}`)
      expect(agent.output()).toContain(`using the node credential in ${nodeKubeconfig}`)
      await eventually(async () => {
        const lease = JSON.parse(ok(await e.kubectl(['-n', 'kube-node-lease', 'get', 'lease', 'sb1', '-o', 'json']), 'lease'))
        return Date.parse(lease.spec.renewTime) > Date.now() - 15_000
      }, 30_000, 'the lease renewed after the restart')
      expect(writersOf('leases')).toEqual([NODE_USER])
    } finally {
      await e.kubectl(['delete', 'namespace', 'joined', '--wait=false'])
      await agent.stop()
    }
  }, 180_000)

  it('kubectl certificate approve issues a client certificate a person asked for', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=jane,O=devs', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })
    const yaml = `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: jane}
spec:
  request: ${Buffer.from(request.toString('pem')).toString('base64')}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: [client auth]
`
    ok(await e.kubectl(['apply', '-f', '-'], { input: yaml }), 'create csr')
    const pending = parseTable(ok(await e.kubectl(['get', 'csr', 'jane']), 'get csr'))[0]
    expect(pending).toMatchObject({ REQUESTOR: 'admin', REQUESTEDDURATION: '24h', CONDITION: 'Pending' })
    expect(ok(await e.kubectl(['certificate', 'approve', 'jane']), 'approve')).toContain('certificatesigningrequest.certificates.k8s.io/jane approved')
    await eventually(async () => parseTable((await e.kubectl(['get', 'csr', 'jane'])).stdout)[0]?.CONDITION === 'Approved,Issued', 20_000, 'jane issued')
    const pem = Buffer.from(ok(await e.kubectl(['get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}']), 'cert'), 'base64').toString()
    const cert = new x509.X509Certificate(pem)
    expect(cert.subject).toBe('CN=jane, O=devs')
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeLessThanOrEqual((86400 + 300) * 1000)
    // A certificate for system:masters is refused outright.
    const masters = yaml.replace('name: jane', 'name: root').replace(/request: \S+/, `request: ${Buffer.from((await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=root,O=system:masters', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).toString('pem')).toString('base64')}`)
    const refused = await e.kubectl(['apply', '-f', '-'], { input: masters })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed')
  })
})
