// What Jobs and CronJobs' job templates share: ValidateJobSpec's spec checks.
import type { KObject } from '../../types';
import { Errors, nonNegative } from '../../validation';
import { validatePodSpec } from '../shared';

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

/** validateJobSpec (without the selector): counts, completion mode, pod template and restart policy. */
export function validateJobSpec(e: Errors, spec: KObject | undefined, field: string) {
  if (!spec || typeof spec !== 'object') { e.required(field); return; }
  nonNegative(e, spec.parallelism, `${field}.parallelism`);
  nonNegative(e, spec.completions, `${field}.completions`);
  nonNegative(e, spec.activeDeadlineSeconds, `${field}.activeDeadlineSeconds`);
  nonNegative(e, spec.backoffLimit, `${field}.backoffLimit`);
  nonNegative(e, spec.ttlSecondsAfterFinished, `${field}.ttlSecondsAfterFinished`);
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (!COMPLETION_MODES.includes(mode)) e.notSupported(`${field}.completionMode`, mode, COMPLETION_MODES);
    else if (mode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) e.required(`${field}.completions`, 'when completion mode is Indexed');
  }
  const template = spec.template;
  if (!template || typeof template !== 'object') { e.required(`${field}.template`); return; }
  validatePodSpec(e, template.spec, `${field}.template.spec`);
  // The pod default restart policy is Always, which a job cannot use: hence "Required" for it too.
  const rp = template.spec?.restartPolicy;
  const rpField = `${field}.template.spec.restartPolicy`;
  if (rp === undefined || rp === '' || rp === 'Always') e.required(rpField, 'valid values: "OnFailure", "Never"');
  else if (rp !== 'OnFailure' && rp !== 'Never') e.notSupported(rpField, rp, ['OnFailure', 'Never']);
}

/** The wide columns' source for both kinds. */
export const jobPodSpec = (jobSpec: KObject | undefined) => jobSpec?.template?.spec;
