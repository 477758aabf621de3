#!/usr/bin/env node
// Generates src/protobuf/generated/descriptors.json: the protobuf message
// descriptors of every kind edgekube serves, in every served version, from
// the upstream definitions of Kubernetes v1.35.
//
//   node scripts/gen-protobuf-descriptors.mjs --api DIR --apimachinery DIR
//
// DIR are checkouts of https://github.com/kubernetes/api and
// https://github.com/kubernetes/apimachinery at tag v0.35.0 (Kubernetes 1.35):
//   git clone --depth 1 --branch v0.35.0 https://github.com/kubernetes/api
//
// Two sources are joined field by field on the protobuf field number:
//   - <group>/<version>/generated.proto: message names, field numbers and
//     wire types (scalars, messages, maps, repeated);
//   - the Go structs of the same package (types.go and friends): each field's
//     JSON name, omitempty, inline embedding and pointer-ness, which the
//     decoder needs to turn a message into the JSON Go would have written.
// The served kinds come from src/resources/registry.ts (kinds, their List
// kinds and subresource kinds); only messages reachable from them are written.
//
// It also copies kube's own protobuf compatibility fixtures of those kinds
// (kubernetes/api testdata/HEAD/<group>.<version>.<Kind>.{pb,json}, the same
// object as client-go's protobuf and as JSON) to
// test/fixtures/protobuf/upstream.json, the oracle of
// test/unit/protobuf-upstream.test.ts (the tests run in workerd, which reads
// JSON imports, not files).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'src/protobuf/generated/descriptors.json');
const FIXTURES = path.join(ROOT, 'test/fixtures/protobuf/upstream.json');
const TAG = 'v0.35.0';

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || !process.argv[i + 1]) {
    console.error(`usage: node scripts/gen-protobuf-descriptors.mjs --api DIR --apimachinery DIR  (checkouts of kubernetes/api and kubernetes/apimachinery at ${TAG})`);
    process.exit(2);
  }
  return path.resolve(process.argv[i + 1]);
}
const API = arg('--api');
const APIMACHINERY = arg('--apimachinery');

/** apimachinery packages the API packages import, by proto package. */
const MACHINERY = {
  'k8s.io.apimachinery.pkg.apis.meta.v1': 'pkg/apis/meta/v1',
  'k8s.io.apimachinery.pkg.api.resource': 'pkg/api/resource',
  'k8s.io.apimachinery.pkg.util.intstr': 'pkg/util/intstr',
  'k8s.io.apimachinery.pkg.runtime': 'pkg/runtime',
  'k8s.io.apimachinery.pkg.runtime.schema': 'pkg/runtime/schema',
};

/** Types whose JSON form is not an object of their proto fields (decoded by src/protobuf/decode.ts). */
const SPECIAL = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microtime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'rawjson',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawjson',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intorstring',
};

const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);

function pkgDir(pkg) {
  if (MACHINERY[pkg]) return path.join(APIMACHINERY, MACHINERY[pkg]);
  const m = /^k8s\.io\.api\.(\w+)\.(\w+)$/.exec(pkg);
  if (!m) throw new Error(`no source directory for proto package ${pkg}`);
  return path.join(API, m[1], m[2]);
}

// ---------------------------------------------------------------------------
// generated.proto

const protoCache = new Map();

/** proto package -> { messages: name -> [{ num, name, type, repeated }] } */
function loadProto(pkg) {
  if (protoCache.has(pkg)) return protoCache.get(pkg);
  const file = path.join(pkgDir(pkg), 'generated.proto');
  const text = fs.readFileSync(file, 'utf8');
  const declared = /^package ([\w.]+);/m.exec(text)?.[1];
  if (declared !== pkg) throw new Error(`${file} declares package ${declared}, expected ${pkg}`);
  const messages = new Map();
  let current = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    let m;
    if ((m = /^message (\w+) \{$/.exec(line))) {
      if (current) throw new Error(`${file}: nested message ${m[1]}`);
      current = [];
      messages.set(m[1], current);
    } else if (line === '}') current = null;
    else if (current && (m = /^(optional|repeated) ([\w.]+) (\w+) = (\d+);$/.exec(line))) {
      current.push({ num: Number(m[4]), protoName: m[3], type: resolve(m[2], pkg), repeated: m[1] === 'repeated' });
    } else if (current && (m = /^map<string, ([\w.]+)> (\w+) = (\d+);$/.exec(line))) {
      current.push({ num: Number(m[3]), protoName: m[2], type: resolve(m[1], pkg), map: true });
    } else if (current) throw new Error(`${file}: cannot read "${line}"`);
  }
  const out = { messages };
  protoCache.set(pkg, out);
  return out;
}

function resolve(type, pkg) {
  if (SCALARS.has(type)) return type;
  if (type.startsWith('.')) return type.slice(1);
  if (/^[A-Z]\w*$/.test(type)) return `${pkg}.${type}`;
  throw new Error(`unsupported proto type ${type} in ${pkg}`);
}

// ---------------------------------------------------------------------------
// Go structs: JSON name, omitempty, inline, pointer

const goCache = new Map();

/** proto package -> { structs: name -> Map(num -> field), aliases: name -> Go type } */
function loadGo(pkg) {
  if (goCache.has(pkg)) return goCache.get(pkg);
  const dir = pkgDir(pkg);
  const structs = new Map();
  const aliases = new Map();
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.go') || f.endsWith('_test.go') || f.startsWith('zz_generated') || f === 'generated.pb.go') continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const lines = text.split('\n');
    const reflectName = goTypeNamer(text);
    for (let i = 0; i < lines.length; i++) {
      const alias = /^type (\w+) (\[\]\w+|map\[\w+\]\w+)\s*$/.exec(lines[i]);
      if (alias) aliases.set(alias[1], alias[2]);
      const head = /^type (\w+) struct \{$/.exec(lines[i]);
      if (!head) continue;
      const fields = new Map();
      for (i++; i < lines.length && lines[i] !== '}'; i++) {
        const line = lines[i].trim();
        const tick = line.indexOf('`');
        if (line.startsWith('//') || tick < 0) continue;
        const tag = line.slice(tick + 1, line.lastIndexOf('`'));
        const pb = /protobuf:"([^"]*)"/.exec(tag)?.[1];
        if (!pb) continue;
        const num = Number(pb.split(',')[1]);
        const pre = line.slice(0, tick).trim().split(/\s+/);
        const goType = pre.length === 1 ? pre[0] : pre[1];
        // types with a custom JSON form (Duration, Time) have no json tag; they are SPECIAL
        const json = /json:"([^"]*)"/.exec(tag)?.[1];
        if (json === undefined) continue;
        const [jsonName, ...opts] = json.split(',');
        fields.set(num, {
          jsonName,
          goType,
          reflectType: reflectName(goType.replace(/^\*/, '')),
          omitempty: opts.includes('omitempty') || opts.includes('omitzero'),
          inline: opts.includes('inline') && jsonName === '',
        });
      }
      structs.set(head[1], fields);
    }
  }
  const out = { structs, aliases };
  goCache.set(pkg, out);
  return out;
}

/**
 * How Go's reflect names a field's type in a file (what encoding/json puts in
 * "cannot unmarshal X into Go struct field S.f of type T"): package-qualified
 * by package name, []byte as []uint8.
 */
function goTypeNamer(text) {
  const own = /^package (\w+)/m.exec(text)[1];
  const imports = new Map();
  const block = /^import \(([\s\S]*?)^\)/m.exec(text)?.[1] ?? /^import (.*)$/m.exec(text)?.[1] ?? '';
  for (const m of block.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"/gm)) {
    const pkgName = m[2].split('/').pop();
    imports.set(m[1] ?? pkgName, pkgName);
  }
  const BUILTIN = new Set(['string', 'bool', 'int', 'int32', 'int64', 'uint', 'uint32', 'uint64', 'float32', 'float64', 'byte', 'rune']);
  const name = (t) => {
    if (t.startsWith('[]')) return `[]${name(t.slice(2))}`;
    if (t.startsWith('*')) return `*${name(t.slice(1))}`;
    const map = /^map\[([^\]]+)\](.+)$/.exec(t);
    if (map) return `map[${name(map[1])}]${name(map[2])}`;
    if (t === 'byte') return 'uint8';
    if (BUILTIN.has(t)) return t;
    const dot = t.indexOf('.');
    if (dot > 0) return `${imports.get(t.slice(0, dot)) ?? t.slice(0, dot)}.${t.slice(dot + 1)}`;
    return `${own}.${t}`;
  };
  return name;
}

// ---------------------------------------------------------------------------
// Joining them

const splitName = (full) => {
  const i = full.lastIndexOf('.');
  return [full.slice(0, i), full.slice(i + 1)];
};

/** Describes one message as [num, jsonName, type, ...flags] rows; queues the messages it uses. */
function describe(full, queue) {
  const [pkg, name] = splitName(full);
  const proto = loadProto(pkg).messages.get(name);
  if (!proto) throw new Error(`no message ${full}`);
  const go = loadGo(pkg);
  const struct = go.structs.get(name);
  if (!struct) {
    // a Go slice of strings marshalled as a message of one repeated field (ExtraValue, Verbs)
    if (go.aliases.get(name) === '[]string' && proto.length === 1 && proto[0].type === 'string' && proto[0].repeated) return 'stringlist';
    throw new Error(`no Go struct for ${full}`);
  }
  const rows = [];
  for (const f of proto) {
    const g = struct.get(f.num);
    if (!g) throw new Error(`${full}: field ${f.protoName} = ${f.num} has no Go field`);
    let type = f.type;
    if (!SCALARS.has(type)) queue(type);
    if (f.map) type = `map<string,${type}>`;
    else if (f.repeated) type = `[]${type}`;
    const flags = [];
    if (g.goType.startsWith('*')) flags.push('ptr');
    else if (g.inline) flags.push('inline');
    else if (!g.omitempty) flags.push('keep');
    rows.push([f.num, g.inline ? f.protoName : g.jsonName, type, ...flags, `go:${g.reflectType}`]);
  }
  return rows;
}

async function importTs(rel) {
  const r = await esbuild.build({
    entryPoints: [path.join(ROOT, rel)], bundle: true, format: 'esm', write: false,
    platform: 'neutral', logLevel: 'silent', mainFields: ['module', 'main'],
  });
  return import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
}

function protoPackage(group, version) {
  const dir = group === '' ? 'core' : group.split('.')[0];
  return `k8s.io.api.${dir}.${version}`;
}

const { definitions } = await importTs('src/resources/registry.ts');

/** apiVersion/kind -> message; the served kinds, their lists, and what their subresources take. */
const kinds = {};
const addKind = (group, version, kind) => {
  const full = `${protoPackage(group, version)}.${kind}`;
  const [pkg, name] = splitName(full);
  if (!loadProto(pkg).messages.has(name)) return false;
  kinds[`${group ? `${group}/` : ''}${version}/${kind}`] = full;
  return true;
};
for (const d of definitions()) {
  if (d.protobuf === false) continue; // served as JSON only (CustomResourceDefinition)
  if (!addKind(d.group, d.version, d.kind)) throw new Error(`${d.group}/${d.version} ${d.kind} has no upstream message`);
  addKind(d.group, d.version, `${d.kind}List`);
  for (const s of d.subresources ?? []) addKind(s.group ?? d.group, s.version ?? d.version, s.kind);
}

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
/** kube-apiserver registers these in every group version (metav1.AddToGroupVersion). */
const anyVersion = { DeleteOptions: `${META}.DeleteOptions`, WatchEvent: `${META}.WatchEvent` };
/** Errors and deletion answers are a v1 Status whatever the group. */
kinds['v1/Status'] = `${META}.Status`;
const roots = [...Object.values(kinds), ...Object.values(anyVersion), `${META}.List`, ...Object.keys(SPECIAL)];

const messages = {};
const pending = [...roots];
const queue = (full) => {
  if (!(full in messages) && !pending.includes(full)) pending.push(full);
};
while (pending.length) {
  const full = pending.shift();
  if (full in messages) continue;
  messages[full] = SPECIAL[full] ?? describe(full, queue);
}

const sorted = Object.fromEntries(Object.keys(messages).sort().map((k) => [k, messages[k]]));
const doc = {
  source: `generated by scripts/gen-protobuf-descriptors.mjs from kubernetes/api and kubernetes/apimachinery ${TAG} (generated.proto joined with the Go struct tags); do not edit`,
  kinds: Object.fromEntries(Object.keys(kinds).sort().map((k) => [k, kinds[k]])),
  anyVersion,
  messages: sorted,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
// one message per line keeps diffs of a regeneration readable
const body = JSON.stringify(doc, (k, v) => v, 0)
  .replace(/^\{/, '{\n')
  .replace(/,"(kinds|anyVersion|messages)":/g, ',\n"$1":')
  .replace(/\],"k8s\.io/g, '],\n"k8s.io')
  .replace(/","k8s\.io/g, '",\n"k8s.io');
fs.writeFileSync(OUT, body + '\n');
console.log(`${Object.keys(kinds).length} kinds, ${Object.keys(messages).length} messages -> ${path.relative(ROOT, OUT)} (${fs.statSync(OUT).size} bytes)`);

const fixtures = {};
for (const key of Object.keys(doc.kinds)) {
  const parts = key.split('/');
  const kind = parts.pop();
  const version = parts.pop();
  const name = `${parts.join('/') || 'core'}.${version}.${kind}`;
  const base = path.join(API, 'testdata/HEAD', name);
  if (!fs.existsSync(`${base}.pb`)) continue; // kube records no fixtures of List kinds
  fixtures[name] = { pb: fs.readFileSync(`${base}.pb`).toString('base64'), json: JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) };
}
const fixtureDoc = { source: `kubernetes/api ${TAG} testdata/HEAD, copied by scripts/gen-protobuf-descriptors.mjs; do not edit`, fixtures };
fs.writeFileSync(FIXTURES, JSON.stringify(fixtureDoc).replace(/,"(core|[a-z.]+)\.(v\d\w*)\.(\w+)":\{"pb"/g, ',\n"$1.$2.$3":{"pb"') + '\n');
console.log(`${Object.keys(fixtures).length} upstream fixtures -> ${path.relative(ROOT, FIXTURES)} (${fs.statSync(FIXTURES).size} bytes)`);
