// The handler chain in front of every route, in kube-apiserver's order:
// authentication, impersonation, then authorization of what the URL asks for. Only the health and version paths answer without a user,
// as the system:public-info-viewer role lets anyone read them in kube.
import type { Hono } from 'hono';
import type { ApiEnv } from './types';
import { authenticate } from '../authn';
import { insecurePort } from '../authn/env';
import { LOOPBACK_ADMIN } from '../authn/user';
import { unauthorized } from '../status/status';
import { authorize, forbiddenError, requestAttributes } from '../authz';
import { restContext } from './resources';
import { ensureBootstrapped } from '../bootstrap';
import { impersonate } from './impersonation';

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function filters(app: Hono<ApiEnv>) {
  app.use('*', async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
    if (insecurePort(c.env)) {
      c.set('user', LOOPBACK_ADMIN);
      return next();
    }
    const ctx = restContext(c);
    const authenticated = await authenticate(ctx, c.req.raw);
    if (!authenticated) throw unauthorized();
    // The default roles must exist before the first decision on them.
    await ensureBootstrapped(ctx);
    const user = (await impersonate({ ...ctx, user: authenticated }, authenticated, c.req.raw.headers)) ?? authenticated;
    c.set('user', user);
    ctx.user = user;
    const attrs = requestAttributes(user, c.req.method, new URL(c.req.url));
    const decision = await authorize(ctx, attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    return next();
  });
}
