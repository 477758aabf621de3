// The Worker half of the watch bridge: relays the store's NDJSON frames to the
// client as a chunked HTTP stream (or WebSocket messages), converting objects
// to Tables when asked, with bookmarks/heartbeats and the watch timeout.
import type { Context } from 'hono';
import type { ApiEnv } from './types';
import type { Operation } from '../request/info';
import type { ListOptions } from '../request/options';
import type { RestContext } from '../rest/context';
import { openWatch, watchSpec } from '../rest/watch';
import { fromStorage } from '../rest/read';
import { toTable, type IncludeObject } from '../table/convert';
import { negotiateObject } from './negotiate';
import { encodeWatchEvent, lengthDelimited, PROTOBUF_MEDIA_TYPE } from '../protobuf';

const encoder = new TextEncoder();

/** How much of a watch may wait for a slow client before the watch is ended. */
const WATCH_BUFFER_BYTES = 8 * 1024 * 1024;

/** kube-apiserver ends watches after minRequestTimeout * (1 + rand): 30 to 60 minutes. */
const defaultTimeoutSeconds = () => Math.floor(1800 * (1 + Math.random()));

export async function serveWatch(c: Context<ApiEnv>, ctx: RestContext, op: Operation, opts: ListOptions): Promise<Response> {
  // A watch-list stream cannot be a Table (406), but a client that also takes JSON gets JSON.
  // YAML has no streaming form in kube: a watch asked for in YAML is JSON.
  const negotiated = negotiateObject(c.req.header('accept'), opts.sendInitialEvents !== true, op.def.protobuf !== false);
  const format = negotiated === 'yaml' ? 'json' : negotiated;
  const include = (new URL(c.req.url).searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
  const convert = lineConverter(op, format === 'protobuf' ? 'json' : format, include);
  const groupVersion = op.def.group ? `${op.def.group}/${op.def.version}` : op.def.version;
  // protobuf streams carry one WatchEvent per frame: length-prefixed over HTTP, one binary message over a WebSocket
  const frames = (text: string, prefixed: boolean): Uint8Array[] =>
    text.split('\n').filter(Boolean).map((line) => {
      const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
      const event = encodeWatchEvent(groupVersion, ev.type, ev.object);
      return prefixed ? lengthDelimited(event) : event;
    });
  const spec = watchSpec(op, opts);
  const store = await openWatch(ctx, op, spec);
  const heartbeatMs = Number(ctx.env.EDGEKUBE_BOOKMARK_SECONDS ?? 60) * 1000;
  const timeoutMs = (opts.timeoutSeconds || defaultTimeoutSeconds()) * 1000;

  const clientSocket = c.req.header('upgrade')?.toLowerCase() === 'websocket';
  let deliver: (text: string) => void;
  let finish: () => void;
  let response: Response;
  let replayed = () => {};
  if (clientSocket) {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    server.accept();
    deliver = format === 'protobuf'
      ? (text) => { for (const f of frames(text, false)) server.send(f); }
      : (text) => { for (const l of text.split('\n')) if (l) server.send(l); };
    finish = () => { try { server.close(1000, 'watch closed'); } catch { /* gone */ } };
    server.addEventListener('close', () => stop());
    response = new Response(null, { status: 101, webSocket: client });
  } else {
    // workerd's own pipe, not a JavaScript stream: workerd pumps a JavaScript stream into a
    // response with a chain of promises that grows with every chunk for as long as the watch
    // lives (workerd#5665; bench:soak measures it). A write to this pipe settles once the
    // client has taken it, so what is unsettled waits for the client. The replay (history or
    // initial list, bounded by the store's history) may all wait; past it, once
    // WATCH_BUFFER_BYTES of live events wait too, the watch ends (what was sent still drains)
    // and the client watches again from its last resourceVersion, as kube-apiserver closes a
    // watcher whose buffer is full.
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    let waiting = 0;
    let limit = Infinity;
    const write = (chunk: Uint8Array) => {
      waiting += chunk.byteLength;
      writer.write(chunk).then(() => { waiting -= chunk.byteLength; }, () => stop());
      if (waiting > limit) stop();
    };
    replayed = () => { limit = waiting + WATCH_BUFFER_BYTES; };
    deliver = format === 'protobuf'
      ? (text) => { for (const f of frames(text, true)) write(f); }
      : (text) => write(encoder.encode(text));
    finish = () => { writer.close().catch(() => undefined); };
    writer.closed.catch(() => stop());
    response = new Response(readable, {
      status: 200,
      headers: {
        'Content-Type': format === 'protobuf' ? `${PROTOBUF_MEDIA_TYPE};stream=watch` : 'application/json',
        // Without identity, gzip at the edge (and in Miniflare) buffers the stream.
        'Content-Encoding': 'identity',
        'Cache-Control': 'no-cache, private',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  }

  let stopped = false;
  let ended!: () => void;
  c.set('streamEnded', new Promise<void>((resolve) => { ended = resolve; }));
  const heartbeat = setInterval(() => {
    // Bookmarks come from the store (they carry its resourceVersion); without
    // them a bare newline still finds clients that went away.
    if (opts.allowWatchBookmarks) safeSend(store, '{"op":"bookmark"}');
    else if (!clientSocket) deliver('\n');
  }, heartbeatMs);
  const deadline = setTimeout(() => stop(), timeoutMs);
  function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    clearTimeout(deadline);
    try { store.close(1000, 'watch ended'); } catch { /* already closed */ }
    finish();
    ended();
  }
  store.addEventListener('message', (ev) => {
    if (stopped) return;
    if (typeof ev.data !== 'string') return replayed();
    deliver(convert ? ev.data.split('\n').filter(Boolean).map(convert).join('') : ev.data);
  });
  store.addEventListener('close', () => stop());
  store.addEventListener('error', () => stop());
  safeSend(store, '{"op":"start"}');
  return response;
}

function safeSend(ws: WebSocket, msg: string) {
  try { ws.send(msg); } catch { /* closed: the close handler ends the watch */ }
}

/** undefined when lines can be relayed untouched (plain JSON of a kind stored as itself). */
function lineConverter(op: Operation, format: 'table' | 'json', include: IncludeObject): ((line: string) => string) | undefined {
  if (format === 'json' && !op.def.storage) return undefined;
  return (line) => {
    const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
    if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') return line + '\n';
    let object = op.def.storage ? JSON.parse(fromStorage(op, JSON.stringify(ev.object))) : ev.object;
    if (format === 'table') object = toTable(op.def, [object], { resourceVersion: (object.metadata as { resourceVersion?: string })?.resourceVersion ?? '' }, include);
    return JSON.stringify({ type: ev.type, object }) + '\n';
  };
}
