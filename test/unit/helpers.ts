// Requests against the Worker inside workerd, and an NDJSON watch reader.
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Store } from '../../src/store/store';

export const BASE = 'http://edgekube.test';
const WATCH_SECONDS = 8;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type J = any;

export async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: J; headers: Headers }> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await SELF.fetch(BASE + path, init);
  const text = await res.text();
  let parsed: J = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const cm = (name: string, ns = 'default', data: Record<string, string> = { k: 'v' }, labels?: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, data });

/**
 * A new namespace, returned once the controllers have filled it (its
 * default ServiceAccount and kube-root-ca.crt), so what a test writes next
 * is all that changes in it.
 */
export async function mkns(name: string) {
  const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (r.status !== 201) throw new Error(`namespace ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  await quiesce();
  for (const p of [`/api/v1/namespaces/${name}/serviceaccounts/default`, `/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`]) {
    const got = await api('GET', p);
    if (got.status !== 200) throw new Error(`namespace ${name} was not filled: ${p} is ${got.status}`);
  }
}

export const cluster = () => env.STORE.get(env.STORE.idFromName('cluster')) as DurableObjectStub<Store>;

/**
 * Runs the controllers' pending work now, so a test that compares the
 * store's resourceVersion before and after a request sees only that request.
 */
export async function quiesce() {
  const ns = env.CONTROLLERS!;
  // The workload controllers read their own writes on the next pass: run passes until one finds nothing to do.
  for (let i = 0; i < 20; i++) {
    const w = (await ns.get(ns.idFromName('cluster')).reconcile({ all: i === 0 })).workloads;
    if (!w || (w.changes === 0 && Object.values(w.processed).every((n) => n === 0))) return;
  }
}

/** A watch whose events can be awaited one batch at a time. */
export class Watch {
  events: J[] = [];
  done = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>, readonly response: Response) {}

  static async open(path: string, headers: Record<string, string> = {}): Promise<Watch> {
    // Watches end on the server's timeout rather than by cancelling the
    // response: workerd's test harness reports a cancelled cross-worker body
    // read as an unhandled rejection.
    const withTimeout = path.includes('timeoutSeconds=') ? path : `${path}${path.includes('?') ? '&' : '?'}timeoutSeconds=${WATCH_SECONDS}`;
    const res = await SELF.fetch(BASE + withTimeout, { headers: { 'accept-encoding': 'identity', ...headers } });
    if (!res.body) throw new Error(`watch ${path}: ${res.status}`);
    const reader = res.body.getReader();
    reader.closed.catch(() => undefined);
    const w = new Watch(reader, res);
    void w.pump();
    return w;
  }

  private async pump() {
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (done) break;
        this.buffer += dec.decode(value, { stream: true });
        let i;
        while ((i = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, i).trim();
          this.buffer = this.buffer.slice(i + 1);
          if (line) this.events.push(JSON.parse(line));
        }
        this.wake();
      }
    } catch { /* cancelled */ }
    this.done = true;
    this.wake();
  }

  private wake() { for (const w of this.waiters.splice(0)) w(); }

  /** Waits until at least n events arrived (or the stream ended). */
  async next(n: number, timeoutMs = 5000): Promise<J[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n && !this.done) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} events, have ${JSON.stringify(this.events.map((e) => [e.type, e.object?.metadata?.name, e.object?.metadata?.resourceVersion]))}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.events.slice(0, n);
  }

  async ended(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.done) {
      if (Date.now() > deadline) throw new Error('watch did not end');
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  /** Stops collecting; the stream itself ends at its timeout. */
  close() { this.closed = true; }
  closed = false;
}

export const summary = (events: J[]) => events.map((e) => `${e.type} ${e.object?.metadata?.name ?? ''}`);
