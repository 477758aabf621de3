// Container images end to end: the real `wrangler dev`, a private containerd
// (started by scripts/containerd.mjs in a scratch folder, with a busybox
// image built offline), a node agent on `--runtime cri`, and the real
// kubectl 1.35. Skipped, with the reason printed, where containerd cannot
// run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, freePort, setupE2E, type E2E } from './harness'
import { startAgent, type Agent } from './agent'
import { containerdOrSkip } from './cri-setup'
import { startRegistry, type Registry } from './registry'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { buildImage } from '../../scripts/oci-image.mjs'

const NS = 'cri-e2e'
const NODE = 'cri-node'
const IMAGE = 'localhost/busybox:1'
const NET_NODE = 'cri-net'
// With a CNI bridge network, for the agent given --pod-network; the other agent keeps pods on the node's network.
const ctrd = await containerdOrSkip('cri e2e', { cni: true })
let e: E2E
let agent: Agent
let netAgent: Agent
let registry: Registry | undefined

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const k = (args: string[], timeoutMs?: number) => e.kubectl(['-n', NS, ...args], timeoutMs ? { timeoutMs } : undefined)
/** `kubectl apply -f -` of one object in the test namespace. */
const applyJson = async (obj: object, what: string) => ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: JSON.stringify(obj) }), what)
const getPod = async (name: string) => JSON.parse(ok(await k(['get', 'pod', name, '-o', 'json']), `get pod ${name}`))
/** The containers containerd holds for a pod (its sandbox's pause container included). */
const ctrContainers = (podUid: string) => ctrd!.ctr(['containers', 'ls', '-q', `labels."io.kubernetes.pod.uid"==${podUid}`]).split('\n').filter(Boolean)

async function running(name: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const p = await getPod(name)
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c: { ready: boolean }) => c.ready) && p
  }, timeoutMs, `pod ${name} Running and ready`)
}

describe.skipIf(!ctrd)('pods from images on the cri runtime (containerd)', () => {
  beforeAll(async () => {
    e = await setupE2E()
    agent = startAgent(e, NODE, ['--server', e.url, '--port', String(await freePort()), '--runtime', 'cri', '--cri-endpoint', ctrd!.endpoint])
    netAgent = startAgent(e, NET_NODE, ['--server', e.url, '--port', String(await freePort()), '--runtime', 'cri', '--cri-endpoint', ctrd!.endpoint, '--pod-network'])
    await Promise.all([agent.waitFor('kubelet API listening'), netAgent.waitFor('kubelet API listening')])
    ok(await e.kubectl(['create', 'namespace', NS]), 'namespace')
    // Pods go to the node-network agent unless they ask for the other.
    ok(await e.kubectl(['taint', 'node', NET_NODE, 'edgekube.io/pod-network=true:NoSchedule']), 'taint')
  }, 180_000)

  afterAll(async () => {
    await registry?.close()
    await netAgent?.stop()
    await agent?.stop()
    await e?.close()
    ctrd?.stop()
  })

  it('registers the node with containerd as its runtime and lists its images', async () => {
    const node = JSON.parse(ok(await e.kubectl(['get', 'node', NODE, '-o', 'json']), 'get node'))
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\.\d+\./)
    const names = node.status.images.flatMap((i: { names: string[] }) => i.names)
    expect(names).toContain(IMAGE)
    expect(node.status.images.every((i: { sizeBytes: number }) => i.sizeBytes > 0)).toBe(true)
  })

  it('kubectl run with an image becomes Running and answers through pods/web/proxy', { timeout: 120_000 }, async () => {
    const port = await freePort()
    ok(await k(['run', 'web', `--image=${IMAGE}`, '--', 'httpd', '-f', '-p', String(port), '-h', '/www']), 'run')
    const p = await running('web')
    const cs = p.status.containerStatuses[0]
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/)
    expect(cs.imageID).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(cs.image).toBe(IMAGE)
    expect(cs.state.running.startedAt).toBeTruthy()
    // The container is in containerd, labelled with its pod, beside its sandbox.
    expect(ctrContainers(p.metadata.uid)).toContain(cs.containerID.slice('containerd://'.length))
    expect(ctrContainers(p.metadata.uid)).toHaveLength(2)
    const r = await eventually(async () => {
      const res = await e.http('GET', `/api/v1/namespaces/${NS}/pods/web:${port}/proxy/`)
      return res.status === 200 && res
    }, 20_000, 'pods/web/proxy to answer')
    expect(r.text).toBe('hello from busybox httpd\n')
  })

  it('runs the image entrypoint when the pod gives no command, and kubectl logs -f follows it', { timeout: 90_000 }, async () => {
    ok(await k(['run', 'ticker', `--image=${IMAGE}`, '--command', '--', 'sh', '-c', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 1; done']), 'run')
    await running('ticker')
    const follow = e.kubectlBackground(['-n', NS, 'logs', '-f', 'ticker'])
    try {
      const at = await follow.waitForLine((l) => l === 'tick 4', 30_000)
      expect(follow.lines.slice(0, at + 1)).toEqual(['tick 0', 'tick 1', 'tick 2', 'tick 3', 'tick 4'])
    } finally {
      await follow.stop()
    }
    // No command at all: the image's Cmd (/bin/sh, no stdin) runs and exits 0 at once.
    ok(await k(['run', 'shell', `--image=${IMAGE}`, '--restart=Never']), 'run shell')
    const done = await eventually(async () => {
      const p = await getPod('shell')
      return p.status?.phase === 'Succeeded' && p
    }, 60_000, 'pod shell to succeed')
    expect(done.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })
  })

  it('an image that does not exist goes ErrImagePull, then ImagePullBackOff', { timeout: 60_000 }, async () => {
    const watch = e.watch(`/api/v1/namespaces/${NS}/pods?watch=true&fieldSelector=metadata.name%3Dmissing`)
    try {
      ok(await k(['run', 'missing', '--image=localhost/nope:1']), 'run')
      const waiting = (reason: string) => (ev: { object: any }) => ev.object?.status?.containerStatuses?.[0]?.state?.waiting?.reason === reason
      const pull = await watch.waitFor(waiting('ErrImagePull'), 30_000)
      expect(pull.object.status.containerStatuses[0].state.waiting.message).toContain('localhost/nope:1')
      const backoff = await watch.waitFor(waiting('ImagePullBackOff'), 30_000)
      expect(backoff.object.status.containerStatuses[0].state.waiting.message).toMatch(/^Back-off pulling image "localhost\/nope:1"/)
      expect(backoff.object.status.phase).toBe('Pending')
    } finally {
      watch.close()
    }
  })

  it("pulls from a registry with the pod's imagePullSecrets, and fails with the registry's answer without them", { timeout: 90_000 }, async () => {
    registry = await startRegistry(path.join(ctrd!.dir, 'registry'), 'private/app', '1', 'puller:s3cret')
    const image = `${registry.host}/private/app:1`
    const port = await freePort()
    ok(await k(['run', 'anon', `--image=${image}`, '--', 'httpd', '-f', '-p', String(port), '-h', '/www']), 'run anon')
    const anon = await eventually(async () => {
      const w = (await getPod('anon')).status?.containerStatuses?.[0]?.state?.waiting
      return /ErrImagePull|ImagePullBackOff/.test(w?.reason ?? '') && w
    }, 30_000, 'anon to fail its pull')
    expect(anon.message).toMatch(/401 Unauthorized|unauthorized/i)
    ok(await k(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${registry.host}`, '--docker-username=puller', '--docker-password=s3cret']), 'secret')
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'private' },
      spec: { terminationGracePeriodSeconds: 1, imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image, command: ['httpd', '-f', '-p', String(port), '-h', '/www'] }] },
    }, 'apply private')
    const p = await running('private')
    expect(registry.authorizations).toContain(`Basic ${Buffer.from('puller:s3cret').toString('base64')}`)
    expect(p.status.containerStatuses[0].image).toBe(image)
    expect(p.status.containerStatuses[0].imageID).toMatch(/^sha256:[0-9a-f]{64}$|@sha256:[0-9a-f]{64}$/)
    expect((await e.http('GET', `/api/v1/namespaces/${NS}/pods/private:${port}/proxy/`)).text).toBe('served from private/app:1\n')
    ok(await k(['delete', 'pod', 'anon', 'private', '--grace-period=1']), 'delete')
  })

  it('IfNotPresent runs the image already pulled; Always pulls it again', { timeout: 90_000 }, async () => {
    const image = `${registry!.host}/private/app:1`
    const manifests = () => registry!.manifestRequests.get('private/app') ?? 0
    const apply = async (name: string, policy: string, secrets: boolean) => applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1, ...(secrets ? { imagePullSecrets: [{ name: 'regcred' }] } : {}),
        containers: [{ name: 'app', image, imagePullPolicy: policy, command: ['sleep', '3600'] }],
      },
    }, `apply ${name}`)
    const before = manifests()
    await apply('cached', 'IfNotPresent', false)
    await running('cached')
    expect(manifests()).toBe(before)
    await apply('always', 'Always', true)
    await running('always')
    expect(manifests()).toBeGreaterThan(before)
    ok(await k(['delete', 'pod', 'cached', 'always', '--grace-period=1']), 'delete')
  })

  it("bad input gets kube's reasons on the container status, and the node keeps serving its other pods", { timeout: 90_000 }, async () => {
    const pod = (name: string, container: object, extra: object = {}) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: IMAGE, ...container }], ...extra },
    })
    await applyJson(pod('badref', { image: 'localhost/busybox::1' }), 'apply badref')
    await applyJson(pod('nocmd', { command: ['/bin/no-such-command'] }), 'apply nocmd')
    await applyJson(pod('noenv', { command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] }), 'apply noenv')
    await applyJson(pod('novol', { command: ['sleep', '3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }, { volumes: [{ name: 'cfg', configMap: { name: 'absent' } }] }), 'apply novol')
    const state = async (name: string) => (await getPod(name)).status?.containerStatuses?.[0]
    const badref = await eventually(async () => (await state('badref'))?.state?.waiting?.reason === 'InvalidImageName' && state('badref'), 30_000, 'badref InvalidImageName')
    expect(badref.state.waiting.message).toContain('invalid reference format')
    // The runtime could not start the command: exit code 128 with the runtime's reason, then back-off.
    const nocmd = await eventually(async () => {
      const s = await state('nocmd')
      return (s?.state?.terminated ?? s?.lastState?.terminated)?.reason === 'StartError' && s
    }, 30_000, 'nocmd StartError')
    const term = nocmd.state.terminated ?? nocmd.lastState.terminated
    expect(term.exitCode).toBe(128)
    expect(term.message).toContain('/bin/no-such-command')
    const noenv = await eventually(async () => (await state('noenv'))?.state?.waiting?.reason === 'CreateContainerConfigError' && state('noenv'), 30_000, 'noenv')
    expect(noenv.state.waiting.message).toBe('configmap "absent" not found')
    // A volume that cannot be mounted keeps the pod ContainerCreating, as the kubelet's FailedMount does.
    const novol = await eventually(async () => /configmap "absent" not found/.test((await state('novol'))?.state?.waiting?.message ?? '') && state('novol'), 30_000, 'novol')
    expect(novol.state.waiting.reason).toBe('ContainerCreating')
    // Meanwhile the node runs other pods as before.
    const port = await freePort()
    ok(await k(['run', 'still', `--image=${IMAGE}`, '--', 'httpd', '-f', '-p', String(port), '-h', '/www']), 'run still')
    await running('still')
    const r = await e.http('GET', `/api/v1/namespaces/${NS}/pods/still:${port}/proxy/`)
    expect(r.text).toBe('hello from busybox httpd\n')
    ok(await k(['delete', 'pod', 'badref', 'nocmd', 'noenv', 'novol', 'missing', 'still', '--grace-period=1', '--wait=false']), 'delete')
  })

  it('exec probes run inside the container through CRI ExecSync', { timeout: 90_000 }, async () => {
    // /tmp/ready exists only in the container's own filesystem: only an exec in the container sees it.
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probed' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c', image: IMAGE, command: ['sh', '-c', 'sleep 3; touch /tmp/ready; sleep 3600'],
          readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['sh', '-c', 'test "$(hostname)" != ""'] }, periodSeconds: 1 },
        }],
      },
    }, 'apply probed')
    const early = await eventually(async () => (await getPod('probed')).status?.containerStatuses?.[0]?.state?.running && getPod('probed'), 30_000, 'probed running')
    expect(early.status.containerStatuses[0].ready).toBe(false)
    const ready = await running('probed', 30_000)
    expect(ready.status.containerStatuses[0].restartCount).toBe(0)
    expect(agent.output()).not.toContain('Liveness probe failed for cri-e2e/probed')
  })

  it('kubectl exec, exec -i, exec -t, cp and port-forward reach into the container through containerd', { timeout: 120_000 }, async () => {
    const port = await freePort()
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'streams' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['httpd', '-f', '-p', String(port), '-h', '/www'] }] },
    }, 'apply streams')
    await running('streams')
    // The container's own filesystem and hostname: /www exists only in the image.
    const r = await k(['exec', 'streams', '--', 'sh', '-c', 'ls /www; echo err >&2; exit 3'])
    expect(r.stdout).toContain('index.html')
    expect(r.stderr).toContain('err')
    expect(r.stderr).toContain('command terminated with exit code 3')
    expect(r.code).toBe(3)
    // stdin ends (SPDY to containerd carries its end).
    expect(await e.kubectl(['-n', NS, 'exec', '-i', 'streams', '--', 'sh', '-c', 'wc -c'], { input: 'twelve bytes' })).toMatchObject({ code: 0, stdout: '12\n' })
    // A terminal (kubectl asks for one only from a terminal of its own: script(1) gives it one).
    const cmd = `stty cols 91 rows 27; ${e.kubectlPath} --kubeconfig ${e.kubeconfigPath} -n ${NS} exec -it streams -- sh -c 'test -t 0 && test -t 1 && echo tty; sleep 1; stty size'`
    // the container's terminal echoes what it is sent: now and then a NUL from script(1) at the end of its empty
    // input arrives first, echoed as ^@ before the command's output
    expect(execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000, input: '' })).toMatch(/^(\^@)*tty\r\n.*27 91\r\n/)
    // cp both ways, through tar in the container.
    const src = path.join(e.tmpDir, 'cri-cp.bin')
    const bytes = Buffer.alloc(1 << 20)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff
    fs.writeFileSync(src, bytes)
    ok(await k(['cp', src, 'streams:/tmp/in.bin'], 60_000), 'cp in')
    ok(await k(['cp', 'streams:/tmp/in.bin', path.join(e.tmpDir, 'cri-back.bin')], 60_000), 'cp out')
    expect(fs.readFileSync(path.join(e.tmpDir, 'cri-back.bin')).equals(bytes)).toBe(true)
    // port-forward to the container's httpd.
    const local = await freePort()
    const b = e.kubectlBackground(['-n', NS, 'port-forward', 'pod/streams', `${local}:${port}`])
    try {
      await b.waitForLine((l) => l.startsWith(`Forwarding from 127.0.0.1:${local}`), 20_000)
      const res = await fetch(`http://127.0.0.1:${local}/`, { signal: AbortSignal.timeout(20_000) })
      expect(await res.text()).toBe('hello from busybox httpd\n')
    } finally {
      await b.stop()
    }
    ok(await k(['delete', 'pod', 'streams', '--grace-period=1', '--wait=false']), 'delete streams')
  })

  it('a restarted agent adopts the running containers without restarting them, and removes what pods deleted meanwhile left', { timeout: 120_000 }, async () => {
    // A pod whose image cannot be pulled has a sandbox and no container.
    ok(await k(['run', 'orphan', '--image=localhost/nope:2']), 'run orphan')
    const orphan = await eventually(async () => {
      const p = await getPod('orphan')
      return /ErrImagePull|ImagePullBackOff/.test(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '') && p
    }, 30_000, 'orphan to fail its pull')
    expect(ctrContainers(orphan.metadata.uid)).toHaveLength(1)
    const before = (await getPod('probed')).status.containerStatuses[0]
    await agent.stop()
    ok(await k(['delete', 'pod', 'orphan', '--grace-period=0', '--force']), 'force delete orphan')
    agent = startAgent(e, NODE, ['--server', e.url, '--port', String(await freePort()), '--runtime', 'cri', '--cri-endpoint', ctrd!.endpoint])
    await agent.waitFor('adopted container cri-e2e/probed/c')
    await agent.waitFor('kubelet API listening')
    const after = await running('probed', 30_000)
    const cs = after.status.containerStatuses[0]
    expect(cs.containerID).toBe(before.containerID)
    expect(cs.restartCount).toBe(0)
    expect(cs.state.running.startedAt).toBe(before.state.running.startedAt)
    expect(ctrContainers(after.metadata.uid)).toHaveLength(2)
    await eventually(() => ctrContainers(orphan.metadata.uid).length === 0, 20_000, "the deleted pod's sandbox to be removed")
  })

  it("a ConfigMap volume's file appears in the container and changes after the ConfigMap does", { timeout: 90_000 }, async () => {
    const port = await freePort()
    ok(await k(['create', 'configmap', 'site', '--from-literal=greeting=hello']), 'create configmap')
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cfg' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'web', image: IMAGE, command: ['httpd', '-f', '-p', String(port), '-h', '/site'], volumeMounts: [{ name: 'site', mountPath: '/site' }] }],
        volumes: [{ name: 'site', configMap: { name: 'site' } }],
      },
    }, 'apply cfg')
    await running('cfg')
    const get = async () => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/cfg:${port}/proxy/greeting`)).text
    expect(await get()).toBe('hello')
    ok(await k(['patch', 'configmap', 'site', '--type=merge', '-p', '{"data":{"greeting":"hello again"}}']), 'patch configmap')
    await eventually(async () => (await get()) === 'hello again', 40_000, 'the file to change in the container')
    expect((await getPod('cfg')).status.containerStatuses[0].restartCount).toBe(0)
  })

  it('an emptyDir is shared by two containers, and downwardAPI and service account token files are projected', { timeout: 90_000 }, async () => {
    const port = await freePort()
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shared', labels: { app: 'shared', tier: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'writer', image: IMAGE, command: ['sh', '-c', 'echo "written by the writer" > /data/index.html; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          {
            name: 'server', image: IMAGE, command: ['httpd', '-f', '-p', String(port), '-h', '/'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'info', mountPath: '/info' }],
          },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          {
            name: 'info', projected: {
              sources: [
                { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
                { serviceAccountToken: { path: 'token', audience: 'edgekube-test', expirationSeconds: 3600 } },
              ],
            },
          },
        ],
      },
    }, 'apply shared')
    const p = await running('shared')
    const get = async (file: string) => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/shared:${port}/proxy/${file}`)).text
    expect(await eventually(async () => (await get('data/index.html')).startsWith('written') && get('data/index.html'), 20_000, 'the writer\'s file')).toBe('written by the writer\n')
    expect(await get('info/name')).toBe('shared')
    expect((await get('info/labels')).split('\n').sort()).toEqual(['app="shared"', 'tier="web"'])
    const token = await get('info/token')
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
    expect(claims.aud).toEqual(['edgekube-test'])
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'shared', uid: p.metadata.uid })
    expect(claims.exp - claims.iat).toBe(3600)
  })

  it('a container over its memory limit is OOMKilled and restarted with that reason', { timeout: 90_000 }, async () => {
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog' },
      spec: {
        terminationGracePeriodSeconds: 1,
        // tail keeps everything it reads while looking for a newline: its memory grows until the cgroup limit.
        containers: [{ name: 'hog', image: IMAGE, command: ['tail', '/dev/zero'], resources: { limits: { memory: '32Mi' } } }],
      },
    }, 'apply hog')
    const cs = await eventually(async () => {
      const s = (await getPod('hog')).status?.containerStatuses?.[0]
      return s?.restartCount >= 1 && s.lastState?.terminated && s
    }, 60_000, 'hog to be OOMKilled and restarted')
    expect(cs.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 })
    ok(await k(['delete', 'pod', 'hog', 'shared', 'cfg', '--grace-period=1', '--wait=false']), 'delete')
  })

  it('the security context and resource limits reach the container: user, group, read-only root, capabilities, cgroup limits', { timeout: 90_000 }, async () => {
    const port = await freePort()
    const script = [
      'id -u > /out/uid', 'id -g > /out/gid',
      'if touch /probe 2>/dev/null; then echo writable; else echo read-only; fi > /out/rootfs',
      'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us > /out/quota', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes > /out/memory',
      `exec httpd -f -p ${port} -h /out`,
    ].join('; ')
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'secured' },
      spec: {
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsUser: 65534, runAsGroup: 65534 },
        containers: [
          {
            name: 'app', image: IMAGE, command: ['sh', '-c', script], volumeMounts: [{ name: 'out', mountPath: '/out' }],
            securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
            resources: { limits: { cpu: '500m', memory: '48Mi' } },
          },
          {
            name: 'root', image: IMAGE, command: ['sh', '-c', 'grep CapEff /proc/self/status > /out/caps; exec sleep 3600'], volumeMounts: [{ name: 'out', mountPath: '/out' }],
            securityContext: { runAsUser: 0, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
          },
        ],
        volumes: [{ name: 'out', emptyDir: {} }],
      },
    }, 'apply secured')
    await running('secured')
    const get = async (f: string) => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/secured:${port}/proxy/${f}`)).text.trim()
    expect(await get('uid')).toBe('65534')
    expect(await get('gid')).toBe('65534')
    expect(await get('rootfs')).toBe('read-only')
    expect(await get('quota')).toBe('50000')
    expect(await get('memory')).toBe(String(48 * 1024 * 1024))
    expect(await eventually(async () => (await get('caps')).startsWith('CapEff') && get('caps'), 10_000, 'caps')).toBe('CapEff:\t0000000000000400')
    ok(await k(['delete', 'pod', 'secured', '--grace-period=1', '--wait=false']), 'delete')
  })

  it('init containers run in order before a sidecar, which starts (startup probe passed) before the main container', { timeout: 90_000 }, async () => {
    const port = await freePort()
    const out = [{ name: 'out', mountPath: '/out' }]
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordered' },
      spec: {
        terminationGracePeriodSeconds: 1,
        initContainers: [
          { name: 'first', image: IMAGE, command: ['sh', '-c', 'echo first >> /out/order'], volumeMounts: out },
          { name: 'second', image: IMAGE, command: ['sh', '-c', 'echo second >> /out/order'], volumeMounts: out },
          {
            name: 'sidecar', image: IMAGE, restartPolicy: 'Always', command: ['sh', '-c', 'sleep 2; echo sidecar >> /out/order; exec sleep 3600'], volumeMounts: out,
            startupProbe: { exec: { command: ['grep', '-q', 'sidecar', '/out/order'] }, periodSeconds: 1, failureThreshold: 30 },
          },
        ],
        containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', `echo main >> /out/order; exec httpd -f -p ${port} -h /out`], volumeMounts: out }],
        volumes: [{ name: 'out', emptyDir: {} }],
      },
    }, 'apply ordered')
    const p = await running('ordered')
    expect((await e.http('GET', `/api/v1/namespaces/${NS}/pods/ordered:${port}/proxy/order`)).text).toBe('first\nsecond\nsidecar\nmain\n')
    const inits = Object.fromEntries(p.status.initContainerStatuses.map((s: any) => [s.name, s]))
    expect(inits.first.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' })
    expect(inits.sidecar.state.running).toBeTruthy()
    expect(inits.sidecar.started).toBe(true)
    ok(await k(['delete', 'pod', 'ordered', '--grace-period=1', '--wait=false']), 'delete')
  })

  it('kubectl logs --previous shows the instance before a restart', { timeout: 90_000 }, async () => {
    await applyJson({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crasher' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c', image: IMAGE, volumeMounts: [{ name: 'd', mountPath: '/d' }],
          command: ['sh', '-c', 'n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; echo "attempt $n"; sleep 3; exit 3'],
        }],
        volumes: [{ name: 'd', emptyDir: {} }],
      },
    }, 'apply crasher')
    await eventually(async () => {
      const [cur, prev] = await Promise.all([k(['logs', 'crasher']), k(['logs', 'crasher', '--previous'])])
      return cur.stdout === 'attempt 2\n' && prev.stdout === 'attempt 1\n'
    }, 40_000, 'logs of attempt 2 and --previous of attempt 1')
    const last = (await getPod('crasher')).status.containerStatuses[0]
    expect(last.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' })
    ok(await k(['delete', 'pod', 'crasher', '--grace-period=1', '--wait=false']), 'delete')
  })

  it("a PersistentVolumeClaim is mounted from the node's local-path volume, and its data outlives the pod", { timeout: 90_000 }, async () => {
    const port = await freePort()
    const manifest = (name: string, command: string[], restartPolicy = 'Always') => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1, restartPolicy,
        containers: [{ name: 'c', image: IMAGE, command, volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'notes' } }],
      },
    })
    await applyJson({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'notes' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }, 'apply claim')
    await applyJson(manifest('note-writer', ['sh', '-c', 'echo "kept across pods" > /data/note'], 'Never'), 'apply writer')
    await eventually(async () => (await getPod('note-writer')).status?.phase === 'Succeeded', 60_000, 'the writer to finish')
    const claim = JSON.parse(ok(await k(['get', 'pvc', 'notes', '-o', 'json']), 'get pvc'))
    expect(claim.status.phase).toBe('Bound')
    ok(await k(['delete', 'pod', 'note-writer']), 'delete writer')
    await applyJson(manifest('note-reader', ['httpd', '-f', '-p', String(port), '-h', '/data']), 'apply reader')
    await running('note-reader')
    expect((await e.http('GET', `/api/v1/namespaces/${NS}/pods/note-reader:${port}/proxy/note`)).text).toBe('kept across pods\n')
    ok(await k(['delete', 'pod', 'note-reader', '--grace-period=1', '--wait=false']), 'delete reader')
  })

  it("a pod sandbox that dies is replaced, and the pod's container restarts in the new one", { timeout: 90_000 }, async () => {
    ok(await k(['run', 'sturdy', `--image=${IMAGE}`, '--', 'sleep', '3600']), 'run')
    const uid = (await running('sturdy')).metadata.uid
    const sandboxOf = () => ctrd!.ctr(['containers', 'ls', '-q', `labels."io.cri-containerd.kind"==sandbox,labels."io.kubernetes.pod.uid"==${uid}`]).trim()
    const old = sandboxOf()
    expect(old).toMatch(/^[0-9a-f]{64}$/)
    const task = ctrd!.ctr(['tasks', 'ls']).split('\n').find((l) => l.startsWith(old))!
    process.kill(Number(task.split(/\s+/)[1]), 'SIGKILL')
    const after = await eventually(async () => {
      const cs = (await getPod('sturdy')).status.containerStatuses[0]
      return cs.restartCount >= 1 && cs.state.running && cs
    }, 40_000, 'the container to run again after the sandbox died')
    expect(after.lastState.terminated.exitCode).toBe(137)
    const now = sandboxOf()
    expect(now).toMatch(/^[0-9a-f]{64}$/)
    expect(now).not.toBe(old)
    expect(ctrContainers(uid)).toHaveLength(2)
    ok(await k(['delete', 'pod', 'sturdy', '--grace-period=1', '--wait=false']), 'delete')
  })

  it('a Deployment rolls out on a CNI pod network: each pod has its own IP and answers on the same port', { timeout: 120_000 }, async () => {
    await applyJson({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'netweb' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'netweb' } },
        template: {
          metadata: { labels: { app: 'netweb' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            nodeSelector: { 'kubernetes.io/hostname': NET_NODE },
            tolerations: [{ key: 'edgekube.io/pod-network', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{ name: 'web', image: IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    }, 'apply deployment')
    expect(ok(await k(['rollout', 'status', 'deployment/netweb', '--timeout=90s'], 100_000), 'rollout')).toContain('successfully rolled out')
    const pods = JSON.parse(ok(await k(['get', 'pods', '-l', 'app=netweb', '-o', 'json']), 'get pods')).items
    expect(pods).toHaveLength(2)
    const ips = pods.map((p: any) => p.status.podIP)
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(NET_NODE)
      expect(p.status.hostIP).toBe('127.0.0.1')
      expect(p.status.podIP).toMatch(/^10\.88\.\d+\.\d+$/)
      expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }])
      const r = await e.http('GET', `/api/v1/namespaces/${NS}/pods/${p.metadata.name}:8080/proxy/`)
      expect(r.text).toBe('hello from busybox httpd\n')
    }
    expect(new Set(ips).size).toBe(2)
    ok(await k(['delete', 'deployment', 'netweb']), 'delete deployment')
  })

  it('deleting the pod stops and removes its containers and its sandbox', { timeout: 90_000 }, async () => {
    const uid = (await getPod('web')).metadata.uid
    expect(ctrContainers(uid).length).toBeGreaterThan(0)
    // busybox httpd as PID 1 ignores SIGTERM: the SIGKILL after the grace period ends it.
    ok(await k(['delete', 'pod', 'web', '--grace-period=2', '--timeout=60s'], 70_000), 'delete')
    await eventually(() => ctrContainers(uid).length === 0, 20_000, 'containerd to hold nothing of pod web')
    expect(ctrd!.ctr(['containers', 'ls', '-q'])).not.toContain(uid)
  })

  it('unused images are garbage collected past the high threshold; images in use and the sandbox image stay', { timeout: 90_000 }, async () => {
    const tar = path.join(ctrd!.dir, 'unused.tar')
    // Content of its own, so that it is an image of its own and not another name of busybox's.
    buildImage(tar, 'localhost/unused:1', { files: { 'unused.txt': 'nobody runs this\n' } })
    ctrd!.ctr(['images', 'import', tar])
    const images = () => ctrd!.ctr(['images', 'ls', '-q']).split('\n').filter((l) => l && !l.startsWith('sha256:'))
    expect(images()).toContain('localhost/unused:1')
    await netAgent.stop()
    netAgent = startAgent(e, NET_NODE, [
      '--server', e.url, '--port', String(await freePort()), '--runtime', 'cri', '--cri-endpoint', ctrd!.endpoint, '--pod-network',
      '--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0', '--minimum-image-ttl-duration', '0s', '--image-gc-period', '1s',
    ])
    await netAgent.waitFor('removed unused image localhost/unused:1', 30_000)
    await eventually(() => !images().includes('localhost/unused:1'), 10_000, 'the unused image to be gone from containerd')
    // The registry's image was used only by pods deleted earlier.
    expect(images().some((i) => i.includes('/private/app'))).toBe(false)
    // busybox runs in this file's remaining pods; the pause image is every sandbox's.
    expect(images()).toEqual(expect.arrayContaining([IMAGE, 'localhost/pause:local']))
  })
})
