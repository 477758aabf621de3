// The proxy to nodes, pods and services inside workerd: URL forms, header
// hygiene, the tunnel protocol's frames, the Statuses for what cannot be
// reached, and a whole tunnelled request against a fake agent that speaks
// the tunnel protocol over a WebSocket.
import { afterAll, describe, expect, it } from 'vitest';
import { SELF } from 'cloudflare:test';
import { api, BASE, mkns, type J } from './helpers';
import { parseLogPath, parseProxyPath, splitSchemeNamePort } from '../../src/proxy/paths';
import { forwardRequestHeaders, forwardResponseHeaders } from '../../src/proxy/headers';
import {
  CONTROL, CREDENTIAL_HEADER, DATA_BODY, MAX_FRAME, TUNNEL_ANNOTATION, controlOf, decodeData, encodeControl, encodeData, frames, parseControl, type Control,
} from '../../src/proxy/protocol';
import { ApiError } from '../../src/status/status';

describe('proxy paths', () => {
  it('parses the current node, pod and service forms', () => {
    expect(parseProxyPath('/api/v1/nodes/n1/proxy/pods')).toEqual({ kind: 'node', namespace: undefined, scheme: '', name: 'n1', port: '', path: '/pods', legacy: false });
    expect(parseProxyPath('/api/v1/nodes/n1:10255/proxy')).toMatchObject({ kind: 'node', name: 'n1', port: '10255', path: '' });
    expect(parseProxyPath('/api/v1/namespaces/ns/pods/web:8080/proxy/x/y')).toMatchObject({ kind: 'pod', namespace: 'ns', name: 'web', port: '8080', path: '/x/y' });
    expect(parseProxyPath('/api/v1/namespaces/ns/pods/https:web:8443/proxy/')).toMatchObject({ kind: 'pod', scheme: 'https', name: 'web', port: '8443', path: '/' });
    expect(parseProxyPath('/api/v1/namespaces/ns/services/svc:http/proxy/a%2Fb')).toMatchObject({ kind: 'service', name: 'svc', port: 'http', path: '/a%2Fb' });
    expect(parseProxyPath('/api/v1/namespaces/ns/services/http:svc:/proxy/')).toMatchObject({ kind: 'service', scheme: 'http', name: 'svc', port: '' });
  });

  it('parses the legacy /api/v1/proxy forms', () => {
    expect(parseProxyPath('/api/v1/proxy/nodes/n1/pods')).toMatchObject({ kind: 'node', name: 'n1', path: '/pods', legacy: true });
    expect(parseProxyPath('/api/v1/proxy/nodes/n1')).toMatchObject({ kind: 'node', name: 'n1', path: '', legacy: true });
    expect(parseProxyPath('/api/v1/proxy/namespaces/default/pods/web/')).toMatchObject({ kind: 'pod', namespace: 'default', name: 'web', path: '/', legacy: true });
    expect(parseProxyPath('/api/v1/proxy/namespaces/default/services/svc:80/index.html')).toMatchObject({ kind: 'service', name: 'svc', port: '80', path: '/index.html', legacy: true });
  });

  it('leaves other resource paths alone', () => {
    for (const p of ['/api/v1/nodes/n1', '/api/v1/nodes/n1/status', '/api/v1/namespaces/ns/pods/web', '/api/v1/namespaces/ns/pods/web/log', '/api/v1/namespaces/ns/configmaps/proxy/proxy', '/api/v1/proxy', '/api/v1/proxy/namespaces/ns/configmaps/x', '/apis/apps/v1/deployments']) {
      expect(parseProxyPath(p), p).toBeUndefined();
    }
  });

  it('rejects malformed ids and dot segments with a 400 Status', () => {
    const status = (p: string) => { try { parseProxyPath(p); } catch (e) { return (e as ApiError).status; } return undefined; };
    expect(status('/api/v1/namespaces/ns/pods/ftp:web:80/proxy/')).toMatchObject({ code: 400, message: 'invalid pod request "ftp:web:80"' });
    expect(status('/api/v1/nodes/a:b:c:d/proxy/')).toMatchObject({ code: 400, message: 'invalid node request "a:b:c:d"' });
    expect(status('/api/v1/namespaces/ns/services/:80/proxy/')).toMatchObject({ code: 400 });
    expect(status('/api/v1/namespaces/ns/pods/web/proxy/a/../../secrets')).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status('/api/v1/namespaces/ns/pods/web/proxy/%2e%2E/x')).toMatchObject({ code: 400 });
  });

  it('splits scheme, name and port as utilnet.SplitSchemeNamePort', () => {
    expect(splitSchemeNamePort('web')).toEqual({ scheme: '', name: 'web', port: '' });
    expect(splitSchemeNamePort('web:80')).toEqual({ scheme: '', name: 'web', port: '80' });
    expect(splitSchemeNamePort('https:web:443')).toEqual({ scheme: 'https', name: 'web', port: '443' });
    expect(splitSchemeNamePort('https:web')).toEqual({ scheme: '', name: 'https', port: 'web' });
    expect(splitSchemeNamePort('gopher:web:70')).toBeUndefined();
    expect(splitSchemeNamePort(':80')).toBeUndefined();
  });

  it('parses the pods/log path', () => {
    expect(parseLogPath('/api/v1/namespaces/ns/pods/web/log')).toEqual({ namespace: 'ns', name: 'web' });
    expect(parseLogPath('/api/v1/namespaces/ns/pods/web/logs')).toBeUndefined();
  });
});

describe('header hygiene', () => {
  it('strips hop-by-hop headers, Expect, Host, the client credentials and cf-* on the way in', () => {
    const h = forwardRequestHeaders(new Headers({
      Connection: 'keep-alive, X-Private', 'Keep-Alive': 'timeout=5', 'Transfer-Encoding': 'chunked', TE: 'trailers', Trailer: 'X-T',
      'Proxy-Authorization': 'Basic x', 'Proxy-Connection': 'keep-alive', Upgrade: 'h2c', Expect: '100-continue', Host: 'api.example',
      Authorization: 'Bearer admin-token', 'Impersonate-User': 'bob', 'Impersonate-Group': 'qa', 'CF-Connecting-IP': '1.2.3.4', 'X-Private': 'hop', Accept: 'text/html', 'Content-Type': 'text/plain', 'Content-Length': '5', Cookie: 'a=b',
    }));
    expect([...h.keys()].sort()).toEqual(['accept', 'content-length', 'content-type', 'cookie']);
  });

  it('keeps a WebSocket upgrade', () => {
    const h = forwardRequestHeaders(new Headers({
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'k', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io', Expect: '100-continue',
    }));
    expect(Object.fromEntries(h)).toEqual({
      connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'k', 'sec-websocket-version': '13', 'sec-websocket-protocol': 'v5.channel.k8s.io',
    });
  });

  it('drops the bearer token a WebSocket client put in its protocols', () => {
    const h = forwardRequestHeaders(new Headers({
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'k', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Protocol': 'base64url.bearer.authorization.k8s.io.YWRtaW4tdG9rZW4, v5.channel.k8s.io',
    }));
    expect(h.get('sec-websocket-protocol')).toBe('v5.channel.k8s.io');
  });

  it('strips hop-by-hop headers on the way out, except a 101 upgrade', () => {
    const res = new Headers({ Connection: 'close', 'Keep-Alive': 'x', 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/plain', 'Set-Cookie': 's=1', Upgrade: 'websocket' });
    expect([...forwardResponseHeaders(res, 200).keys()].sort()).toEqual(['content-type', 'set-cookie']);
    expect(forwardResponseHeaders(new Headers({ Connection: 'Upgrade', Upgrade: 'websocket' }), 101).get('upgrade')).toBe('websocket');
  });
});

describe('tunnel protocol frames', () => {
  it('encodes data frames with the stream id and kind', () => {
    const f = decodeData(encodeData(0xfffffff0, DATA_BODY, new Uint8Array([1, 2, 3])));
    expect(f.id).toBe(0xfffffff0);
    expect(f.kind).toBe(DATA_BODY);
    expect([...f.payload]).toEqual([1, 2, 3]);
    expect(() => encodeData(1, DATA_BODY, new Uint8Array(MAX_FRAME + 1))).toThrow(RangeError);
  });

  it('splits chunks into frames of at most 1 MiB', () => {
    const parts = [...frames(new Uint8Array(MAX_FRAME * 2 + 7))];
    expect(parts.map((p) => p.byteLength)).toEqual([MAX_FRAME, MAX_FRAME, 7]);
    expect(parseControl('{"t":"end","id":3}')).toEqual({ t: 'end', id: 3 });
    expect(parseControl('pong')).toBeUndefined();
    const c = decodeData(encodeControl({ t: 'cancel', id: 9, reason: 'x' }));
    expect(c.kind).toBe(CONTROL);
    expect(controlOf(c)).toEqual({ t: 'cancel', id: 9, reason: 'x' });
  });
});

const nodesMade: string[] = [];
afterAll(async () => {
  for (const n of nodesMade) await api('DELETE', `/api/v1/nodes/${n}`);
});

// Cordoned, so that no scheduler places pods on these agentless nodes.
const node = (name: string, annotations: Record<string, string> = {}, port = 1) => (nodesMade.push(name), {
  apiVersion: 'v1', kind: 'Node', metadata: { name, annotations }, spec: { unschedulable: true },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } }, conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('proxy and log Statuses', () => {
  it('answers 404 for a missing node, pod or service, in every URL form', async () => {
    await mkns('px');
    for (const p of ['/api/v1/nodes/missing/proxy/pods', '/api/v1/proxy/nodes/missing/pods']) {
      const r = await api('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'nodes "missing" not found' });
    }
    expect((await api('POST', '/api/v1/namespaces/px/pods/nope/proxy/x', 'body')).body).toMatchObject({ code: 404, message: 'pods "nope" not found' });
    expect((await api('GET', '/api/v1/proxy/namespaces/px/services/nope/')).body).toMatchObject({ code: 404, message: 'services "nope" not found' });
    expect((await api('GET', '/api/v1/namespaces/px/pods/nope/log')).body).toMatchObject({ code: 404, message: 'pods "nope" not found' });
  });

  it('refuses logs of unscheduled pods and ambiguous containers as kube does', async () => {
    await mkns('pxlog');
    // A scheduler of its own name: the built-in scheduler leaves these pods unscheduled.
    await api('POST', '/api/v1/namespaces/pxlog/pods', { metadata: { name: 'two' }, spec: { schedulerName: 'by-hand', containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }], initContainers: [{ name: 'init', image: 'i' }] } });
    await api('POST', '/api/v1/namespaces/pxlog/pods', { metadata: { name: 'one' }, spec: { schedulerName: 'by-hand', containers: [{ name: 'a', image: 'i' }] } });
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/two/log')).body).toMatchObject({
      code: 400, reason: 'BadRequest', message: 'a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [init]',
    });
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/two/log?container=zz')).body).toMatchObject({ code: 400, message: 'container zz is not valid for pod two' });
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/one/log')).body).toMatchObject({ code: 400, message: 'pod one does not have a host assigned' });
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/one/log?tailLines=x')).body).toMatchObject({ code: 400 });
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/one/log?sinceSeconds=0')).body).toMatchObject({ code: 422, reason: 'Invalid' });
    // A pod without an IP has no address to proxy to.
    expect((await api('GET', '/api/v1/namespaces/pxlog/pods/one/proxy/')).body).toMatchObject({ code: 400, message: 'address not allowed' });
  });

  it('answers 503 quickly for a node whose agent is not connected or not listening', async () => {
    await api('POST', '/api/v1/nodes', node('tunnel-only', { [TUNNEL_ANNOTATION]: 'tunnel' }));
    const t = await api('GET', '/api/v1/nodes/tunnel-only/proxy/pods');
    expect(t.status).toBe(503);
    expect(t.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(t.body.message).toMatch(/^error trying to reach service: .*not connected/);
    await api('POST', '/api/v1/nodes', node('no-credential'));
    const d = await api('GET', '/api/v1/nodes/no-credential/proxy/pods');
    expect(d.body).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
  });

  it('redirects an empty proxy path to one ending in a slash', async () => {
    await api('POST', '/api/v1/nodes', node('redirect-me'));
    const r = await SELF.fetch(`${BASE}/api/v1/nodes/redirect-me/proxy?x=1`, { redirect: 'manual' });
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('/api/v1/nodes/redirect-me/proxy/?x=1');
    await r.arrayBuffer();
  });

  it('refuses an oversized upload with a 413 Status', async () => {
    await api('POST', '/api/v1/nodes', node('big-upload'));
    const r = await api('POST', '/api/v1/nodes/big-upload/proxy/x', 'small', { 'content-length': String(200 * 1024 * 1024) });
    expect(r.body).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge' });
  });
});

/** A fake node agent on the tunnel: answers each request with `answer`, echoing bodies it receives. */
async function fakeAgent(name: string) {
  await api('POST', '/api/v1/nodes', node(name, { [TUNNEL_ANNOTATION]: 'tunnel' }));
  const cred = await api('POST', `/edgekube/v1/nodes/${name}/credential`, {});
  expect(cred.status).toBe(200);
  const again = await api('POST', `/edgekube/v1/nodes/${name}/credential`, {});
  expect(again.body.credential).toBe(cred.body.credential); // stable per node
  const refused = await SELF.fetch(`${BASE}/edgekube/v1/nodes/${name}/tunnel`, { headers: { upgrade: 'websocket', [CREDENTIAL_HEADER]: 'wrong' } });
  expect(refused.status).toBe(401);
  await refused.arrayBuffer();
  const res = await SELF.fetch(`${BASE}/edgekube/v1/nodes/${name}/tunnel`, { headers: { upgrade: 'websocket', [CREDENTIAL_HEADER]: cred.body.credential } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const seen: J[] = [];
  const bodies = new Map<number, number>();
  const expected = new Map<number, number>();
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') return; // "pong"
    const f = decodeData(ev.data as ArrayBuffer);
    const reply = (m: Control) => ws.send(encodeControl(m));
    const answer = (id: number) => {
      reply({ t: 'res', id, status: 201, headers: [], body: true });
      const body = new TextEncoder().encode(`got ${bodies.get(id) ?? 0} bytes`);
      ws.send(encodeData(id, DATA_BODY, body));
      reply({ t: 'end', id, bytes: body.byteLength });
    };
    if (f.kind !== CONTROL) {
      bodies.set(f.id, (bodies.get(f.id) ?? 0) + f.payload.byteLength);
      reply({ t: 'ack', id: f.id, bytes: f.payload.byteLength });
      if (bodies.get(f.id) === expected.get(f.id)) answer(f.id);
      return;
    }
    const msg = controlOf(f)!;
    seen.push(msg);
    if (msg.t === 'req' && !msg.body) {
      reply({ t: 'res', id: msg.id, status: 200, headers: [['content-type', 'text/plain'], ['connection', 'close']], body: true });
      const body = new TextEncoder().encode(`agent saw ${msg.method} ${msg.path}`);
      ws.send(encodeData(msg.id, DATA_BODY, body));
      reply({ t: 'end', id: msg.id, bytes: body.byteLength });
    } else if (msg.t === 'end') {
      // The request body is complete once `bytes` arrived (frames may come after the end message).
      expected.set(msg.id, msg.bytes ?? 0);
      if ((bodies.get(msg.id) ?? 0) === msg.bytes) answer(msg.id);
    }
  });
  return { ws, seen };
}

describe('the tunnel', () => {
  it('carries requests, bodies and responses to a connected agent', async () => {
    const { ws, seen } = await fakeAgent('tunnelled');
    const r = await SELF.fetch(`${BASE}/api/v1/nodes/tunnelled/proxy/pods?x=1`, { headers: { authorization: 'Bearer client', expect: '100-continue' } });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('agent saw GET /pods?x=1');
    expect(r.headers.get('connection')).toBeNull();
    const req = seen.find((m) => m.t === 'req');
    expect(Object.fromEntries(req.headers)).not.toHaveProperty('authorization');
    expect(Object.fromEntries(req.headers)).not.toHaveProperty('expect');
    const legacy = await SELF.fetch(`${BASE}/api/v1/proxy/nodes/tunnelled/healthz`);
    expect(await legacy.text()).toBe('agent saw GET /healthz');
    // A 3 MiB upload arrives in frames of at most 1 MiB.
    const up = await SELF.fetch(`${BASE}/api/v1/nodes/tunnelled/proxy/upload`, { method: 'POST', body: new Uint8Array(3 * 1024 * 1024 + 5) });
    expect(up.status).toBe(201);
    expect(await up.text()).toBe(`got ${3 * 1024 * 1024 + 5} bytes`);
    ws.close(1000, 'done');
    // Once the agent is gone the node answers 503 at once.
    for (let i = 0; i < 50; i++) {
      const gone = await api('GET', '/api/v1/nodes/tunnelled/proxy/pods');
      if (gone.status === 503) {
        expect(gone.body.message).toMatch(/not connected/);
        return;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the proxy still answered after the agent closed its tunnel');
  });
});
