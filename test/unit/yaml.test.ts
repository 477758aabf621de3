// YAML as kube-apiserver reads and writes it (sigs.k8s.io/yaml over go-yaml v2):
// YAML 1.1 scalars, go-yaml's key order and folding, and refusals of YAML that
// could hurt the server.
import { describe, expect, it } from 'vitest'
import { goKeyCompare, jsonToYaml, MAX_FLOW_DEPTH, yamlToJson, YamlError } from '../../src/request/yaml'
import { JsonLimitError, MAX_JSON_DEPTH, parseJson } from '../../src/request/json'

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

describe('yamlToJson nesting', () => {
  const refused = (text: string) => {
    try {
      yamlToJson(text)
    } catch (e) {
      expect(e).toBeInstanceOf(YamlError)
      return (e as Error).message
    }
    return undefined
  }

  it(`takes flow collections ${MAX_FLOW_DEPTH} deep and refuses one more, before the parser sees them`, () => {
    const nested = (n: number) => 'a: ' + '['.repeat(n) + '1' + ']'.repeat(n)
    let v: unknown = (yamlToJson(nested(MAX_FLOW_DEPTH)).value as { a: unknown }).a
    let depth = 0
    while (Array.isArray(v)) { v = v[0]; depth++ }
    expect(depth).toBe(MAX_FLOW_DEPTH)
    expect(refused(nested(MAX_FLOW_DEPTH + 1))).toBe(`yaml: line 1: exceeded max depth of ${MAX_FLOW_DEPTH}`)
  })

  it('refuses unclosed flow collections and collection keys without parsing them (the parser is superlinear there)', () => {
    expect(refused('a: 1\nb: ' + '[{'.repeat(100_000))).toMatch(/^yaml: line 2: unsupported map key: a sequence/)
    expect(refused('a: [1, 2\n')).toBe("yaml: line 2: did not find expected ',' or ']'")
    expect(refused('a: {b: 1\n')).toBe("yaml: line 2: did not find expected ',' or '}'")
    expect(refused('{ {a: 1}: 2 }')).toBe('yaml: line 1: unsupported map key: a mapping cannot be a key in JSON')
  })

  it('counts only flow indicators: brackets in scalars and comments are text', () => {
    expect(yamlToJson('a: x[y{z\nb: "[[["\nc: \'{{\'\n# [[[\nd: [1, {e: f}]\n').value).toEqual({ a: 'x[y{z', b: '[[[', c: '{{', d: [1, { e: 'f' }] })
  })

  it('answers block nesting past the stack with a YamlError, not a RangeError', () => {
    expect(refused('a:\n  ' + '- '.repeat(50_000) + 'x')).toMatch(/^yaml: /)
  })
})

describe('parseJson', () => {
  const error = (text: string) => {
    try {
      parseJson(text)
    } catch (e) {
      return e instanceof JsonLimitError ? `${e.kind}: ${e.message}` : `other: ${(e as Error).message}`
    }
    return undefined
  }

  it('takes nesting up to encoding/json\'s limit and refuses past it as Go\'s scanner does', () => {
    const deep = (n: number, o = '[', c = ']') => `{"a":${o.repeat(n - 1)}${c.repeat(n - 1)}}`
    expect(error(deep(MAX_JSON_DEPTH))).toBeUndefined()
    expect(error(deep(MAX_JSON_DEPTH + 1))).toBe("syntax: invalid character '[' exceeded max depth")
    expect(error(deep(MAX_JSON_DEPTH + 1, '{"":', '}'))).toBe("syntax: invalid character '{' exceeded max depth")
    expect(error('['.repeat(3_000_000))).toBe("syntax: invalid character '[' exceeded max depth")
  })

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(error(JSON.stringify({ a: '['.repeat(20_000) + '\\"' + '{'.repeat(20_000) }))).toBeUndefined()
  })

  it('refuses numbers past float64 instead of reading them as Infinity', () => {
    expect(error('{"a":[1,{"b":1e400}]}')).toBe('value: json: cannot unmarshal number 1e400 into Go value of type float64')
    expect(error('{"a":-' + '9'.repeat(400) + '}')).toBe(`value: json: cannot unmarshal number -${'9'.repeat(400)} into Go value of type float64`)
    expect(parseJson('{"a":1e308,"b":"1e400","c":1e-400}')).toEqual({ a: 1e308, b: '1e400', c: 0 })
  })

  it('leaves syntax errors to JSON.parse', () => {
    expect(error('{"a":')).toMatch(/^other: /)
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
