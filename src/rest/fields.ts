// Server-side field validation (fieldValidation=Strict|Warn|Ignore) and
// pruning: unknown fields are refused, warned about, or ignored, and never
// stored, as kube-apiserver's typed decoding drops them.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { FieldValidation } from '../request/options';
import { schemaFor } from '../schema';
import { checkFields, checkObject, prune, strictDecodingError, warningsFor } from '../schema/field-validation';
import { badRequest } from '../status/status';
import type { RestContext } from './context';

/**
 * A body as decoded: the JSON text (where duplicate fields can be seen), and
 * the strict errors its YAML held before it became JSON (duplicate keys).
 */
export interface RawBody { json: string; strictErrors?: string[] }

/** Checks `obj` (and the raw body it came from, for duplicate fields), then prunes it in place. */
export function validateFields(ctx: RestContext, def: ResourceDefinition, obj: KObject, mode: FieldValidation, raw?: RawBody) {
  const node = schemaFor(def);
  if (!node) return;
  if (mode !== 'Ignore') {
    const found = raw !== undefined ? checkFields(node, raw.json) : checkObject(node, obj);
    const result = raw?.strictErrors?.length ? { ...found, messages: [...raw.strictErrors, ...found.messages] } : found;
    if (mode === 'Strict') {
      const message = strictDecodingError(def.kind, def.version, result);
      if (message) throw badRequest(message);
    } else {
      for (const w of warningsFor(result)) ctx.warn(w);
    }
  }
  prune(node, obj);
}

/**
 * An apply configuration's duplicate YAML keys: kube's applyPatcher decodes it
 * leniently (the last one wins) and, under Strict or Warn, once more strictly.
 */
export function checkApplyDuplicates(ctx: RestContext, strictErrors: string[], mode: FieldValidation) {
  if (mode === 'Ignore' || strictErrors.length === 0) return;
  if (mode === 'Strict') throw badRequest(`error strict decoding patch: error converting YAML to JSON: ${strictErrors.join(', ')}`);
  for (const w of warningsFor({ unknown: [], duplicates: [], messages: strictErrors })) ctx.warn(w);
}
