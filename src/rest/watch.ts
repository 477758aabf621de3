// WATCH: maps kube's watch options onto what the store replays and streams,
// then opens the store-side socket of the bridge (the Worker holds the
// client's stream; the store holds one hibernatable WebSocket per watcher).
import type { Operation } from '../request/info';
import { parseResourceVersion, type ListOptions } from '../request/options';
import { internal } from '../status/status';
import { storeFor } from '../store/client';
import type { WatchSpec } from '../store/types';
import { WATCH_SPEC_HEADER } from '../store/watch-hub';
import type { RestContext } from './context';
import { apiVersionOf, keyPrefix, storageDef } from './objects';

export function watchSpec(op: Operation, opts: ListOptions): WatchSpec {
  // A watch on one named object is a watch on its collection narrowed to the name.
  const nameSelector = op.name !== undefined ? `metadata.name=${op.name}` : '';
  const fieldSelector = [opts.fieldSelector, nameSelector].filter(Boolean).join(',');
  const rv = opts.resourceVersion;
  const base = { prefix: keyPrefix(op.def, op.namespace), labelSelector: opts.labelSelector, fieldSelector, kind: op.def.kind, apiVersion: apiVersionOf(op.def) };
  if (opts.sendInitialEvents === true) {
    return { ...base, mode: 'initial', initialEventsEnd: true };
  }
  if (opts.sendInitialEvents === false) {
    return rv === '' || rv === '0' ? { ...base, mode: 'after' } : { ...base, mode: 'after', resourceVersion: parseResourceVersion(rv) };
  }
  // Unset or "0": the current state as ADDED events, then changes. N: the changes after N.
  if (rv === '' || rv === '0') return { ...base, mode: 'initial' };
  return { ...base, mode: 'after', resourceVersion: parseResourceVersion(rv) };
}

/** Opens the store side of a watch; the caller sends {op:"start"} once it is ready to stream. */
export async function openWatch(ctx: RestContext, op: Operation, spec: WatchSpec): Promise<WebSocket> {
  const stub = storeFor(ctx.env, storageDef(op.def));
  const res = await stub.fetch('https://store/watch', { headers: { upgrade: 'websocket', [WATCH_SPEC_HEADER]: JSON.stringify(spec) } });
  const ws = res.webSocket;
  if (!ws) throw internal(`watch could not be opened: ${res.status}`);
  ws.accept();
  return ws;
}
