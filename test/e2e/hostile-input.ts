// Requests a hostile or careless client sends, drawn from a seeded generator
// so that a failure names a seed and a request that can be sent again. Every
// request here must be refused or be a dry run: the suite checks afterwards
// that nothing stored changed.

export interface HostileRequest {
  class: string
  method: string
  /** Raw, already escaped as the client sends it. */
  path: string
  headers: Record<string, string>
  body?: Buffer
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]
  return { next, int, pick }
}
export type Rng = ReturnType<typeof prng>

export const NS = 'fuzz'
export const CRD_GROUP = 'fuzz.example.com'
const CM = `/api/v1/namespaces/${NS}/configmaps`
const WIDGETS = `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets`
const JSON_CT = { 'content-type': 'application/json' }
const YAML_CT = { 'content-type': 'application/yaml' }
const PATCH_CTS = ['application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']

const buf = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s)

/** Nesting as JSON: arrays, objects, or both, closed or not. */
function deepJson(r: Rng, depth: number, closed: boolean): string {
  const shape = r.pick(['[', '{"a":', 'mixed'] as const)
  let open = ''
  let close = ''
  for (let i = 0; i < depth; i++) {
    const o = shape === 'mixed' ? (i % 2 ? '[' : '{"a":') : shape
    open += o
    close = (o === '[' ? ']' : '}') + close
  }
  return open + '1' + (closed ? close : '')
}

function deepYaml(r: Rng, depth: number): string {
  switch (r.pick(['flow', 'block', 'indent', 'unclosed', 'keys'] as const)) {
    case 'flow': return 'data: ' + '['.repeat(depth) + ']'.repeat(depth)
    case 'block': return 'data:\n  ' + '- '.repeat(depth) + 'x'
    case 'indent': return Array.from({ length: Math.min(depth, 2000) }, (_, i) => ' '.repeat(i) + 'a:').join('\n')
    case 'unclosed': return 'data: ' + r.pick(['[{', '{', '[']).repeat(depth)
    case 'keys': return '{'.repeat(depth) + '}'.repeat(depth)
  }
}

/** An object the server would take, to be broken or sent as a dry run. */
function validConfigMap(r: Rng): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${r.int(0, 1e6)}`, namespace: NS, labels: { a: 'b' } }, data: { k: 'v'.repeat(r.int(0, 50)) } }
}

/** Random byte edits of a text: a flipped, dropped or inserted byte, a cut. */
function mutate(r: Rng, text: string): Buffer {
  const b = [...Buffer.from(text)]
  for (let n = r.int(1, 6); n > 0; n--) {
    const i = r.int(0, Math.max(0, b.length - 1))
    switch (r.int(0, 4)) {
      case 0: b[i] = r.int(0, 255); break
      case 1: b.splice(i, r.int(1, 8)); break
      case 2: b.splice(i, 0, r.pick([0x00, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x5c, 0xff, 0xc3, 0x0a])); break
      case 3: b.length = i; break
      case 4: b.splice(i, 0, ...Buffer.from(r.pick(['"metadata":', '{"a":1}', '1e400', 'null', '"\\u0000"', '-0', '[]']))); break
    }
  }
  return Buffer.from(b)
}

const item = (r: Rng) => `${CM}/${r.pick(['existing-0', 'existing-1', 'missing'])}`

type Generator = (r: Rng) => HostileRequest

/** One generator per class of hostile input the issue lists; each draws its details from r. */
export const GENERATORS: Record<string, Generator> = {
  'deep-json': (r) => {
    const depth = r.pick([100, 996, 997, 998, 999, 2_000, 9_000, 10_001, 500_000])
    const inner = deepJson(r, depth, r.next() < 0.8)
    const where = r.pick(['configmap', 'widget', 'patch', 'apply', 'delete'] as const)
    if (where === 'apply') return { class: 'deep-json', method: 'PATCH', path: `${WIDGETS}/w?dryRun=All&fieldManager=fuzz`, headers: { 'content-type': 'application/apply-patch+yaml' }, body: buf(`{"apiVersion":"${CRD_GROUP}/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"x":${inner}}}`) }
    if (where === 'patch') return { class: 'deep-json', method: 'PATCH', path: `${item(r)}?dryRun=All`, headers: { 'content-type': r.pick(PATCH_CTS.slice(0, 3)) }, body: buf(`{"metadata":{"annotations":{"x":${inner}}}}`) }
    if (where === 'delete') return { class: 'deep-json', method: 'DELETE', path: `${CM}/existing-0?dryRun=All`, headers: JSON_CT, body: buf(`{"kind":"DeleteOptions","preconditions":${inner}}`) }
    const path = where === 'widget' ? `${WIDGETS}?dryRun=All` : `${CM}?dryRun=All`
    const kind = where === 'widget' ? `"apiVersion":"${CRD_GROUP}/v1","kind":"Widget"` : '"apiVersion":"v1","kind":"ConfigMap"'
    return { class: 'deep-json', method: 'POST', path, headers: JSON_CT, body: buf(`{${kind},"metadata":{"name":"deep"},"spec":${inner},"data":{"a":${inner}}}`) }
  },
  'deep-yaml': (r) => {
    const depth = r.pick([10, 65, 200, 1000, 5000])
    const doc = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n${deepYaml(r, depth)}\n`
    if (r.next() < 0.3) return { class: 'deep-yaml', method: 'PATCH', path: `${item(r)}?dryRun=All&fieldManager=fuzz`, headers: { 'content-type': 'application/apply-patch+yaml' }, body: buf(doc) }
    return { class: 'deep-yaml', method: 'POST', path: `${CM}?dryRun=All`, headers: YAML_CT, body: buf(doc) }
  },
  'numbers': (r) => {
    const n = r.pick(['1e400', '-1e400', '1' + '0'.repeat(400), '123456789012345678901234567890', '1e-400', '0.' + '0'.repeat(500) + '1', '-0'])
    const where = r.pick(['widget', 'replicas', 'grace', 'annotation'] as const)
    if (where === 'widget') return { class: 'numbers', method: 'POST', path: `${WIDGETS}?dryRun=All`, headers: JSON_CT, body: buf(`{"apiVersion":"${CRD_GROUP}/v1","kind":"Widget","metadata":{"name":"n"},"spec":{"size":${n}}}`) }
    if (where === 'replicas') return { class: 'numbers', method: 'POST', path: `/apis/apps/v1/namespaces/${NS}/deployments?dryRun=All`, headers: JSON_CT, body: buf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"n"},"spec":{"replicas":${n},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`) }
    if (where === 'grace') return { class: 'numbers', method: 'DELETE', path: `${CM}/existing-1?dryRun=All`, headers: JSON_CT, body: buf(`{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":${n}}`) }
    return { class: 'numbers', method: 'PATCH', path: `${item(r)}?dryRun=All`, headers: { 'content-type': 'application/merge-patch+json' }, body: buf(`{"metadata":{"annotations":{"a":${n}}},"data":{"x":${n}}}`) }
  },
  'duplicate-keys': (r) => {
    const body = r.pick([
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d1","name":"d2"},"data":{"a":"1","a":"2"}}`,
      `{"apiVersion":"v1","kind":"ConfigMap","kind":"Secret","metadata":{"name":"d3"}}`,
      `{"apiVersion":"v1","apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"d4"}}`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d5"},"metadata":{"name":"d6"}}`,
    ])
    const yaml = r.next() < 0.3
    const text = yaml ? 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d7\n  name: d8\ndata:\n  a: "1"\n  a: "2"\n' : body
    return { class: 'duplicate-keys', method: 'POST', path: `${CM}?fieldValidation=${r.pick(['Strict', 'Warn', 'Ignore'])}&dryRun=All`, headers: yaml ? YAML_CT : JSON_CT, body: buf(text) }
  },
  'encoding': (r) => {
    const name = r.pick(['a\\u0000b', 'caf\\u00e9', '\\ud800', 'a b', '', '.', '..', 'A', '-a', 'a'.repeat(300)])
    const bad = r.pick([
      Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"u'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')]),
      Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a\u0000b"}}'),
      Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}}`),
      Buffer.from('\ufeff{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bom"}}'),
      Buffer.from([0x00, 0x00, 0x00, 0x7b]),
      Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"utf16"}}', 'utf16le'),
    ])
    return { class: 'encoding', method: r.pick(['POST', 'PUT']), path: r.pick([`${CM}?dryRun=All`, `${CM}/existing-0?dryRun=All`]), headers: r.pick([JSON_CT, YAML_CT, { 'content-type': 'application/vnd.kubernetes.protobuf' }]), body: bad }
  },
  'malformed': (r) => {
    const base = JSON.stringify(validConfigMap(r))
    const method = r.pick(['POST', 'PUT', 'PATCH'])
    const path = method === 'POST' ? `${CM}?dryRun=All` : `${item(r)}?dryRun=All${method === 'PATCH' ? '&fieldManager=fuzz' : ''}`
    const headers = method === 'PATCH' ? { 'content-type': r.pick(PATCH_CTS) } : r.pick([JSON_CT, YAML_CT])
    return { class: 'malformed', method, path, headers, body: mutate(r, base) }
  },
  'wrong-kind': (r) => {
    const body = r.pick([
      '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"w"}}',
      '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"w"}}',
      '{"apiVersion":"v9","kind":"ConfigMap","metadata":{"name":"w"}}',
      '{"apiVersion":"a/b/c","kind":"ConfigMap"}',
      '{"apiVersion":1,"kind":"ConfigMap"}', '[]', '"text"', '42', 'null', '',
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w","namespace":"other"}}`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"existing-0","resourceVersion":"abc"}}`,
      '{}', '{"apiVersion":"v1","kind":"ConfigMap"}', '{"metadata":{}}',
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"existing-0","resourceVersion":"1"}}`,
    ])
    return { class: 'wrong-kind', method: r.pick(['POST', 'PUT']), path: r.pick([CM, `${CM}/existing-0`, `${WIDGETS}`]), headers: JSON_CT, body: buf(body) }
  },
  'query': (r) => {
    const params = r.pick([
      'limit=abc', 'limit=-1', 'limit=1e3', 'limit=99999999999999999999', 'timeoutSeconds=x', 'timeoutSeconds=-5',
      'resourceVersion=abc', 'resourceVersion=-1', 'resourceVersion=99999999999999999999999',
      'resourceVersionMatch=Exact', 'resourceVersionMatch=Bogus&resourceVersion=1', 'resourceVersionMatch=Exact&resourceVersion=0',
      'sendInitialEvents=true', 'sendInitialEvents=true&watch=1&resourceVersionMatch=Exact',
      'watch=1&resourceVersionMatch=NotOlderThan', 'continue=garbage', 'continue=%FF%FE', 'continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
      'labelSelector=a%20in%20(', 'labelSelector=%3D%3D%3D', 'fieldSelector=spec.bogus%3Dx', 'fieldSelector=%3D',
      'allowWatchBookmarks=maybe&limit=1', 'includeObject=Everything', 'watch=1&resourceVersion=abc',
      'watch=1&continue=x&resourceVersionMatch=NotOlderThan&sendInitialEvents=false',
    ])
    return { class: 'query', method: 'GET', path: `${r.pick([CM, WIDGETS, '/api/v1/pods', '/api/v1/namespaces'])}?${params}`, headers: { accept: r.pick(['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/yaml']) } }
  },
  'write-options': (r) => {
    const params = r.pick(['dryRun=Some', 'fieldValidation=Loose', 'fieldManager=' + 'm'.repeat(200), 'fieldManager=%01', 'force=true', 'propagationPolicy=Sideways', 'gracePeriodSeconds=abc'])
    const method = r.pick(['POST', 'PUT', 'PATCH', 'DELETE'])
    const path = method === 'POST' ? `${CM}?${params}` : `${CM}/existing-0?${params}`
    const headers = method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : JSON_CT
    const body = method === 'DELETE' ? undefined : buf(method === 'PATCH' ? '{"data":{"x":"y"}}' : JSON.stringify(validConfigMap(r)))
    return { class: 'write-options', method, path: path.includes('dryRun') ? path : `${path}&dryRun=bogus`, headers, body }
  },
  'path': (r) => {
    const path = r.pick([
      `/api/v1/namespaces/${NS}/configmaps/../secrets`, '/api/v1/namespaces/..%2F..%2Fkube-system/configmaps', `/api/v1/namespaces/${NS}/configmaps/%2e%2e`,
      `/api/v1/namespaces/${NS}/configmaps/a%2Fb`, '/api/v1/namespaces//configmaps', `/api/v1/namespaces/${NS}//configmaps`, '/api//v1/pods',
      '/apis/%2e%2e/v1', '/apis/apps/v1/namespaces/fuzz/deployments/x/status/extra', `/api/v1/namespaces/${NS}/configmaps/existing-0/bogus`,
      '/api/v1/' + 'a/'.repeat(200), `/api/v1/namespaces/${'x'.repeat(4000)}/configmaps`, '/api/v1/namespaces/%00/configmaps', '/api/v1/namespaces/%ZZ/configmaps',
      `/apis/${CRD_GROUP}/v2/widgets`, `/apis/${CRD_GROUP}/v1/widgets/x/scale`, '/api/v2/pods', '/apis', '/apis/', '/api/v1/proxy', '/api/v1/watch/namespaces/fuzz/configmaps/existing-0/status',
    ])
    const method = r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS'])
    const body = method === 'PUT' || method === 'POST' || method === 'PATCH' ? buf('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p"}}') : undefined
    const headers = method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : JSON_CT
    return { class: 'path', method, path: method === 'GET' || method === 'OPTIONS' ? path : `${path}${path.includes('?') ? '&' : '?'}dryRun=All`, headers, body }
  },
  'headers': (r) => {
    const headers: Record<string, string> = {}
    switch (r.int(0, 5)) {
      case 0: for (let i = 0; i < 150; i++) headers[`x-flood-${i}`] = 'v'.repeat(40); break
      case 1: headers['x-big'] = 'v'.repeat(r.pick([4_000, 12_000])); break
      case 2: headers.accept = r.pick(['application/bogus', 'text/html', '*/*;q=abc', 'application/json;as=Table;g=wrong', 'application/vnd.kubernetes.protobuf;stream=watch']); break
      case 3: headers['content-type'] = r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16', '']); break
      case 4: headers['impersonate-user'] = r.pick(['system:admin', '', 'x'.repeat(300)]); headers['impersonate-group'] = 'system:masters'; break
      case 5: headers.authorization = r.pick(['Bearer ', 'Bearer x.y.z', 'Basic %%%', 'Negotiate abc']); break
    }
    const method = r.pick(['GET', 'POST'])
    return { class: 'headers', method, path: method === 'POST' ? `${CM}?dryRun=All` : CM, headers: { 'content-type': 'application/json', ...headers }, body: method === 'POST' ? buf('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"hdr"}}') : undefined }
  },
  'oversized': (r) => {
    const size = r.pick([3 * 1024 * 1024 + 1, 4 * 1024 * 1024])
    const body = Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"${'x'.repeat(size)}"}}`)
    return { class: 'oversized', method: r.pick(['POST', 'PUT']), path: r.pick([`${CM}?dryRun=All`, `${CM}/existing-0?dryRun=All`]), headers: JSON_CT, body }
  },
}

/** Oversized and deep bodies are slow to send; the rest are drawn often. */
const WEIGHTS: Record<string, number> = {
  'deep-json': 6, 'deep-yaml': 4, numbers: 10, 'duplicate-keys': 8, encoding: 10, malformed: 25,
  'wrong-kind': 10, query: 15, 'write-options': 8, path: 12, headers: 8, oversized: 0.3,
}

export function drawRequest(r: Rng): HostileRequest {
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0)
  let x = r.next() * total
  for (const [name, w] of Object.entries(WEIGHTS)) {
    x -= w
    if (x < 0) return GENERATORS[name](r)
  }
  return GENERATORS.malformed(r)
}
