// The Worker bindings that decide how requests are authenticated.
import type { Env } from '../store/client';

export interface AuthEnv extends Env {
  /**
   * "true" only under `npm start`: the insecure loopback port, where every
   * request acts as a cluster admin. Never set it for a deployed Worker.
   */
  EDGEKUBE_INSECURE_PORT?: string;
  /**
   * Static bearer tokens in kube-apiserver's --token-auth-file CSV format
   * (`token,user,uid,"group1,group2"`). A secret: `wrangler secret put
   * EDGEKUBE_TOKEN_AUTH` deployed; written by `npm run start:secure` locally.
   */
  EDGEKUBE_TOKEN_AUTH?: string;
}

export const authEnv = (env: Env) => env as AuthEnv;

export const insecurePort = (env: Env) => authEnv(env).EDGEKUBE_INSECURE_PORT === 'true';
