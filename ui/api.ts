// The dashboard's client of the Kubernetes API: every request carries the
// user's bearer token when the server asks for one, and each resource is kept
// live as client-go's informers keep it: a list, then a watch from its
// resourceVersion (bookmarks on), re-listed when the watch expires.

export interface KObject {
  apiVersion?: string;
  kind?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  metadata: { name: string; namespace?: string; uid: string; resourceVersion?: string; creationTimestamp?: string; labels?: Record<string, string>; [k: string]: any };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
}

const TOKEN_KEY = 'edgekube.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (t: string) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY)),
};

/** The server refused the credentials (or wants some): the dashboard asks for a token. */
export class Unauthorized extends Error {}

export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const t = token.get();
  if (t) headers.set('authorization', `Bearer ${t}`);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) throw new Unauthorized('the server wants a bearer token');
  return res;
}

/** A Status' message, or the response text. */
export async function failure(res: Response): Promise<string> {
  const text = await res.text();
  try {
    return JSON.parse(text).message ?? text;
  } catch {
    return text || `${res.status} ${res.statusText}`;
  }
}

/** Lines of a streamed response as they come. */
export async function* lines(res: Response, signal: AbortSignal): AsyncGenerator<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    while (!signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        yield buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
      }
    }
    if (buffered) yield buffered;
  } finally {
    reader.cancel().catch(() => {});
  }
}

export type Listener = (items: KObject[]) => void;

/**
 * One resource collection kept live: `path` is its list URL
 * (/api/v1/pods, /apis/apps/v1/namespaces/x/deployments).
 */
export class Informer {
  private readonly items = new Map<string, KObject>();
  private readonly abort = new AbortController();
  private synced = false;

  constructor(private readonly path: string, private readonly onChange: Listener, private readonly onError: (e: Error) => void) {
    void this.run();
  }

  stop() {
    this.abort.abort();
  }

  private emit() {
    this.onChange([...this.items.values()]);
  }

  private async run() {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        const res = await api(this.path, { signal });
        if (!res.ok) throw new Error(await failure(res));
        const list = await res.json();
        this.items.clear();
        for (const o of list.items as KObject[]) this.items.set(o.metadata.uid, o);
        this.synced = true;
        this.emit();
        await this.watch(list.metadata.resourceVersion, signal);
      } catch (e) {
        if (signal.aborted) return;
        this.onError(e as Error);
        if (e instanceof Unauthorized) return;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  /** Watches from `rv` until the server ends the watch; returns to re-list when the version expired. */
  private async watch(rv: string, signal: AbortSignal) {
    for (;;) {
      const sep = this.path.includes('?') ? '&' : '?';
      const res = await api(`${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, { signal });
      if (!res.ok) throw new Error(await failure(res));
      for await (const line of lines(res, signal)) {
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { type: string; object: KObject };
        if (ev.type === 'ERROR') return; // 410 Gone: re-list
        rv = ev.object.metadata.resourceVersion ?? rv;
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'DELETED') this.items.delete(ev.object.metadata.uid);
        else this.items.set(ev.object.metadata.uid, ev.object);
        if (this.synced) this.emit();
      }
      if (signal.aborted) return;
    }
  }
}

/** The URL of a collection: core or grouped, all namespaces or one. */
export function collectionPath(group: string, version: string, resource: string, namespace?: string): string {
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${base}/${resource}`;
}

/** The URL of one object from its apiVersion and kind's resource. */
export function objectPath(apiVersion: string, resource: string, o: KObject): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${collectionPath(group, version, resource, o.metadata.namespace)}/${encodeURIComponent(o.metadata.name)}`;
}
