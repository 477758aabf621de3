// A selection predicate (label + field selector) over the attributes the write
// path stores next to each object, so the store can filter lists and watches
// without knowing any kind.
import { matchFields, parseFieldSelector, type FieldRequirement } from './fields';
import { matchLabels, parseLabelSelector, type LabelRequirement } from './labels';

export { SelectorParseError } from './labels';
export { parseLabelSelector, parseFieldSelector };

/** What the store keeps per object version for selection: labels and selectable fields. */
export interface Attrs { l: Record<string, string>; f: Record<string, string> }

export interface Predicate { labels: LabelRequirement[]; fields: FieldRequirement[] }

export const everything = (p: Predicate) => p.labels.length === 0 && p.fields.length === 0;

export function compilePredicate(labelSelector = '', fieldSelector = ''): Predicate {
  return { labels: parseLabelSelector(labelSelector), fields: parseFieldSelector(fieldSelector) };
}

export function matches(p: Predicate, a: Attrs): boolean {
  return matchLabels(p.labels, a.l) && matchFields(p.fields, a.f);
}
