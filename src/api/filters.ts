// The handler chain in front of every route, in kube-apiserver's order:
// authentication, then (in later filters) audit, impersonation, limits and
// authorization. Only the health and version paths answer without a user,
// as the system:public-info-viewer role lets anyone read them in kube.
import type { Hono } from 'hono';
import type { ApiEnv } from './types';
import { authenticate } from '../authn';
import { insecurePort } from '../authn/env';
import { LOOPBACK_ADMIN } from '../authn/user';
import { unauthorized } from '../status/status';

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function filters(app: Hono<ApiEnv>) {
  app.use('*', async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
    if (insecurePort(c.env)) {
      c.set('user', LOOPBACK_ADMIN);
      return next();
    }
    const user = await authenticate(c.req.raw, c.env);
    if (!user) throw unauthorized();
    c.set('user', user);
    return next();
  });
}
