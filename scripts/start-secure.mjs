#!/usr/bin/env node
// `npm run start:secure`: edgekube as a secure port on 127.0.0.1: https with
// a certificate of its own CA, every request authenticated and authorized.
//
//   PORT=6443                      port to listen on (127.0.0.1 only)
//   EDGEKUBE_STATE=.wrangler/state folder for the store, the CA, the certificate and the tokens
//   EDGEKUBE_TOKEN_AUTH_FILE=path  more static tokens, kube's --token-auth-file CSV
//                                  (token,user,uid,"group1,group2"), read at start
//   EDGEKUBE_LOG_LEVEL=info        wrangler log level
//
// On first start it makes the CA, the serving certificate and an admin token
// (user "admin" in system:masters) and writes $EDGEKUBE_STATE/admin.kubeconfig;
// restarts reuse all of them. The tokens reach the Worker as the secret
// EDGEKUBE_TOKEN_AUTH through a 0600 env file, never on a command line; the
// CA as EDGEKUBE_ROOT_CA, for the kube-root-ca.crt ConfigMaps.

import fs from 'node:fs'
import https from 'node:https'
import path from 'node:path'
import { ROOT, runDev, say, settings } from './dev-server.mjs'
import { ensureSecureState } from './pki.mjs'

const { port, state, logLevel } = settings(6443)
const url = `https://127.0.0.1:${port}`

const tokenAuthFile = process.env.EDGEKUBE_TOKEN_AUTH_FILE ? path.resolve(process.env.EDGEKUBE_TOKEN_AUTH_FILE) : undefined
if (tokenAuthFile && !fs.existsSync(tokenAuthFile)) {
  console.error(`[edgekube] EDGEKUBE_TOKEN_AUTH_FILE=${tokenAuthFile} does not exist`)
  process.exit(2)
}
const secure = await ensureSecureState({ state, server: url, tokenAuthFile, log: say })

// A dotenv file: single quotes keep the CSV (with its double quotes and newlines) literal.
if (secure.tokenCsv.includes("'")) {
  console.error("[edgekube] the token file may not contain a single quote (')")
  process.exit(2)
}
const envFile = path.join(state, 'pki', 'secure.env')
// The serving CA is what pods must trust: published in every namespace as kube-root-ca.crt.
fs.writeFileSync(envFile, `EDGEKUBE_TOKEN_AUTH='${secure.tokenCsv}'\nEDGEKUBE_ROOT_CA='${secure.caPem.trim()}'\n`, { mode: 0o600 })

const kubectl = fs.existsSync(path.join(ROOT, '.tools/kubectl')) ? '.tools/kubectl' : 'kubectl'
say(`starting wrangler dev (offline) on ${url}: authentication and authorization on`)
say(`state folder: ${state}`)
say(`admin kubeconfig: ${secure.adminKubeconfig}`)
say(`  ${kubectl} --kubeconfig ${secure.adminKubeconfig} get namespaces`)
say(`CA certificate: ${secure.caFile}`)
if (tokenAuthFile) say(`static tokens also from ${tokenAuthFile}`)
say(`Ctrl-C stops the server.`)

runDev({
  port, state, logLevel, url,
  args: [
    '--local-protocol', 'https', '--https-key-path', secure.keyFile, '--https-cert-path', secure.certFile,
    '--env-file', envFile,
    ...process.argv.slice(2),
  ],
  ready: () => new Promise((resolve) => {
    const req = https.get(`${url}/readyz`, { ca: secure.caPem, timeout: 2000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
  }),
})
