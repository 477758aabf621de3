#!/usr/bin/env node
// Credentials for a deployed edgekube (or any edgekube with a token file).
//
//   npm run kubeconfig -- token USER [GROUP,GROUP...]
//       prints one new line for the token file (kube's --token-auth-file
//       CSV): a random 256-bit token, the user, a new uid and the groups.
//   npm run kubeconfig -- config SERVER USER TOKEN_FILE [--ca CA_FILE]
//       prints a kubeconfig for SERVER that logs in as USER with its token
//       from TOKEN_FILE (CA_FILE for a server whose certificate is not from
//       a public CA, such as start:secure's pki/ca.crt).
//
// A deployed Worker reads the token file from its secret EDGEKUBE_TOKEN_AUTH:
//   npx wrangler secret put EDGEKUBE_TOKEN_AUTH < tokens.csv

import crypto from 'node:crypto'
import fs from 'node:fs'
import { kubeconfig } from './pki.mjs'

function usage(msg) {
  if (msg) console.error(`kubeconfig: ${msg}`)
  console.error('usage: kubeconfig token USER [GROUPS] | kubeconfig config SERVER USER TOKEN_FILE [--ca CA_FILE]')
  process.exit(2)
}

/** The fields of one token-file line (RFC 4180 quoting). */
function fields(line) {
  const out = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++ } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"' && cur === '') quoted = true
    else if (ch === ',') { out.push(cur); cur = '' } else cur += ch
  }
  out.push(cur)
  return out
}

const [cmd, ...args] = process.argv.slice(2)
if (cmd === 'token') {
  const [user, groups = ''] = args
  if (!user || /[",\n]/.test(user)) usage('a user name without commas or quotes is needed')
  const token = crypto.randomBytes(32).toString('base64url')
  console.log(`${token},${user},${crypto.randomUUID()}${groups ? `,"${groups}"` : ''}`)
} else if (cmd === 'config') {
  const caAt = args.indexOf('--ca')
  const caFile = caAt >= 0 ? args.splice(caAt, 2)[1] : undefined
  const [server, user, tokenFile] = args
  if (!server || !user || !tokenFile) usage('SERVER, USER and TOKEN_FILE are needed')
  if (!/^https:\/\//.test(server)) usage('the server must be https:// (kubectl sends no token over http)')
  const line = fs.readFileSync(tokenFile, 'utf8').split(/\r?\n/).map(fields).find((f) => f[1] === user && f[0])
  if (!line) usage(`no token for user "${user}" in ${tokenFile}`)
  const caPem = caFile ? fs.readFileSync(caFile, 'utf8') : undefined
  process.stdout.write(kubeconfig({ server, caPem, user, token: line[0] }))
} else {
  usage()
}
