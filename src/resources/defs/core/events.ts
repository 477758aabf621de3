import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain, qualifiedName } from '../../validation';
import { col } from '../shared';
import { age } from '../../../table/age';

// pkg/registry/core/event, ValidateEventCreate/legacyValidateEvent and printEvent.

const LIMIT_128 = 128;
const NOTE_LIMIT = 1024;

/**
 * legacyValidateEvent, run for core/v1 events and (with `reportingController` as the field
 * name) for events.k8s.io ones: the namespace must agree with the involved object, and
 * new-style events (with eventTime) must say who reported them and what they did.
 */
export function validateCoreEvent(e: Errors, ev: KObject, reportingField: string) {
  const ns = ev.metadata?.namespace;
  const involvedNs = ev.involvedObject?.namespace ?? '';
  const mismatch = () => e.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    if (typeof ns === 'string') {
      if (involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs) mismatch();
    }
  } else {
    if (involvedNs === '' && typeof ns === 'string' && ns !== 'default' && ns !== 'kube-system') mismatch();
    const rc: string = ev.reportingComponent ?? '';
    if (!rc) e.required(reportingField);
    else e.check(reportingField, rc, qualifiedName);
    const ri: string = ev.reportingInstance ?? '';
    if (!ri) e.required('reportingInstance');
    else if (ri.length > LIMIT_128) e.invalid('reportingInstance', '', `can have at most ${LIMIT_128} characters`);
    const action: string = ev.action ?? '';
    if (!action) e.required('action');
    else if (action.length > LIMIT_128) e.invalid('action', '', `can have at most ${LIMIT_128} characters`);
    const reason: string = ev.reason ?? '';
    if (!reason) e.required('reason');
    else if (reason.length > LIMIT_128) e.invalid('reason', '', `can have at most ${LIMIT_128} characters`);
    if ((ev.message ?? '').length > NOTE_LIMIT) e.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`);
  }
  if (typeof ns === 'string' && ns !== '') e.check('namespace', ns, dns1123Subdomain);
}

/** printEvent's timestamps: the series' last observation wins, then lastTimestamp, then firstTimestamp, then eventTime. */
function firstSeen(ev: KObject, now: number): string {
  return ev.firstTimestamp ? age(ev.firstTimestamp, now) : age(ev.eventTime ?? undefined, now);
}
function lastSeen(ev: KObject, now: number): string {
  if (ev.series) return age(ev.series.lastObservedTime ?? undefined, now);
  return ev.lastTimestamp ? age(ev.lastTimestamp, now) : firstSeen(ev, now);
}
function eventCount(ev: KObject): number {
  if (ev.series) return ev.series.count ?? 0;
  return ev.count || 1;
}
/** formatEventSource: component (or reporting controller), then ", host" (or reporting instance). */
function eventSource(ev: KObject): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}
function eventObject(ev: KObject): string {
  const kind = String(ev.involvedObject?.kind ?? '').toLowerCase();
  return ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
}

export const EVENT_SELECTABLE_FIELDS: ResourceDefinition['selectableFields'] = {
  'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
  'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
  'involvedObject.name': (o) => o.involvedObject?.name ?? '',
  'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
  reason: (o) => o.reason ?? '',
  reportingComponent: (o) => o.reportingComponent ?? '',
  source: (o) => o.source?.component ?? '',
  type: (o) => o.type ?? '',
};

export const EVENT_COLUMNS = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.', (o, now) => lastSeen(o, now)),
  col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future', (o) => o.type ?? ''),
  col('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", (o) => o.reason ?? ''),
  col('Object', 'string', 'The object that this event is about.', eventObject),
  col('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', (o) => o.involvedObject?.fieldPath ?? '', 1),
  col('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', eventSource, 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.', (o) => String(o.message ?? '').trim()),
  col('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', (o, now) => firstSeen(o, now), 1),
  col('Count', 'string', 'The number of times this event has occurred.', eventCount, 1),
  { ...col('Name', 'string', 'Name must be unique within a namespace.', (o) => o.metadata?.name ?? '', 1), format: 'name' },
];

export const events: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Event', resource: 'events', singular: 'event',
  namespaced: true, shortNames: ['ev'], hasGeneration: false,
  allowCreateOnUpdate: true,
  selectableFields: EVENT_SELECTABLE_FIELDS,
  validate(obj) {
    const e = new Errors();
    validateCoreEvent(e, obj, 'reportingComponent');
    return e.list;
  },
  // kube's event printer puts Name last, as a wide column.
  columns: EVENT_COLUMNS,
};
