// YAML as kube-apiserver reads and writes it (sigs.k8s.io/yaml over go-yaml v2):
// YAML 1.1 scalars, go-yaml's key order and folding, and refusals of YAML that
// could hurt the server.
import { describe, expect, it } from 'vitest'
import { goKeyCompare, jsonToYaml, yamlToJson, YamlError } from '../../src/request/yaml'

describe('yamlToJson', () => {
  it('reads YAML 1.1 scalars as go-yaml v2 does', () => {
    const { value } = yamlToJson('a: yes\nb: off\nc: 0777\nd: 0x1F\ne: 2001-12-14\nf: ~\ng: 1.5\nh: .\ni: "yes"\nj: 190:20:30\ny: 1\n')
    expect(value).toEqual({ a: true, b: false, c: 511, d: 31, e: '2001-12-14', f: null, g: 1.5, h: '.', i: 'yes', j: '190:20:30', true: 1 })
  })

  it('expands anchors and merge keys, and takes the first document only', () => {
    const { value } = yamlToJson('base: &b {p: 1, q: 2}\nderived:\n  <<: *b\n  q: 3\n---\nother: 1\n')
    expect(value).toEqual({ base: { p: 1, q: 2 }, derived: { p: 1, q: 3 } })
  })

  it('an empty body is null', () => {
    expect(yamlToJson('').value).toBeNull()
    expect(yamlToJson('# only a comment\n').value).toBeNull()
  })

  it('duplicate keys: the last wins, each listed with its line as go-yaml does', () => {
    const body = yamlToJson('a: 1\nb:\n  c: 1\n  c: 2\na: 3\n')
    expect(body.value).toEqual({ a: 3, b: { c: 2 } })
    expect(body.duplicates).toEqual(['line 4: key "c" already set in map', 'line 5: key "a" already set in map'])
  })

  it('refuses alias bombs, foreign tags, collection keys and broken YAML', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 8; i++) bomb.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`)
    const cases: [string, RegExp][] = [
      [bomb.join('\n'), /^yaml: document contains excessive aliasing$/],
      ['f: !!js/function "function () {}"\n', /^yaml: line 1: unknown tag: tag:yaml.org,2002:js\/function$/],
      ['f: !!binary aGk=\n', /^yaml: line 1: unknown tag/],
      ['s: !!set {a, b}\n', /^yaml: line 1: unknown tag/],
      ['? [a, b]\n: c\n', /^yaml: line 1: unsupported map key: a sequence/],
      ['a: b: c\n', /^yaml: line 1: /],
      ['a: [1, 2\n', /^yaml: line \d: /],
      ['\t- x\n', /^yaml: line 1: /],
    ]
    for (const [text, message] of cases) {
      expect(() => yamlToJson(text), text).toThrow(YamlError)
      expect(() => yamlToJson(text), text).toThrow(message)
    }
  })

  it('round-trips what it writes', () => {
    const obj = { a: 'yes', b: '0777', c: '', d: '~', e: 'null', f: '1e5', g: '2026-12-07T18:00:00Z', h: 'multi\nline\n', i: '-1', j: '<<', k: [1, 1.5, true, null, {}], l: { 'f:x': {}, 'k:{"a":"b"}': {} } }
    expect(yamlToJson(jsonToYaml(obj)).value).toEqual(obj)
  })
})

describe('jsonToYaml', () => {
  it('writes as kubectl -o yaml prints: sorted keys, flush sequences, 1.1 look-alikes quoted', () => {
    expect(jsonToYaml({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', creationTimestamp: '2026-12-07T18:00:00Z', labels: { on: 'on', n: '1' } }, spec: { containers: [{ name: 'c', args: ['-v', '2'] }], x: {}, y: [] } })).toBe(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: "2026-12-07T18:00:00Z"\n  labels:\n    "n": "1"\n    "on": "on"\n  name: p\n' +
      'spec:\n  containers:\n  - args:\n    - -v\n    - "2"\n    name: c\n  x: {}\n  "y": []\n')
  })

  it('strings with line breaks are literal blocks', () => {
    expect(jsonToYaml({ a: 'x\ny\n', b: 'x\ny' })).toBe('a: |\n  x\n  y\nb: |-\n  x\n  y\n')
  })

  it('folds plain values at the first space past column 80, as go-yaml does, and leaves block content alone', () => {
    const words = 'a long line of words '.repeat(8) + 'end'
    expect(jsonToYaml({ metadata: { annotations: { long: words } } })).toBe(
      'metadata:\n  annotations:\n    long: a long line of words a long line of words a long line of words a long line\n' +
      '      of words a long line of words a long line of words a long line of words a long\n      line of words end\n')
    expect(jsonToYaml({ l: [words] })).toBe('l:\n- a long line of words a long line of words a long line of words a long line of words\n' +
      '  a long line of words a long line of words a long line of words a long line of words\n  end\n')
    const block = jsonToYaml({ b: `${words}\n${words}\n` })
    expect(block).toBe(`b: |\n  ${words}\n  ${words}\n`)
    expect(jsonToYaml({ k: 'x'.repeat(200) })).toBe(`k: ${'x'.repeat(200)}\n`)
  })
})

describe('goKeyCompare', () => {
  it('orders keys as go-yaml sorts map keys', () => {
    const keys = ['b10', 'b2', 'a', 'B', '_x', 'a.b', 'ab', 'x1y', 'x1_', 'f:spec', 'f:metadata', '.', 'k:{"name":"a"}', 'v:"x"']
    expect([...keys].sort(goKeyCompare)).toEqual(['.', '_x', 'B', 'a', 'a.b', 'ab', 'b2', 'b10', 'f:metadata', 'f:spec', 'k:{"name":"a"}', 'v:"x"', 'x1y', 'x1_'])
  })
})
