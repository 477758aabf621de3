// /openapi/v2: one Swagger 2.0 document for every served group-version,
// made from the same v3 documents /openapi/v3 serves (so the two never
// disagree), as kube-openapi writes its v2: "#/definitions/" references,
// body parameters, response schemas, consumes/produces, and the
// x-kubernetes-* extensions kept.
import type { CustomResourceVersion } from '../apiextensions/definition';
import { served } from '../resources/registry';
import { buildDocument } from './document';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const V3_REF = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** A v3 schema in v2 form: references to definitions, allOf-wrapped references flattened, nothing v2 lacks. */
export function schemaToV2(s: Json): Json {
  if (Array.isArray(s)) return s.map(schemaToV2);
  if (s === null || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.startsWith(V3_REF) ? `#/definitions/${v.slice(V3_REF.length)}` : v;
    else if (k === 'nullable' || k === 'oneOf' || k === 'anyOf' || k === 'allOf') continue;
    else if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v as object).map(([n, p]) => [n, schemaToV2(p)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'not') out[k] = typeof v === 'object' ? schemaToV2(v) : v;
    else out[k] = k.startsWith('x-') ? v : schemaToV2(v);
  }
  // kube-openapi writes a referenced type with its siblings (a description) next to the $ref
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && s.allOf[0].$ref) Object.assign(out, schemaToV2(s.allOf[0]));
  return out;
}

function parameterToV2(p: Json): Json {
  const { schema, ...rest } = p;
  return { ...rest, ...(schema ? schemaToV2(schema) : {}) };
}

const contentTypes = (content: Json) => Object.keys(content ?? {});
const firstSchema = (content: Json) => Object.values(content ?? {}).map((c: Json) => c.schema).find(Boolean);

function operationToV2(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const params = (parameters ?? []).map(parameterToV2);
  const out: Json = { ...rest };
  if (requestBody) {
    const types = contentTypes(requestBody.content);
    out.consumes = types;
    params.unshift({ in: 'body', name: 'body', required: requestBody.required ?? false, schema: schemaToV2(firstSchema(requestBody.content) ?? { type: 'object' }) });
  } else {
    out.consumes = ['*/*'];
  }
  const produces = new Set<string>();
  out.responses = Object.fromEntries(Object.entries(responses ?? {}).map(([code, r]: [string, Json]) => {
    for (const t of contentTypes(r.content)) produces.add(t);
    const schema = firstSchema(r.content);
    return [code, { description: r.description, ...(schema ? { schema: schemaToV2(schema) } : {}) }];
  }));
  out.produces = [...produces];
  if (params.length) out.parameters = params;
  out.schemes = ['https'];
  return out;
}

/** Swagger 2.0 of every served group-version, custom resources included. */
export function buildSwagger(custom: readonly CustomResourceVersion[] = []): Json {
  const paths: Json = {};
  const definitions: Json = {};
  for (const g of served(custom.map((v) => v.def)).groups) {
    for (const version of g.versions) {
      const doc = buildDocument(g.group, version, custom);
      if (!doc) continue;
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
        const v2: Json = {};
        for (const [k, v] of Object.entries(item)) {
          if (METHODS.includes(k)) v2[k] = operationToV2(v);
          else if (k === 'parameters') v2.parameters = (v as Json[]).map(parameterToV2);
          else v2[k] = v;
        }
        paths[path] = v2;
      }
      for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, Json>)) definitions[name] ??= schemaToV2(schema);
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.35.0' },
    paths: Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]])),
    definitions: Object.fromEntries(Object.keys(definitions).sort().map((d) => [d, definitions[d]])),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    security: [{ BearerToken: [] }],
  };
}
