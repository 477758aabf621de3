// The resource store: one SQLite-backed Durable Object per shard. The `log`
// table is an append-only event log keyed by resourceVersion (as kine keeps
// etcd's revisions in SQL); `current` is a derived index from key to the row
// holding the key's live version. Reads, lists at any retained version,
// history replay and live watches all come from the log.
import { DurableObject } from 'cloudflare:workers';
import type { BackupPage, BackupRow, CommitRequest, ListRequest, ListResult, LogEvent, StoreResult, StoredObject } from './types';
import { compilePredicate, matches, type Attrs } from '../selectors';
import { WatchHub } from './watch-hub';
import { historyPolicy, compactionPoint } from './history';
import { MetricSet, type MetricData } from '../metrics/set';
import { abortForTest, plantedBug } from '../testing/faults';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  rv INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  key TEXT NOT NULL,
  ns TEXT NOT NULL,
  prev_rv INTEGER,
  ts INTEGER NOT NULL,
  attrs TEXT NOT NULL,
  object TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_rv ON log(key, rv);
CREATE TABLE IF NOT EXISTS current (key TEXT PRIMARY KEY, rv INTEGER NOT NULL) WITHOUT ROWID;
`;

export interface StoreEnv {
  EDGEKUBE_HISTORY_SECONDS?: string;
  EDGEKUBE_HISTORY_MIN_EVENTS?: string;
  EDGEKUBE_HISTORY_MAX_EVENTS?: string;
  EDGEKUBE_TEST_PLANTED_BUG?: string;
}

type Row = { rv: number; type: string; key: string; prev_rv: number | null; attrs: string; object: string };

export class Store extends DurableObject<StoreEnv> {
  private readonly sql: SqlStorage;
  private readonly hub: WatchHub;
  private alarmArmed = false;
  /** This instance's life: a point-in-time restore is done in the next one. */
  private readonly session = crypto.randomUUID();

  constructor(ctx: DurableObjectState, env: StoreEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    this.hub = new WatchHub(ctx, this);
  }

  // ---- counters ----------------------------------------------------------

  private meta(k: string): number {
    const row = this.sql.exec<{ v: number }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0];
    return row ? row.v : 0;
  }

  private setMeta(k: string, v: number) {
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v', k, v);
  }

  /** The newest resourceVersion in this shard. */
  currentResourceVersion(): number {
    return this.meta('rv');
  }

  /** Versions at or below this are compacted: only the state as of it remains. */
  compactedResourceVersion(): number {
    return this.meta('compacted');
  }

  // ---- reads ---------------------------------------------------------------

  async get(key: string): Promise<StoredObject | null> {
    const row = this.sql.exec<{ rv: number; object: string }>(
      'SELECT l.rv AS rv, l.object AS object FROM current c JOIN log l ON l.rv = c.rv WHERE c.key = ?', key,
    ).toArray()[0];
    return row ? { resourceVersion: row.rv, object: row.object } : null;
  }

  async list(req: ListRequest): Promise<StoreResult<ListResult>> {
    const current = this.currentResourceVersion();
    if (req.notOlderThan !== undefined && req.notOlderThan > current) {
      return { ok: false, error: 'TooLargeResourceVersion', message: `Too large resource version: ${req.notOlderThan}, current: ${current}` };
    }
    let at = current;
    if (req.exact !== undefined) {
      if (req.exact > current) return { ok: false, error: 'TooLargeResourceVersion', message: `Too large resource version: ${req.exact}, current: ${current}` };
      if (req.exact < this.compactedResourceVersion()) {
        return { ok: false, error: 'Expired', message: `The resourceVersion for the provided list is too old.` };
      }
      at = req.exact;
    }
    const pred = compilePredicate(req.labelSelector, req.fieldSelector);
    const filtered = pred.labels.length > 0 || pred.fields.length > 0;
    const start = req.startKey && req.startKey > req.prefix ? req.startKey : req.prefix;
    const end = prefixEnd(req.prefix);
    const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
    // Without a selector SQL can cut the page; with one, rows are filtered here.
    const sqlLimit = filtered || limit === Infinity ? -1 : limit + 1;
    const items: string[] = [];
    let nextKey: string | undefined;
    for (const row of this.state<{ key: string; attrs: string; object: string }>('key, attrs, object', at, current, start, end, sqlLimit)) {
      if (items.length >= limit) { nextKey = row.key; break; }
      if (filtered && !matches(pred, JSON.parse(row.attrs))) continue;
      items.push(row.object);
    }
    let remaining: number | undefined;
    if (nextKey !== undefined && !filtered) {
      remaining = this.state<{ n: number }>('count(*) AS n', at, current, nextKey, end, -1).one().n;
    }
    return { ok: true, value: { resourceVersion: at, items, nextKey, remaining } };
  }

  /**
   * Rows of the state at `at` with keys in [start, end): for each key its newest
   * version not after `at`. The latest state comes from the `current` index.
   */
  private state<T extends Record<string, SqlStorageValue>>(columns: string, at: number, current: number, start: string, end: string, limit: number) {
    const order = columns.startsWith('count(') ? '' : 'ORDER BY key';
    if (at === current) {
      return this.sql.exec<T>(
        `SELECT ${columns} FROM (SELECT c.key AS key, l.rv AS rv, l.ns AS ns, l.attrs AS attrs, l.object AS object FROM current c JOIN log l ON l.rv = c.rv
         WHERE c.key >= ? AND c.key < ?) ${order} LIMIT ?`, start, end, limit);
    }
    return this.sql.exec<T>(
      `SELECT ${columns} FROM (SELECT l.key AS key, l.rv AS rv, l.ns AS ns, l.attrs AS attrs, l.object AS object FROM log l
       WHERE l.key >= ? AND l.key < ? AND l.type != 'DELETED'
         AND l.rv = (SELECT max(m.rv) FROM log m WHERE m.key = l.key AND m.rv <= ?)) ${order} LIMIT ?`, start, end, at, limit);
  }

  /** Keys of every live object in a namespace, across kinds (the namespace controller's work list). */
  async keysInNamespace(namespace: string): Promise<string[]> {
    return this.sql.exec<{ key: string }>(
      'SELECT c.key AS key FROM current c JOIN log l ON l.rv = c.rv WHERE l.ns = ? ORDER BY c.key', namespace,
    ).toArray().map((r) => r.key);
  }

  /** What this shard holds, for /metrics: objects per resource, its resourceVersion, its watchers and the events sent to them. */
  async metrics(shardName: string): Promise<MetricData> {
    const m = new MetricSet();
    const rows = this.sql.exec<{ grp: string; res: string; n: number }>(
      `SELECT substr(rest, 1, instr(rest, '/') - 1) AS grp, substr(after, 1, instr(after, '/') - 1) AS res, count(*) AS n
       FROM (SELECT rest, substr(rest, instr(rest, '/') + 1) AS after FROM (SELECT substr(key, 2) AS rest FROM current))
       GROUP BY grp, res`);
    for (const { grp, res, n } of rows) {
      const group = grp === 'core' ? '' : grp;
      m.set('apiserver_storage_objects', { resource: group ? `${res}.${group}` : res }, n);
      m.set('apiserver_resource_objects', { group, resource: res }, n);
    }
    m.set('edgekube_store_resource_version', { shard: shardName }, this.currentResourceVersion());
    return m.merge(this.hub.metrics()).data;
  }

  // ---- writes --------------------------------------------------------------

  /** One write, in one synchronous transaction; watchers hear of it once it commits. */
  async commit(req: CommitRequest): Promise<StoreResult<StoredObject>> {
    let event: LogEvent | undefined;
    const result = this.ctx.storage.transactionSync((): StoreResult<StoredObject> => {
      const cur = this.sql.exec<{ rv: number }>('SELECT rv FROM current WHERE key = ?', req.key).toArray()[0];
      if (req.type === 'ADDED' && cur) return { ok: false, error: 'AlreadyExists' };
      if (req.type !== 'ADDED') {
        if (!cur) return { ok: false, error: 'NotFound' };
        if (req.expectResourceVersion !== undefined && cur.rv !== req.expectResourceVersion) {
          return { ok: false, error: 'Conflict' };
        }
      }
      const rv = this.currentResourceVersion() + 1;
      this.setMeta('rv', rv);
      const object = withResourceVersion(req.object, rv);
      const append = () => {
        this.sql.exec(
          'INSERT INTO log (rv, type, key, ns, prev_rv, ts, attrs, object) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          rv, req.type, req.key, req.namespace, cur?.rv ?? null, Date.now(), req.attrs, object,
        );
        if (req.type === 'DELETED') this.sql.exec('DELETE FROM current WHERE key = ?', req.key);
        else this.sql.exec('INSERT INTO current (key, rv) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET rv = excluded.rv', req.key, rv);
        return { rv, type: req.type, key: req.key, attrs: JSON.parse(req.attrs), object, prev: cur ? this.version(cur.rv) : undefined };
      };
      if (plantedBug(this.env) === 'ack-before-store') {
        // the planted bug: answered now, stored a moment later, so reads in between miss an acknowledged write
        setTimeout(() => this.published(this.ctx.storage.transactionSync(append)), 30);
      } else {
        event = append();
      }
      return { ok: true, value: { resourceVersion: rv, object } };
    });
    if (event) this.published(event);
    return result;
  }

  private published(event: LogEvent) {
    this.hub.broadcast(event);
    this.armCompaction();
  }

  /** Ends this instance as a crash would (test builds only). */
  async abortForTest(): Promise<void> {
    abortForTest(this.ctx, 'store aborted by a test');
  }

  private version(rv: number): { attrs: Attrs; object: string } | undefined {
    const row = this.sql.exec<{ attrs: string; object: string }>('SELECT attrs, object FROM log WHERE rv = ?', rv).toArray()[0];
    return row ? { attrs: JSON.parse(row.attrs), object: row.object } : undefined;
  }

  // ---- history -------------------------------------------------------------

  /** Live state under a prefix, as log events (for synthetic ADDED). */
  snapshot(prefix: string): LogEvent[] {
    return this.sql.exec<Row>(
      `SELECT l.rv AS rv, l.type AS type, l.key AS key, l.prev_rv AS prev_rv, l.attrs AS attrs, l.object AS object
       FROM current c JOIN log l ON l.rv = c.rv WHERE c.key >= ? AND c.key < ? ORDER BY c.key`, prefix, prefixEnd(prefix),
    ).toArray().map((r) => ({ rv: r.rv, type: 'ADDED', key: r.key, attrs: JSON.parse(r.attrs), object: r.object }));
  }

  /** Every event under a prefix after `rv`, oldest first; undefined when `rv` is compacted. */
  eventsAfter(prefix: string, rv: number): LogEvent[] | undefined {
    if (rv < this.compactedResourceVersion()) return undefined;
    return this.sql.exec<Row>(
      `SELECT rv, type, key, prev_rv, attrs, object FROM log WHERE rv > ? AND key >= ? AND key < ? ORDER BY rv`,
      rv, prefix, prefixEnd(prefix),
    ).toArray().map((r) => ({
      rv: r.rv, type: r.type as LogEvent['type'], key: r.key, attrs: JSON.parse(r.attrs), object: r.object,
      prev: r.prev_rv !== null && r.type !== 'ADDED' ? this.version(r.prev_rv) : undefined,
    }));
  }

  /**
   * Compacts history up to `rv`: keeps, for each key, its newest version at or
   * before `rv` (the state as of `rv`) and every later event. That keeps `rv`
   * itself listable and watchable, and every retained event's previous
   * version available for selector transitions.
   */
  async compact(rv: number): Promise<number> {
    const target = Math.min(rv, this.currentResourceVersion());
    if (target <= this.compactedResourceVersion()) return this.compactedResourceVersion();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `DELETE FROM log WHERE rv < ?1 AND EXISTS (SELECT 1 FROM log n WHERE n.key = log.key AND n.rv > log.rv AND n.rv <= ?1)`, target);
      this.sql.exec(`DELETE FROM log WHERE rv <= ? AND type = 'DELETED'`, target);
      this.setMeta('compacted', target);
    });
    return target;
  }

  private armCompaction() {
    if (this.alarmArmed) return;
    this.alarmArmed = true;
    void this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(Date.now() + historyPolicy(this.env).intervalMs);
    });
  }

  override async alarm(): Promise<void> {
    this.alarmArmed = false;
    const policy = historyPolicy(this.env);
    const oldEnough = this.sql.exec<{ rv: number | null }>(
      'SELECT max(rv) AS rv FROM log WHERE ts <= ?', Date.now() - policy.retainMs).one().rv ?? 0;
    const point = compactionPoint(policy, { current: this.currentResourceVersion(), oldEnough });
    if (point > this.compactedResourceVersion()) await this.compact(point);
    // Keep the alarm going only while there is history that can still age out;
    // the next write re-arms it otherwise.
    if (this.currentResourceVersion() - policy.minEvents > this.compactedResourceVersion()) {
      this.alarmArmed = true;
      await this.ctx.storage.setAlarm(Date.now() + policy.intervalMs);
    }
  }

  // ---- backup and restore --------------------------------------------------

  /**
   * A page of every live object at `at` (now when unset), in key order from
   * `startKey`: pages read at one resourceVersion make one consistent cut, as
   * long as history at `at` is not compacted meanwhile (then Expired: start over).
   */
  async backupPage(at: number | undefined, startKey: string, limit: number): Promise<StoreResult<BackupPage>> {
    const current = this.currentResourceVersion();
    const rv = at ?? current;
    if (rv > current) return { ok: false, error: 'TooLargeResourceVersion', message: `Too large resource version: ${rv}, current: ${current}` };
    if (rv < this.compactedResourceVersion()) return { ok: false, error: 'Expired', message: `resourceVersion ${rv} was compacted while the backup was read; start it again` };
    const rows = this.state<BackupRow>('key, rv, ns, attrs, object', rv, current, startKey || '/', prefixEnd('/'), limit + 1).toArray();
    const nextKey = rows.length > limit ? rows.pop()!.key : undefined;
    return { ok: true, value: { resourceVersion: rv, rows, nextKey } };
  }

  /**
   * Stages rows of a backup for restoreCommit, away from the live tables: a
   * restore read in pages still replaces the state in one transaction, and a
   * restore that never commits changes nothing.
   */
  async restoreStage(rows: BackupRow[], first: boolean): Promise<StoreResult<number>> {
    if (first) this.sql.exec('DROP TABLE IF EXISTS restore_staging');
    this.sql.exec('CREATE TABLE IF NOT EXISTS restore_staging (rv INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, ns TEXT NOT NULL, attrs TEXT NOT NULL, object TEXT NOT NULL)');
    try {
      this.ctx.storage.transactionSync(() => {
        for (const r of rows) this.sql.exec('INSERT INTO restore_staging (rv, key, ns, attrs, object) VALUES (?, ?, ?, ?, ?)', r.rv, r.key, r.ns, r.attrs, r.object);
      });
    } catch (e) {
      // one key or one resourceVersion twice: not a backup this store wrote
      if (/UNIQUE constraint/.test(String(e))) return { ok: false, error: 'Conflict', message: `the backup holds a key or a resourceVersion twice (${String(e)})` };
      throw e;
    }
    return { ok: true, value: this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM restore_staging').one().n };
  }

  /**
   * Replaces the whole state with the staged backup of `count` objects taken
   * at `backupResourceVersion`. Objects keep their resourceVersions; the
   * shard's own moves past both the backup's and its own last one and counts
   * as compacted there (etcdutl's --bump-revision --mark-compacted), so no
   * resourceVersion means two states, and every watcher, told so with a 410,
   * lists again.
   */
  async restoreCommit(backupResourceVersion: number, count: number): Promise<StoreResult<{ resourceVersion: number }>> {
    const result = this.ctx.storage.transactionSync((): StoreResult<{ resourceVersion: number }> => {
      if (!this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'restore_staging'`).one().n) {
        return { ok: false, error: 'Conflict', message: 'nothing is staged for a restore' };
      }
      const staged = this.sql.exec<{ n: number; top: number | null }>('SELECT count(*) AS n, max(rv) AS top FROM restore_staging').one();
      if (staged.n !== count) return { ok: false, error: 'Conflict', message: `${staged.n} objects are staged for this restore, not the backup's ${count}` };
      if ((staged.top ?? 0) > backupResourceVersion) return { ok: false, error: 'Conflict', message: `an object's resourceVersion ${staged.top} is after the backup's ${backupResourceVersion}` };
      const before = this.currentResourceVersion();
      this.sql.exec('DELETE FROM log');
      this.sql.exec('DELETE FROM current');
      this.sql.exec(`INSERT INTO log (rv, type, key, ns, prev_rv, ts, attrs, object) SELECT rv, 'ADDED', key, ns, NULL, ?, attrs, object FROM restore_staging`, Date.now());
      this.sql.exec('INSERT INTO current (key, rv) SELECT key, rv FROM restore_staging');
      this.sql.exec('DROP TABLE restore_staging');
      return { ok: true, value: { resourceVersion: this.markRestored(Math.max(backupResourceVersion, before)) } };
    });
    if (result.ok) this.hub.expireAll(result.value.resourceVersion);
    return result;
  }

  /**
   * After the state was replaced: the shard's resourceVersion moves past
   * `seen` (every version it ever handed out), and history up to it counts
   * as compacted, so no resourceVersion names two states.
   */
  private markRestored(seen: number): number {
    const rv = Math.max(seen, this.currentResourceVersion()) + 1;
    this.setMeta('rv', rv);
    this.setMeta('compacted', rv);
    return rv;
  }

  /**
   * Point-in-time recovery (deployed Durable Objects only; local runtimes keep
   * no bookmarks): the bookmark of the state at `at` (ms since the epoch), or of now.
   */
  async pointInTimeBookmark(at?: number): Promise<StoreResult<string>> {
    try {
      const bookmark = at === undefined ? await this.ctx.storage.getCurrentBookmark() : await this.ctx.storage.getBookmarkForTime(at);
      if (/^[0-]+$/.test(bookmark)) return { ok: false, error: 'NotFound', message: 'this runtime keeps no bookmarks: point-in-time recovery is a feature of deployed Durable Objects' };
      return { ok: true, value: bookmark };
    } catch (e) {
      return { ok: false, error: 'NotFound', message: `no bookmark for that time: ${(e as Error).message}` };
    }
  }

  /** Schedules the restore of `bookmark` and restarts this instance so that it happens; markRestoredAt finishes it. */
  async pointInTimeRestore(bookmark: string): Promise<StoreResult<{ previous: number; session: string }>> {
    const previous = this.currentResourceVersion();
    try {
      await this.ctx.storage.onNextSessionRestoreBookmark(bookmark);
    } catch (e) {
      return { ok: false, error: 'NotFound', message: `the bookmark cannot be restored: ${(e as Error).message}` };
    }
    setTimeout(() => this.ctx.abort('point-in-time restore'), 0);
    return { ok: true, value: { previous, session: this.session } };
  }

  /** The second half of a point-in-time restore, in the restored session (undefined while the old one lingers): see markRestored. */
  async markRestoredAt(previous: number, oldSession: string): Promise<number | undefined> {
    if (this.session === oldSession) return undefined;
    const rv = this.ctx.storage.transactionSync(() => this.markRestored(previous));
    this.hub.expireAll(rv);
    return rv;
  }

  // ---- watch ---------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    return this.hub.accept(request);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.hub.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.hub.close(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.hub.close(ws, 1011);
  }
}

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** Stamps metadata.resourceVersion into an object's JSON. */
export function withResourceVersion(object: string, rv: number): string {
  const o = JSON.parse(object);
  o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(rv) };
  return JSON.stringify(o);
}
