import type { KObject, ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { EVENT_COLUMNS, EVENT_SELECTABLE_FIELDS, validateCoreEvent } from '../core/events';
import { CORE_DEFAULTS } from '../../defaults/core';

// events.k8s.io/v1 Event: the same objects as core/v1 events, seen through
// pkg/apis/events/v1/conversion.go. kube stores both in one place; so do we.

/** Fields whose names differ: [events.k8s.io, core/v1]. */
const RENAMED: [string, string][] = [
  ['note', 'message'],
  ['regarding', 'involvedObject'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
const SAME = ['apiVersion', 'kind', 'metadata', 'eventTime', 'series', 'related', 'reportingInstance', 'action', 'reason', 'type'];

function rename(obj: KObject, pairs: [string, string][], apiVersion: string): KObject {
  const out: KObject = {};
  for (const k of SAME) if (obj[k] !== undefined) out[k] = structuredClone(obj[k]);
  for (const [from, to] of pairs) if (obj[from] !== undefined) out[to] = structuredClone(obj[from]);
  out.apiVersion = apiVersion;
  out.kind = 'Event';
  return out;
}

export function toCoreEvent(ev: KObject): KObject {
  const core = rename(ev, RENAMED, 'v1');
  CORE_DEFAULTS['k8s.io.api.core.v1.Event'](core);
  return core;
}

/** The reverse, dropping what events.k8s.io/v1 marks omitempty (regarding and deprecatedSource are structs, always present). */
export function fromCoreEvent(core: KObject): KObject {
  const ev = rename(core, RENAMED.map(([a, b]) => [b, a]), 'events.k8s.io/v1');
  for (const k of ['note', 'reportingController', 'reportingInstance', 'action', 'reason', 'type']) if (ev[k] === '') delete ev[k];
  if (!ev.deprecatedCount) delete ev.deprecatedCount;
  ev.regarding ??= {};
  ev.deprecatedSource ??= {};
  ev.eventTime ??= null;
  ev.deprecatedFirstTimestamp ??= null;
  ev.deprecatedLastTimestamp ??= null;
  return ev;
}

/** Tables and field selectors see stored (core/v1) events; accept either form. */
const asCore = (o: KObject) => ('involvedObject' in o || 'message' in o || 'source' in o ? o : toCoreEvent(o));

export const eventsV1: ResourceDefinition = {
  group: 'events.k8s.io', version: 'v1', kind: 'Event', resource: 'events', singular: 'event',
  namespaced: true, shortNames: ['ev'], hasGeneration: false,
  allowCreateOnUpdate: true,
  storage: { group: '', resource: 'events', fromStorage: fromCoreEvent, toStorage: toCoreEvent },
  selectableFields: Object.fromEntries(Object.entries(EVENT_SELECTABLE_FIELDS ?? {}).map(([k, f]) => [k, (o: KObject) => f(asCore(o))])),
  // kube's field label conversion for this group speaks in this group's field names.
  fieldAliases: {
    'regarding.kind': 'involvedObject.kind',
    'regarding.namespace': 'involvedObject.namespace',
    'regarding.name': 'involvedObject.name',
    'regarding.uid': 'involvedObject.uid',
    'regarding.apiVersion': 'involvedObject.apiVersion',
    'regarding.resourceVersion': 'involvedObject.resourceVersion',
    'regarding.fieldPath': 'involvedObject.fieldPath',
    reportingController: 'reportingComponent',
  },
  validate(obj) {
    // ValidateEventCreate for events.k8s.io: the legacy rules, then the strict ones of the new API.
    const e = new Errors();
    const core = toCoreEvent(obj);
    validateCoreEvent(e, core, 'reportingController');
    if (!core.eventTime) e.required('eventTime');
    if (core.type !== 'Normal' && core.type !== 'Warning') e.invalid('type', '', `has invalid value: ${core.type ?? ''}`);
    if (core.firstTimestamp) e.invalid('deprecatedFirstTimestamp', '', 'needs to be unset');
    if (core.lastTimestamp) e.invalid('deprecatedLastTimestamp', '', 'needs to be unset');
    if (core.count) e.invalid('deprecatedCount', '', 'needs to be unset');
    if (core.source?.component || core.source?.host) e.invalid('deprecatedSource', '', 'needs to be unset');
    const series = core.series;
    if (series) {
      if (!(Number.isInteger(series.count) && series.count >= 2)) e.invalid('series.count', '', 'should be at least 2');
      if (!series.lastObservedTime) e.required('series.lastObservedTime');
    }
    return e.list;
  },
  columns: EVENT_COLUMNS.map((c) => ({ ...c, cell: (o: KObject, now: number) => c.cell(asCore(o), now) })),
};
