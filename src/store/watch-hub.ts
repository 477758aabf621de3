// Watch fan-out inside a store shard. Each watcher is one hibernatable
// WebSocket from the Worker that holds the client's HTTP stream (the "bridge"):
// the shard can hibernate while watches stay open, and a dead client costs the
// shard nothing. Replay and registration happen in one synchronous step, so
// no event falls between history and live delivery.
import type { LogEvent, WatchControl, WatchSpec } from './types';
import { compilePredicate, everything, matches, type Predicate } from '../selectors';
import { MetricSet, type Labels, type MetricData } from '../metrics/set';

interface Watcher { spec: WatchSpec; pred: Predicate; started: boolean; after: number }
interface Attachment { spec: WatchSpec; started: boolean; after: number }

export interface EventSource {
  currentResourceVersion(): number;
  compactedResourceVersion(): number;
  snapshot(prefix: string): LogEvent[];
  eventsAfter(prefix: string, rv: number): LogEvent[] | undefined;
}

/** Frames stay well under the 32 MiB WebSocket message cap. */
const FRAME_BYTES = 512 * 1024;

export const WATCH_SPEC_HEADER = 'x-edgekube-watch';

/**
 * Sent as the one binary message of a watch, after its replay (the history
 * from its resourceVersion, or the initial list): what follows is live. Event
 * lines are text messages.
 */
export const WATCH_REPLAYED = new Uint8Array([1]);

export class WatchHub {
  private readonly watchers = new Map<WebSocket, Watcher>();
  /** apiserver_watch_events_total since this shard started. */
  private readonly sent = new MetricSet();

  constructor(private readonly ctx: DurableObjectState, private readonly source: EventSource) {}

  accept(request: Request): Response {
    const raw = request.headers.get(WATCH_SPEC_HEADER);
    if (request.headers.get('upgrade') !== 'websocket' || !raw) return new Response('expected a watch upgrade', { status: 400 });
    const spec = JSON.parse(raw) as WatchSpec;
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    this.remember(server, { spec, started: false, after: 0 });
    return new Response(null, { status: 101, webSocket: client });
  }

  message(ws: WebSocket, data: string | ArrayBuffer) {
    const w = this.watcher(ws);
    if (!w || typeof data !== 'string') return;
    const control = JSON.parse(data) as WatchControl;
    if (control.op === 'start') this.start(ws, w);
    else if (control.op === 'bookmark' && w.started) {
      send(ws, [bookmark(w.spec, Math.max(this.source.currentResourceVersion(), w.after))]);
    }
  }

  close(ws: WebSocket, code: number) {
    this.watchers.delete(ws);
    try { ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closed'); } catch { /* already closed */ }
  }

  broadcast(ev: LogEvent) {
    for (const ws of this.ctx.getWebSockets()) {
      const w = this.watcher(ws);
      if (!w || !w.started || ev.rv <= w.after || !ev.key.startsWith(w.spec.prefix)) continue;
      const line = project(ev, w.pred);
      if (!line) continue;
      if (!send(ws, [line])) this.close(ws, 1011);
      else this.sent.add('apiserver_watch_events_total', watchLabels(w.spec));
    }
  }

  /**
   * The state was replaced (a restore): every watcher's resourceVersion now
   * names a state that is gone, so each gets kube's 410 and lists again.
   */
  expireAll(compacted: number) {
    for (const ws of this.ctx.getWebSockets()) {
      const w = this.watcher(ws);
      send(ws, [expired(w?.after ?? 0, compacted)]);
      this.close(ws, 1000);
    }
  }

  /** Watchers open now, by kind, and the events sent so far. */
  metrics(): MetricData {
    const m = new MetricSet(structuredClone(this.sent.data));
    for (const ws of this.ctx.getWebSockets()) {
      const w = this.watcher(ws);
      if (!w) continue;
      const { group, version } = watchLabels(w.spec);
      m.add('apiserver_registered_watchers', { group, version, kind: w.spec.kind });
    }
    return m.data;
  }

  private start(ws: WebSocket, w: Watcher) {
    if (w.started) return;
    const { spec } = w;
    const current = this.source.currentResourceVersion();
    const lines: string[] = [];
    if (spec.mode === 'initial') {
      for (const ev of this.source.snapshot(spec.prefix)) if (matches(w.pred, ev.attrs)) lines.push(eventLine('ADDED', ev.object));
      if (spec.initialEventsEnd) lines.push(bookmark(spec, current, true));
    } else {
      const from = spec.resourceVersion ?? current;
      const history = this.source.eventsAfter(spec.prefix, from);
      if (!history) {
        send(ws, [expired(from, this.source.compactedResourceVersion())]);
        this.close(ws, 1000);
        return;
      }
      for (const ev of history) { const l = project(ev, w.pred); if (l) lines.push(l); }
    }
    w.started = true;
    w.after = Math.max(current, spec.resourceVersion ?? 0);
    this.remember(ws, { spec, started: true, after: w.after });
    if (!send(ws, lines) || !sendReplayed(ws)) this.close(ws, 1011);
    else if (lines.length) this.sent.add('apiserver_watch_events_total', watchLabels(spec), lines.length);
  }

  /** The watcher for a socket, rebuilt from its attachment after hibernation. */
  private watcher(ws: WebSocket): Watcher | undefined {
    let w = this.watchers.get(ws);
    if (!w) {
      const a = ws.deserializeAttachment() as Attachment | null;
      if (!a) return undefined;
      w = { spec: a.spec, pred: compilePredicate(a.spec.labelSelector, a.spec.fieldSelector), started: a.started, after: a.after };
      this.watchers.set(ws, w);
    }
    return w;
  }

  private remember(ws: WebSocket, a: Attachment) {
    ws.serializeAttachment(a);
    this.watchers.set(ws, { spec: a.spec, pred: compilePredicate(a.spec.labelSelector, a.spec.fieldSelector), started: a.started, after: a.after });
  }
}

/**
 * What one event looks like to a watcher with a selector, as kube-apiserver's
 * cacher decides it: an object that starts matching is ADDED, one that stops
 * matching is DELETED (its previous state at the event's resourceVersion).
 */
export function project(ev: LogEvent, pred: Predicate): string | undefined {
  if (everything(pred)) return eventLine(ev.type, ev.object);
  if (ev.type === 'ADDED') return matches(pred, ev.attrs) ? eventLine('ADDED', ev.object) : undefined;
  if (ev.type === 'DELETED') return matches(pred, ev.attrs) ? eventLine('DELETED', ev.object) : undefined;
  const now = matches(pred, ev.attrs);
  const before = ev.prev ? matches(pred, ev.prev.attrs) : now;
  if (now && before) return eventLine('MODIFIED', ev.object);
  if (now) return eventLine('ADDED', ev.object);
  if (before && ev.prev) {
    const old = JSON.parse(ev.prev.object);
    old.metadata.resourceVersion = String(ev.rv);
    return eventLine('DELETED', JSON.stringify(old));
  }
  return undefined;
}

/** kube's labels for watch events: the resource's group and version, and its name (from the storage prefix /group/resource/). */
function watchLabels(spec: WatchSpec): Labels {
  const [group, version] = spec.apiVersion.includes('/') ? spec.apiVersion.split('/') : ['', spec.apiVersion];
  return { group, version, resource: spec.prefix.split('/')[2] ?? '' };
}

const eventLine = (type: string, object: string) => `{"type":"${type}","object":${object}}`;

function bookmark(spec: WatchSpec, rv: number, initialEventsEnd = false): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return eventLine('BOOKMARK', JSON.stringify({ kind: spec.kind, apiVersion: spec.apiVersion, metadata }));
}

function expired(rv: number, compacted: number): string {
  return eventLine('ERROR', JSON.stringify({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `too old resource version: ${rv} (${compacted + 1})`, reason: 'Expired', code: 410,
  }));
}

/** Sends lines as newline-terminated NDJSON frames; false when the socket is gone. */
function send(ws: WebSocket, lines: string[]): boolean {
  try {
    let frame = '';
    for (const l of lines) {
      if (frame.length > 0 && frame.length + l.length > FRAME_BYTES) { ws.send(frame); frame = ''; }
      frame += l + '\n';
    }
    if (frame) ws.send(frame);
    return true;
  } catch {
    return false;
  }
}

function sendReplayed(ws: WebSocket): boolean {
  try {
    ws.send(WATCH_REPLAYED);
    return true;
  } catch {
    return false;
  }
}
