#!/usr/bin/env node
// `npm start`: runs edgekube locally under `wrangler dev`, offline, on the
// insecure loopback port: no authentication, every request acts as a cluster
// admin (system:admin in system:masters), like kube-apiserver's old insecure
// port. `npm run start:secure` is the authenticated https server.
//
//   PORT=8080                      port to listen on (127.0.0.1 only)
//   EDGEKUBE_STATE=.wrangler/state folder where the Durable Object's SQLite state persists
//   EDGEKUBE_LOG_LEVEL=info        wrangler log level (debug|info|log|warn|error|none)
//
// Extra arguments are passed through to wrangler dev, e.g.
//   npm start -- --var EDGEKUBE_HISTORY_SECONDS:60

import fs from 'node:fs'
import path from 'node:path'
import { ROOT, runDev, say, settings } from './dev-server.mjs'

const { port, state, logLevel } = settings(8080)
const url = `http://127.0.0.1:${port}`

const kubectl = fs.existsSync(path.join(ROOT, '.tools/kubectl')) ? '.tools/kubectl' : 'kubectl'
say(`starting wrangler dev (offline) on ${url}: the insecure port, no authentication`)
say(`state folder: ${state}`)
say(`point kubectl at it:`)
say(`  ${kubectl} --server ${url} get namespaces`)
say(`or add it to a kubeconfig:`)
say(`  ${kubectl} config set-cluster edgekube --server=${url}`)
say(`  ${kubectl} config set-context edgekube --cluster=edgekube --user=edgekube`)
say(`  ${kubectl} config set-credentials edgekube --token=unused-over-http`)
say(`  ${kubectl} config use-context edgekube`)
if (kubectl === 'kubectl') say(`(node scripts/tools.mjs unpacks kubectl and helm into .tools/)`)
say(`Ctrl-C stops the server.`)

runDev({
  port, state, logLevel, url,
  // The one switch that turns authentication off. Plain `wrangler dev` and deployments never get it.
  args: ['--var', 'EDGEKUBE_INSECURE_PORT:true', ...process.argv.slice(2)],
  async ready() {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status === 200
  },
})
