// The CEL environment of x-kubernetes-validations against the examples
// Kubernetes documents for each of its libraries (kubernetes.io "CEL in
// Kubernetes"), RE2 regexes that cannot backtrack, compile errors as kube
// words them, and the cost limit.
import { describe, expect, it } from 'vitest';
import { kubernetesEnvironment } from '../../src/apiextensions/cel/library';
import { compile, compileSchema } from '../../src/apiextensions/cel/compile';
import { ruleValidator } from '../../src/apiextensions/cel/validator';
import type { JSONSchemaProps } from '../../src/apiextensions/types';

const env = kubernetesEnvironment();
const withS = env.clone().registerVariable('s', 'string');

function run(expr: string, vars: Record<string, unknown> = {}): unknown {
  const p = compile(Object.keys(vars).length ? withS : env, expr, 'bool');
  if (typeof p === 'string') throw new Error(p);
  return p(vars);
}

describe('kube CEL libraries, as documented', () => {
  it.each([
    // strings
    ["'hello'.charAt(4) == 'o'"], ["'hello'.indexOf('l') == 2"], ["'hello mellow'.lastIndexOf('ello') == 7"],
    ["'TacoCat'.lowerAscii() == 'tacocat'"], ["'TacoCat'.upperAscii() == 'TACOCAT'"],
    ["'hello hello'.replace('he', 'we') == 'wello wello'"], ["'hello hello'.replace('he', 'we', 1) == 'wello hello'"],
    ["'hello world'.split(' ') == ['hello', 'world']"], ["'tacocat'.substring(4) == 'cat'"], ["'tacocat'.substring(0, 4) == 'taco'"],
    ["'  \\ttrim\\n    '.trim() == 'trim'"], ["['hello', 'mellow'].join() == 'hellomellow'"], ["['hello', 'mellow'].join(' ') == 'hello mellow'"],
    ['"this is a string: %s".format(["test"]) == "this is a string: test"'], ['"%d apples".format([3]) == "3 apples"'],
    // lists
    ['[1, 2, 3].isSorted()'], ['![3, 1].isSorted()'], ["['a', 'b'].isSorted()"], ['[1, 2, 3].sum() == 6'],
    ['[1, 2].min() == 1'], ['[1, 2].max() == 2'], ['[1, 2, 2, 3].indexOf(2) == 1'], ['[1, 2, 2, 3].lastIndexOf(2) == 2'],
    // regex
    ['"abc 123".find("[0-9]+") == "123"'], ['"123 abc 456".findAll("[0-9]+") == ["123", "456"]'], ['"123 abc 456".findAll("[0-9]+", 1) == ["123"]'],
    ['"abc".matches("^[a-z]+$")'], ['!"abc1".matches("^[a-z]+$")'],
    // urls
    ["url('https://example.com:80/').getHost() == 'example.com:80'"], ["url('https://example.com/path').getScheme() == 'https'"],
    ["url('https://example.com:80/').getPort() == '80'"], ["url('https://example.com/path').getEscapedPath() == '/path'"],
    ["url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}"],
    ["url('https://[::1]:80/').getHostname() == '::1'"], ["isURL('https://example.com/')"], ["!isURL('not a url')"], ["url('/path').getScheme() == ''"],
    // quantities
    ['quantity("50M").isGreaterThan(quantity("50Mi")) == false'], ['quantity("10Mi").isLessThan(quantity("50Mi"))'], ['isQuantity("1.3G")'], ['!isQuantity("1.3Gx")'],
    ['quantity("50k").add(quantity("20k")).compareTo(quantity("70k")) == 0'], ['quantity("50k").sub(20000).compareTo(quantity("30k")) == 0'],
    ['quantity("50.703k").asApproximateFloat() == 50703.0'], ['quantity("1.5").isInteger() == false'], ['quantity("50k").asInteger() == 50000'],
    ['quantity("-1").sign() == -1'], ['quantity("1Gi").compareTo(quantity("1024Mi")) == 0'],
    // formats
    ['!format.dns1123Label().validate("my-label-name").hasValue()'], ['format.dns1123Label().validate("MY_LABEL").hasValue()'],
    ['format.named("dns1123Label").hasValue()'], ['!format.named("no-such-format").hasValue()'],
  ])('%s', (expr) => {
    expect(run(expr)).toBe(true);
  });

  it('regexes run on RE2: a pattern that backtracks for ever in a backtracking engine answers at once', () => {
    const s = `${'a'.repeat(50_000)}!`;
    expect(run('s.matches("^(a+)+$")', { s })).toBe(false);
    expect(run('s.matches("a+!$")', { s })).toBe(true);
    // Go's syntax: \z is RE2's end of text
    expect(run('s.matches("!\\\\z")', { s })).toBe(true);
  });

  it('compile errors read as cel-go words them', () => {
    const typed = env.clone().registerVariable('self', 'map<string, int>');
    expect(compile(typed, 'self.a +', 'bool')).toMatch(/^compilation failed: ERROR: <input>:1:\d+: /);
    expect(compile(typed, "self['a'] + 'x' == 1", 'bool')).toContain('no such overload');
    expect(compile(typed, 'self.size()', 'bool')).toContain('expression must evaluate to bool');
  });
});

const list = (extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({
  type: 'object',
  properties: { items: { type: 'array', items: { type: 'string' }, ...extra } },
  'x-kubernetes-validations': [{ rule: 'self.items.all(x, self.items.all(y, x == y || x != y))' }],
});

describe('rule cost', () => {
  it('refuses a rule whose estimated cost is over the limit, and accepts it once the list and its strings are bounded', () => {
    const [err] = compileSchema(list(), 'spec.versions[0].schema.openAPIV3Schema').errors;
    expect(err.field).toBe('spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].rule');
    expect(err.message).toBe('Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)');
    expect(compileSchema(list({ maxItems: 100, items: { type: 'string', maxLength: 64 } }), 'x').errors).toEqual([]);
    // comparing strings of unbounded length costs in proportion to what they may hold
    expect(compileSchema(list({ maxItems: 100 }), 'x').errors).toHaveLength(1);
  });

  it('counts a rule once per place it runs: inside an unbounded list it is over the limit', () => {
    const item: JSONSchemaProps = { type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.name.matches("^[a-z]+$")' }] };
    const unbounded = { type: 'object', properties: { xs: { type: 'array', items: item } } };
    expect(compileSchema(unbounded, 'x').errors[0]?.message).toContain('exceeds budget');
    const bounded = { type: 'object', properties: { xs: { type: 'array', maxItems: 10, items: { ...item, properties: { name: { type: 'string', maxLength: 63 } } } } } };
    expect(compileSchema(bounded, 'x').errors).toEqual([]);
  });
});

describe('rules on objects', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' }, minReplicas: { type: 'integer' },
          mode: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
          ports: {
            type: 'array', maxItems: 10, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 15 }, port: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.port > 0', fieldPath: '.port', reason: 'FieldValueForbidden', message: 'ports are positive' }] },
          },
        },
        'x-kubernetes-validations': [{ rule: 'self.replicas >= self.minReplicas', messageExpression: "'replicas (' + string(self.replicas) + ') must be at least ' + string(self.minReplicas)" }],
      },
    },
  };
  const v = ruleValidator(schema)!;
  const obj = (spec: Record<string, unknown>) => ({ apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec });

  it('messageExpression, fieldPath and reason shape the cause', () => {
    expect(v.validate(obj({ replicas: 1, minReplicas: 3, ports: [{ name: 'a', port: 0 }] }))).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": replicas (1) must be at least 3' },
      { reason: 'FieldValueForbidden', field: 'spec.ports[0].port', message: 'Forbidden: ports are positive' },
    ]);
  });

  it('transition rules compare with the old object, and skip creates', () => {
    expect(v.validate(obj({ replicas: 1, minReplicas: 1, mode: 'a' }))).toEqual([]);
    expect(v.validate(obj({ replicas: 1, minReplicas: 1, mode: 'b' }), obj({ replicas: 1, minReplicas: 1, mode: 'a' }))).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.mode', message: 'Invalid value: "string": mode is immutable' },
    ]);
  });

  it('compile errors name the rule and the field', () => {
    const bad: JSONSchemaProps = { type: 'object', properties: { a: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.b > 1' }] };
    const [err] = compileSchema(bad, 'openAPIV3Schema').errors;
    expect(err.field).toBe('openAPIV3Schema.x-kubernetes-validations[0].rule');
    expect(err.message).toMatch(/compilation failed: ERROR: <input>:1:\d+: undefined field 'b'/);
  });
});
