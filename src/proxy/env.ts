// The bindings the proxy needs on top of the store's.
import type { Env } from '../store/client';
import type { Tunnel } from './tunnel';
import type { ProxySettings } from './settings';

export interface ProxyEnv extends Env, ProxySettings {
  /** One Tunnel Durable Object per node name: the agent's reverse tunnel and its credential. */
  TUNNEL: DurableObjectNamespace<Tunnel>;
}

export const proxyEnv = (env: Env) => env as ProxyEnv;

export const tunnelFor = (env: ProxyEnv, node: string) => env.TUNNEL.get(env.TUNNEL.idFromName(node));
