// Waking the controllers after a committed write. The API wires
// `notifyControllers` into each request's RestContext (`committed`), so the
// rest layer never calls the controllers itself: a write of a kind a
// controller follows wakes the controllers' Durable Object (an RPC that only
// sets an alarm). Everything else stays in the store; a lost kick costs at
// most a periodic resync.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { RestContext } from '../rest/context';
import type { Controllers } from './durable';
import { CONTROLLERS_INSTANCE } from './env';
import { interested } from './interest';

/** The Worker's binding to the controllers' object; absent where no controllers run. */
export interface ControllersBinding {
  CONTROLLERS?: DurableObjectNamespace<Controllers>;
}

export function controllersStub(env: object): DurableObjectStub<Controllers> | undefined {
  const ns = (env as ControllersBinding).CONTROLLERS;
  return ns?.get(ns.idFromName(CONTROLLERS_INSTANCE));
}

/** `removed`: the write took the object out of the store. */
export function notifyControllers(ctx: RestContext, def: ResourceDefinition, obj?: KObject, removed = false) {
  const which = interested(def, obj, removed);
  if (which.length === 0) return;
  try {
    const stub = controllersStub(ctx.env);
    if (!stub) return;
    ctx.waitUntil(stub.kick(which));
  } catch (e) {
    console.warn('controllers were not notified:', e);
  }
}
