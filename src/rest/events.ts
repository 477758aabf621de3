// core/v1 Events for what the server itself does where a kube component
// would report it (a pod bound to a node: the scheduler's "Scheduled"), so
// `kubectl describe` and `kubectl events` show something real.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from './context';
import { rfc3339 } from './objects';
import { createObject } from './write';
import { SERVER_WRITE } from '../request/options';

export async function recordEvent(ctx: RestContext, involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string) {
  const def = lookup('', 'v1', 'events');
  if (!def) return;
  const m = involved.metadata ?? {};
  const namespace = m.namespace || 'default';
  const now = rfc3339(Date.now());
  // Named like client-go's recorder: the object's name and a hex timestamp in nanoseconds.
  const name = `${m.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
  const event = {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { kind: involved.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: involved.apiVersion, resourceVersion: m.resourceVersion },
    reason, message, type,
    source: { component }, firstTimestamp: now, lastTimestamp: now, count: 1,
    reportingComponent: component, reportingInstance: 'edgekube',
  };
  try {
    await createObject(ctx, { def, namespace }, event, { ...SERVER_WRITE, fieldManager: component });
  } catch (e) {
    // Events are best effort, as client-go's recorder treats them.
    console.warn(`event ${reason} for ${m.namespace}/${m.name} was not recorded:`, e);
  }
}
