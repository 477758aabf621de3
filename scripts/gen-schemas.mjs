#!/usr/bin/env node
// Generates src/schema/generated/definitions.json: the OpenAPI definitions of
// every Kubernetes type reachable from the served kinds, from the models that
// @kubernetes/client-node generates out of the upstream OpenAPI spec.
//
//   node scripts/gen-schemas.mjs          # rewrites the data file, prints a summary
//
// Inputs:
//   - src/resources/registry.ts (bundled with esbuild and imported): the served
//     kinds, their list kinds and their subresource kinds are the roots.
//   - node_modules/@kubernetes/client-node/dist/gen/models/<Model>.js: the
//     `attributeTypeMap` (JSON name, TypeScript type, format) of each model.
//   - .../<Model>.d.ts: descriptions (doc comments) and optional markers
//     (a property without `?` is required).
//   - src/schema/patch-metadata.ts: the x-kubernetes-* list/map/patch facts,
//     which client-node drops; merged into the definitions.
//
// client-node names models without their Go package (V1PodSpec, V1Deployment,
// V2HorizontalPodAutoscaler; a prefix such as CoreV1/EventsV1 only where two
// packages share a name). The upstream definition name
// (io.k8s.api.<package>.<version>.<Type>) is recovered by walking from the
// roots: a model named with a group prefix belongs to that group; the
// apimachinery meta types are listed below; everything reachable from a
// core/v1 kind is core/v1 (core imports no other API group); a few core types
// used only by other groups are listed in CORE_ONLY_ELSEWHERE; anything else
// belongs to the package of the kind that reaches it.
//
// Output format: { "definitions": { "<name>": <OpenAPI schema> } } where
// "$ref" values are bare definition names (the OpenAPI builder prefixes
// "#/components/schemas/"). Special types are definitions of their own:
// IntOrString, Quantity, RawExtension, FieldsV1 (validated as "any"), Time and
// MicroTime (strings).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = path.join(ROOT, 'node_modules/@kubernetes/client-node/dist/gen/models');
const OUT = path.join(ROOT, 'src/schema/generated/definitions.json');

// ---------------------------------------------------------------------------
// Loading TypeScript sources of the project (registry, patch metadata).

async function importTs(rel) {
  const r = await esbuild.build({
    entryPoints: [path.join(ROOT, rel)], bundle: true, format: 'esm', write: false,
    platform: 'neutral', logLevel: 'silent', mainFields: ['module', 'main'],
  });
  return import('data:text/javascript;base64,' + Buffer.from(r.outputFiles[0].text).toString('base64'));
}

// ---------------------------------------------------------------------------
// client-node models.

const modelCache = new Map();

function unescapeDoc(s) {
  return s.replace(/\\(['"\\])/g, '$1').replace(/\*_\//g, '*/').replace(/\/_\*/g, '/*').trim();
}

/** Reads one model: its attributes, class description, property descriptions and optionality. */
function readModel(name) {
  if (modelCache.has(name)) return modelCache.get(name);
  const js = path.join(MODELS, `${name}.js`);
  if (!fs.existsSync(js)) { modelCache.set(name, undefined); return undefined; }
  const src = fs.readFileSync(js, 'utf8');
  const m = src.match(new RegExp(`${name}\\.attributeTypeMap = (\\[[\\s\\S]*?\\n\\]);`));
  if (!m) throw new Error(`${name}: no attributeTypeMap`);
  const attrs = JSON.parse(m[1]);
  const dts = fs.readFileSync(path.join(MODELS, `${name}.d.ts`), 'utf8');
  const cls = dts.match(/\/\*\*\n\* ([\s\S]*?)\n\*\/\nexport declare class/);
  const props = new Map();
  const propRe = /(?:\/\*\*\n\s*\* ([\s\S]*?)\n\s*\*\/\n)?\s*'([^']+)'(\?)?: /g;
  const body = dts.slice(dts.indexOf('export declare class'));
  for (let p; (p = propRe.exec(body));) props.set(p[2], { description: p[1] ? unescapeDoc(p[1]) : undefined, optional: !!p[3] });
  const model = { name, attrs, description: cls ? unescapeDoc(cls[1]) : undefined, props };
  modelCache.set(name, model);
  return model;
}

// ---------------------------------------------------------------------------
// Model name -> upstream definition name.

const GROUP_PREFIXES = {
  Core: 'core', Apps: 'apps', Batch: 'batch', Events: 'events', Discovery: 'discovery', Storage: 'storage',
  Authentication: 'authentication', Authorization: 'authorization', Rbac: 'rbac', Networking: 'networking',
  Policy: 'policy', Autoscaling: 'autoscaling', Coordination: 'coordination', Scheduling: 'scheduling',
  Resource: 'resource', Flowcontrol: 'flowcontrol', Admissionregistration: 'admissionregistration',
  Certificates: 'certificates', Node: 'node', Storagemigration: 'storagemigration', Internal: 'apiserverinternal',
  Apiextensions: 'apiextensions',
};

/** apimachinery meta/v1 types (k8s.io/apimachinery/pkg/apis/meta/v1). */
const META_TYPES = new Set([
  'ObjectMeta', 'ListMeta', 'LabelSelector', 'LabelSelectorRequirement', 'OwnerReference', 'ManagedFieldsEntry',
  'Condition', 'Status', 'StatusDetails', 'StatusCause', 'DeleteOptions', 'Preconditions', 'WatchEvent',
  'APIResource', 'APIResourceList', 'APIGroup', 'APIGroupList', 'APIVersions', 'GroupVersionForDiscovery',
  'ServerAddressByClientCIDR', 'FieldSelectorRequirement', 'Time', 'MicroTime', 'FieldsV1', 'Patch',
]);

/** core/v1 types that no core/v1 kind reaches but other groups use. */
const CORE_ONLY_ELSEWHERE = new Set(['TopologySelectorTerm', 'TopologySelectorLabelRequirement']);

/** Go package directory of an API group. */
const packageOfGroup = (group) => (group === '' ? 'core' : group.split('.')[0]);

function parseModelName(name) {
  const m = name.match(/^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/);
  if (!m) throw new Error(`unexpected model name ${name}`);
  return { prefix: m[1], version: m[2].toLowerCase(), type: m[3] };
}

const META_PREFIX = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
/** CustomResourceDefinition lives in its own repository (k8s.io/apiextensions-apiserver), and is named after it. */
const APIEXTENSIONS_PREFIX = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.';
const INTORSTRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const RAWEXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const FIELDSV1 = META_PREFIX + 'FieldsV1';
const TIME = META_PREFIX + 'Time';
const MICROTIME = META_PREFIX + 'MicroTime';
const PATCH = META_PREFIX + 'Patch';

const SPECIAL_DEFINITIONS = {
  [INTORSTRING]: {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string', format: 'int-or-string',
  },
  [QUANTITY]: {
    description: 'Quantity is a fixed-point representation of a number, serialized as a string: a decimal number with an optional binary-SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), decimal-SI suffix (n, u, m, "", k, M, G, T, P, E) or decimal exponent (e.g. "100m", "1Gi", "1e3"). Numbers are accepted too.',
    type: 'string',
  },
  [RAWEXTENSION]: {
    description: 'RawExtension holds an embedded object of any kind, kept as raw JSON.',
    type: 'object',
  },
  [FIELDSV1]: {
    description: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [TIME]: {
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string', format: 'date-time',
  },
  [MICROTIME]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string', format: 'date-time',
  },
  [PATCH]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
};

/**
 * Fields whose Go type is resource.Quantity (or a ResourceList of them):
 * client-node types them as plain strings. model -> field -> 'map' | 'scalar'.
 */
const QUANTITY_FIELDS = {
  V1ResourceRequirements: { limits: 'map', requests: 'map' },
  V1VolumeResourceRequirements: { limits: 'map', requests: 'map' },
  V1NodeStatus: { capacity: 'map', allocatable: 'map' },
  V1PersistentVolumeSpec: { capacity: 'map' },
  V1PersistentVolumeClaimStatus: { capacity: 'map', allocatedResources: 'map' },
  V1ContainerStatus: { allocatedResources: 'map' },
  V1PodSpec: { overhead: 'map' },
  V1ResourceQuotaSpec: { hard: 'map' },
  V1ResourceQuotaStatus: { hard: 'map', used: 'map' },
  V1LimitRangeItem: { max: 'map', min: 'map', default: 'map', defaultRequest: 'map', maxLimitRequestRatio: 'map' },
  V1EmptyDirVolumeSource: { sizeLimit: 'scalar' },
  V1ResourceFieldSelector: { divisor: 'scalar' },
  V2MetricTarget: { value: 'scalar', averageValue: 'scalar' },
  V2MetricValueStatus: { value: 'scalar', averageValue: 'scalar' },
};

/** Values the API server defaults that the OpenAPI spec publishes. */
const FIELD_DEFAULTS = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
};

// ---------------------------------------------------------------------------
// The walk.

const definitions = {};       // name -> schema
const modelOfDefinition = {}; // name -> model name
const definitionOfModel = {}; // model name -> name
const corePackageModels = new Set();
const anyFields = [];

function definitionName(model, parentPackage) {
  if (definitionOfModel[model]) return definitionOfModel[model];
  const { prefix, version, type } = parseModelName(model);
  let pkg;
  if (prefix) {
    pkg = GROUP_PREFIXES[prefix];
    if (!pkg) throw new Error(`unknown group prefix in ${model}`);
  } else if (version === 'v1' && META_TYPES.has(type)) pkg = 'meta';
  else if (corePackageModels.has(model) || (version === 'v1' && CORE_ONLY_ELSEWHERE.has(type))) pkg = 'core';
  else pkg = parentPackage;
  const name = pkg === 'meta' ? META_PREFIX + type : pkg === 'apiextensions' ? `${APIEXTENSIONS_PREFIX}${version}.${type}` : `io.k8s.api.${pkg}.${version}.${type}`;
  if (modelOfDefinition[name] && modelOfDefinition[name] !== model) throw new Error(`${model} and ${modelOfDefinition[name]} both map to ${name}`);
  definitionOfModel[model] = name;
  modelOfDefinition[name] = model;
  return name;
}

const packageOfDefinition = (name) => (name.startsWith(META_PREFIX) ? 'meta' : name.startsWith(APIEXTENSIONS_PREFIX) ? 'apiextensions' : name.split('.')[3]);

/** Marks every model reachable from the core/v1 kinds, stopping at meta types. */
function markCore(model) {
  if (corePackageModels.has(model)) return;
  const { prefix, version, type } = parseModelName(model);
  if ((version === 'v1' && META_TYPES.has(type) && !prefix) || (prefix && prefix !== 'Core')) return;
  const m = readModel(model);
  if (!m) return;
  corePackageModels.add(model);
  for (const a of m.attrs) for (const ref of modelRefs(a.type)) markCore(ref);
}

function modelRefs(t) {
  const out = [];
  const inner = t.match(/^Array<(.+)>$/) ?? t.match(/^\{ \[key: string\]: (.+); \}$/);
  if (inner) return modelRefs(inner[1]);
  if (/^[A-Z][A-Za-z0-9]*V\d/.test(t) || /^V\d/.test(t)) out.push(t);
  return out;
}

/** The schema of a client-node type string. */
function typeSchema(t, format, ctx) {
  let m;
  if ((m = t.match(/^Array<(.+)>$/))) {
    const items = typeSchema(m[1], format, ctx);
    return { type: 'array', items: withElementDefault(items) };
  }
  if ((m = t.match(/^\{ \[key: string\]: (.+); \}$/))) {
    const values = ctx.quantity === 'map' ? { $ref: QUANTITY } : typeSchema(m[1], format, ctx);
    return { type: 'object', additionalProperties: withElementDefault(values) };
  }
  if (ctx.quantity === 'scalar') return { $ref: QUANTITY };
  switch (t) {
    case 'string': return format ? { type: 'string', format } : { type: 'string' };
    case 'boolean': return { type: 'boolean' };
    case 'number':
      if (format === 'int32' || format === 'int64') return { type: 'integer', format };
      return format ? { type: 'number', format } : { type: 'number' };
    case 'Date': return { $ref: format === 'date-time-micro' ? MICROTIME : TIME };
    case 'IntOrString': return { $ref: INTORSTRING };
    case 'V1MicroTime': return { $ref: MICROTIME };
    case 'any':
      anyFields.push(`${ctx.model}.${ctx.field}`);
      return { $ref: ctx.field === 'fieldsV1' ? FIELDSV1 : RAWEXTENSION };
    default: {
      if (!readModel(t)) throw new Error(`${ctx.model}.${ctx.field}: unknown type ${t}`);
      return { $ref: visit(t, ctx.pkg) };
    }
  }
}

const isStructRef = (s) => s.$ref && !SPECIAL_DEFINITIONS[s.$ref];

/** Elements of lists and maps default to their zero value, as upstream publishes. */
function withElementDefault(s) {
  if (isStructRef(s)) return { ...s, default: {} };
  if (s.type === 'string' && !s.format) return { ...s, default: '' };
  return s;
}

function visit(model, parentPackage) {
  const name = definitionName(model, parentPackage);
  if (definitions[name]) return name;
  const m = readModel(model);
  const def = { description: m.description, type: 'object', properties: {} };
  definitions[name] = def; // before recursing: cycles end here
  const pkg = packageOfDefinition(name);
  const required = [];
  const props = {};
  for (const a of m.attrs) {
    const p = m.props.get(a.name) ?? {};
    const ctx = { model, field: a.baseName, pkg: pkg === 'meta' ? parentPackage : pkg, quantity: QUANTITY_FIELDS[model]?.[a.baseName] };
    const s = typeSchema(a.type, a.format, ctx);
    const prop = { ...s };
    if (p.description) prop.description = p.description;
    const known = FIELD_DEFAULTS[name]?.[a.baseName];
    if (known !== undefined) prop.default = known;
    else if (!p.optional) {
      if (s.type === 'string' && !s.format) prop.default = '';
      else if (s.type === 'integer') prop.default = 0;
      else if (s.type === 'boolean') prop.default = false;
      else if (isStructRef(s)) prop.default = {};
    } else if (isStructRef(s) && ['metadata', 'spec', 'status', 'template'].includes(a.baseName)) prop.default = {};
    if (!p.optional) required.push(a.baseName);
    props[a.baseName] = prop;
  }
  for (const [field, prop] of Object.entries(props)) {
    if (prop.$ref && !prop.description) prop.description = referenceDescription(name, field, prop.$ref);
  }
  for (const k of Object.keys(props).sort()) def.properties[k] = props[k];
  if (required.length) def.required = required;
  if (!def.description) delete def.description;
  return name;
}

/**
 * client-node keeps no description on fields whose type is another model
 * (upstream has one beside the $ref). Without one, `kubectl explain` lists such
 * fields with "<no description>". metadata/spec/status get the API
 * conventions' standard wording; any other field the first sentence of its
 * type's description.
 */
function referenceDescription(owner, field, target) {
  const conventions = 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md';
  const kind = owner.slice(owner.lastIndexOf('.') + 1);
  if (field === 'metadata' && target === META_PREFIX + 'ObjectMeta') return `Standard object's metadata. More info: ${conventions}#metadata`;
  if (field === 'metadata' && target === META_PREFIX + 'ListMeta') return `Standard list metadata. More info: ${conventions}#types-kinds`;
  if (field === 'spec' && !kind.endsWith('Spec')) return `Specification of the desired behavior of the ${kind}. More info: ${conventions}#spec-and-status`;
  if (field === 'status' && !kind.endsWith('Status')) return `Most recently observed status of the ${kind}. This data may not be up to date. Populated by the system. Read-only. More info: ${conventions}#spec-and-status`;
  const text = definitions[target]?.description ?? SPECIAL_DEFINITIONS[target]?.description;
  if (!text) return undefined;
  const first = text.match(/^(.*?[a-z0-9)'"]\.)\s+(?=[A-Z])/s);
  return first ? first[1] : text;
}

// ---------------------------------------------------------------------------
// Roots.

function modelForKind(group, version, kind) {
  const v = version[0].toUpperCase() + version.slice(1);
  const prefix = Object.entries(GROUP_PREFIXES).find(([, pkg]) => pkg === packageOfGroup(group))?.[0];
  for (const candidate of [`${prefix}${v}${kind}`, `${v}${kind}`]) if (readModel(candidate)) return candidate;
  return undefined;
}

const registry = await importTs('src/resources/registry.ts');
const { PATCH_METADATA, TYPE_METADATA } = await importTs('src/schema/patch-metadata.ts');

const roots = []; // { group, version, kind, model }
const addRoot = (group, version, kind) => {
  if (roots.some((r) => r.group === group && r.version === version && r.kind === kind)) return;
  const model = modelForKind(group, version, kind);
  if (!model) { console.warn(`  no model for ${group || 'core'}/${version} ${kind}: skipped`); return; }
  roots.push({ group, version, kind, model });
};
for (const d of registry.definitions()) {
  addRoot(d.group, d.version, d.kind);
  addRoot(d.group, d.version, `${d.kind}List`);
  for (const s of d.subresources ?? []) addRoot(s.group ?? d.group, s.version ?? d.version, s.kind);
}

for (const r of roots) if (r.group === '') markCore(r.model);
for (const r of roots) {
  const name = visit(r.model, packageOfGroup(r.group));
  const def = definitions[name];
  (def['x-kubernetes-group-version-kind'] ??= []).push({ group: r.group, kind: r.kind, version: r.version });
}
for (const t of ['DeleteOptions', 'Status', 'WatchEvent', 'APIResourceList']) visit(`V1${t}`, 'meta');
for (const t of ['Status', 'APIResourceList']) {
  definitions[META_PREFIX + t]['x-kubernetes-group-version-kind'] = [{ group: '', kind: t, version: 'v1' }];
}
for (const [name, def] of Object.entries(SPECIAL_DEFINITIONS)) definitions[name] = { ...def };

// ---------------------------------------------------------------------------
// Patch metadata.

const warnings = [];
for (const [name, fields] of Object.entries(PATCH_METADATA)) {
  const def = definitions[name];
  if (!def) { warnings.push(`patch metadata for ${name}: not a served definition`); continue; }
  for (const [field, meta] of Object.entries(fields)) {
    const prop = def.properties[field];
    if (!prop) { warnings.push(`patch metadata for ${name}.${field}: no such field`); continue; }
    if ((meta.listType || meta.patchMergeKey) && prop.type !== 'array') warnings.push(`${name}.${field}: list metadata on a ${prop.type ?? prop.$ref}`);
    if (meta.patchStrategy) prop['x-kubernetes-patch-strategy'] = meta.patchStrategy;
    if (meta.patchMergeKey) prop['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
    if (meta.listType) prop['x-kubernetes-list-type'] = meta.listType;
    if (meta.listMapKeys) prop['x-kubernetes-list-map-keys'] = meta.listMapKeys;
    if (meta.mapType) prop['x-kubernetes-map-type'] = meta.mapType;
  }
}
for (const [name, meta] of Object.entries(TYPE_METADATA)) {
  const def = definitions[name];
  if (!def) { warnings.push(`type metadata for ${name}: not a served definition`); continue; }
  if (meta.mapType) def['x-kubernetes-map-type'] = meta.mapType;
}

// ---------------------------------------------------------------------------
// Output: one definition per line, sorted, so that regenerations diff well.

const names = Object.keys(definitions).sort();
const lines = names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(definitions[n])}`);
const text = `{"definitions":{\n${lines.join(',\n')}\n}}\n`;
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, text);

console.log(`${names.length} definitions from ${roots.length} root kinds -> ${path.relative(ROOT, OUT)} (${(text.length / 1024).toFixed(0)} KiB)`);
console.log(`fields typed "any" in client-node: ${anyFields.join(', ') || 'none'}`);
for (const w of warnings) console.warn(`  warning: ${w}`);
if (process.argv.includes('--list')) for (const n of names) console.log(`  ${n}${modelOfDefinition[n] ? `  <- ${modelOfDefinition[n]}` : ''}`);
