// The secure local mode's credentials, kept in the state folder so that
// restarts reuse them: a CA, a serving certificate for 127.0.0.1/localhost
// signed by it (made with @peculiar/x509; no openssl needed), and the static
// token file with an admin in system:masters.
//
//   $EDGEKUBE_STATE/pki/ca.crt, ca.key            the cluster CA
//   $EDGEKUBE_STATE/pki/apiserver.crt, .key        the serving certificate
//   $EDGEKUBE_STATE/pki/tokens.csv                 generated tokens (admin)
//   $EDGEKUBE_STATE/admin.kubeconfig               server, CA data, admin token

import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

x509.cryptoProvider.set(crypto.webcrypto)

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const DAY = 24 * 3600 * 1000

const pem = (label, der) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`

async function keyPair() {
  return crypto.webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])
}

async function exportKey(key) {
  return pem('PRIVATE KEY', await crypto.webcrypto.subtle.exportKey('pkcs8', key))
}

async function importKey(text) {
  const der = Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
  return crypto.webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign'])
}

function writeSecret(file, text) {
  fs.writeFileSync(file, text, { mode: 0o600 })
}

const serial = () => crypto.randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')

async function ensureCA(dir, log) {
  const crt = path.join(dir, 'ca.crt')
  const key = path.join(dir, 'ca.key')
  if (fs.existsSync(crt) && fs.existsSync(key)) {
    return { cert: new x509.X509Certificate(fs.readFileSync(crt, 'utf8')), key: await importKey(fs.readFileSync(key, 'utf8')), pem: fs.readFileSync(crt, 'utf8') }
  }
  log('generating the cluster CA (ECDSA P-256, 10 years)')
  const keys = await keyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: 'CN=edgekube-ca', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3650 * DAY),
    signingAlgorithm: ALG, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  writeSecret(key, await exportKey(keys.privateKey))
  fs.writeFileSync(crt, cert.toString('pem') + '\n')
  return { cert, key: keys.privateKey, pem: fs.readFileSync(crt, 'utf8') }
}

const SERVING_SANS = [{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }, { type: 'ip', value: '::1' }]

/** The serving certificate is made anew when missing, expiring within 30 days, or not signed by the CA. */
async function ensureServing(dir, ca, log) {
  const crt = path.join(dir, 'apiserver.crt')
  const key = path.join(dir, 'apiserver.key')
  if (fs.existsSync(crt) && fs.existsSync(key)) {
    const cert = new x509.X509Certificate(fs.readFileSync(crt, 'utf8'))
    const fresh = cert.notAfter.getTime() - Date.now() > 30 * DAY
    if (fresh && (await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }))) return { crt, key }
  }
  log('generating the serving certificate for 127.0.0.1, localhost and ::1 (1 year)')
  const keys = await keyPair()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: 'CN=kube-apiserver', issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG, publicKey: keys.publicKey, signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(SERVING_SANS),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  })
  writeSecret(key, await exportKey(keys.privateKey))
  fs.writeFileSync(crt, cert.toString('pem') + '\n')
  return { crt, key }
}

/** The generated token file: an admin in system:masters, made once and kept. */
function ensureTokens(dir, log) {
  const file = path.join(dir, 'tokens.csv')
  if (!fs.existsSync(file)) {
    log('generating the admin token (user "admin", group system:masters)')
    const token = crypto.randomBytes(32).toString('base64url')
    writeSecret(file, `${token},admin,${crypto.randomUUID()},"system:masters"\n`)
  }
  const csv = fs.readFileSync(file, 'utf8')
  const admin = csv.split('\n').find((l) => l.includes(',admin,'))
  return { csv, adminToken: admin.split(',')[0] }
}

/** A kubeconfig with one cluster, user and context; without caPem the server's certificate must chain to a public CA. */
export function kubeconfig({ server, caPem, user, token }) {
  return `apiVersion: v1
kind: Config
clusters:
- name: edgekube
  cluster:
    server: ${server}
${caPem ? `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n` : ''}users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: ${user}@edgekube
  context:
    cluster: edgekube
    user: ${user}
current-context: ${user}@edgekube
preferences: {}
`
}

/**
 * Everything the secure local mode needs, created on first start and reused
 * after: the CA and serving certificate, the token file (the generated one
 * plus $EDGEKUBE_TOKEN_AUTH_FILE when set) and the admin kubeconfig.
 */
export async function ensureSecureState({ state, server, tokenAuthFile, log = () => {} }) {
  const dir = path.join(state, 'pki')
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const ca = await ensureCA(dir, log)
  const serving = await ensureServing(dir, ca, log)
  const tokens = ensureTokens(dir, log)
  let csv = tokens.csv
  if (tokenAuthFile) csv += '\n' + fs.readFileSync(tokenAuthFile, 'utf8')
  const adminKubeconfig = path.join(state, 'admin.kubeconfig')
  writeSecret(adminKubeconfig, kubeconfig({ server, caPem: ca.pem, user: 'admin', token: tokens.adminToken }))
  return { caPem: ca.pem, caFile: path.join(dir, 'ca.crt'), certFile: serving.crt, keyFile: serving.key, tokenCsv: csv, adminKubeconfig, adminToken: tokens.adminToken }
}
