// The V8 heap of the edgekube worker inside workerd, through its inspector
// (Chrome DevTools protocol): the Worker and its Durable Objects share the
// isolate of the `core:user:` target. RSS alone cannot tell a leak from V8
// sizing its heap; the heap used right after a full collection can.

import fs from 'node:fs'
import WebSocket from 'ws'

/** Opens the inspector session of the user worker; `heapAfterGc()` answers MiB. */
export async function openWorkerInspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()
  const target = targets.find((t) => t.id.startsWith('core:user:'))
  if (!target) throw new Error(`no user worker among inspector targets ${targets.map((t) => t.id).join(', ')}`)
  const ws = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  let nextId = 0
  const pending = new Map()
  let chunks = null
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data))
    if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') { chunks?.push(msg.params.chunk); return }
    const p = pending.get(msg.id)
    if (!p) return
    pending.delete(msg.id)
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`))
    else p.resolve(msg.result)
  })
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++nextId
    pending.set(id, { resolve, reject, method })
    ws.send(JSON.stringify({ id, method, params }))
  })
  return {
    call,
    async heapAfterGc() {
      await call('HeapProfiler.collectGarbage')
      const usage = await call('Runtime.getHeapUsage')
      return usage.usedSize / (1024 * 1024)
    },
    /** Writes a heap snapshot DevTools opens (Memory tab, Load). */
    async snapshot(file) {
      chunks = []
      await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
      fs.writeFileSync(file, chunks.join(''))
      chunks = null
    },
    close: () => ws.close(),
  }
}
