// A small image registry for the CRI tests, so that pulls are real and
// offline: the pull half of the OCI distribution API (/v2/, manifests by
// tag or digest, blobs) over plain HTTP on 127.0.0.1 (containerd speaks
// HTTP to localhost registries), serving one image built by
// scripts/oci-image.mjs, behind HTTP basic auth when credentials are given.
// It counts manifest requests so a test can tell a pull from a cache hit.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { buildImage } from '../../scripts/oci-image.mjs'

export interface Registry {
  /** host:port */
  host: string
  /** Requests for a manifest, by repository. */
  manifestRequests: Map<string, number>
  /** The Authorization headers seen on authorized requests. */
  authorizations: Set<string>
  close(): Promise<void>
}

/** Serves `repository:tag` (an image of busybox) from `dir`; `auth` as "user:password" requires basic auth. */
export async function startRegistry(dir: string, repository: string, tag: string, auth?: string): Promise<Registry> {
  fs.mkdirSync(dir, { recursive: true })
  const tar = path.join(dir, 'image.tar')
  buildImage(tar, `registry.local/${repository}:${tag}`, { files: { 'www/index.html': `served from ${repository}:${tag}\n` } })
  const layout = path.join(dir, 'layout')
  fs.mkdirSync(layout, { recursive: true })
  execFileSync('tar', ['-xf', tar, '-C', layout])
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'))
  const manifestDigest: string = index.manifests[0].digest
  const blob = (digest: string) => {
    const file = path.join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''))
    return /^sha256:[0-9a-f]{64}$/.test(digest) && fs.existsSync(file) ? fs.readFileSync(file) : undefined
  }
  const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined
  const manifestRequests = new Map<string, number>()
  const authorizations = new Set<string>()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry')
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="edgekube-test"', 'content-type': 'application/json' })
      return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }))
    }
    if (req.headers.authorization) authorizations.add(req.headers.authorization)
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' })
      return res.end('{}')
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname)
    const notFound = (code: string) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code, message: `${code.toLowerCase()}: ${url.pathname}` }] }))
    }
    if (!m || m[1] !== repository) return notFound('NAME_UNKNOWN')
    if (m[2] === 'manifests') {
      manifestRequests.set(repository, (manifestRequests.get(repository) ?? 0) + 1)
      if (m[3] !== tag && m[3] !== manifestDigest) return notFound('MANIFEST_UNKNOWN')
      const body = blob(manifestDigest)!
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': manifestDigest, 'content-length': body.length })
      return res.end(req.method === 'HEAD' ? undefined : body)
    }
    const body = blob(m[3])
    if (!body) return notFound('BLOB_UNKNOWN')
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'docker-content-digest': m[3], 'content-length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    host, manifestRequests, authorizations,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
