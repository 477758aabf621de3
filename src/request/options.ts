// Query options, parsed and validated the way metav1's ListOptions,
// DeleteOptions and the list/watch validation in apiserver do.
import type { FieldError, ResourceDefinition } from '../resources/types';
import { ApiError, badRequest, invalid } from '../status/status';
import { parseFieldSelector, parseLabelSelector, SelectorParseError } from '../selectors';
import { Errors } from '../resources/validation';

export interface ListOptions {
  labelSelector: string;
  fieldSelector: string;
  /** Raw resourceVersion string ("" when unset). */
  resourceVersion: string;
  resourceVersionMatch: '' | 'Exact' | 'NotOlderThan';
  limit: number;
  continue: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

/**
 * A boolean query parameter as apimachinery converts one (Convert_Slice_string_To_bool):
 * absent, "0" and "false" in any case are false, anything else (`watch=maybe`, `watch=`) true.
 */
export const queryBool = (v: string | null) => v !== null && v !== '0' && v.toLowerCase() !== 'false';

/** Field selector names every kind accepts. */
const META_FIELDS = ['metadata.name', 'metadata.namespace'];

export function parseListOptions(q: URLSearchParams, def: ResourceDefinition, watch: boolean): ListOptions {
  const limit = q.get('limit');
  const timeout = q.get('timeoutSeconds');
  const sie = q.get('sendInitialEvents');
  const opts: ListOptions = {
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: (q.get('resourceVersionMatch') ?? '') as ListOptions['resourceVersionMatch'],
    limit: limit ? Number(limit) : 0,
    continue: q.get('continue') ?? '',
    allowWatchBookmarks: queryBool(q.get('allowWatchBookmarks')),
    sendInitialEvents: sie === null ? undefined : queryBool(sie),
    timeoutSeconds: timeout ? Number(timeout) : undefined,
  };
  // integers a number holds exactly: past that SQLite refuses the bound value (kube's int64 overflows a little later)
  if (limit && !(Number.isSafeInteger(opts.limit) && opts.limit >= 0)) throw badRequest(`invalid limit "${limit}"`);
  if (timeout && !(Number.isSafeInteger(opts.timeoutSeconds) && opts.timeoutSeconds! >= 0)) throw badRequest(`invalid timeoutSeconds "${timeout}"`);
  if (opts.resourceVersion !== '') parseResourceVersion(opts.resourceVersion);
  const errs = validateListOptions(opts, watch);
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  try {
    parseLabelSelector(opts.labelSelector);
    opts.fieldSelector = canonicalFieldSelector(opts.fieldSelector, def);
  } catch (e) {
    if (e instanceof SelectorParseError) throw badRequest(e.message);
    throw e;
  }
  return opts;
}

function validateListOptions(o: ListOptions, watch: boolean): FieldError[] {
  const e = new Errors();
  const m = o.resourceVersionMatch;
  if (watch) {
    if (o.sendInitialEvents !== undefined && m !== 'NotOlderThan') e.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    if (m) {
      if (o.sendInitialEvents === undefined) e.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (m !== 'NotOlderThan') e.notSupported('resourceVersionMatch', m, ['NotOlderThan']);
      if (o.continue) e.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
    return e.list;
  }
  if (m) {
    if (!o.resourceVersion) e.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (o.continue) e.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    if (m !== 'Exact' && m !== 'NotOlderThan') e.notSupported('resourceVersionMatch', m, ['Exact', 'NotOlderThan', '']);
    if (m === 'Exact' && o.resourceVersion === '0') e.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (o.sendInitialEvents !== undefined) e.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  return e.list;
}

/**
 * Validates a field selector against the kind's selectable fields and rewrites
 * legacy aliases (spec.host -> spec.nodeName). Unknown fields are a 400, as
 * the kind's field label conversion func answers.
 */
export function canonicalFieldSelector(selector: string, def: ResourceDefinition): string {
  const reqs = parseFieldSelector(selector);
  const known = Object.keys(def.selectableFields ?? {});
  for (const r of reqs) {
    r.field = def.fieldAliases?.[r.field] ?? r.field;
    if (META_FIELDS.includes(r.field) || known.includes(r.field)) continue;
    throw new SelectorParseError(known.length
      ? `field label not supported: ${r.field}`
      : `"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
  }
  return reqs.map((r) => `${r.field}${r.op === '=' ? '=' : '!='}${r.value.replace(/([\\,=!])/g, '\\$1')}`).join(',');
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version "${rv}"`);
  const n = Number(rv);
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid resource version "${rv}"`);
  return n;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  dryRun: boolean;
}

/** DeleteOptions from the JSON body (kubectl, Helm) or the query (curl, client-go deletecollection). */
export function parseDeleteOptions(q: URLSearchParams, body: Record<string, unknown> | undefined): DeleteOptions {
  const b = body ?? {};
  if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions, got ${String(b.kind)}`);
  const grace = b.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  const propagation = (b.propagationPolicy ?? q.get('propagationPolicy') ?? undefined) as DeleteOptions['propagationPolicy'];
  const dryRun = Array.isArray(b.dryRun) ? (b.dryRun as string[]) : q.getAll('dryRun');
  const errs = new Errors();
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace))) errs.invalid('gracePeriodSeconds', grace, 'must be an integer');
  if (propagation !== undefined && !['Orphan', 'Background', 'Foreground'].includes(propagation)) errs.notSupported('propagationPolicy', propagation, ['Foreground', 'Background', 'Orphan', 'nil']);
  validateDryRun(errs, dryRun);
  if (errs.list.length) throw invalid('DeleteOptions', 'meta.k8s.io', '', errs.list);
  return {
    gracePeriodSeconds: grace as number | undefined,
    preconditions: b.preconditions as DeleteOptions['preconditions'],
    propagationPolicy: propagation,
    orphanDependents: b.orphanDependents as boolean | undefined,
    dryRun: dryRun.includes('All'),
  };
}

export function validateDryRun(errs: Errors, values: string[]) {
  for (const v of values) if (v !== 'All') errs.notSupported('dryRun', v, ['All']);
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** CreateOptions, UpdateOptions and PatchOptions: what a write asks for besides its body. */
export interface WriteOptions {
  dryRun: boolean;
  /** How unknown and duplicate fields are answered; the server default is Warn. */
  fieldValidation: FieldValidation;
  /** Who makes the change, for managedFields; defaults from the user agent. */
  fieldManager?: string;
  /** Server-side apply: take over fields other managers own. */
  force?: boolean;
}

/** Writes the server makes itself (bootstrap, allocations, events): nothing to validate against a client. */
export const SERVER_WRITE: WriteOptions = { dryRun: false, fieldValidation: 'Ignore' };

export function parseWriteOptions(q: URLSearchParams, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', apply = false): WriteOptions {
  const errs = new Errors();
  const dryRun = q.getAll('dryRun');
  validateDryRun(errs, dryRun);
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(fv)) errs.notSupported('fieldValidation', fv, ['Ignore', 'Warn', 'Strict']);
  const manager = q.get('fieldManager') ?? undefined;
  if (manager !== undefined && manager.length > 128) errs.tooLong('fieldManager', 128);
  if (manager !== undefined && /[^\x20-\x7e]/.test(manager)) errs.invalid('fieldManager', manager, 'must only contain printable characters');
  const force = q.get('force');
  if (force !== null && !apply) errs.forbidden('force', 'may not be specified for non-apply patch');
  if (apply && !manager) errs.required('fieldManager', 'is required for apply patch');
  if (errs.list.length) throw invalid(kind, 'meta.k8s.io', '', errs.list);
  return { dryRun: dryRun.includes('All'), fieldValidation: fv as FieldValidation, fieldManager: manager, force: force === 'true' };
}

export { ApiError };
