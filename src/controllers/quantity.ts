// Resource quantities as plain numbers of base units (cores, bytes, pods): what
// the scheduler and the volume binder compare needs no more precision than that.
import { parseQuantity as parseExact } from '../resources/quantity';

/** The value of a quantity, or undefined when it does not parse. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const p = parseExact(q);
  return p && Number(p.mantissa) * 10 ** p.exponent;
}

/** CPU in millicores, rounded up as kube's MilliValue() does. */
export const milliCPU = (q: unknown): number => Math.ceil(Math.round((parseQuantity(q) ?? 0) * 1e6) / 1e3);
