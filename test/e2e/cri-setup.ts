// A private containerd for a CRI end-to-end file, started at collection
// time so that the file's tests can be skipped (with the reason printed)
// on a machine where containerd cannot run. stop() ends it and everything
// it ran.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startContainerd } from '../../scripts/containerd.mjs'

export interface Containerd {
  dir: string
  endpoint: string
  /** `ctr -n k8s.io ARGS` against this containerd. */
  ctr(args: string[]): string
  stop(): void
}

export async function containerdOrSkip(what: string, opts: { cni?: boolean } = {}): Promise<Containerd | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-cri-'))
  try {
    const c = await startContainerd(dir, { cni: opts.cni, log: (m: string) => console.log(`[${what}] ${m}`) })
    return {
      dir, endpoint: c.endpoint, ctr: (args) => c.ctr(args),
      stop() { c.stop(); fs.rmSync(dir, { recursive: true, force: true }) },
    }
  } catch (e) {
    console.warn(`[${what}] SKIPPED: containerd cannot run on this machine: ${(e as Error).message}`)
    fs.rmSync(dir, { recursive: true, force: true })
    return undefined
  }
}
