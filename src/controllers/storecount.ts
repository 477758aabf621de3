// Counts the controllers' calls into the store shards, per controller, so the
// cost of reconciling is measurable (`GET /debug/controllers`, and the
// workloads benchmark's store requests per pod). The count wraps the STORE
// binding of the controllers' own environment: every RPC to a shard is one
// request, whichever rest function made it.
import type { ControllerEnv, ControllerName } from './env';

export type StoreRequestCounts = Partial<Record<ControllerName, number>>;

export class StoreRequestCounter {
  readonly counts: StoreRequestCounts = {};
  /** The controller whose pass is running; passes never overlap. */
  current: ControllerName | undefined;

  /** The environment with a STORE binding whose stubs count each call. */
  wrap(env: ControllerEnv): ControllerEnv {
    const count = () => { if (this.current) this.counts[this.current] = (this.counts[this.current] ?? 0) + 1; };
    const ns = env.STORE;
    const store = new Proxy(ns, {
      get(target, prop) {
        // Bindings' methods must be called on the binding itself, not on the proxy.
        if (prop !== 'get') { const v = Reflect.get(target, prop); return typeof v === 'function' ? v.bind(target) : v; }
        return (id: DurableObjectId) => {
          const stub = target.get(id);
          return new Proxy(stub, {
            get(s, p) {
              const v = Reflect.get(s, p, s);
              if (typeof v !== 'function') return v;
              // Reflect.apply: on an RPC stub every property, `apply` included, names a remote method.
              return (...args: unknown[]) => { count(); return Reflect.apply(v as (...a: unknown[]) => unknown, s, args); };
            },
          });
        };
      },
    });
    return { ...env, STORE: store };
  }
}
