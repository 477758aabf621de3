// exec, attach and cp end to end: the real kubectl 1.35 against `wrangler
// dev` and real node agents, one reached directly and one through its
// reverse tunnel; pods run as local processes. Raw WebSocket clients check
// what kubectl never sends (bad subprotocols, malformed frames).
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, eventually, freePort, namespace, setupE2E, type Background, type E2E } from './harness'
import { startAgent, type Agent } from './agent'
import { connectWebSocket, WsHandshakeError, type WsConnection } from '../../agent/ws'

const NS = 'streaming-e2e'
let e: E2E
const agents: Agent[] = []
const background: Background[] = []
let gone: Agent

function twoContainerPod(name: string, nodeName: string) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
    spec: {
      nodeName, terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'WHO', value: 'main' }] },
        { name: 'side', image: 'busybox', command: ['sh', '-c', 'while true; do echo tick; sleep 0.3; done'], env: [{ name: 'WHO', value: 'side' }] },
      ],
    },
  }
}

const onePod = (name: string, nodeName: string, command: string[], restartPolicy = 'Always') => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
  spec: { nodeName, restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command }] },
})

/** A pod serving HTTP on two ports (host processes: the ports are the node's). */
function webPod(name: string, nodeName: string, port1: number, port2: number) {
  const script = [
    "const http = require('http')",
    "for (const p of [process.env.PORT1, process.env.PORT2]) http.createServer((q, s) => {",
    "  if (q.url.startsWith('/bytes/')) { const n = Number(q.url.slice(7)); const chunk = Buffer.alloc(65536, 120); let left = n;",
    "    s.writeHead(200, { 'content-length': n }); const more = () => { while (left > 0) { const c = chunk.subarray(0, Math.min(left, chunk.length)); left -= c.length; if (!s.write(c)) return s.once('drain', more) } s.end() }; return more() }",
    "  let body = ''; q.on('data', (d) => (body += d)); q.on('end', () => s.end(process.env.POD + ' ' + p + ' ' + q.method + ' ' + q.url + ' ' + body.length))",
    '}).listen(p)',
  ].join('\n')
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      nodeName, terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web', image: 'node', command: ['node', '-e', script],
        env: [{ name: 'PORT1', value: String(port1) }, { name: 'PORT2', value: String(port2) }, { name: 'POD', value: name }],
        ports: [{ name: 'http', containerPort: port1 }, { name: 'alt', containerPort: port2 }],
        readinessProbe: { tcpSocket: { port: port1 }, periodSeconds: 1 },
      }],
    },
  }
}

const webPorts: Record<string, [number, number]> = {}

const running = (name: string) => eventually(async () => {
  const r = await e.http('GET', `/api/v1/namespaces/${NS}/pods/${name}`)
  return r.status === 200 && (r.json as { status?: { phase?: string } }).status?.phase === 'Running'
}, 30_000, `pod ${name} to run`)

beforeAll(async () => {
  e = await setupE2E()
  await create(e, '/api/v1/namespaces', namespace(NS))
  const direct = startAgent(e, 'stream-direct', ['--server', e.url, '--port', String(await freePort())])
  const tunnel = startAgent(e, 'stream-tunnel', ['--server', e.url, '--port', String(await freePort()), '--tunnel'])
  gone = startAgent(e, 'stream-gone', ['--server', e.url, '--port', String(await freePort())])
  agents.push(direct, tunnel, gone)
  await Promise.all([direct.waitFor('kubelet API listening'), tunnel.waitFor('tunnel connected'), gone.waitFor('kubelet API listening')])
  for (const [pod, node] of [['p-direct', 'stream-direct'], ['p-tunnel', 'stream-tunnel']]) await create(e, `/api/v1/namespaces/${NS}/pods`, twoContainerPod(pod, node))
  await create(e, `/api/v1/namespaces/${NS}/pods`, onePod('p-gone', 'stream-gone', ['sleep', '3600']))
  await create(e, `/api/v1/namespaces/${NS}/pods`, onePod('p-done', 'stream-direct', ['true'], 'Never'))
  await create(e, `/api/v1/namespaces/${NS}/pods`, onePod('p-ghost', 'no-such-node', ['sleep', '3600']))
  await create(e, `/api/v1/namespaces/${NS}/pods`, onePod('p-broken', 'stream-direct', ['no-such-binary-here']))
  const stdinPod = onePod('p-stdin', 'stream-tunnel', ['sh', '-c', 'while read l; do echo "got $l"; done'])
  Object.assign(stdinPod.spec.containers[0], { stdin: true })
  await create(e, `/api/v1/namespaces/${NS}/pods`, stdinPod)
  for (const [pod, node] of [['web-direct', 'stream-direct'], ['web-tunnel', 'stream-tunnel']]) {
    webPorts[pod] = [await freePort(), await freePort()]
    await create(e, `/api/v1/namespaces/${NS}/pods`, webPod(pod, node, ...webPorts[pod]))
    await create(e, `/api/v1/namespaces/${NS}/services`, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${pod}`, namespace: NS },
      spec: { selector: { app: pod }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    })
  }
  await Promise.all(['p-direct', 'p-tunnel', 'p-gone', 'web-direct', 'web-tunnel', 'p-stdin'].map(running))
  await eventually(async () => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/p-done`)).json.status?.phase === 'Succeeded', 30_000, 'p-done to finish')
})

afterAll(async () => {
  for (const b of background) await b.stop().catch(() => {})
  for (const a of agents) await a.stop().catch(() => {})
  await e?.close()
})

const pgrep = (pattern: string) => {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}

/** Opens a raw exec WebSocket, as a client library would. */
function execSocket(pod: string, query: string, protocols = ['v5.channel.k8s.io']): Promise<WsConnection> {
  return connectWebSocket(`${e.url}/api/v1/namespaces/${NS}/pods/${pod}/exec?${query}`, { protocols })
}

/** Collects a raw session's messages until it closes. */
function collect(ws: WsConnection): Promise<{ channels: Record<number, string>; closed: number }> {
  const channels: Record<number, string> = {}
  ws.on('message', (d) => { channels[d[0]] = (channels[d[0]] ?? '') + d.subarray(1).toString() })
  return new Promise((resolve) => ws.on('close', (code) => resolve({ channels, closed: code })))
}

describe.each([['direct', 'p-direct'], ['tunnel', 'p-tunnel']])('kubectl through a %s agent', (_mode, pod) => {
  it('exec prints stdout and stderr and exits with the command\'s code', async () => {
    const r = await e.kubectl(['exec', '-n', NS, pod, '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    expect(r.stdout).toBe('out\n')
    expect(r.stderr).toContain('err\n')
    expect(r.stderr).toContain('command terminated with exit code 3')
    expect(r.code).toBe(3)
  })

  it('exec -i passes stdin through to its end', async () => {
    const r = await e.kubectl(['exec', '-i', '-n', NS, pod, '-c', 'main', '--', 'sh', '-c', 'cat; echo done'], { input: 'hi\nthere\n' })
    expect(r).toMatchObject({ code: 0, stdout: 'hi\nthere\ndone\n' })
  })

  it('exec -c picks the container (its environment)', async () => {
    for (const c of ['main', 'side']) {
      const r = await e.kubectl(['exec', '-n', NS, pod, '-c', c, '--', 'sh', '-c', 'echo $WHO'])
      expect(r).toMatchObject({ code: 0, stdout: `${c}\n` })
    }
  })

  it('exec without -c takes the first container and says so', async () => {
    const r = await e.kubectl(['exec', '-n', NS, pod, '--', 'sh', '-c', 'echo $WHO'])
    expect(r.stdout).toBe('main\n')
    expect(r.stderr).toContain('Defaulted container "main" out of: main, side')
  })

  it('exec -it runs the command on a terminal of the client\'s size', async () => {
    // kubectl under script(1) has a terminal of its own, 101x33, and passes its size on.
    const cmd = `stty cols 101 rows 33; ${e.kubectlPath} --kubeconfig ${e.kubeconfigPath} exec -it -n ${NS} ${pod} -c main -- sh -c 'tty; stty size; exit 4'`
    let out = ''
    let code = 0
    try {
      out = execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 30_000, input: '' })
    } catch (err) {
      const x = err as { status: number; stdout: string }
      code = x.status
      out = x.stdout
    }
    expect(out).toMatch(/\/dev\/pts\/\d+/)
    expect(out).toContain('33 101')
    expect(code).toBe(4)
  })

  it('cp copies 5 MB into the pod and back byte for byte', async () => {
    const dir = fs.mkdtempSync(path.join(e.tmpDir, `cp-${pod}-`))
    const src = path.join(dir, 'src.bin')
    fs.writeFileSync(src, crypto.randomBytes(5 * 1024 * 1024))
    const inPod = path.join(dir, 'in-pod', 'copy.bin')
    fs.mkdirSync(path.dirname(inPod))
    const up = await e.kubectl(['cp', src, `${NS}/${pod}:${inPod}`, '-c', 'main'], { timeoutMs: 60_000 })
    expect(up.code, up.stderr).toBe(0)
    const back = path.join(dir, 'back.bin')
    const down = await e.kubectl(['cp', `${NS}/${pod}:${inPod}`, back, '-c', 'main'], { timeoutMs: 60_000 })
    expect(down.code, down.stderr).toBe(0)
    expect(crypto.createHash('sha256').update(fs.readFileSync(back)).digest('hex')).toBe(crypto.createHash('sha256').update(fs.readFileSync(src)).digest('hex'))
  })

  it('attach shows what the running container prints', async () => {
    const b = e.kubectlBackground(['attach', '-n', NS, pod, '-c', 'side'])
    background.push(b)
    await b.waitForLine((l) => l === 'tick', 20_000)
    const n = b.lines.length
    await b.waitForLine((l) => l === 'tick', 5_000, n)
    await b.stop()
  })

  it('a client that goes away ends its command on the node', async () => {
    const marker = String(4000 + Math.floor(Math.random() * 999))
    const ws = await execSocket(pod, `container=main&stdout=true&command=sleep&command=${marker}.5`)
    await eventually(() => pgrep(`sleep ${marker}.5`) !== '', 10_000, 'the exec to start')
    ws.destroy()
    // A quiet command: the agent's keepalive (every 5 s) is the write that finds the client gone.
    await eventually(() => pgrep(`sleep ${marker}.5`) === '', 20_000, 'the command to end')
  })

  it('keepalives on a quiet session leave the output as it is', async () => {
    const r = await e.kubectl(['exec', '-n', NS, pod, '-c', 'main', '--', 'sh', '-c', 'sleep 6; echo done'])
    expect(r).toMatchObject({ code: 0, stdout: 'done\n' })
  })

  it('an oversized resize message ends the session with a Status and the process', async () => {
    const marker = String(5000 + Math.floor(Math.random() * 999))
    const ws = await execSocket(pod, `container=main&stdin=true&stdout=true&tty=true&command=sleep&command=${marker}.5`)
    const done = collect(ws)
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 80, Height: 24 }))]))
    await eventually(() => pgrep(`sleep ${marker}.5`) !== '', 10_000, 'the exec to start')
    ws.send(Buffer.concat([Buffer.from([4]), Buffer.alloc(5000, 0x20)]))
    const r = await done
    const status = JSON.parse(r.channels[3])
    expect(status).toMatchObject({ status: 'Failure', reason: 'BadRequest' })
    expect(status.message).toContain('resize message of 5000 bytes')
    await eventually(() => pgrep(`sleep ${marker}.5`) === '', 10_000, 'the command to end')
  })

  it('a frame for no channel ends the session with a Status', async () => {
    const ws = await execSocket(pod, 'container=main&stdin=true&stdout=true&command=cat')
    const done = collect(ws)
    ws.send(Buffer.from([9, 1, 2, 3]))
    const r = await done
    expect(JSON.parse(r.channels[3])).toMatchObject({ status: 'Failure', message: 'no channel 9 to write to' })
  })

  it('speaks v4 and base64 to clients that ask for them', async () => {
    const v4 = await execSocket(pod, 'container=main&stdout=true&command=sh&command=-c&command=echo%20v4%3B%20exit%207', ['v4.channel.k8s.io'])
    const r4 = await collect(v4)
    expect(r4.channels[1]).toBe('v4\n')
    expect(JSON.parse(r4.channels[3])).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })
    const b64 = await execSocket(pod, 'container=main&stdout=true&command=echo&command=b64', ['v4.base64.channel.k8s.io'])
    expect(b64.protocol).toBe('v4.base64.channel.k8s.io')
    const texts: string[] = []
    b64.on('message', (d, text) => { expect(text).toBe(true); texts.push(d.toString()) })
    await new Promise((r) => b64.on('close', r))
    const out = texts.filter((t) => t[0] === '1').map((t) => Buffer.from(t.slice(1), 'base64').toString()).join('')
    expect(out).toBe('b64\n')
    expect(JSON.parse(Buffer.from(texts.find((t) => t[0] === '3')!.slice(1), 'base64').toString())).toMatchObject({ status: 'Success' })
  })
})

/** Starts kubectl port-forward and waits until it listens on every local port. */
async function portForward(args: string[], locals: number[]): Promise<Background> {
  const b = e.kubectlBackground(['port-forward', '-n', NS, ...args])
  background.push(b)
  for (const l of locals) await b.waitForLine((line) => line.startsWith(`Forwarding from 127.0.0.1:${l}`), 20_000)
  return b
}

const get = async (url: string) => {
  const r = await fetch(url, { signal: AbortSignal.timeout(20_000) })
  return { status: r.status, text: await r.text() }
}

describe.each([['direct', 'web-direct'], ['tunnel', 'web-tunnel']])('port-forward through a %s agent', (_mode, pod) => {
  it('pod/x LOCAL:PORT carries 20 requests at once', async () => {
    const local = await freePort()
    const [port] = webPorts[pod]
    const b = await portForward([`pod/${pod}`, `${local}:${port}`], [local])
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`http://127.0.0.1:${local}/r${i}`)))
    answers.forEach((a, i) => expect(a).toEqual({ status: 200, text: `${pod} ${port} GET /r${i} 0` }))
    await b.stop()
  })

  it('svc/x goes to a pod behind the service, at its target port', async () => {
    const local = await freePort()
    const b = await portForward([`svc/svc-${pod}`, `${local}:80`], [local])
    expect(await get(`http://127.0.0.1:${local}/svc`)).toEqual({ status: 200, text: `${pod} ${webPorts[pod][0]} GET /svc 0` })
    await b.stop()
  })

  it('two ports at once, with uploads and a download of 8 MB', async () => {
    const [l1, l2] = [await freePort(), await freePort()]
    const [p1, p2] = webPorts[pod]
    const b = await portForward([`pod/${pod}`, `${l1}:${p1}`, `${l2}:${p2}`], [l1, l2])
    expect(await get(`http://127.0.0.1:${l1}/one`)).toEqual({ status: 200, text: `${pod} ${p1} GET /one 0` })
    expect(await get(`http://127.0.0.1:${l2}/two`)).toEqual({ status: 200, text: `${pod} ${p2} GET /two 0` })
    const up = await fetch(`http://127.0.0.1:${l2}/up`, { method: 'POST', body: 'x'.repeat(3_000_000), signal: AbortSignal.timeout(20_000) })
    expect(await up.text()).toBe(`${pod} ${p2} POST /up 3000000`)
    const down = await fetch(`http://127.0.0.1:${l1}/bytes/8388608`, { signal: AbortSignal.timeout(30_000) })
    expect((await down.arrayBuffer()).byteLength).toBe(8388608)
    await b.stop()
  })

  it('a port nothing listens on: the error as the kubelet words it', async () => {
    const local = await freePort()
    const closed = await freePort()
    const b = await portForward([`pod/${pod}`, `${local}:${closed}`], [local])
    await fetch(`http://127.0.0.1:${local}/`, { signal: AbortSignal.timeout(20_000) }).then((r) => r.text()).catch(() => undefined)
    await eventually(() => b.stderr().includes(`error forwarding port ${closed} to pod ${pod}`), 20_000, `kubectl to report the refused connection; stderr: ${b.stderr()}`)
    expect(b.stderr()).toContain(`dial tcp4 127.0.0.1:${closed}: connect: connection refused`)
    await b.stop()
  })

  it('client-node: Exec with stdin and the exit status, and PortForward', async () => {
    const kc = e.kubeConfig()
    const { Exec, PortForward } = await import('@kubernetes/client-node')
    const { PassThrough } = await import('node:stream')
    const out = new PassThrough()
    const err = new PassThrough()
    const input = new PassThrough()
    let text = ''
    out.on('data', (d) => (text += d))
    const status = await new Promise<{ status: string; details?: { causes?: { message: string }[] } }>((resolve, reject) => {
      new Exec(kc).exec(NS, pod.replace('web', 'p'), 'main', ['sh', '-c', 'cat; exit 2'], out, err, input, false, (s) => resolve(s as never)).catch(reject)
      input.end('from client-node\n')
    })
    expect(text).toBe('from client-node\n')
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } })

    const pfOut = new PassThrough()
    const pfIn = new PassThrough()
    let reply = ''
    pfOut.on('data', (d) => (reply += d))
    const ws = await new PortForward(kc).portForward(NS, pod, [webPorts[pod][0]], pfOut, null, pfIn)
    pfIn.write('GET /from-client-node HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await eventually(() => reply.includes(`${pod} ${webPorts[pod][0]} GET /from-client-node 0`), 20_000, `the reply; so far: ${reply}`)
    expect(reply).toMatch(/^HTTP\/1.1 200 OK/)
    ;(ws as { close(): void }).close()
  })
})

describe('errors', () => {
  it('an unknown container is a 400 that names it', async () => {
    const r = await e.kubectl(['exec', '-n', NS, 'p-direct', '-c', 'nope', '--', 'true'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('container nope is not valid for pod p-direct')
  })

  it('a completed pod cannot be exec\'d into', async () => {
    const r = await e.kubectl(['exec', '-n', NS, 'p-done', '--', 'true'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot exec into a container in a completed pod; current phase is Succeeded')
    const raw = await execSocket('p-done', 'stdout=true&command=true').catch((err) => err)
    expect(raw).toBeInstanceOf(WsHandshakeError)
    expect((raw as WsHandshakeError).status).toBe(400)
  })

  it('a container that is not running: the kubelet\'s "container not found" on the error channel', async () => {
    await eventually(async () => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/p-broken`)).json.status?.containerStatuses?.[0]?.state?.waiting, 30_000, 'p-broken to wait')
    const r = await e.kubectl(['exec', '-n', NS, 'p-broken', '--', 'true'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('unable to upgrade connection: container not found ("c")')
  })

  it('attach -i feeds a container that keeps stdin open', async () => {
    const ws = await connectWebSocket(`${e.url}/api/v1/namespaces/${NS}/pods/p-stdin/attach?container=c&stdin=true&stdout=true&stderr=true`, { protocols: ['v5.channel.k8s.io'] })
    let out = ''
    ws.on('message', (d) => { if (d[0] === 1) out += d.subarray(1).toString() })
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello\n')]))
    await eventually(() => out.includes('got hello'), 10_000, `the container's answer; so far: ${JSON.stringify(out)}`)
    ws.close()
  })

  it('a pod on a node that does not exist: nodes "x" not found', async () => {
    const r = await e.kubectl(['exec', '-n', NS, 'p-ghost', '--', 'true'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('nodes "no-such-node" not found')
  })

  it('a command that does not exist fails with the runtime\'s message', async () => {
    const r = await e.kubectl(['exec', '-n', NS, 'p-direct', '-c', 'main', '--', 'no-such-command-here'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('executable file not found in $PATH')
  })

  it('no upgrade: 400 Upgrade request required; SPDY: 400 that says WebSockets', async () => {
    const plain = await e.http('GET', `/api/v1/namespaces/${NS}/pods/p-direct/exec?container=main&stdout=true&command=true`)
    expect(plain.status).toBe(400)
    expect(plain.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'Upgrade request required' })
    // As kubectl's fallback sends it (fetch refuses to send Connection: Upgrade).
    const spdy = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${e.url}/api/v1/namespaces/${NS}/pods/p-direct/exec?container=main&stdout=true&command=true`, {
        method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' },
      }, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      })
      req.on('upgrade', () => reject(new Error('upgraded to SPDY')))
      req.on('error', reject)
      req.end()
    })
    expect(spdy.status).toBe(400)
    expect(JSON.parse(spdy.text).message).toContain('over WebSockets only')
  })

  it('unknown subprotocols and bad options are 400s', async () => {
    const bad = await execSocket('p-direct', 'container=main&stdout=true&command=true', ['nope.k8s.io']).catch((err) => err)
    expect(bad).toBeInstanceOf(WsHandshakeError)
    expect((bad as WsHandshakeError).status).toBe(400)
    expect((bad as WsHandshakeError).body).toContain('requested protocol(s) are not supported')
    const flag = await execSocket('p-direct', 'container=main&stdout=maybe&command=true').catch((err) => err)
    expect((flag as WsHandshakeError).status).toBe(400)
    expect((flag as WsHandshakeError).body).toContain('strconv.ParseBool: parsing \\"maybe\\"')
    const none = await execSocket('p-direct', 'container=main&command=true').catch((err) => err)
    expect((none as WsHandshakeError).body).toContain('you must specify at least 1 of stdin, stdout, stderr')
  })

  it('a node whose agent is gone: an error, never a hang', async () => {
    await gone.stop()
    const started = Date.now()
    const r = await e.kubectl(['exec', '-n', NS, 'p-gone', '--', 'true'], { timeoutMs: 45_000 })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error trying to reach service')
    expect(Date.now() - started).toBeLessThan(40_000)
  })
})
