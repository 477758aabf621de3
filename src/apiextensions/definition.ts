// A CustomResourceDefinition made into the same ResourceDefinition every
// built-in kind has, one per served version: routing, discovery, OpenAPI,
// tables, validation and storage then serve it like any other kind.
import type { CellValue, FieldError, KObject, ResourceDefinition, SubresourceDefinition, TableColumn } from '../resources/types';
import { age } from '../table/age';
import { evaluateJsonPath, parseJsonPath } from '../table/jsonpath';
import { resourceNode } from './schema-node';
import { validateValue } from './values';
import { applySchemaDefaults } from './defaulting';
import { deepEqual } from '../resources/validation';
import type { CRDVersion, CustomResourceDefinition, JSONSchemaProps, PrinterColumn } from './types';

/** What serving a version needs beyond ResourceDefinition: its schema and rules, for those who check more. */
export interface CustomResourceVersion {
  def: ResourceDefinition;
  crd: CustomResourceDefinition;
  version: CRDVersion;
  schema: JSONSchemaProps;
}

/** Extra validation of a custom resource (CEL rules): errors for a new object, and for an update with its old one. */
export interface RuleValidator {
  validate(obj: KObject, old?: KObject): FieldError[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: '' };

/** Served versions of an established CRD. `rules` adds the CEL validation of each version's schema. */
export function customResourceVersions(crd: CustomResourceDefinition, rules?: (schema: JSONSchemaProps) => RuleValidator | undefined): CustomResourceVersion[] {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames?.plural ? { ...spec.names, ...crd.status.acceptedNames } : spec.names;
  const storage = spec.versions.find((v) => v.storage)!;
  const storageApiVersion = `${spec.group}/${storage.name}`;
  return spec.versions.filter((v) => v.served).map((v) => {
    const schema = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    const apiVersion = `${spec.group}/${v.name}`;
    const validator = rules?.(schema);
    const subresources: SubresourceDefinition[] = [];
    if (v.subresources?.status) subresources.push({ name: 'status', kind: names.kind, verbs: ['get', 'patch', 'update'] });
    if (v.subresources?.scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
    const def: ResourceDefinition = {
      group: spec.group, version: v.name, kind: names.kind, listKind: names.listKind ?? `${names.kind}List`,
      resource: names.plural, singular: names.singular ?? names.kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
      ...(names.categories?.length ? { categories: names.categories } : {}),
      subresources, statusSubresource: !!v.subresources?.status, hasGeneration: true, protobuf: false, strategicMergePatch: false,
      schema: resourceNode(schema),
      selectableFields: selectableFields(v),
      columns: columns(v.additionalPrinterColumns?.length ? v.additionalPrinterColumns : [AGE]),
      defaults: (obj) => applySchemaDefaults(schema, obj),
      // with a status subresource, status is written through it only: a create cannot set it
      ...(v.subresources?.status ? { prepareForCreate: (obj: KObject) => { delete obj.status; } } : {}),
      validate(obj, old) {
        // metadata is ObjectMeta, checked as every kind's is
        const { metadata: _m, ...rest } = obj;
        let errs = validateValue(schema, rest);
        // ratcheting (kube 1.33+): an update may keep a value that a tightened schema would refuse, as long as it does not change it
        if (old) errs = errs.filter((e) => !unchangedAt(obj, old, e.field));
        if (!validator) return errs;
        // rules cannot run on values of the wrong type; other schema errors do not stop them (kube's hasBlockingErr)
        if (errs.some((x) => x.reason === 'FieldValueTypeInvalid')) return [...errs, { reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' }];
        return [...errs, ...validator.validate(obj, old)];
      },
      storage: {
        group: spec.group, resource: names.plural,
        fromStorage(obj) {
          const out = { ...obj, apiVersion };
          applySchemaDefaults(schema, out);
          return out;
        },
        toStorage: (obj) => ({ ...obj, apiVersion: storageApiVersion }),
      },
      ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
      ...(v.deprecated ? { deprecationWarning: v.deprecationWarning ?? `${apiVersion} ${names.kind} is deprecated` } : {}),
    };
    return { def, crd, version: v, schema };
  });
}

/** Whether the value a field path ("spec.tags[1]", "spec.a.b") names is the same in both objects (false when the path cannot be read). */
function unchangedAt(obj: KObject, old: KObject, field: string): boolean {
  const steps = field.match(/[^.[\]]+|\[\d+\]/g);
  if (!steps) return false;
  let a: unknown = obj;
  let b: unknown = old;
  for (const step of steps) {
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step;
    if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return false;
    a = (a as Record<string | number, unknown>)[key];
    b = (b as Record<string | number, unknown>)[key];
  }
  return a !== undefined && deepEqual(a, b);
}

function selectableFields(v: CRDVersion): Record<string, (obj: KObject) => string | undefined> {
  const out: Record<string, (obj: KObject) => string | undefined> = {};
  for (const f of v.selectableFields ?? []) {
    const steps = parseJsonPath(f.jsonPath);
    if (!steps) continue;
    out[f.jsonPath.slice(1)] = (obj) => {
      const [value] = evaluateJsonPath(steps, obj);
      return value === undefined || value === null ? undefined : String(value);
    };
  }
  return out;
}

function columns(list: PrinterColumn[]): TableColumn[] {
  return list.map((c) => {
    const steps = parseJsonPath(c.jsonPath);
    return {
      name: c.name, type: c.type as TableColumn['type'], ...(c.format ? { format: c.format } : {}),
      description: c.description ?? (c.name === 'Age' ? 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp' : ''),
      priority: c.priority ?? 0,
      cell: (obj, now) => (steps ? cell(c.type, evaluateJsonPath(steps, obj)[0], now) : null),
    };
  });
}

/** A printer column's cell as kube's CRD table convertor makes it: typed, dates as ages, nothing for a missing value. */
function cell(type: string, value: unknown, now: number): CellValue {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer': return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'date': return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? age(value, now) : null;
    default: return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}
