// Strict field validation against the generated schemas: unknown fields and
// duplicate keys named the way kube-apiserver's strict decoder names them,
// and pruning of unknown fields.
import { describe, expect, it } from 'vitest';
import { schemas } from '../../src/schema';
import { checkFields, checkObject, prune, strictDecodingError, warningsFor } from '../../src/schema/field-validation';
import type { SchemaNode } from '../../src/schema/types';

const kind = (group: string, version: string, k: string): SchemaNode => {
  const n = schemas.forKind(group, version, k);
  if (!n) throw new Error(`no schema for ${k}`);
  return n;
};
const POD = () => kind('', 'v1', 'Pod');

const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/x': 'y' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{
          name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
          env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25 } },
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
          livenessProbe: { tcpSocket: { port: 80 } },
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        }],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } }, { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      },
    },
  },
  status: { replicas: 3, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
};

const service = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { app: 'web' }, type: 'ClusterIP',
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090 }],
  },
};

describe('checkFields', () => {
  it('accepts a valid Deployment and Service', () => {
    const d = checkFields(kind('apps', 'v1', 'Deployment'), JSON.stringify(deployment, null, 2));
    expect(d).toEqual({ unknown: [], duplicates: [], messages: [] });
    const s = checkFields(kind('', 'v1', 'Service'), JSON.stringify(service));
    expect(s).toEqual({ unknown: [], duplicates: [], messages: [] });
  });

  it('names unknown fields by their JSON path', () => {
    const body = JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', y: 1,
      metadata: { name: 'p', nme: 'typo' },
      spec: { x: { deep: true }, containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i', bogus: 1, ports: [{ containerPort: 1, hostPorts: 2 }] }] },
    });
    const r = checkFields(POD(), body);
    expect(r.unknown).toEqual(['y', 'metadata.nme', 'spec.x', 'spec.containers[1].bogus', 'spec.containers[1].ports[0].hostPorts']);
    expect(r.duplicates).toEqual([]);
    const first = checkFields(POD(), '{"spec":{"containers":[{"name":"a","bogus":true}]}}');
    expect(first.unknown).toEqual(['spec.containers[0].bogus']);
  });

  it('finds duplicate keys, also in maps, in document order with unknown fields', () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"k":"1","k":"2"},"extra":1}';
    const r = checkFields(kind('', 'v1', 'ConfigMap'), body);
    expect(r.duplicates).toEqual(['metadata.name', 'data.k']);
    expect(r.unknown).toEqual(['extra']);
    expect(r.messages).toEqual(['duplicate field "metadata.name"', 'duplicate field "data.k"', 'unknown field "extra"']);
  });

  it('reports a repeated unknown key once, as unknown (structs track known fields only)', () => {
    const r = checkFields(kind('', 'v1', 'ConfigMap'), '{"bogus":1,"bogus":2,"constructor":3,"__proto__":{}}');
    expect(r.unknown).toEqual(['bogus', 'constructor', '__proto__']);
    expect(r.duplicates).toEqual([]);
  });

  it('treats data map values and int-or-string ports as values, not fields', () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { anything: 'goes', 'x.y-z': '1' }, binaryData: { b: 'AAAA' } });
    expect(checkFields(kind('', 'v1', 'ConfigMap'), cm).unknown).toEqual([]);
    const svc = JSON.stringify({ spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 81, targetPort: 'web' }] } });
    expect(checkFields(kind('', 'v1', 'Service'), svc)).toMatchObject({ unknown: [], duplicates: [] });
    // a value of the wrong shape is a decode error, not an unknown field
    const wrong = JSON.stringify({ spec: { ports: [{ port: 80, targetPort: { not: 'a field' } }] } });
    expect(checkFields(kind('', 'v1', 'Service'), wrong).unknown).toEqual([]);
  });

  it('does not look inside untyped values (RawExtension)', () => {
    const cr = JSON.stringify({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { anything: { a: 1 }, spec: 2 } });
    expect(checkFields(kind('apps', 'v1', 'ControllerRevision'), cr).unknown).toEqual([]);
  });

  it('honours preserve-unknown-fields: no unknown fields, still duplicates', () => {
    const node: SchemaNode = { type: 'object', fields: { known: { type: 'string' } }, preserveUnknownFields: true };
    const r = checkFields(node, '{"known":"a","free":{"a":1,"a":2},"known":"b"}');
    expect(r.unknown).toEqual([]);
    expect(r.duplicates).toEqual(['free.a', 'known']);
  });

  it('handles escapes, whitespace and malformed JSON', () => {
    const r = checkFields(kind('', 'v1', 'ConfigMap'), ' { "data" : { "a\\"b" : "\\u0041" } , "m\\u0065tadata": {"n\\u0061me": "x"}, "b\\u006fgus": [1, 2.5e3, true, null] } ');
    expect(r.unknown).toEqual(['bogus']);
    expect(checkFields(kind('', 'v1', 'ConfigMap'), '{"data": ')).toEqual({ unknown: [], duplicates: [], messages: [] });
  });

  it('checks already decoded objects too', () => {
    const r = checkObject(POD(), { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', foo: 1 }] }, bar: 2 });
    expect(r.unknown).toEqual(['spec.containers[0].foo', 'bar']);
  });
});

describe('kube messages', () => {
  it('words the Strict 400 and the Warn warnings like kube-apiserver', () => {
    const r = checkFields(POD(), '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"a"},"spec":{"x":1},"y":2}');
    expect(strictDecodingError('Pod', 'v1', r)).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata.name", unknown field "spec.x", unknown field "y"',
    );
    expect(warningsFor(r)).toEqual([
      '299 - "duplicate field \\"metadata.name\\""',
      '299 - "unknown field \\"spec.x\\""',
      '299 - "unknown field \\"y\\""',
    ]);
    expect(strictDecodingError('Pod', 'v1', checkFields(POD(), '{}'))).toBeUndefined();
  });
});

describe('prune', () => {
  it('drops unknown fields only', () => {
    const obj = {
      apiVersion: 'v1', kind: 'Pod', junk: 1,
      metadata: { name: 'p', labels: { a: 'b' }, nope: true },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, bad: 1 }], resources: { limits: { cpu: '1' } }, extra: {} }],
        nodeSelector: { any: 'key' },
      },
    };
    const out = prune(POD(), obj);
    expect(out).toBe(obj);
    expect(out).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }], nodeSelector: { any: 'key' } },
    });
    const rev = { data: { whatever: { x: 1 } }, revision: 2, other: 3 };
    expect(prune(kind('apps', 'v1', 'ControllerRevision'), rev)).toEqual({ data: { whatever: { x: 1 } }, revision: 2 });
  });
});
