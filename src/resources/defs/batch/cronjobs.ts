import type { KObject, ResourceDefinition } from '../../types';
import { Errors, nonNegative } from '../../validation';
import { AGE_COLUMN, col, formatLabelSelector, statusSubresource, templateColumns } from '../shared';
import { age } from '../../../table/age';
import { jobPodSpec, validateJobSpec } from './shared';

// pkg/registry/batch/cronjob, batch/v1 SetDefaults_CronJob, ValidateCronJob
// (schedule checks as robfig/cron's standard parser reports them) and printCronJob.

const POLICIES = ['Allow', 'Forbid', 'Replace'];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** minute, hour, day of month, month, day of week: [min, max, names, names start at]. */
const FIELDS: [number, number, string[], number][] = [[0, 59, [], 0], [0, 23, [], 0], [1, 31, [], 0], [1, 12, MONTHS, 1], [0, 6, DAYS, 0]];

function parseValue(s: string, names: string[], base: number): number | string {
  const i = names.indexOf(s.toLowerCase());
  if (i >= 0) return i + base;
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  return `failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
}

/** The first error robfig/cron's ParseStandard would give, or undefined. */
export function cronError(schedule: string): string | undefined {
  const spec = schedule.trim().replace(/^(CRON_)?TZ=\S+\s*/, '');
  if (spec === '') return 'empty spec string';
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(spec) ? undefined : `failed to parse duration ${spec}`;
    return DESCRIPTORS.includes(spec) ? undefined : `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let f = 0; f < 5; f++) {
    const [min, max, names, base] = FIELDS[f];
    for (const expr of fields[f].split(',')) {
      const [range, stepText, extra] = expr.split('/');
      if (extra !== undefined) return `too many slashes: ${expr}`;
      let lo = min, hi = max;
      if (range !== '*' && range !== '?') {
        const [a, b, more] = range.split('-');
        if (more !== undefined) return `too many hyphens: ${expr}`;
        const start = parseValue(a, names, base);
        if (typeof start === 'string') return start;
        const end = b === undefined ? (stepText === undefined ? start : max) : parseValue(b, names, base);
        if (typeof end === 'string') return end;
        lo = start; hi = end;
      }
      if (stepText !== undefined) {
        const step = parseValue(stepText, [], 0);
        if (typeof step === 'string') return step;
        if (step === 0) return `step of range should be a positive number: ${expr}`;
      }
      if (lo < min) return `beginning of range (${lo}) below minimum (${min}): ${expr}`;
      if (hi > max) return `end of range (${hi}) above maximum (${max}): ${expr}`;
      if (lo > hi) return `beginning of range (${lo}) beyond end of range (${hi}): ${expr}`;
    }
  }
  return undefined;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// kube lets an update keep a TZ= prefix or a time zone that was accepted before the rules
// tightened; nothing stored here predates them, so create and update check the same way.
function validateSpec(e: Errors, spec: KObject) {
  const schedule = spec.schedule;
  if (schedule === undefined || schedule === null || schedule === '') e.required('spec.schedule');
  else if (typeof schedule !== 'string') e.typeInvalid('spec.schedule', schedule, 'must be a string');
  else {
    const err = cronError(schedule);
    if (err) e.invalid('spec.schedule', schedule, err);
    if (schedule.includes('TZ')) e.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  }
  nonNegative(e, spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds');
  const tz = spec.timeZone;
  if (tz !== undefined && tz !== null) {
    if (tz === '') e.invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string');
    else if (String(tz).toLowerCase() === 'local') e.invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones');
    else if (!validTimeZone(String(tz))) e.invalid('spec.timeZone', tz, `unknown time zone ${tz}`);
  }
  const cp = spec.concurrencyPolicy;
  if (!cp) e.required('spec.concurrencyPolicy');
  else if (!POLICIES.includes(cp)) e.notSupported('spec.concurrencyPolicy', cp, POLICIES);
  const jt = spec.jobTemplate;
  validateJobSpec(e, jt?.spec, 'spec.jobTemplate.spec');
  // Each run's job gets a generated selector, so a template may not bring its own.
  if (jt?.spec?.selector) e.invalid('spec.jobTemplate.spec.selector', jt.spec.selector, '`selector` will be auto-generated');
  if (jt?.spec?.manualSelector === true) e.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']);
  nonNegative(e, spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit');
  nonNegative(e, spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit');
}

export const cronjobs: ResourceDefinition = {
  group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', singular: 'cronjob',
  namespaced: true, shortNames: ['cj'], categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('CronJob')],
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate(obj) {
    const e = new Errors();
    if (!obj.spec || typeof obj.spec !== 'object') { e.required('spec'); return e.list; }
    validateSpec(e, obj.spec);
    return e.list;
  },
  columns: [
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', (o) => o.spec?.schedule ?? ''),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.', (o) => o.spec?.timeZone ?? '<none>'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', (o) => (o.spec?.suspend === undefined || o.spec?.suspend === null ? '<unset>' : o.spec.suspend ? 'True' : 'False')),
    col('Active', 'integer', 'A list of pointers to currently running jobs.', (o) => (o.status?.active ?? []).length),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.', (o, now) => (o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>')),
    AGE_COLUMN,
    ...templateColumns((o) => jobPodSpec(o.spec?.jobTemplate?.spec), (o) => formatLabelSelector(o.spec?.jobTemplate?.spec?.selector)),
  ],
};
