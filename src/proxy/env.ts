// The bindings the proxy needs on top of the store's.
import type { Env } from '../store/client';
import type { Tunnel } from './tunnel';

export interface ProxyEnv extends Env {
  /** One Tunnel Durable Object per node name: the agent's reverse tunnel and its credential. */
  TUNNEL: DurableObjectNamespace<Tunnel>;
  /**
   * An operator-chosen credential for every node agent (a secret: `.dev.vars`
   * locally, `wrangler secret put` in production). Unset, each node gets a
   * random credential of its own, issued to its agent at registration.
   */
  EDGEKUBE_NODE_CREDENTIAL?: string;
  /** Seconds to wait for an agent's (or pod's) response headers; default 30. */
  EDGEKUBE_PROXY_TIMEOUT_SECONDS?: string;
}

export const proxyEnv = (env: Env) => env as ProxyEnv;

export const headerTimeoutMs = (env: ProxyEnv) => {
  const s = Number(env.EDGEKUBE_PROXY_TIMEOUT_SECONDS);
  return (Number.isFinite(s) && s > 0 ? s : 30) * 1000;
};

export const tunnelFor = (env: ProxyEnv, node: string) => env.TUNNEL.get(env.TUNNEL.idFromName(node));
