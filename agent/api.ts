// A plain-fetch client for the API server: JSON requests, Status errors, and
// watch streams (list, then watch from the list's resourceVersion).
import { Agent, fetch as undiciFetch } from 'undici';
import { errMsg } from './log.ts';
import type { TokenSource } from './credentials.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any>;

export class ApiStatusError extends Error {
  constructor(readonly code: number, readonly status: KObject | undefined, text: string) {
    super(status?.message ? `${code} ${status.reason ?? ''}: ${status.message}` : `${code}: ${text.slice(0, 300)}`);
  }
  get reason(): string | undefined {
    return this.status?.reason;
  }
}

export const USER_AGENT = `edgekube-agent/v1.35.0-edgekube (${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}) kubernetes/edgekube`;

export class ApiClient {
  /** fetch, trusting `ca` when the server's certificate is from the cluster's own CA. */
  readonly fetch: typeof globalThis.fetch;

  constructor(readonly server: string, readonly token: TokenSource = () => undefined, readonly ca?: string) {
    this.server = server.replace(/\/+$/, '');
    if (ca) {
      const dispatcher = new Agent({ connect: { ca } });
      this.fetch = ((url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof globalThis.fetch;
    } else {
      this.fetch = globalThis.fetch;
    }
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.token();
    return {
      accept: 'application/json',
      'accept-encoding': 'identity',
      'user-agent': USER_AGENT,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    };
  }

  async request(method: string, path: string, body?: unknown, opts: { contentType?: string; timeoutMs?: number } = {}): Promise<KObject> {
    const res = await this.fetch(this.server + path, {
      method,
      headers: this.headers(body !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let json: KObject | undefined;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) throw new ApiStatusError(res.status, json?.kind === 'Status' ? json : undefined, text);
    return json ?? {};
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  patch = (path: string, body: unknown, type = 'application/merge-patch+json') => this.request('PATCH', path, body, { contentType: type });
  delete = (path: string, body?: unknown) => this.request('DELETE', path, body);

  /** GET, or undefined on 404. */
  async getOptional(path: string): Promise<KObject | undefined> {
    try {
      return await this.get(path);
    } catch (e) {
      if (e instanceof ApiStatusError && e.code === 404) return undefined;
      throw e;
    }
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject;
}

export class WatchExpired extends Error {}

/**
 * Reads one watch stream to its end (every event, bookmarks included, goes to
 * onEvent). Resolves with the last resourceVersion seen when the server ends
 * the stream; throws WatchExpired on 410 (relist).
 */
export async function watchOnce(api: ApiClient, path: string, rv: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal, onOpen?: () => void, idleMs = 150_000): Promise<string> {
  const sep = path.includes('?') ? '&' : '?';
  const url = `${api.server}${path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=${240 + Math.floor(Math.random() * 60)}&resourceVersion=${encodeURIComponent(rv)}`;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  signal.addEventListener('abort', onAbort);
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new Error('watch idle')), idleMs);
  };
  try {
    touch();
    const res = await api.fetch(url, { headers: api.headers(), signal: abort.signal });
    if (res.status === 410) throw new WatchExpired('410 Gone');
    if (!res.ok || !res.body) throw new ApiStatusError(res.status, undefined, await res.text().catch(() => ''));
    onOpen?.();
    const decoder = new TextDecoder();
    let buf = '';
    let last = rv;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      touch();
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let ev: WatchEvent;
        try { ev = JSON.parse(line); } catch { continue; }
        if (ev.type === 'ERROR') {
          if (ev.object?.code === 410) throw new WatchExpired(ev.object?.message ?? 'expired');
          throw new ApiStatusError(ev.object?.code ?? 500, ev.object, 'watch error');
        }
        const objRv = ev.object?.metadata?.resourceVersion;
        if (objRv) last = objRv;
        onEvent(ev);
      }
    }
    return last;
  } catch (e) {
    if (e instanceof WatchExpired || e instanceof ApiStatusError) throw e;
    if (signal.aborted) return rv;
    throw new Error(`watch failed: ${errMsg((e as Error & { cause?: unknown }).cause ?? e)}`);
  } finally {
    clearTimeout(idle);
    signal.removeEventListener('abort', onAbort);
  }
}
