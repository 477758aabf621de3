#!/usr/bin/env node
// Builds a small OCI image-layout tarball offline from Debian's static
// busybox (no registry, no docker): one uncompressed layer holding
// /bin/busybox and its applet links, an image config and a manifest, named
// by the `io.containerd.image.name` annotation so that
// `ctr -n k8s.io images import` tags it. Used by the tests and benchmarks of
// the node agent's CRI runtime.
//
//   node scripts/oci-image.mjs OUT.tar REF [ENTRYPOINT_JSON|null] [CMD_JSON]
//   import { buildImage } from './scripts/oci-image.mjs'

import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BUSYBOX = '/bin/busybox'

const APPLETS = ('sh ash sleep echo cat httpd wget ls ps env id hostname nc ip kill true false mkdir rm touch date printf test '
  + 'grep sed head tail wc uname pwd mount dd yes seq stat readlink ln cp mv chmod whoami tar stty').split(' ')

/**
 * Writes an OCI image-layout tarball to `out` for image `ref`.
 * `files` adds extra files to the root filesystem (path -> content).
 */
export function buildImage(out, ref, { entrypoint = null, cmd = ['/bin/sh'], env = ['PATH=/usr/local/bin:/usr/bin:/bin'], files = {} } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-'))
  try {
    const root = path.join(work, 'rootfs')
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'www', 'root', 'var/run']) fs.mkdirSync(path.join(root, d), { recursive: true })
    fs.copyFileSync(BUSYBOX, path.join(root, 'bin/busybox'))
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755)
    for (const a of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', a))
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
    fs.writeFileSync(path.join(root, 'www/index.html'), 'hello from busybox httpd\n')
    for (const [p, content] of Object.entries(files)) {
      const f = path.join(root, p)
      fs.mkdirSync(path.dirname(f), { recursive: true })
      fs.writeFileSync(f, content)
    }
    fs.chmodSync(path.join(root, 'tmp'), 0o1777)

    const blobs = path.join(work, 'oci/blobs/sha256')
    fs.mkdirSync(blobs, { recursive: true })
    const put = (buf) => {
      const hex = createHash('sha256').update(buf).digest('hex')
      fs.writeFileSync(path.join(blobs, hex), buf)
      return { digest: `sha256:${hex}`, size: buf.length }
    }
    // Reproducible: the same inputs give the same digests (and image ID).
    const layer = put(execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=2020-01-01', '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 30 }))
    const config = put(Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created: '2020-01-01T00:00:00Z',
      config: { Env: env, Entrypoint: entrypoint, Cmd: cmd, WorkingDir: '/' },
      // An uncompressed layer's digest is its diff ID.
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    })))
    const manifest = put(Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    })))
    fs.writeFileSync(path.join(work, 'oci/oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    fs.writeFileSync(path.join(work, 'oci/index.json'), JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop() },
      }],
    }))
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', path.join(work, 'oci'), '-cf', path.resolve(out), 'oci-layout', 'index.json', 'blobs'])
    return { ref, manifestDigest: manifest.digest, configDigest: config.digest }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [out, ref, ep = 'null', cmd = '["/bin/sh"]'] = process.argv.slice(2)
  if (!out || !ref) {
    console.error('usage: node scripts/oci-image.mjs OUT.tar REF [ENTRYPOINT_JSON|null] [CMD_JSON]')
    process.exit(2)
  }
  const r = buildImage(out, ref, { entrypoint: JSON.parse(ep), cmd: JSON.parse(cmd) })
  console.log(`wrote ${out}: ${r.ref} (config ${r.configDigest})`)
}
