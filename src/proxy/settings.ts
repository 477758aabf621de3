// The operator's proxy settings (vars and secrets), apart from the bindings so
// that the Tunnel object, which the bindings name, can read them too.

export interface ProxySettings {
  /**
   * An operator-chosen credential for every node agent (a secret: `.dev.vars`
   * locally, `wrangler secret put` in production). Unset, each node gets a
   * random credential of its own, issued to its agent at registration.
   */
  EDGEKUBE_NODE_CREDENTIAL?: string;
  /** Seconds to wait for an agent's (or pod's) response headers; default 30. */
  EDGEKUBE_PROXY_TIMEOUT_SECONDS?: string;
}

export const headerTimeoutMs = (env: ProxySettings) => {
  const s = Number(env.EDGEKUBE_PROXY_TIMEOUT_SECONDS);
  return (Number.isFinite(s) && s > 0 ? s : 30) * 1000;
};
