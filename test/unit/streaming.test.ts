// pods/exec, pods/attach and pods/portforward in the Worker: the options as
// kube decodes them, the container choice, what cannot be upgraded, and the
// Statuses a client gets before any node is reached.
import { describe, expect, it } from 'vitest';
import { api, mkns } from './helpers';
import { agentStreamPath, checkUpgrade, parseStreamPath, pickContainer, streamOptions } from '../../src/proxy/streaming';
import { ApiError } from '../../src/status/status';

const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return `${e.status.code} ${e.status.message}`;
    throw e;
  }
  return 'no error';
};

describe('stream options', () => {
  it('parses the three paths and nothing else', () => {
    expect(parseStreamPath('/api/v1/namespaces/ns/pods/web/exec')).toEqual({ namespace: 'ns', name: 'web', kind: 'exec' });
    expect(parseStreamPath('/api/v1/namespaces/ns/pods/web/portforward')).toMatchObject({ kind: 'portforward' });
    expect(parseStreamPath('/api/v1/namespaces/ns/pods/web/log')).toBeUndefined();
    expect(parseStreamPath('/api/v1/pods/web/exec')).toBeUndefined();
  });

  it('decodes booleans as strconv.ParseBool and drops stderr under a terminal', () => {
    const q = new URLSearchParams('command=sh&command=-c&command=echo%20hi&stdin=1&stdout=True&stderr=t&tty=true&container=c');
    expect(streamOptions('exec', q)).toMatchObject({ command: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, stderr: false, tty: true, container: 'c' });
    expect(messageOf(() => streamOptions('exec', new URLSearchParams('command=x&stdout=yes')))).toBe(
      '400 PodExecOptions in version "v1" cannot be handled as a PodExecOptions: strconv.ParseBool: parsing "yes": invalid syntax');
    expect(messageOf(() => streamOptions('exec', new URLSearchParams('stdout=1')))).toBe('400 you must specify at least one command for the container');
    expect(messageOf(() => streamOptions('attach', new URLSearchParams('')))).toBe('400 you must specify at least 1 of stdin, stdout, stderr');
  });

  it('takes port-forward ports as int32 lists and checks their range', () => {
    expect(streamOptions('portforward', new URLSearchParams('ports=80,8080&ports=9090')).ports).toEqual([80, 8080, 9090]);
    expect(messageOf(() => streamOptions('portforward', new URLSearchParams('ports=http')))).toContain('400 PodPortForwardOptions in version "v1" cannot be handled as a PodPortForwardOptions');
    expect(messageOf(() => streamOptions('portforward', new URLSearchParams('ports=70000')))).toBe('400 port "70000" must be in the range 1-65535');
    expect(messageOf(() => streamOptions('portforward', new URLSearchParams('ports=0')))).toBe('400 port "0" must be in the range 1-65535');
  });

  it('picks the only container, else asks for one by name', () => {
    const pod = (n: number, init = 0) => ({
      metadata: { name: 'web' },
      spec: { containers: Array.from({ length: n }, (_, i) => ({ name: `c${i}` })), initContainers: Array.from({ length: init }, (_, i) => ({ name: `i${i}` })) },
    });
    expect(pickContainer(pod(1), '')).toBe('c0');
    expect(messageOf(() => pickContainer(pod(2, 1), ''))).toBe('400 a container name must be specified for pod web, choose one of: [c0 c1] or one of the init containers: [i0]');
    expect(pickContainer(pod(2, 1), 'i0')).toBe('i0');
    expect(messageOf(() => pickContainer(pod(2), 'nope'))).toBe('400 container nope is not valid for pod web');
  });

  it('asks the agent in the kubelet\'s terms', () => {
    const o = streamOptions('exec', new URLSearchParams('command=ls&command=/&stdout=true&stderr=true'));
    expect(agentStreamPath('exec', 'ns', 'web', 'u1', 'c', o)).toBe('/exec/ns/web/c?command=ls&command=%2F&stdout=1&stderr=1&uid=u1');
    expect(agentStreamPath('portforward', 'ns', 'web', 'u1', '', streamOptions('portforward', new URLSearchParams('ports=80')))).toBe('/portForward/ns/web?port=80&uid=u1');
  });

  it('refuses what is not a WebSocket with a protocol it speaks', () => {
    const req = (headers: Record<string, string>) => new Request('http://x/', { headers });
    expect(messageOf(() => checkUpgrade('exec', req({})))).toBe('400 Upgrade request required');
    expect(messageOf(() => checkUpgrade('exec', req({ 'x-stream-protocol-version': 'v4.channel.k8s.io' })))).toContain('400 unable to upgrade connection: this server streams pods/exec over WebSockets only');
    const ws = (p: string) => req({ upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-protocol': p });
    expect(messageOf(() => checkUpgrade('exec', ws('v5.channel.k8s.io')))).toBe('no error');
    expect(messageOf(() => checkUpgrade('exec', ws('nope, base64url.bearer.authorization.k8s.io.eA')))).toContain('400 unable to upgrade: requested protocol(s) are not supported: [nope]');
    expect(messageOf(() => checkUpgrade('portforward', ws('SPDY/3.1+portforward.k8s.io')))).toBe('no error');
    expect(messageOf(() => checkUpgrade('portforward', ws('v5.channel.k8s.io')))).toContain('400 unable to upgrade');
  });
});

describe('pods/exec over HTTP', () => {
  it('answers kube\'s Statuses before reaching any node', async () => {
    const ns = 'stream-unit';
    await mkns(ns);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] } };
    expect((await api('POST', `/api/v1/namespaces/${ns}/pods`, pod)).status).toBe(201);
    const exec = (q: string) => api('GET', `/api/v1/namespaces/${ns}/pods/p/exec?${q}`);
    let r = await exec('command=true&stdout=1');
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('a container name must be specified for pod p, choose one of: [a b]');
    r = await exec('command=true&stdout=1&container=a');
    expect(r.body.message).toBe('pod p does not have a host assigned');
    r = await api('GET', `/api/v1/namespaces/${ns}/pods/missing/attach?stdout=1`);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ reason: 'NotFound', details: { name: 'missing', kind: 'pods' } });
  });
});
