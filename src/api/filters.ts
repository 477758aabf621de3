// The handler chain in front of every route, in kube-apiserver's order:
// audit around everything, header limits, authentication, impersonation,
// the in-flight limit, then authorization of what the URL asks for. Only
// the health and version paths answer without a user, as the
// system:public-info-viewer role lets anyone read them in kube, and the
// dashboard's page and assets, which hold no cluster data.
import type { Context, Hono } from 'hono';
import type { ApiEnv, AuditRecord } from './types';
import { authenticate } from '../authn';
import { insecurePort } from '../authn/env';
import { ANONYMOUS_USER, LOOPBACK_ADMIN } from '../authn/user';
import { unauthorized } from '../status/status';
import { authorize, forbiddenError, requestAttributes } from '../authz';
import { restContext } from './resources';
import { ensureBootstrapped } from '../bootstrap';
import { impersonate } from './impersonation';
import { auditEvent, writeAudit } from './audit';
import { acquire, checkHeaderSize } from './limits';
import { isDashboardPath } from '../ui/routes';

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

const isPublic = (c: Context<ApiEnv>) => (PUBLIC_PATHS.has(c.req.path) || isDashboardPath(c.req.path)) && (c.req.method === 'GET' || c.req.method === 'HEAD');

export function filters(app: Hono<ApiEnv>) {
  app.use('*', async (c, next) => {
    if (isPublic(c)) return next();
    const received = new Date();
    const record: AuditRecord = { id: crypto.randomUUID() };
    c.set('audit', record);
    c.header('Audit-Id', record.id);
    await next();
    const event = auditEvent(c, record, received, c.res.status);
    if (event) writeAudit(event);
  });

  app.use('*', async (c, next) => {
    if (isPublic(c)) return next();
    checkHeaderSize(c.req.raw.headers);
    const record = c.get('audit');
    // What the URL asks for does not depend on who asks: computed once, the user filled in as it becomes known.
    const attrs = requestAttributes(ANONYMOUS_USER, c.req.method, new URL(c.req.url));
    record.attrs = attrs;
    if (insecurePort(c.env)) {
      c.set('user', LOOPBACK_ADMIN);
      record.user = attrs.user = LOOPBACK_ADMIN;
      return next();
    }
    const ctx = restContext(c);
    const authenticated = await authenticate(ctx, c.req.raw);
    if (!authenticated) throw unauthorized();
    record.user = attrs.user = authenticated;
    // The default roles must exist before the first decision on them.
    await ensureBootstrapped(ctx);
    const impersonated = await impersonate({ ...ctx, user: authenticated }, authenticated, c.req.raw.headers);
    const user = impersonated ?? authenticated;
    record.impersonatedUser = impersonated;
    attrs.user = ctx.user = user;
    c.set('user', user);
    const release = attrs.verb === 'watch' ? () => {} : acquire(c.env, user.username);
    try {
      const decision = await authorize(ctx, attrs);
      record.decision = decision;
      if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
      await next();
    } finally {
      release();
    }
  });
}
