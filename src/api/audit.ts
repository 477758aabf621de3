// Audit: one structured JSON line (audit.k8s.io/v1 Event at the Metadata
// level) per mutating request and per refused one, to the Worker log. No
// bodies, no credentials: who, what, where from, and the answer's code.
import type { Context } from 'hono';
import type { ApiEnv, AuditRecord } from './types';
import { ANONYMOUS_USER, type UserInfo } from '../authn/user';

const READ_VERBS = new Set(['get', 'list', 'watch']);

function sourceIPs(c: Context<ApiEnv>): string[] {
  const ips: string[] = [];
  const cf = c.req.header('cf-connecting-ip');
  if (cf) ips.push(cf);
  for (const ip of (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim())) if (ip && !ips.includes(ip)) ips.push(ip);
  return ips;
}

export function auditEvent(c: Context<ApiEnv>, record: AuditRecord, received: Date, code: number): Record<string, unknown> | undefined {
  const a = record.attrs;
  const verb = a?.verb ?? c.req.method.toLowerCase();
  const denied = code === 401 || code === 403;
  if (!denied && READ_VERBS.has(verb)) return undefined;
  if (!denied && !a) return undefined;
  const url = new URL(c.req.url);
  const userOf = (u: UserInfo = ANONYMOUS_USER) => ({ username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups });
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: record.id, stage: 'ResponseComplete',
    requestURI: url.pathname + url.search, verb,
    user: userOf(record.user),
    ...(record.impersonatedUser ? { impersonatedUser: userOf(record.impersonatedUser) } : {}),
    sourceIPs: sourceIPs(c),
    ...(c.req.header('user-agent') ? { userAgent: c.req.header('user-agent') } : {}),
    ...(a?.resourceRequest ? {
      objectRef: {
        resource: a.resource, ...(a.namespace ? { namespace: a.namespace } : {}), ...(a.name ? { name: a.name } : {}),
        apiGroup: a.apiGroup, apiVersion: a.apiVersion, ...(a.subresource ? { subresource: a.subresource } : {}),
      },
    } : {}),
    responseStatus: { metadata: {}, code },
    requestReceivedTimestamp: received.toISOString(),
    stageTimestamp: new Date().toISOString(),
    ...(record.decision || record.annotations ? {
      annotations: {
        ...(record.decision ? { 'authorization.k8s.io/decision': record.decision.allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': record.decision.reason } : {}),
        ...record.annotations,
      },
    } : {}),
  };
}

/** One JSON object, prefixed so that log tooling can pick audit lines out; at info level, which `wrangler dev` shows by default. */
export function writeAudit(event: Record<string, unknown>) {
  console.info(`audit ${JSON.stringify(event)}`);
}
