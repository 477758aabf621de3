// ValidateCustomResourceDefinition: names, group, scope, versions, schemas,
// subresources and printer columns, with kube's field paths and messages.
// CEL rules are compiled by ./cel and reported through `compileRules`.
import type { FieldError, KObject } from '../resources/types';
import { Errors, dns1035Label, dns1123Subdomain, deepEqual } from '../resources/validation';
import { validateSchema, fieldPathValid, splitFieldPath } from './structural';
import { checkCRDShape } from './crd-shape';
import type { CRDVersion, JSONSchemaProps } from './types';

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
export const MAX_SELECTABLE_FIELDS = 8;

/** Extra checks on a version's schema beyond its shape (CEL compilation, cost): errors with full paths. */
export type SchemaCheck = (schema: JSONSchemaProps, path: string) => FieldError[];

export function validateCRD(obj: KObject, checkSchema?: SchemaCheck): FieldError[] {
  // what has the wrong JSON type is all there is to say: nothing after this could read it
  const shape = checkCRDShape(obj);
  if (shape.length) return shape;
  const e = new Errors();
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
  const names = spec.names ?? {};
  if (obj.metadata?.name !== `${names.plural}.${spec.group}`) e.invalid('metadata.name', obj.metadata?.name ?? '', 'must be spec.names.plural+"."+spec.group');
  const group = spec.group;
  if (!group) e.required('spec.group');
  else if (typeof group !== 'string') e.typeInvalid('spec.group', group, 'must be a string');
  else if (dns1123Subdomain(group).length) e.invalid('spec.group', group, dns1123Subdomain(group).join(','));
  else if (group.split('.').length < 2) e.invalid('spec.group', group, 'should be a domain with at least one dot');
  if (!spec.scope) e.required('spec.scope');
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') e.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']);
  const versions = e.array(spec, 'versions', 'spec.versions') as unknown as CRDVersion[];
  versions.forEach((v, i) => validateVersion(e, v, `spec.versions[${i}]`, checkSchema));
  if (versions.length > 1) {
    const schemas = versions.map((v) => v?.schema);
    if (schemas.every((s) => s !== undefined && deepEqual(s, schemas[0]))) e.invalid('spec.versions', '', 'per-version schemas may not all be set to identical values (top-level validation should be used instead)');
  }
  if (new Set(versions.map((v) => v?.name)).size !== versions.length) e.invalid('spec.versions', '', 'must contain unique version names');
  if (versions.filter((v) => v?.storage === true).length !== 1) e.invalid('spec.versions', '', 'must have exactly one version marked as storage version');
  for (const k of ['plural', 'singular', 'kind', 'listKind']) if (!names[k]) e.required(`spec.names.${k}`);
  validateNames(e, names, 'spec.names');
  if (spec.preserveUnknownFields === true) e.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema');
  const conversion = spec.conversion;
  if (conversion) {
    if (!['None', 'Webhook'].includes(conversion.strategy)) {
      if (!conversion.strategy) e.required('spec.conversion.strategy');
      else e.notSupported('spec.conversion.strategy', conversion.strategy, ['None', 'Webhook']);
    }
    if (conversion.strategy === 'Webhook' && !conversion.webhook?.clientConfig) e.required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook');
    if (conversion.strategy !== 'Webhook' && conversion.webhook) e.forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook');
  }
  if (obj.status?.acceptedNames) validateNames(e, obj.status.acceptedNames, 'status.acceptedNames');
  return e.list;
}

/** Updates keep the scope, and the names the CRD is already served under while it is established. */
export function validateCRDUpdate(next: KObject, old: KObject): FieldError[] {
  const e = new Errors();
  if (next.spec?.scope !== old.spec?.scope) e.invalid('spec.scope', next.spec?.scope ?? '', 'field is immutable');
  if (next.spec?.group !== old.spec?.group) e.invalid('spec.group', next.spec?.group ?? '', 'field is immutable');
  const stored: string[] = old.status?.storedVersions ?? [];
  const present = new Set((Array.isArray(next.spec?.versions) ? next.spec.versions : []).map((v: CRDVersion) => v?.name));
  stored.forEach((v, i) => {
    if (!present.has(v)) e.invalid(`status.storedVersions[${i}]`, v, `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`);
  });
  return e.list;
}

function validateVersion(e: Errors, v: CRDVersion, path: string, checkSchema?: SchemaCheck) {
  if (!v || typeof v !== 'object') { e.typeInvalid(path, v, 'must be an object'); return; }
  if (typeof v.name !== 'string' || !v.name) e.required(`${path}.name`);
  else if (dns1035Label(v.name).length) e.invalid(`${path}.name`, v.name, dns1035Label(v.name).join(','));
  if (v.deprecationWarning !== undefined) {
    if (!v.deprecated) e.invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions');
    else if (v.deprecationWarning.length > 256) e.invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'must be <= 256 characters long');
    else if (/[\u0000-\u001f\u007f]/.test(v.deprecationWarning)) e.invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'must only contain printable UTF-8 characters');
  }
  const schema = v.schema?.openAPIV3Schema;
  const statusEnabled = !!v.subresources?.status;
  if (schema === undefined) e.required(`${path}.schema.openAPIV3Schema`);
  else {
    const shapeErrors = validateSchema(schema, `${path}.schema.openAPIV3Schema`, statusEnabled);
    e.list.push(...shapeErrors);
    if (!shapeErrors.length && checkSchema) e.list.push(...checkSchema(schema, `${path}.schema.openAPIV3Schema`));
  }
  const scale = v.subresources?.scale;
  if (scale) {
    const sp = `${path}.subresources.scale`;
    if (!scale.specReplicasPath) e.required(`${sp}.specReplicasPath`);
    else if (!scale.specReplicasPath.startsWith('.spec.') || !simplePath(scale.specReplicasPath)) e.invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec');
    if (!scale.statusReplicasPath) e.required(`${sp}.statusReplicasPath`);
    else if (!scale.statusReplicasPath.startsWith('.status.') || !simplePath(scale.statusReplicasPath)) e.invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status');
    const ls = scale.labelSelectorPath;
    if (ls && (!(ls.startsWith('.spec.') || ls.startsWith('.status.')) || !simplePath(ls))) e.invalid(`${sp}.labelSelectorPath`, ls, 'should be a json path under either .spec or .status');
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const cp = `${path}.additionalPrinterColumns[${i}]`;
    if (!c.name) e.required(`${cp}.name`);
    if (!c.type) e.required(`${cp}.type`, `must be one of ${COLUMN_TYPES.join(',')}`);
    else if (!COLUMN_TYPES.includes(c.type)) e.invalid(`${cp}.type`, c.type, `must be one of ${COLUMN_TYPES.join(',')}`);
    if (c.format && !COLUMN_FORMATS.includes(c.format)) e.invalid(`${cp}.format`, c.format, `must be one of ${COLUMN_FORMATS.join(',')}`);
    if (!c.jsonPath) e.required(`${cp}.JSONPath`);
    else if (!c.jsonPath.startsWith('.')) e.invalid(`${cp}.JSONPath`, c.jsonPath, 'must be a simple json path starting with .');
  });
  const fields = v.selectableFields ?? [];
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    const fp = `${path}.selectableFields[${i}].jsonPath`;
    if (!f?.jsonPath) { e.required(fp); return; }
    const parts = splitFieldPath(f.jsonPath);
    if (!parts || parts.some((p) => p.index !== undefined) || !schema || !fieldPathValid(schema, f.jsonPath)) { e.invalid(fp, f.jsonPath, 'is an invalid path: does not refer to a valid field'); return; }
    if (parts[0].name === 'metadata') e.invalid(fp, f.jsonPath, 'must not point to fields in metadata');
    const target = parts.reduce<JSONSchemaProps | undefined>((s, p) => s?.properties?.[p.name!], schema);
    if (!target || !['string', 'boolean', 'integer'].includes(target.type ?? '')) e.invalid(fp, f.jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.');
    if (seen.has(f.jsonPath)) e.duplicate(fp, f.jsonPath);
    seen.add(f.jsonPath);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS) e.list.push({ reason: 'FieldValueTooMany', field: `${path}.selectableFields`, message: `Too many: ${seen.size}: must have at most ${MAX_SELECTABLE_FIELDS} items` });
}

const simplePath = (p: string) => /^(\.[A-Za-z_$][\w$-]*)+$/.test(p);

function validateNames(e: Errors, names: KObject, path: string) {
  const label = (field: string, v: unknown, lower = false, prefix = '') => {
    if (typeof v !== 'string' || v.length === 0) return;
    const errs = dns1035Label(lower ? v.toLowerCase() : v);
    if (errs.length) e.invalid(`${path}.${field}`, v, prefix + errs.join(','));
  };
  label('plural', names.plural);
  label('singular', names.singular);
  label('kind', names.kind, true, 'may have mixed case, but should otherwise match: ');
  label('listKind', names.listKind, true, 'may have mixed case, but should otherwise match: ');
  (names.shortNames ?? []).forEach((s: string, i: number) => label(`shortNames[${i}]`, s));
  if (names.kind && names.kind === names.listKind) e.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same');
  (names.categories ?? []).forEach((s: string, i: number) => label(`categories[${i}]`, s));
}
