// The operator's safety net, as etcdctl snapshot save / etcdutl snapshot
// restore are kube's: a consistent copy of every store shard, read in pages
// at one resourceVersion, and a restore that replaces a shard's whole state in
// one transaction. Non-resource paths, so only who may use /admin/* (RBAC
// nonResourceURLs; cluster-admin) gets there. `npm run backup` and
// `npm run restore` drive them.
import type { Context, Hono } from 'hono';
import type { ApiEnv } from './types';
import { shard, SHARDS } from '../store/client';
import type { BackupRow, StoreResult } from '../store/types';
import { badRequest, failure, gone, notFoundPath } from '../status/status';
import { readBodyText } from '../rest/objects';
import { parseResourceVersion } from '../request/options';
import { JsonLimitError, parseJson } from '../request/json';

const PAGE_LIMIT = 500;
const MAX_PAGE_LIMIT = 5000;

/** An object in a backup file and on the wire: the stored JSON parsed, the rest as stored. */
export interface BackupItem { key: string; namespace: string; resourceVersion: string; attrs: unknown; object: Record<string, unknown> }

export function adminRoutes(app: Hono<ApiEnv>) {
  app.get('/admin/v1/shards', async (c) => {
    const shards = await Promise.all(SHARDS.map(async (name) => ({ name, resourceVersion: String(await shard(c.env, name).currentResourceVersion()) })));
    return c.json({ kind: 'ShardList', shards });
  });

  app.get('/admin/v1/shards/:shard/backup', async (c) => {
    const stub = stubOf(c);
    const q = new URL(c.req.url).searchParams;
    const rv = q.get('resourceVersion');
    const limit = q.get('limit') ? Number(q.get('limit')) : PAGE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
    const page = unwrap(await stub.backupPage(rv ? parseResourceVersion(rv) : undefined, q.get('continue') ?? '', limit));
    const items: BackupItem[] = page.rows.map((r) => ({ key: r.key, namespace: r.ns, resourceVersion: String(r.rv), attrs: JSON.parse(r.attrs), object: JSON.parse(r.object) }));
    return c.json({ kind: 'BackupPage', shard: c.req.param('shard'), resourceVersion: String(page.resourceVersion), items, ...(page.nextKey ? { continue: page.nextKey } : {}) });
  });

  app.post('/admin/v1/shards/:shard/restore/stage', async (c) => {
    const stub = stubOf(c);
    const first = new URL(c.req.url).searchParams.get('first') === 'true';
    const body = await jsonBody(c);
    if (!Array.isArray(body)) throw badRequest('a restore stage is a JSON array of backup items');
    const staged = unwrap(await stub.restoreStage(body.map(rowOf), first));
    return c.json({ kind: 'RestoreStage', staged });
  });

  // Point-in-time recovery: the Durable Object's own bookmarks (deployed only; 30 days back)
  app.get('/admin/v1/shards/:shard/bookmark', async (c) => {
    const time = new URL(c.req.url).searchParams.get('time');
    const bookmark = unwrap(await stubOf(c).pointInTimeBookmark(time === null ? undefined : timeOf(time)));
    return c.json({ kind: 'Bookmark', shard: c.req.param('shard'), ...(time ? { time } : {}), bookmark });
  });

  app.post('/admin/v1/shards/:shard/point-in-time-restore', async (c) => {
    const body = await jsonBody(c) as { time?: unknown; bookmark?: unknown } | null;
    const stub = stubOf(c);
    const bookmark = typeof body?.bookmark === 'string' ? body.bookmark : unwrap(await stub.pointInTimeBookmark(timeOf(body?.time)));
    const { previous, session } = unwrap(await stub.pointInTimeRestore(bookmark));
    // the object restarts into the restored state; then its resourceVersions move past every one it handed out
    let resourceVersion: number | undefined;
    for (let attempt = 0; resourceVersion === undefined; attempt++) {
      try {
        resourceVersion = await stubOf(c).markRestoredAt(previous, session);
      } catch (e) {
        if (attempt >= 20) throw e;
      }
      if (resourceVersion === undefined) {
        if (attempt >= 20) throw failure(504, 'Timeout', 'the store did not restart into the restored state in time; its resourceVersions are not yet moved past the old ones');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return c.json({ kind: 'RestoreResult', shard: c.req.param('shard'), bookmark, resourceVersion: String(resourceVersion) });
  });

  app.post('/admin/v1/shards/:shard/restore/commit', async (c) => {
    const stub = stubOf(c);
    const body = await jsonBody(c) as { resourceVersion?: unknown; count?: unknown } | null;
    if (typeof body?.resourceVersion !== 'string' || typeof body.count !== 'number') throw badRequest('a restore commit names the backup\'s resourceVersion (a string) and its object count');
    const done = unwrap(await stub.restoreCommit(parseResourceVersion(body.resourceVersion), body.count));
    return c.json({ kind: 'RestoreResult', resourceVersion: String(done.resourceVersion) });
  });
}

/** The time a point-in-time request names: RFC 3339, within the platform's 30 days. */
function timeOf(value: unknown): number {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(t)) throw badRequest('time must be an RFC 3339 timestamp, such as 2026-12-07T10:00:00Z');
  if (t > Date.now()) throw badRequest(`time ${value} is in the future`);
  return t;
}

function stubOf(c: Context<ApiEnv>) {
  const name = c.req.param('shard') ?? '';
  if (!(SHARDS as readonly string[]).includes(name)) throw notFoundPath();
  return shard(c.env, name);
}

async function jsonBody(c: Context<ApiEnv>): Promise<unknown> {
  try {
    return parseJson(await readBodyText(c.req.raw));
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof JsonLimitError) throw badRequest(`the body is not JSON: ${(e as Error).message}`);
    throw e;
  }
}

/** A backup item as the store keeps it; refused unless it is one (a restore must not store what a write could not). */
function rowOf(item: unknown, i: number): BackupRow {
  const it = item as Partial<BackupItem> | null;
  const rv = typeof it?.resourceVersion === 'string' && /^[1-9][0-9]*$/.test(it.resourceVersion) ? Number(it.resourceVersion) : NaN;
  const meta = it?.object?.metadata as { resourceVersion?: unknown; name?: unknown } | undefined;
  if (!it || typeof it.key !== 'string' || !it.key.startsWith('/') || typeof it.namespace !== 'string' || !Number.isSafeInteger(rv)
    || typeof it.attrs !== 'object' || it.attrs === null || typeof it.object !== 'object' || it.object === null
    || meta?.resourceVersion !== it.resourceVersion || typeof meta?.name !== 'string' || !it.key.endsWith(`/${meta.name}`)) {
    throw badRequest(`item ${i} is not an object of a backup: it needs a key ending in its name, a namespace, a resourceVersion equal to its object's, attrs and the object`);
  }
  return { key: it.key, ns: it.namespace, rv, attrs: JSON.stringify(it.attrs), object: JSON.stringify(it.object) };
}

function unwrap<T>(r: StoreResult<T>): T {
  if (r.ok) return r.value;
  if (r.error === 'Expired') throw gone(r.message ?? 'expired');
  if (r.error === 'Conflict') throw failure(409, 'Conflict', r.message ?? 'conflict');
  if (r.error === 'NotFound') throw badRequest(r.message ?? 'not found');
  throw failure(400, 'BadRequest', r.message ?? r.error);
}
