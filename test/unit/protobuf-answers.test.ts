// Answers in protobuf: a client that names application/vnd.kubernetes.protobuf
// before JSON (kubectl's and client-go's typed clients) gets objects, lists,
// errors and watch events in kube's protobuf form; the order of the Accept
// header decides, and the media type is settled before anything is stored.

import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from '../../src/protobuf';
import { api, BASE, cm, mkns, type J } from './helpers';

const NS = 'pb-answers';
const PB_FIRST = `${PROTOBUF_MEDIA_TYPE}, application/json`;

async function fetchPb(method: string, path: string, init: { body?: string; accept?: string } = {}) {
  const res = await SELF.fetch(BASE + path, {
    method,
    headers: { accept: init.accept ?? PB_FIRST, 'content-type': 'application/json', 'accept-encoding': 'identity' },
    body: init.body,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes };
}

const decoded = (bytes: Uint8Array) => decodeKubernetesProtobuf(bytes).object as J;

describe('protobuf answers', () => {
  beforeAll(async () => {
    await mkns(NS);
    expect((await api('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('one', NS, { a: '1' }, { tier: 'x' }))).status).toBe(201);
  });

  it('GET of an object: the same object as the JSON answer', async () => {
    const pb = await fetchPb('GET', `/api/v1/namespaces/${NS}/configmaps/one`);
    expect(pb.status).toBe(200);
    expect(pb.type).toBe(PROTOBUF_MEDIA_TYPE);
    const json = await api('GET', `/api/v1/namespaces/${NS}/configmaps/one`);
    expect(decoded(pb.bytes)).toEqual(json.body);
  });

  it('a list: the List kind with its items and resourceVersion', async () => {
    const pb = await fetchPb('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=tier%3Dx`);
    expect(pb.type).toBe(PROTOBUF_MEDIA_TYPE);
    const list = decoded(pb.bytes);
    expect(list.kind).toBe('ConfigMapList');
    expect(list.items.map((i: J) => i.metadata.name)).toEqual(['one']);
    expect(list.items[0].data).toEqual({ a: '1' });
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('create, and a group other than core', async () => {
    const body = JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const pb = await fetchPb('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, { body });
    expect(pb.status).toBe(201);
    const d = decoded(pb.bytes);
    expect(d).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 0, strategy: { type: 'RollingUpdate' } } });
    expect(d.metadata.uid).toBe((await api('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).body.metadata.uid);
  });

  it('errors are a protobuf Status with kube code and reason', async () => {
    const pb = await fetchPb('GET', `/api/v1/namespaces/${NS}/configmaps/missing`);
    expect(pb.status).toBe(404);
    expect(pb.type).toBe(PROTOBUF_MEDIA_TYPE);
    expect(decoded(pb.bytes)).toMatchObject({ apiVersion: 'v1', kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, details: { name: 'missing', kind: 'configmaps' } });
  });

  it('a deletion answered with a Status', async () => {
    await api('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('gone', NS));
    const pb = await fetchPb('DELETE', `/api/v1/namespaces/${NS}/configmaps/gone`);
    expect(pb.status).toBe(200);
    expect(decoded(pb.bytes)).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'configmaps' } });
  });

  it('the order of the Accept header decides', async () => {
    const jsonFirst = await fetchPb('GET', `/api/v1/namespaces/${NS}/configmaps/one`, { accept: `application/json, ${PROTOBUF_MEDIA_TYPE}` });
    expect(jsonFirst.type).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(jsonFirst.bytes)).metadata.name).toBe('one');
    const onlyPb = await fetchPb('GET', `/api/v1/namespaces/${NS}/configmaps/one`, { accept: PROTOBUF_MEDIA_TYPE });
    expect(onlyPb.type).toBe(PROTOBUF_MEDIA_TYPE);
    // a Table client keeps its Table
    const table = await api('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, { accept: `application/json;as=Table;v=v1;g=meta.k8s.io, ${PB_FIRST}` });
    expect(table.body.kind).toBe('Table');
  });

  it('an Accept nothing fits is 406 before anything is stored', async () => {
    const r = await api('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('never', NS), { accept: 'text/plain' });
    expect(r.status).toBe(406);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect((await api('GET', `/api/v1/namespaces/${NS}/configmaps/never`)).status).toBe(404);
    const del = await api('DELETE', `/api/v1/namespaces/${NS}/configmaps/one`, undefined, { accept: 'text/plain' });
    expect(del.status).toBe(406);
    expect((await api('GET', `/api/v1/namespaces/${NS}/configmaps/one`)).status).toBe(200);
  });

  it('a watch streams length-prefixed WatchEvents of the resource group version', async () => {
    const list = await api('GET', `/api/v1/namespaces/${NS}/configmaps`);
    const res = await SELF.fetch(`${BASE}/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=3`, {
      headers: { accept: PB_FIRST, 'accept-encoding': 'identity' },
    });
    expect(res.headers.get('content-type')).toBe(`${PROTOBUF_MEDIA_TYPE};stream=watch`);
    await api('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('watched', NS, { w: '1' }));
    const bytes = new Uint8Array(await res.arrayBuffer()); // the stream ends at timeoutSeconds
    const events: J[] = [];
    for (let at = 0; at < bytes.length; ) {
      const n = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
      const frame = decodeKubernetesProtobuf(bytes.subarray(at + 4, at + 4 + n));
      expect([frame.apiVersion, frame.kind]).toEqual(['v1', 'WatchEvent']);
      events.push(frame.object);
      at += 4 + n;
    }
    expect(events.map((e) => [e.type, e.object.kind, e.object.metadata.name])).toEqual([['ADDED', 'ConfigMap', 'watched']]);
    expect(events[0].object.data).toEqual({ w: '1' });
  });
});
