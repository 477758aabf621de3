// Server-side field validation (fieldValidation=Strict|Warn|Ignore) and
// pruning: unknown fields are refused, warned about, or ignored, and never
// stored, as kube-apiserver's typed decoding drops them.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { FieldValidation } from '../request/options';
import { schemaFor } from '../schema';
import { checkFields, checkObject, prune, strictDecodingError, warningsFor } from '../schema/field-validation';
import { badRequest } from '../status/status';
import type { RestContext } from './context';

/** Checks `obj` (and the raw JSON it came from, for duplicate fields), then prunes it in place. */
export function validateFields(ctx: RestContext, def: ResourceDefinition, obj: KObject, mode: FieldValidation, raw?: string) {
  const node = schemaFor(def);
  if (!node) return;
  if (mode !== 'Ignore') {
    const result = raw !== undefined ? checkFields(node, raw) : checkObject(node, obj);
    if (mode === 'Strict') {
      const message = strictDecodingError(def.kind, def.version, result);
      if (message) throw badRequest(message);
    } else {
      for (const w of warningsFor(result)) ctx.warn(w);
    }
  }
  prune(node, obj);
}
