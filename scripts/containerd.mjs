#!/usr/bin/env node
// A private containerd for the tests and benchmarks of the node agent's CRI
// runtime: installs containerd, runc, the CNI plugins and busybox-static
// with apt when they are missing (as root), starts containerd with its
// whole state in a scratch folder (socket, root, state, runc root, CNI
// config and IPAM), builds the pause and busybox images offline and imports
// them, and tears everything down again, ending only the processes bound to
// that folder's socket.
//
//   node scripts/containerd.mjs start DIR    # prints the socket; containerd keeps running
//   node scripts/containerd.mjs stop DIR
//   import { startContainerd } from './scripts/containerd.mjs'

import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildImage } from './oci-image.mjs'

export const PAUSE_IMAGE = 'localhost/pause:local'
export const BUSYBOX_IMAGE = 'localhost/busybox:1'
const PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'busybox-static']
const CNI_BIN = '/usr/lib/cni'

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0
const missing = () => [
  ...(has('containerd') && has('ctr') ? [] : ['containerd']),
  ...(has('runc') ? [] : ['runc']),
  ...(fs.existsSync(path.join(CNI_BIN, 'bridge')) ? [] : ['containernetworking-plugins']),
  ...(fs.existsSync('/bin/busybox') ? [] : ['busybox-static']),
]

/** Installs what is missing; returns why it cannot run here, or undefined when it can. */
export function ensureInstalled(log = () => {}) {
  if (process.platform !== 'linux') return `containerd needs Linux (this is ${process.platform})`
  let need = missing()
  if (!need.length) return undefined
  if (process.getuid?.() !== 0) return `${need.join(', ')} missing and not root, so apt-get cannot install them`
  if (!has('apt-get')) return `${need.join(', ')} missing and there is no apt-get`
  log(`installing ${PACKAGES.join(' ')} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], { env, stdio: 'ignore' }).status === 0
  if (!install()) {
    log('apt-get install failed; running apt-get update first')
    spawnSync('apt-get', ['update'], { env, stdio: 'ignore' })
    install()
  }
  need = missing()
  return need.length ? `apt-get could not install ${need.join(', ')}` : undefined
}

function config(dir) {
  const q = JSON.stringify
  return `version = 2
root = ${q(path.join(dir, 'root'))}
state = ${q(path.join(dir, 'state'))}

[grpc]
  address = ${q(path.join(dir, 'containerd.sock'))}

[ttrpc]
  address = ${q(path.join(dir, 'containerd.sock.ttrpc'))}

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = ${q(PAUSE_IMAGE)}
    netns_mounts_under_state_dir = true
    # The sandbox's oom_score_adj of -998 needs CAP_SYS_RESOURCE, which a VM's root may lack.
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = ${q(CNI_BIN)}
      conf_dir = ${q(path.join(dir, 'cni/net.d'))}
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = ${q(path.join(dir, 'runc-root'))}
`
}

function cniConfig(dir, { bridge, subnet }) {
  return JSON.stringify({
    cniVersion: '1.0.0', name: bridge,
    plugins: [
      {
        type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: path.join(dir, 'cni/ipam'), ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'loopback' },
    ],
  }, null, 2)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function canConnect(socket) {
  return new Promise((resolve) => {
    const s = net.connect(socket)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

/**
 * Starts containerd in `dir` and imports the pause and busybox images.
 * Resolves to { socket, endpoint, pid, ctr(args), stop() }, or throws when
 * containerd cannot run here (the message says why).
 */
export async function startContainerd(dir, { log = () => {}, cni = false, bridge = `ek${process.pid % 100000}`, subnet = `10.88.${(process.pid % 200) + 20}.0/24` } = {}) {
  const why = ensureInstalled(log)
  if (why) throw new Error(why)
  dir = path.resolve(dir)
  for (const d of ['cni/net.d', 'runc-root', 'images']) fs.mkdirSync(path.join(dir, d), { recursive: true })
  fs.writeFileSync(path.join(dir, 'config.toml'), config(dir))
  if (cni) fs.writeFileSync(path.join(dir, 'cni/net.d/10-edgekube.conflist'), cniConfig(dir, { bridge, subnet }))
  fs.writeFileSync(path.join(dir, 'bridge'), bridge)
  const socket = path.join(dir, 'containerd.sock')
  const logFd = fs.openSync(path.join(dir, 'containerd.log'), 'a')
  const child = spawn('containerd', ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', logFd, logFd], detached: true })
  fs.closeSync(logFd)
  child.unref()
  fs.writeFileSync(path.join(dir, 'containerd.pid'), String(child.pid))
  let exited = false
  child.once('exit', () => { exited = true })
  const deadline = Date.now() + 20_000
  while (!(await canConnect(socket))) {
    if (exited || Date.now() > deadline) {
      const tail = fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8').split('\n').slice(-15).join('\n')
      stopContainerd(dir)
      throw new Error(`containerd did not start${exited ? ' (it exited)' : ' within 20s'}:\n${tail}`)
    }
    await sleep(50)
  }
  const ctr = (args, opts = {}) => execFileSync('ctr', ['-a', socket, '-n', 'k8s.io', ...args], { encoding: 'utf8', ...opts })
  log(`containerd ${ctr(['version']).match(/Version:\s+(\S+)/)?.[1] ?? '?'} on ${socket}`)
  const images = [
    [PAUSE_IMAGE, { entrypoint: ['/bin/sleep'], cmd: ['2147483647'] }],
    [BUSYBOX_IMAGE, {}],
  ]
  for (const [ref, opts] of images) {
    const tar = path.join(dir, 'images', `${ref.replace(/[^a-z0-9]+/gi, '_')}.tar`)
    buildImage(tar, ref, opts)
    ctr(['images', 'import', tar])
    log(`imported ${ref}`)
  }
  return { dir, socket, endpoint: `unix://${socket}`, pid: child.pid, ctr, stop: () => stopContainerd(dir) }
}

/**
 * Ends containerd and the shims bound to its socket (they outlive it), then
 * unmounts what is left under `dir` and removes the state. Idempotent.
 */
export function stopContainerd(dir) {
  dir = path.resolve(dir)
  const socket = path.join(dir, 'containerd.sock')
  const pidFile = path.join(dir, 'containerd.pid')
  const kill = (pid, sig = 'SIGKILL') => { try { process.kill(pid, sig) } catch {} }
  if (fs.existsSync(pidFile)) kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM')
  for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmd = ''
    try { cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ') } catch { continue }
    if (!cmd.includes('containerd-shim') || !cmd.includes(`-address ${socket}`)) continue
    // A shim's children are the pod's containers.
    for (const t of fs.readdirSync(`/proc/${p}/task`)) {
      try { for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) kill(Number(c)) } catch {}
    }
    kill(Number(p))
  }
  if (fs.existsSync(pidFile)) kill(Number(fs.readFileSync(pidFile, 'utf8')))
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(`${dir}/`))
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' })
  const bridgeFile = path.join(dir, 'bridge')
  if (fs.existsSync(bridgeFile)) spawnSync('ip', ['link', 'del', fs.readFileSync(bridgeFile, 'utf8').trim()], { stdio: 'ignore' })
  for (const d of ['root', 'state', 'runc-root', 'cni/ipam']) fs.rmSync(path.join(dir, d), { recursive: true, force: true })
  for (const f of ['containerd.sock', 'containerd.sock.ttrpc', 'containerd.pid']) fs.rmSync(path.join(dir, f), { force: true })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, dir, flag] = process.argv.slice(2)
  const log = (m) => console.log(`[containerd] ${m}`)
  if (cmd === 'start' && dir) {
    startContainerd(dir, { log, cni: flag === '--cni' }).then((c) => console.log(c.endpoint), (e) => { console.error(e.message); process.exit(1) })
  } else if (cmd === 'stop' && dir) {
    stopContainerd(dir)
    log(`stopped the containerd in ${dir}`)
  } else {
    console.error('usage: node scripts/containerd.mjs start DIR [--cni] | stop DIR')
    process.exit(2)
  }
}
