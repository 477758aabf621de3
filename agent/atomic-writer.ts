// The kubelet's atomic writer for configMap, secret, downwardAPI and
// projected volumes: the files live in a timestamped directory
// `..<time>`, a symlink `..data` points at the current one, and each
// top-level name is a symlink through `..data`. An update writes a new
// directory and renames a fresh `..data` link over the old one, so a reader
// in the container (which sees the volume through a bind mount of the
// directory) never sees a mix of old and new files. Links are relative, so
// they resolve inside the container too.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

const DATA = '..data';

function stamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${crypto.randomInt(1e9)}`;
}

/** The files the volume holds now (relative path -> content and mode), read through `..data`. */
function current(dir: string, payload: Map<string, FileProjection>): boolean {
  const data = path.join(dir, DATA);
  if (!fs.existsSync(data)) return false;
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), path.join(rel, e.name));
      else files.push(path.join(rel, e.name));
    }
  };
  walk(data, '');
  if (files.length !== payload.size) return false;
  for (const f of files) {
    const want = payload.get(f);
    if (!want) return false;
    const file = path.join(data, f);
    if ((fs.statSync(file).mode & 0o7777) !== want.mode || !fs.readFileSync(file).equals(want.data)) return false;
  }
  return true;
}

/**
 * Makes `dir` hold exactly `payload` (relative paths, checked to stay inside).
 * Returns whether anything changed.
 */
export function writeAtomic(dir: string, payload: Map<string, FileProjection>): boolean {
  for (const p of payload.keys()) {
    const norm = path.normalize(p);
    if (path.isAbsolute(p) || norm.startsWith('..') || norm.split(path.sep).includes('..')) throw new Error(`path "${p}" leaves the volume`);
  }
  fs.mkdirSync(dir, { recursive: true });
  if (current(dir, payload)) return false;
  const ts = stamp();
  const tsDir = path.join(dir, ts);
  fs.mkdirSync(tsDir, { mode: 0o755 });
  for (const [p, f] of payload) {
    const file = path.join(tsDir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.data);
    fs.chmodSync(file, f.mode);
  }
  const old = fs.existsSync(path.join(dir, DATA)) ? fs.readlinkSync(path.join(dir, DATA)) : undefined;
  const tmp = path.join(dir, '..data_tmp');
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(ts, tmp);
  fs.renameSync(tmp, path.join(dir, DATA));
  // Top-level names link through ..data; names that left the payload go.
  const top = new Set([...payload.keys()].map((p) => p.split(path.sep)[0]));
  for (const name of top) {
    const link = path.join(dir, name);
    if (!fs.lstatSync(link, { throwIfNoEntry: false })) fs.symlinkSync(path.join(DATA, name), link);
  }
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('..') || top.has(name)) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  if (old && old !== ts) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
  return true;
}
