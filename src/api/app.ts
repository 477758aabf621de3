// The Hono application: discovery, system endpoints, metrics and resource
// routes, every request counted, every error leaving as a Kubernetes Status.
import { Hono } from 'hono';
import type { ApiEnv } from './types';
import { filters } from './filters';
import { ApiError, fromPlatformError, internal, notFoundPath } from '../status/status';
import { discoveryRoutes } from './discovery';
import { openapiRoutes } from '../openapi';
import { resourceRoutes } from './resources';
import { proxyRoutes } from '../proxy/routes';
import { systemRoutes } from './system';
import { instrument } from './instrument';
import { metricsRoutes } from './metrics';
import { adminRoutes } from './admin';
import { faultRoutes } from './faults';
import { dashboardRoutes } from '../ui/routes';
import { errorFormat } from './negotiate';
import { encodeAnswer } from './respond';

export function createApp() {
  const app = new Hono<ApiEnv>();
  instrument(app);
  filters(app);
  systemRoutes(app);
  metricsRoutes(app);
  adminRoutes(app);
  faultRoutes(app);
  dashboardRoutes(app);
  discoveryRoutes(app);
  openapiRoutes(app);
  proxyRoutes(app);
  resourceRoutes(app);
  app.notFound((c) => c.json(notFoundPath().status, 404));
  app.onError((err, c) => {
    const e = err instanceof ApiError ? err : fromPlatformError(err) ?? internal(err instanceof Error ? err.message : String(err));
    if (!(err instanceof ApiError) && e.status.code === 500) console.error('internal error:', err);
    // resource requests negotiate errors as they do answers: a protobuf or YAML client gets its Status in its form
    const format = errorFormat(c.req.header('accept'));
    if (format !== 'json' && /^\/apis?\//.test(c.req.path)) {
      const { body, contentType } = encodeAnswer(format, JSON.stringify(e.status));
      return c.body(body as string, e.status.code as 500, { ...e.headers, 'Content-Type': contentType });
    }
    return c.json(e.status, e.status.code as 500, e.headers);
  });
  return app;
}
