// metadata.managedFields as kube-apiserver keeps it
// (k8s.io/apimachinery/pkg/util/managedfields/internal): entries decoded
// into field sets keyed by a manager identifier, sorted back into entries,
// and the cap on the number of Update entries.
import { FieldSet, FieldsV1Error, compareStrings, goJSON } from './fieldpath';

export type Operation = 'Apply' | 'Update';

/** One metadata.managedFields entry, with keys in the apiserver's order. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface VersionedSet { set: FieldSet; apiVersion: string; applied: boolean }

/** The decoded entries: sets and times by manager identifier. */
export class Managed {
  readonly fields = new Map<string, VersionedSet>();
  readonly times = new Map<string, string | undefined>();
  isEmpty() { return this.fields.size === 0; }
}

export interface ManagerInfo { manager: string; operation: Operation; apiVersion?: string; subresource?: string }

/**
 * BuildManagerIdentifier: the entry without time and fields as JSON; an
 * applier's identity leaves out the API version, so one applier has one
 * entry whatever version it applies.
 */
export function managerIdentifier(m: ManagerInfo): string {
  const o: Record<string, string> = {};
  if (m.manager) o.manager = m.manager;
  o.operation = m.operation;
  if (m.operation !== 'Apply' && m.apiVersion) o.apiVersion = m.apiVersion;
  if (m.subresource) o.subresource = m.subresource;
  return goJSON(o);
}

export function parseIdentifier(id: string): ManagerInfo {
  return JSON.parse(id) as ManagerInfo;
}

export class ManagedFieldsError extends Error {}

/** DecodeManagedFields: throws on an entry kube-apiserver cannot decode. */
export function decodeManagedFields(entries: unknown): Managed {
  const managed = new Managed();
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || e.apiVersion.length < 1) throw new ManagedFieldsError('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier({
      manager: typeof e.manager === 'string' ? e.manager : '', operation: e.operation,
      apiVersion: e.apiVersion, subresource: typeof e.subresource === 'string' ? e.subresource : '',
    });
    let set: FieldSet;
    try {
      const raw = typeof e.fieldsV1 === 'string' ? JSON.parse(e.fieldsV1) : e.fieldsV1;
      set = raw === undefined || raw === null ? new FieldSet() : FieldSet.fromFieldsV1(raw);
    } catch (err) {
      throw new ManagedFieldsError(`error decoding versioned set: ${err instanceof FieldsV1Error || err instanceof Error ? err.message : String(err)}`);
    }
    managed.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    managed.times.set(id, typeof e.time === 'string' ? e.time : undefined);
  });
  return managed;
}

const seconds = (t: string | undefined) => {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

const cmp = compareStrings;

/** encodeManagedFields + sortEncodedManagedFields: by operation, time (seconds), manager, apiVersion, subresource. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.isEmpty()) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const info = parseIdentifier(id);
    const e: ManagedFieldsEntry = {
      ...(info.manager ? { manager: info.manager } : {}),
      operation: vs.applied ? 'Apply' : 'Update',
      apiVersion: vs.apiVersion,
    } as ManagedFieldsEntry;
    const time = managed.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (info.subresource) e.subresource = info.subresource;
    entries.push(e);
  }
  entries.sort((p, q) => cmp(p.operation, q.operation) || (seconds(p.time) - seconds(q.time)) || cmp(p.manager ?? '', q.manager ?? '')
    || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource ?? '', q.subresource ?? ''));
  return entries;
}

/** DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * capUpdateManagers: past MAX_UPDATE_MANAGERS Update entries, the oldest
 * are merged, per API version, into one "ancient-changes" entry.
 */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((i, j) => (seconds(managed.times.get(i)) - seconds(managed.times.get(j))) || cmp(i, j));
  const versionToFirst = new Map<string, string>();
  let length = updaters.length;
  for (const manager of updaters) {
    if (length <= max) break;
    const vs = managed.fields.get(manager);
    if (!vs) continue;
    const time = managed.times.get(manager);
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: vs.apiVersion });
    const first = versionToFirst.get(vs.apiVersion);
    if (first === undefined) { versionToFirst.set(vs.apiVersion, manager); continue; }
    if (!managed.fields.has(bucket)) {
      const s = managed.fields.get(first)!;
      managed.fields.delete(first);
      managed.fields.set(bucket, s);
    }
    managed.fields.set(bucket, { set: vs.set.union(managed.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    managed.fields.delete(manager);
    length--;
    managed.times.set(bucket, time);
  }
}

/** metav1.Time's wire form: RFC 3339 in UTC, whole seconds. */
export function wireTime(now: string): string {
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) return now;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
