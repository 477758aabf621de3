// Nodes end to end: the real `wrangler dev`, two node agents started with
// `npm run agent` (one reached directly on its port, one over its reverse
// tunnel), pods run as local processes, and the proxy, logs and deletion
// driven with the real kubectl 1.35, `kubectl proxy` and plain HTTP.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ROOT, create, describeResponse, eventually, freePort, killGroup, namespace, parseTable, setupE2E, type Background, type E2E,
} from './harness'
import { connectWebSocket } from '../../agent/ws'
import { killContainers } from './agent'

const NS = 'nodes-e2e'
let e: E2E
let kproxy: Background
let kproxyUrl = ''
const background: Background[] = []

interface Agent {
  name: string
  port: number
  tunnel: boolean
  stateDir: string
  child?: ChildProcess
  output: string
  start(): Promise<void>
  stop(): Promise<void>
}

function agent(name: string, port: number, tunnel: boolean): Agent {
  const stateDir = path.join(e.tmpDir, 'agents', name)
  const a: Agent = {
    name, port, tunnel, stateDir, output: '',
    async start() {
      const args = ['run', '--silent', 'agent', '--', '--name', name, '--server', e.url, '--address', '127.0.0.1', '--port', String(port), '--state-dir', stateDir]
      if (tunnel) args.push('--tunnel')
      const child = spawn('npm', args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
      a.child = child
      const append = (d: Buffer) => {
        a.output += d.toString()
        if (process.env.E2E_LOG) process.stderr.write(d)
      }
      child.stdout!.on('data', append)
      child.stderr!.on('data', append)
      // Serving once the kubelet API listens (direct) or the tunnel is up.
      await eventually(() => a.output.includes(tunnel ? 'tunnel connected' : 'kubelet API listening'), 30_000, `agent ${name} to start; output:\n${a.output}`)
    },
    async stop() {
      const c = a.child
      a.child = undefined
      if (c?.pid) await killGroup(c.pid, 5000)
    },
  }
  return a
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

let direct: Agent
let tunnel: Agent

beforeAll(async () => {
  e = await setupE2E()
  await create(e, '/api/v1/namespaces', namespace(NS))
  direct = agent('node-direct', await freePort(), false)
  tunnel = agent('node-tunnel', await freePort(), true)
  await Promise.all([direct.start(), tunnel.start()])
  const port = await freePort()
  kproxy = e.kubectlBackground(['proxy', `--port=${port}`, '--address=127.0.0.1', '--accept-hosts=^127\\.0\\.0\\.1$'])
  background.push(kproxy)
  await kproxy.waitForLine((l) => l.includes('Starting to serve'))
  kproxyUrl = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  for (const b of background) await b.stop().catch(() => {})
  for (const a of [direct, tunnel]) {
    await a?.stop()
    if (a) killContainers(a.stateDir)
  }
  await e?.close()
})

const get = async (p: string, base?: string) => {
  const r = await fetch((base ?? e.url) + p, { headers: { 'accept-encoding': 'identity' }, signal: AbortSignal.timeout(20_000) })
  return { status: r.status, text: await r.text(), headers: r.headers }
}

/** A request with node:http, which (unlike fetch) sends any Host and Expect header. */
function raw(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: 20_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)))
    req.on('error', reject)
    if (body && headers.expect) {
      // As curl does: the body follows a 100 Continue, or a second without one.
      let sent = false
      const send = () => { if (!sent) { sent = true; req.end(body) } }
      req.on('continue', send)
      setTimeout(send, 1000)
    } else {
      req.end(body)
    }
  })
}

function serverPod(name: string, nodeName: string, port: number, labels: Record<string, string>) {
  const script = "console.log('listening on', process.env.PORT); setInterval(() => console.log('tick', Date.now()), 300); require('http').createServer((q, s) => s.end('hi ' + q.url)).listen(process.env.PORT)"
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
    spec: {
      nodeName, terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'app', image: 'node', command: ['node', '-e', script],
        env: [{ name: 'PORT', value: String(port) }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        ports: [{ name: 'http', containerPort: port }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
      }],
    },
  }
}

const WS_ECHO = `
const http = require('http'), crypto = require('crypto');
const srv = http.createServer((q, s) => { let n = 0; q.on('data', (d) => (n += d.length)); q.on('end', () => s.end('got ' + q.method + ' ' + n)); });
srv.on('upgrade', (req, sock) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  sock.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\nSec-WebSocket-Protocol: v5.channel.k8s.io\\r\\n\\r\\n');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2) {
      let len = buf[1] & 127, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      if (buf.length < off + 4 + len) return;
      const key = buf.subarray(off, off + 4), p = Buffer.from(buf.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < len; i++) p[i] ^= key[i & 3];
      const op = buf[0] & 15; buf = buf.subarray(off + 4 + len);
      if (op === 8) { sock.end(Buffer.from([0x88, 0])); return; }
      const out = Buffer.from('echo ' + p.toString());
      sock.write(Buffer.concat([Buffer.from([0x81, out.length]), out]));
    }
  });
});
srv.listen(process.env.PORT);
`

for (const mode of ['direct', 'tunnel'] as const) {
  describe(`a node reached ${mode === 'direct' ? 'directly' : 'through its tunnel'}`, () => {
    const a = () => (mode === 'direct' ? direct : tunnel)
    const pod = `web-${mode}`
    let podPort = 0

    it('registers a Ready node with its addresses, capacity and lease', async () => {
      const node = a().name
      const rows = await eventually(async () => {
        const r = await e.kubectl(['get', 'nodes', '-o', 'wide'])
        const row = parseTable(r.stdout).find((x) => x.NAME === node)
        return row?.STATUS === 'Ready' ? row : undefined
      }, 20_000, `node ${node} Ready`)
      expect(rows).toMatchObject({ VERSION: 'v1.35.0-edgekube', 'INTERNAL-IP': '127.0.0.1' })
      expect(rows['CONTAINER-RUNTIME']).toMatch(/^process:\/\//)
      const n = (await e.http('GET', `/api/v1/nodes/${node}`)).json
      expect(n.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': node, 'kubernetes.io/os': 'linux' })
      expect(n.metadata.labels['kubernetes.io/arch']).toMatch(/^(amd64|arm64)$/)
      expect(n.status.daemonEndpoints.kubeletEndpoint.Port).toBe(a().port)
      expect(n.status.capacity).toMatchObject({ pods: '110' })
      expect(n.status.capacity.memory).toMatch(/^\d+Ki$/)
      expect(n.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' })
      const lease = await e.http('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`)
      expect(lease.json.spec).toMatchObject({ holderIdentity: node, leaseDurationSeconds: 40 })
      expect(lease.json.spec.renewTime).toMatch(/\.\d{6}Z$/)
    })

    it('runs a pod that becomes Running and Ready with the node address as its IP', async () => {
      podPort = await freePort()
      await create(e, `/api/v1/namespaces/${NS}/pods`, serverPod(pod, a().name, podPort, { app: pod }))
      const w = await e.kubectl(['wait', '-n', NS, '--for=condition=Ready', `pod/${pod}`, '--timeout=30s'])
      expect(w.code, w.stderr).toBe(0)
      const p = (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).json
      expect(p.status).toMatchObject({ phase: 'Running', podIP: '127.0.0.1', hostIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] })
      expect(p.status.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, state: { running: {} } })
      expect(p.status.containerStatuses[0].containerID).toMatch(/^process:\/\/\d+$/)
      const types = p.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)
      expect(types).toEqual(expect.arrayContaining(['PodScheduled=True', 'Initialized=True', 'ContainersReady=True', 'Ready=True']))
    })

    it('proxies to the pod, in the current and legacy forms, and through kubectl proxy', async () => {
      for (const p of [`/api/v1/namespaces/${NS}/pods/${pod}:${podPort}/proxy/x`, `/api/v1/namespaces/${NS}/pods/${pod}/proxy/x`, `/api/v1/proxy/namespaces/${NS}/pods/${pod}/x`]) {
        const r = await get(p)
        expect(r.status, `${p}: ${r.text}`).toBe(200)
        expect(r.text).toBe('hi /x')
      }
      const q = await get(`/api/v1/namespaces/${NS}/pods/${pod}:http/proxy/a/b?c=d`, kproxyUrl)
      expect(q.text).toBe('hi /a/b?c=d')
      const refused = await raw(`${kproxyUrl}/api/v1/namespaces/${NS}/pods/${pod}/proxy/x`, 'GET', { host: 'evil.example' })
      expect(refused.status).toBe(403)
    })

    it("lists the node's pods through the node proxy", async () => {
      for (const p of [`/api/v1/proxy/nodes/${a().name}/pods`, `/api/v1/nodes/${a().name}/proxy/pods`]) {
        for (const base of [e.url, kproxyUrl]) {
          const r = await get(p, base)
          expect(r.status, `${base}${p}: ${r.text.slice(0, 300)}`).toBe(200)
          const list = JSON.parse(r.text)
          expect(list.kind).toBe('PodList')
          expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(pod)
        }
      }
      expect((await get(`/api/v1/nodes/${a().name}/proxy/healthz`)).text).toBe('ok')
    })

    it('shows the container output with kubectl logs, and streams it with logs -f', async () => {
      const r = await e.kubectl(['logs', '-n', NS, pod])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`listening on ${podPort}`)
      const tail = await e.kubectl(['logs', '-n', NS, pod, '--tail=1', '--timestamps'])
      expect(tail.stdout.trim().split('\n')).toHaveLength(1)
      expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+/)
      const f = e.kubectlBackground(['logs', '-n', NS, '-f', pod, '--tail=1'])
      background.push(f)
      await f.waitForLine((l) => l.startsWith('tick'), 10_000)
      const first = f.lines.length
      // New lines keep arriving while the command runs.
      await f.waitForLine((l) => l.startsWith('tick'), 10_000, first)
      await f.waitForLine((l) => l.startsWith('tick'), 10_000, first + 1)
      await f.stop()
      const prev = await e.kubectl(['logs', '-n', NS, pod, '--previous'])
      expect(prev.code).not.toBe(0)
      expect(prev.stderr).toContain(`previous terminated container "app" in pod "${pod}" not found`)
    })

    it('proxies a service with a selector to its ready pod', async () => {
      const svc = `svc-${mode}`
      await create(e, `/api/v1/namespaces/${NS}/services`, {
        apiVersion: 'v1', kind: 'Service', metadata: { name: svc, namespace: NS },
        spec: { selector: { app: pod }, ports: [{ port: 80, targetPort: 'http' }] },
      })
      if (!fs.existsSync(path.join(ROOT, 'src/controllers/endpoints.ts'))) {
        // No endpoints controller in this tree: the Endpoints it would write.
        const p = (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).json
        await create(e, `/api/v1/namespaces/${NS}/endpoints`, {
          apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc, namespace: NS },
          subsets: [{ addresses: [{ ip: '127.0.0.1', nodeName: a().name, targetRef: { kind: 'Pod', name: pod, namespace: NS, uid: p.metadata.uid } }], ports: [{ port: podPort, protocol: 'TCP' }] }],
        })
      }
      for (const p of [`/api/v1/namespaces/${NS}/services/${svc}/proxy/s`, `/api/v1/namespaces/${NS}/services/http:${svc}:80/proxy/s`, `/api/v1/proxy/namespaces/${NS}/services/${svc}/s`]) {
        const r = await eventually(async () => {
          const x = await get(p)
          return x.status === 200 ? x : undefined
        }, 15_000, `${p} to answer`)
        expect(r.text).toBe('hi /s')
      }
      const wrongPort = await get(`/api/v1/namespaces/${NS}/services/${svc}:81/proxy/`)
      expect(wrongPort.status).toBe(503)
      expect(JSON.parse(wrongPort.text)).toMatchObject({ kind: 'Status', message: `no service port 81 found for service "${svc}"` })
    })

    it('passes WebSocket upgrades and uploads through to a pod', async () => {
      const name = `echo-${mode}`
      const script = path.join(e.tmpDir, 'ws-echo.js')
      fs.writeFileSync(script, WS_ECHO)
      const port = await freePort()
      await create(e, `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
        spec: { nodeName: a().name, containers: [{ name: 'echo', image: 'node', command: ['node', script], env: [{ name: 'PORT', value: String(port) }], ports: [{ containerPort: port }], readinessProbe: { tcpSocket: { port }, periodSeconds: 1 } }] },
      })
      const w = await e.kubectl(['wait', '-n', NS, '--for=condition=Ready', `pod/${name}`, '--timeout=30s'])
      expect(w.code, w.stderr).toBe(0)
      // curl sends Expect: 100-continue with large uploads; the proxy must not pass it on.
      const up = await raw(`${e.url}/api/v1/namespaces/${NS}/pods/${name}/proxy/upload`, 'POST', { expect: '100-continue' }, Buffer.alloc(3 * 1024 * 1024 + 1))
      expect(up.text).toBe(`got POST ${3 * 1024 * 1024 + 1}`)
      const ws = await connectWebSocket(`${e.url}/api/v1/namespaces/${NS}/pods/${name}/proxy/ws`, { protocols: ['v5.channel.k8s.io'] })
      expect(ws.protocol).toBe('v5.channel.k8s.io')
      const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())))
      ws.send('ping through the proxy')
      expect(await got).toBe('echo ping through the proxy')
      ws.close()
      const d = await e.kubectl(['delete', 'pod', '-n', NS, name, '--timeout=30s'])
      expect(d.code, d.stderr).toBe(0)
    })

    if (mode === 'direct') {
      it('adopts the running process when the agent restarts (no duplicate)', async () => {
        const before = (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).json.status.containerStatuses[0].containerID
        await direct.stop()
        direct.output = ''
        await direct.start()
        expect(direct.output).toContain('adopted container')
        await eventually(async () => (await get(`/api/v1/namespaces/${NS}/pods/${pod}/proxy/again`)).text === 'hi /again', 15_000, 'the pod to answer after the agent restart')
        // A restarted agent reports the adopted container ready once it has checked it again.
        const after = await eventually(async () => {
          const s = (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).json.status
          return s.containerStatuses[0].ready && s
        }, 15_000, 'the adopted container to be reported ready')
        expect(after.containerStatuses[0]).toMatchObject({ containerID: before, restartCount: 0, ready: true })
        expect(direct.output).not.toContain(`started container ${NS}/${pod}`)
      })
    }

    it('kubectl delete pod stops the process within the grace period and the pod goes', async () => {
      const p = (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).json
      const pid = Number(p.status.containerStatuses[0].containerID.replace('process://', ''))
      expect(alive(pid)).toBe(true)
      const t0 = Date.now()
      const d = await e.kubectl(['delete', 'pod', '-n', NS, pod, '--timeout=30s'])
      expect(d.code, d.stderr).toBe(0)
      expect(Date.now() - t0).toBeLessThan(10_000)
      expect((await e.http('GET', `/api/v1/namespaces/${NS}/pods/${pod}`)).status).toBe(404)
      await eventually(() => !alive(pid), 5000, `process ${pid} to exit`)
      expect(a().output).toContain(`pod ${NS}/${pod} stopped and deleted`)
    })
  })
}

describe('failures are Statuses, never hangs', () => {
  it('a proxy to a missing node is a 404 Status', async () => {
    for (const p of ['/api/v1/nodes/no-such-node/proxy/pods', '/api/v1/proxy/nodes/no-such-node/pods']) {
      const r = await e.http('GET', p)
      expect(r.status, describeResponse('GET', p, r)).toBe(404)
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'nodes "no-such-node" not found' })
    }
    const logs = await e.kubectl(['logs', '-n', NS, 'no-such-pod'])
    expect(logs.stderr).toContain('pods "no-such-pod" not found')
  })

  it('a proxy to a stopped agent is a 503 Status, quickly', async () => {
    await Promise.all([direct.stop(), tunnel.stop()])
    for (const a of [direct, tunnel]) {
      const t0 = Date.now()
      const p = `/api/v1/nodes/${a.name}/proxy/pods`
      const r = await eventually(async () => {
        const x = await e.http('GET', p)
        return x.status === 503 ? x : undefined
      }, 5000, `${p} to answer 503`)
      expect(Date.now() - t0).toBeLessThan(5000)
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 })
      expect(r.json.message).toMatch(/^error trying to reach service: /)
    }
  })
})
