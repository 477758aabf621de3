// Decode errors and update resourceVersions as kube-apiserver 1.35 answers
// them. Each expectation names where kube builds it:
//   [interpret]  k8s.io/apimachinery pkg/runtime/serializer/json/meta.go, SimpleMetaFactory.Interpret
//   [transform]  k8s.io/apiserver pkg/endpoints/handlers/rest.go, transformDecodeError and summarizeData
//   [scanner]    Go encoding/json scanner.go (syntax errors), decode.go UnmarshalTypeError (type errors)
//   [codec]      k8s.io/apimachinery pkg/runtime/serializer/versioning (decode, then convert: converter.go
//                "unknown conversion"; scheme.go "no kind is registered")
//   [create]     k8s.io/apiserver pkg/endpoints/handlers/create.go ("the API version in the data ...")
//   [quantity]   k8s.io/apimachinery pkg/api/resource/quantity.go, UnmarshalJSON / ErrFormatWrong
//   [intstr]     k8s.io/apimachinery pkg/util/intstr/intstr.go, UnmarshalJSON
//   [time]       k8s.io/apimachinery pkg/apis/meta/v1/time.go and micro_time.go, UnmarshalJSON: time.Parse
//                with time.RFC3339 / RFC3339Micro, whose *time.ParseError text (Go src/time/format.go) kube returns
//   [store]      k8s.io/apiserver pkg/registry/generic/registry/store.go, Update (GuaranteedUpdate)
//   [versioner]  k8s.io/apiserver pkg/storage/api_object_versioner.go, ParseResourceVersion

import { beforeAll, describe, expect, it } from 'vitest';
import { encodeObject, envelope } from '../../src/protobuf';
import { api, cm, mkns, type J } from './helpers';

const NS = 'decode-errors';
const CMS = `/api/v1/namespaces/${NS}/configmaps`;
const DEPLOYS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const FIND_KIND = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
const QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const deployment = (spec: J = {}, metadata: J = { name: 'd' }) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata,
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, ...spec },
});
const withContainer = (c: J) => deployment({ template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ...c }] } } });

const unrecognized = (err: string, summary: string) => `the object provided is unrecognized (must be of type ConfigMap): ${err} (${summary})`;
const deployError = (err: string) => `Deployment in version "v1" cannot be handled as a Deployment: ${err}`;

// [path, body (a string is sent as is), message]
const DECODE: [string, string, string | J, string][] = [
  ['truncated JSON [interpret][transform][scanner]', CMS, '{"kind":', unrecognized("couldn't get version/kind; json parse error: unexpected end of JSON input", '{"kind":')],
  ['a syntax error [scanner]', CMS, '{"a" 1}', unrecognized("couldn't get version/kind; json parse error: invalid character '1' after object key", '{"a" 1}')],
  ['an unquoted key [scanner]', CMS, '{kind: 1}', unrecognized("couldn't get version/kind; json parse error: invalid character 'k' looking for beginning of object key string", '{kind: 1}')],
  ['a bad literal [scanner]', CMS, '{"a": tru}', unrecognized("couldn't get version/kind; json parse error: invalid character '}' in literal true (expecting 'e')", '{"a": tru}')],
  ['an empty body [transform]', CMS, '', unrecognized("couldn't get version/kind; json parse error: unexpected end of JSON input", '<empty>')],
  ['an array, summarized in hex [interpret][transform]', CMS, '[1,2]', unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type ${FIND_KIND}`, '5b312c325d')],
  ['a string [interpret]', CMS, '"cm"', unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal string into Go value of type ${FIND_KIND}`, '22636d22')],
  ['a kind that is not a string [interpret]', CMS, '{"kind":5}', unrecognized("couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string", '{"kind":5}')],
  ['a malformed apiVersion, summary cut at 30 bytes [interpret][transform]', CMS, '{"apiVersion":"a/b/c","kind":"ConfigMap"}', unrecognized('unexpected GroupVersion string: a/b/c', '{"apiVersion":"a/b/c","kind":" ...')],
  ['another kind of the group [codec]', CMS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, 'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion'],
  ['a kind of another group [codec]', CMS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, 'Deployment in version "v1" cannot be handled as a ConfigMap: converting (v1.Deployment) to (core.ConfigMap): unknown conversion'],
  ['an unknown kind [codec]', CMS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 'Widget in version "v1" cannot be handled as a ConfigMap: no kind "Widget" is registered for version "example.com/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'],
  ['the same kind in another version [create]', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 2 } }, 'the API version in the data (autoscaling/v1) does not match the expected API version (autoscaling/v2)'],
  ['a bool for a string [scanner]', DEPLOYS, deployment({}, { name: true }), deployError('json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string')],
  ['inside a list element: the path has no index [scanner]', DEPLOYS, withContainer({ name: 5 }), deployError('json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.name of type string')],
  ['a named string type [scanner]', DEPLOYS, withContainer({ ports: [{ containerPort: 80, protocol: 6 }] }), deployError('json: cannot unmarshal number into Go struct field ContainerPort.spec.template.spec.containers.ports.protocol of type v1.Protocol')],
  ['a fraction for an int32 [scanner]', DEPLOYS, deployment({ replicas: 1.5 }), deployError('json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32')],
  ['a number in a map of strings [scanner]', DEPLOYS, deployment({}, { name: 'd', labels: { a: 1 } }), deployError('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string')],
  ['an object for a list [scanner]', DEPLOYS, deployment({ template: { spec: { containers: {} } } }), deployError('json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container')],
  ['a string for a struct [scanner]', DEPLOYS, deployment({ strategy: 'Recreate' }), deployError('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.strategy of type v1.DeploymentStrategy')],
  ['a resourceVersion that is a number [scanner]', CMS, { ...cm('rvnum', NS), metadata: { name: 'rvnum', resourceVersion: 5 } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.resourceVersion of type string'],
  ['a malformed quantity [quantity]', DEPLOYS, withContainer({ resources: { limits: { cpu: 'lots' } } }), deployError(QUANTITY)],
  ['a quantity suffix kube does not know [quantity]', DEPLOYS, withContainer({ resources: { limits: { memory: '1Gb' } } }), deployError(QUANTITY)],
  ['a bool for an IntOrString [intstr]', `/api/v1/namespaces/${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: true }] } }, 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go value of type int32'],
  ['a number for a time [time]', CMS, { ...cm('t', NS), metadata: { name: 't', creationTimestamp: 5 } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go value of type string'],
  ['a date without a time [time]', CMS, { ...cm('t', NS), metadata: { name: 't', creationTimestamp: '2026-01-02' } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "2026-01-02" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"'],
  ['a time without a zone [time]', CMS, { ...cm('t', NS), metadata: { name: 't', creationTimestamp: '2026-01-02T03:04:05' } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "2026-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
  ['a day the month does not have [time]', CMS, { ...cm('t', NS), metadata: { name: 't', creationTimestamp: '2026-02-30T00:00:00Z' } }, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: parsing time "2026-02-30T00:00:00Z": day out of range'],
  ['a MicroTime without its six fraction digits [time]', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { renewTime: '2026-01-02T03:04:05Z' } }, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
  ['an UnmarshalJSON error wins over an earlier type error [scanner][quantity]', DEPLOYS, { ...withContainer({ resources: { limits: { cpu: 'lots' } } }), metadata: { name: true } }, deployError(QUANTITY)],
];

describe('decode errors', () => {
  beforeAll(() => mkns(NS));

  it.each(DECODE)('%s', async (_label, path, body, message) => {
    const before = await api('GET', path);
    const r = await api('POST', path, body);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message });
    // nothing was stored
    const after = await api('GET', path);
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('protobuf bodies of another or an unknown kind answer as JSON ones do [codec]', async () => {
    const pb = { 'content-type': 'application/vnd.kubernetes.protobuf' };
    const secret = await api('POST', CMS, encodeObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }), pb);
    expect(secret.body).toMatchObject({ code: 400, message: 'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion' });
    const widget = await api('POST', CMS, envelope('example.com/v1', 'Widget', []), pb);
    expect(widget.body).toMatchObject({ code: 400, message: 'Widget in version "v1" cannot be handled as a ConfigMap: no kind "Widget" is registered for version "example.com/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"' });
  });

  it('a body without apiVersion and kind takes them from the URL [interpret][codec]', async () => {
    const r = await api('POST', CMS, '{"metadata":{"name":"nokind"},"data":{"a":"b"}}');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nokind' }, data: { a: 'b' } });
  });
});

describe('update resourceVersions [store][versioner]', () => {
  let rv = '';
  beforeAll(async () => {
    await mkns(`${NS}-rv`);
    rv = (await api('POST', `/api/v1/namespaces/${NS}-rv/configmaps`, cm('rv', `${NS}-rv`))).body.metadata.resourceVersion;
  });
  const put = (resourceVersion: unknown, data: Record<string, string>, name = 'rv') =>
    api('PUT', `/api/v1/namespaces/${NS}-rv/configmaps/${name}`, { ...cm(name, `${NS}-rv`, data), metadata: { name, ...(resourceVersion === undefined ? {} : { resourceVersion }) } });
  const conflict = 'Operation cannot be fulfilled on configmaps "rv": the object has been modified; please apply your changes to the latest version and try again';
  const invalid = (v: string, why: string) => `configmaps "rv" is invalid: resourceVersion: Invalid value: "${v}": strconv.ParseUint: parsing "${v}": ${why}`;

  it('the current one updates; a stale or a future one is a 409 Conflict', async () => {
    const ok = await put(rv, { v: '1' });
    expect(ok.status).toBe(200);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    for (const stale of [rv, String(Number(ok.body.metadata.resourceVersion) + 1000)]) {
      const r = await put(stale, { v: 'stale' });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ reason: 'Conflict', message: conflict, details: { name: 'rv', kind: 'configmaps' } });
    }
    expect((await api('GET', `/api/v1/namespaces/${NS}-rv/configmaps/rv`)).body.data).toEqual({ v: '1' });
  });

  it('none, "" and "0" are unconditional (AllowUnconditionalUpdate)', async () => {
    for (const [v, data] of [[undefined, 'none'], ['', 'empty'], ['0', 'zero']] as const) {
      const r = await put(v, { v: data });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.data).toEqual({ v: data });
    }
  });

  it('what is not a uint64 is invalid, and nothing changes', async () => {
    for (const [v, why] of [['abc', 'invalid syntax'], ['-1', 'invalid syntax'], ['1.5', 'invalid syntax'], ['18446744073709551616', 'value out of range']]) {
      const r = await put(v, { v: 'bad' });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ reason: 'Invalid', message: invalid(v, why), details: { name: 'rv', kind: 'configmaps', causes: [{ field: 'resourceVersion' }] } });
    }
    expect((await api('GET', `/api/v1/namespaces/${NS}-rv/configmaps/rv`)).body.data).toEqual({ v: 'zero' });
  });

  it('a missing object is a 404, unless the kind creates on update (AllowCreateOnUpdate)', async () => {
    const missing = await put('', { v: '1' }, 'missing');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('configmaps "missing" not found');
    const lease = await api('PUT', `/apis/coordination.k8s.io/v1/namespaces/${NS}-rv/leases/new`, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'new', resourceVersion: '12345' }, spec: { holderIdentity: 'me' },
    });
    expect(lease.status).toBe(201);
    expect(lease.body).toMatchObject({ metadata: { name: 'new', namespace: `${NS}-rv` }, spec: { holderIdentity: 'me' } });
    expect(lease.body.metadata.uid).toBeTruthy();
    const again = await api('PUT', `/apis/coordination.k8s.io/v1/namespaces/${NS}-rv/leases/new`, { ...lease.body, spec: { holderIdentity: 'you' } });
    expect(again.status).toBe(200);
    expect(again.body.metadata.uid).toBe(lease.body.metadata.uid);
  });
});
