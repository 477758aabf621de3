// The atomic writer of configMap, secret, downwardAPI and projected volumes, and when a projected token is refreshed.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeAtomic, type FileProjection } from '../../agent/atomic-writer'
import { tokenNeedsRefresh } from '../../agent/volumes'

let dir: string
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-atomic-')) })
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const files = (entries: Record<string, string>, mode = 0o644) =>
  new Map<string, FileProjection>(Object.entries(entries).map(([k, v]) => [k, { data: Buffer.from(v), mode }]))
const read = (p: string) => fs.readFileSync(path.join(dir, p), 'utf8')

describe('the atomic writer', () => {
  it('writes the files behind a ..data link, with relative links that resolve anywhere the directory is mounted', () => {
    expect(writeAtomic(dir, files({ a: '1', 'sub/b': '2' }))).toBe(true)
    expect(read('a')).toBe('1')
    expect(read('sub/b')).toBe('2')
    expect(fs.readlinkSync(path.join(dir, 'a'))).toBe('..data/a')
    expect(fs.readlinkSync(path.join(dir, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/)
    expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o644)
  })

  it('changes nothing when the content is the same, and swaps the whole set when it is not', () => {
    writeAtomic(dir, files({ a: '1', b: '2' }))
    const first = fs.readlinkSync(path.join(dir, '..data'))
    expect(writeAtomic(dir, files({ a: '1', b: '2' }))).toBe(false)
    expect(fs.readlinkSync(path.join(dir, '..data'))).toBe(first)
    expect(writeAtomic(dir, files({ a: 'one', c: '3' }))).toBe(true)
    expect(read('a')).toBe('one')
    expect(read('c')).toBe('3')
    expect(fs.existsSync(path.join(dir, 'b'))).toBe(false)
    // Only the current timestamped directory is left.
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('..') && n !== '..data')).toEqual([fs.readlinkSync(path.join(dir, '..data'))])
  })

  it('rewrites when only a mode changes', () => {
    writeAtomic(dir, files({ a: '1' }))
    expect(writeAtomic(dir, files({ a: '1' }, 0o400))).toBe(true)
    expect(fs.statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o400)
  })

  it.each(['../escape', '/abs', 'a/../../b'])('refuses the path %j, which leaves the volume, and writes nothing', (p) => {
    expect(() => writeAtomic(dir, files({ [p]: 'x' }))).toThrow('leaves the volume')
    expect(fs.readdirSync(dir)).toEqual([])
  })
})

describe('projected service account tokens', () => {
  const hour = 3600_000
  it('are requested again after 80% of their life', () => {
    expect(tokenNeedsRefresh(0, hour, 0.79 * hour)).toBe(false)
    expect(tokenNeedsRefresh(0, hour, 0.81 * hour)).toBe(true)
  })
  it('and after 24 hours whatever their expiry', () => {
    expect(tokenNeedsRefresh(0, 365 * 24 * hour, 23 * hour)).toBe(false)
    expect(tokenNeedsRefresh(0, 365 * 24 * hour, 25 * hour)).toBe(true)
  })
})
