import type { KObject, ResourceDefinition } from '../../types';
import { Errors, deepEqual } from '../../validation';
import {
  AGE_COLUMN, col, formatLabelSelector, selectorMatches, statusSubresource,
  templateColumns, validateLabelSelector,
} from '../shared';
import { humanDuration } from '../../../table/age';
import { jobPodSpec, validateJobSpec } from './shared';

// pkg/registry/batch/job (strategy with selector generation), batch/v1
// SetDefaults_Job, ValidateJob(Update) and printJob.

const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID = 'controller-uid';
const LEGACY_JOB_NAME = 'job-name';

/** generateSelector: pods get the job's uid and name as labels; the selector picks the uid. */
function generateSelector(job: KObject) {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object' || spec.manualSelector === true) return;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  spec.template ??= {};
  spec.template.metadata ??= {};
  const labels = (spec.template.metadata.labels ??= {});
  for (const k of [LEGACY_JOB_NAME, JOB_NAME]) labels[k] ??= name;
  for (const k of [LEGACY_CONTROLLER_UID, CONTROLLER_UID]) labels[k] ??= uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  spec.selector.matchLabels[CONTROLLER_UID] ??= uid;
}

/** validateGeneratedSelector: with an automatic selector, the generated labels must be intact. */
function validateGeneratedSelector(e: Errors, job: KObject) {
  const spec = job.spec ?? {};
  if (spec.manualSelector === true) return;
  const labels = spec.template?.metadata?.labels;
  if (!labels) { e.required('spec.template.metadata.labels'); return; }
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  if (!uid) e.required('metadata.uid');
  const expected: Record<string, string> = { [LEGACY_CONTROLLER_UID]: uid, [LEGACY_JOB_NAME]: name, [CONTROLLER_UID]: uid, [JOB_NAME]: name };
  for (const [k, v] of Object.entries(expected)) {
    const f = `spec.template.metadata.labels[${k}]`;
    if (!(k in labels)) e.required(f, `must be '${v}'`);
    else if (labels[k] !== v) e.invalid(f, labels[k], `must be '${v}'`);
  }
  if (spec.selector && !selectorMatches(spec.selector, expected)) e.invalid('spec.selector', spec.selector, '`selector` not auto-generated');
}

/** The template fields a suspended job that never started may still change (scheduling directives). */
function frozenTemplate(t: KObject | undefined, suspendedUnstarted: boolean): KObject {
  const c = structuredClone(t ?? {});
  if (suspendedUnstarted) {
    if (c.metadata) { delete c.metadata.labels; delete c.metadata.annotations; }
    if (c.spec) for (const k of ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']) delete c.spec[k];
  }
  return c;
}

const hasCondition = (job: KObject, type: string) => (job.status?.conditions ?? []).some((c: KObject) => c.type === type && c.status === 'True');

/** printJob's STATUS. */
function jobStatus(job: KObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completions(job: KObject): string {
  const ok = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec?.completions !== null) return `${ok}/${job.spec.completions}`;
  const p = job.spec?.parallelism ?? 0;
  return p > 1 ? `${ok}/1 of ${p}` : `${ok}/1`;
}

function duration(job: KObject, now: number): string {
  const start = Date.parse(job.status?.startTime ?? '');
  if (Number.isNaN(start)) return '';
  const end = Date.parse(job.status?.completionTime ?? '');
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

export const jobs: ResourceDefinition = {
  group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', singular: 'job',
  namespaced: true, categories: ['all'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('Job')],
  selectableFields: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
  prepareForCreate(obj) {
    obj.status = {};
    generateSelector(obj);
    // Stored jobs are defaulted again on read, which copies the now-labelled template's labels.
    const labels = obj.spec?.template?.metadata?.labels;
    if (labels && Object.keys(obj.metadata?.labels ?? {}).length === 0) obj.metadata.labels = { ...labels };
  },
  validate(obj) {
    const e = new Errors();
    validateGeneratedSelector(e, obj);
    const spec = obj.spec;
    validateJobSpec(e, spec, 'spec');
    if (!spec || typeof spec !== 'object') return e.list;
    if (!spec.selector) e.required('spec.selector');
    else {
      validateLabelSelector(e, spec.selector, 'spec.selector');
      if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
        e.invalid('spec.template.metadata.labels', spec.template?.metadata?.labels ?? null, '`selector` does not match template `labels`');
      }
    }
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    const ns = n.spec ?? {}, os = o.spec ?? {};
    if (ns.completions !== os.completions) {
      // Only indexed jobs are elastic, and only with completions moving together with parallelism.
      if (os.completionMode !== 'Indexed') e.invalid('spec.completions', ns.completions ?? null, 'field is immutable');
      else if (ns.completions !== ns.parallelism) e.invalid('spec.completions', ns.completions ?? null, 'can only be modified in tandem with spec.parallelism');
    }
    e.immutable(n, o, ['spec', 'selector']);
    const unstarted = os.suspend === true && !o.status?.startTime;
    if (!deepEqual(frozenTemplate(ns.template, unstarted), frozenTemplate(os.template, unstarted))) e.invalid('spec.template', ns.template ?? null, 'field is immutable');
    e.immutable(n, o, ['spec', 'completionMode']);
    e.immutable(n, o, ['spec', 'podFailurePolicy']);
    e.immutable(n, o, ['spec', 'backoffLimitPerIndex']);
    return e.list;
  },
  columns: [
    col('Status', 'string', 'Status of the job.', jobStatus),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.', completions),
    col('Duration', 'string', 'Time required to complete the job.', (o, now) => duration(o, now)),
    AGE_COLUMN,
    ...templateColumns((o) => jobPodSpec(o.spec), (o) => formatLabelSelector(o.spec?.selector)),
  ],
};
