// Resource routes: /api/v1/... and /apis/{group}/{version}/... . Each request
// becomes an Operation, runs through the rest layer, and is encoded as JSON
// or as a Table.
import type { Context, Hono } from 'hono';
import type { KObject, ResourceDefinition, Reviewer } from '../resources/types';
import { authenticateToken } from '../authn';
import { authorize, userRules } from '../authz';
import { admit } from '../admission';
import { parseOperation, resourceSegment, type Operation } from '../request/info';
import { listKindOf, lookup } from '../resources/registry';
import { resolveCustom } from '../apiextensions/registry';
import { parseDeleteOptions, parseListOptions, parseWriteOptions } from '../request/options';
import { badRequest, methodNotAllowed, methodNotSupported, notFoundPath, unsupportedMediaType } from '../status/status';
import type { RestContext } from '../rest/context';
import { getObject, listObjects } from '../rest/read';
import { applyObject, createObject, patchObject, updateObject, type PatchType } from '../rest/write';
import { deleteObject } from '../rest/delete';
import { checkTypeAndScope, readBodyBytes, readBodyText, readJsonBody, readYamlBody } from '../rest/objects';
import { checkApplyDuplicates, type RawBody } from '../rest/fields';
import { decodeKubernetesProtobuf, isProtobuf, PROTOBUF_MEDIA_TYPE, UnsupportedProtobufKind } from '../protobuf';
import { subresourceHandler } from '../rest/subresources';
import { toTable, type IncludeObject } from '../table/convert';
import { negotiateObject, type ObjectFormat } from './negotiate';
import { send } from './respond';
import { yamlToJson } from '../request/yaml';
import { parseJson } from '../request/json';
import { serveWatch } from './watch-stream';
import { serveVirtual } from './virtual';
import { decodeApplyConfiguration, otherKindError, type GVK } from '../request/body';
import { ensureBootstrapped } from '../bootstrap';
import { notifyControllers } from '../controllers/notify';
import type { ApiEnv } from './types';

const TEXT_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json', 'application/merge-patch+json': 'merge', 'application/strategic-merge-patch+json': 'strategic',
  // Apply configurations are YAML; kubectl, Helm and client-node send the JSON form of it.
  'application/apply-patch+yaml': 'apply',
};

export function resourceRoutes(app: Hono<ApiEnv>) {
  app.all('/api/v1/*', (c) => handle(c, '', 'v1', c.req.path.slice('/api/v1/'.length)));
  app.all('/apis/:group/:version/*', (c) => {
    const { group, version } = c.req.param();
    return handle(c, group, version, c.req.path.slice(`/apis/${group}/${version}/`.length));
  });
}

export function restContext(c: Context<ApiEnv>): RestContext {
  const ctx: RestContext = {
    env: c.env,
    waitUntil: (p) => c.executionCtx.waitUntil(p.catch((e) => console.error('background work failed:', e))),
    warn: (w) => c.header('Warning', w, { append: true }),
    annotate: (key, value) => { const record = c.get('audit'); if (record) (record.annotations ??= {})[key] = value; },
    userAgent: c.req.header('user-agent'),
    user: c.get('user'),
    admit: (req) => admit(ctx, req),
    committed: (def, obj, removed) => notifyControllers(ctx, def, obj, removed),
  };
  return ctx;
}

function reviewer(c: Context<ApiEnv>): Reviewer {
  const ctx = restContext(c);
  return {
    user: c.get('user'),
    authenticateToken: (token) => authenticateToken(ctx, token),
    authorize: (attrs) => authorize(ctx, attrs),
    rules: (user, namespace) => userRules(ctx, user, namespace),
  };
}

async function handle(c: Context<ApiEnv>, group: string, version: string, path: string): Promise<Response> {
  const query = new URL(c.req.url).searchParams;
  const segments = path.split('/').map((s) => { try { return decodeURIComponent(s); } catch { throw badRequest(`invalid path segment "${s}"`); } });
  const ctx = restContext(c);
  await ensureBootstrapped(ctx);
  const resource = resourceSegment(segments);
  const custom = resource && !lookup(group, version, resource) ? await resolveCustom(ctx, group, version, resource) : undefined;
  const op = parseOperation(c.req.method, group, version, segments, query, custom);
  if (op.def.deprecationWarning) ctx.warn(`299 - ${JSON.stringify(op.def.deprecationWarning)}`);
  if (op.subresource && op.subresource !== 'status') return handleSubresource(c, ctx, op, query);
  // The answer's media type is settled before anything is read or stored (406 before 422 or 201), as kube
  // negotiates first. Answers such as access reviews have no Table form.
  const format = op.verb === 'watch' ? 'json' : negotiateObject(c.req.header('accept'), !op.def.review, op.def.protobuf !== false);
  const respondObject = (text: string, status: 200 | 201) => respond(c, op, format, text, status);
  if (op.def.virtual) {
    const answer = await serveVirtual({ ctx, op, query, env: c.env, body: async () => (await readBody(c, op)).obj });
    if (format === 'table' && answer.list) return c.json(toTable(op.def, answer.list, {}, includeObject(query)));
    return send(c, format === 'table' ? 'json' : format, answer.text, answer.status);
  }
  if (op.def.review) {
    if (op.verb !== 'create' || op.name !== undefined) throw methodNotSupported(op.def, op.verb);
    const { obj } = await readBody(c, op);
    checkTypeAndScope(op.def, obj, op.namespace);
    return respondObject(JSON.stringify(await op.def.review(obj, reviewer(c))), 201);
  }
  switch (op.verb) {
    case 'get': {
      const { object } = await getObject(ctx, op);
      return respondObject(object, 200);
    }
    case 'list': {
      const opts = parseListOptions(query, op.def, false);
      const page = await listObjects(ctx, op, opts);
      const metadata = {
        resourceVersion: page.resourceVersion,
        ...(page.continue ? { continue: page.continue } : {}),
        ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
      };
      if (format === 'table') {
        return c.json(toTable(op.def, page.items.map((i) => JSON.parse(i)), metadata, includeObject(query)));
      }
      const apiVersion = op.def.group ? `${op.def.group}/${op.def.version}` : op.def.version;
      return send(c, format, `{"kind":"${listKindOf(op.def)}","apiVersion":"${apiVersion}","metadata":${JSON.stringify(metadata)},"items":[${page.items.join(',')}]}`, 200);
    }
    case 'watch':
      return await serveWatch(c, ctx, op, parseListOptions(query, op.def, true));
    case 'create': {
      if (op.subresource || op.name !== undefined) throw methodNotSupported(op.def, 'create');
      if (op.def.terminating) throw methodNotAllowed('create not allowed while custom resource definition is terminating');
      const { obj, raw } = await readBody(c, op);
      return respondObject(await createObject(ctx, op, obj, parseWriteOptions(query, 'CreateOptions'), raw), 201);
    }
    case 'update': {
      const { obj, raw } = await readBody(c, op);
      const { object, created } = await updateObject(ctx, op, obj, parseWriteOptions(query, 'UpdateOptions'), raw);
      return respondObject(object, created ? 201 : 200);
    }
    case 'delete': {
      const opts = parseDeleteOptions(query, await readDeleteBody(c));
      const res = await deleteObject(ctx, op.def, op.namespace, op.name!, opts);
      // a deleted object's answer is a Status, which has no Table form
      return res.deleted ? send(c, format === 'table' ? 'json' : format, res.body, 200) : respondObject(res.body, 200);
    }
    case 'deletecollection': {
      const opts = parseDeleteOptions(query, await readDeleteBody(c));
      const listOpts = parseListOptions(query, op.def, false);
      const page = await listObjects(ctx, op, { ...listOpts, limit: 0, continue: '' });
      const items: string[] = [];
      for (const text of page.items) {
        const obj = JSON.parse(text);
        const res = await deleteObject(ctx, op.def, obj.metadata.namespace, obj.metadata.name, opts).catch((e) => {
          if ((e as { status?: { code?: number } }).status?.code === 404) return undefined;
          throw e;
        });
        if (res) items.push(res.deleted ? text : res.body);
      }
      const apiVersion = op.def.group ? `${op.def.group}/${op.def.version}` : op.def.version;
      return send(c, format === 'table' ? 'json' : format, `{"kind":"${listKindOf(op.def)}","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${page.resourceVersion}"},"items":[${items.join(',')}]}`, 200);
    }
    case 'patch': {
      const { type, patch, strictErrors } = await readPatch(c, op.def);
      const opts = parseWriteOptions(query, 'PatchOptions', type === 'apply');
      if (type === 'apply') {
        checkApplyDuplicates(ctx, strictErrors, opts.fieldValidation);
        const { object, created } = await applyObject(ctx, op, patch, opts);
        return respondObject(object, created ? 201 : 200);
      }
      return respondObject(await patchObject(ctx, op, type, patch, opts), 200);
    }
  }
}

/** Subresources with their own handlers: scale, binding, eviction, finalize, token, approval. */
async function handleSubresource(c: Context<ApiEnv>, ctx: RestContext, op: Operation, query: URLSearchParams): Promise<Response> {
  const handler = subresourceHandler(op.def, op.subresource!);
  const format = negotiateObject(c.req.header('accept'), false, true) as Exclude<ObjectFormat, 'table'>;
  const json = (text: string, status: 200 | 201) => send(c, format, text, status);
  const unsupported = () => methodNotSupported({ group: op.def.group, resource: `${op.def.resource}/${op.subresource}` }, op.verb);
  if (!handler) throw notFoundPath();
  switch (op.verb) {
    case 'get':
      if (!handler.get) throw unsupported();
      return json(await handler.get(ctx, op), 200);
    case 'update':
      if (!handler.update) throw unsupported();
      return json(await handler.update(ctx, op, (await readBody(c, op)).obj, parseWriteOptions(query, 'UpdateOptions')), 200);
    case 'patch': {
      if (!handler.patch) throw unsupported();
      const { type, patch } = await readPatch(c, op.def);
      return json(await handler.patch(ctx, op, type, patch, parseWriteOptions(query, 'PatchOptions', type === 'apply')), 200);
    }
    case 'create':
      if (!handler.create) throw unsupported();
      return json(await handler.create(ctx, op, (await readBody(c, op)).obj, parseWriteOptions(query, 'CreateOptions')), 201);
    default:
      throw unsupported();
  }
}

async function readPatch(c: Context, def?: ResourceDefinition): Promise<{ type: PatchType; patch: unknown; strictErrors: string[] }> {
  const ct = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const type = PATCH_TYPES[ct];
  // strategic merge needs Go types' patch metadata, which custom resources do not have
  const accepted = Object.keys(PATCH_TYPES).filter((t) => def?.strategicMergePatch !== false || PATCH_TYPES[t] !== 'strategic');
  if (!type || !accepted.includes(ct)) throw unsupportedMediaType(ct, accepted);
  const text = await readBodyText(c.req.raw);
  if (type === 'apply') return { type, ...decodeApplyConfiguration(text) };
  try {
    return { type, patch: parseJson(text), strictErrors: [] };
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "None", "Metadata", "Object"`);
  return v;
}

function respond(c: Context, op: Operation, format: ObjectFormat, text: string, status: 200 | 201): Response {
  if (format === 'table') {
    const obj = JSON.parse(text) as KObject;
    return c.json(toTable(op.def, [obj], { resourceVersion: obj.metadata?.resourceVersion ?? '' }, includeObject(new URL(c.req.url).searchParams)), status);
  }
  return send(c, format, text, status);
}

const BODY_TYPES = [...TEXT_TYPES, PROTOBUF_MEDIA_TYPE];

function bodyType(c: Context, def?: ResourceDefinition): 'json' | 'yaml' | 'protobuf' {
  const ct = (c.req.header('content-type') ?? 'application/json').split(';')[0].trim().toLowerCase();
  // kinds without a protobuf form take JSON only, as kube takes custom resources
  if (isProtobuf(ct) && def?.protobuf === false) throw unsupportedMediaType(ct, TEXT_TYPES);
  if (isProtobuf(ct)) return 'protobuf';
  if (!TEXT_TYPES.includes(ct)) throw unsupportedMediaType(ct, BODY_TYPES);
  return ct === 'application/yaml' ? 'yaml' : 'json';
}

/**
 * Request bodies come as JSON, or as protobuf from kubectl's typed commands
 * and Helm's release storage; both become the JSON object a client means.
 */
async function readBody(c: Context, op: Operation): Promise<{ obj: KObject; raw?: RawBody }> {
  const type = bodyType(c, op.subresource ? undefined : op.def);
  if (type === 'protobuf') return { obj: decodeProtobufBody(await readBodyBytes(c.req.raw), expectedKind(op)) };
  if (type === 'yaml') return readYamlBody(c.req.raw, expectedKind(op));
  return readJsonBody(c.req.raw, expectedKind(op));
}

/** The kind a request body must be: the resource's, or its subresource's own (Scale, Binding, ...). */
function expectedKind(op: Operation): GVK {
  const sub = op.subresource ? op.def.subresources?.find((s) => s.name === op.subresource) : undefined;
  return sub ? { group: sub.group ?? op.def.group, version: sub.version ?? op.def.version, kind: sub.kind } : op.def;
}

function decodeProtobufBody(bytes: Uint8Array, expected: GVK): KObject {
  try {
    return decodeKubernetesProtobuf(bytes).object as KObject;
  } catch (e) {
    // a kind kube has no type for: the codec cannot create it (every served kind has a protobuf form)
    if (e instanceof UnsupportedProtobufKind) {
      const [group, version] = e.apiVersion.includes('/') ? e.apiVersion.split('/') : ['', e.apiVersion];
      throw otherKindError(expected, { group, version, kind: e.kind });
    }
    throw badRequest(`the protobuf body could not be decoded: ${(e as Error).message}`);
  }
}

/** DeleteOptions may come in the body (kubectl, Helm), or not at all (client-node sends none). */
async function readDeleteBody(c: Context): Promise<Record<string, unknown> | undefined> {
  const bytes = await readBodyBytes(c.req.raw);
  if (bytes.byteLength === 0) return undefined;
  const type = bodyType(c);
  if (type === 'protobuf') return decodeProtobufBody(bytes, { group: '', version: 'v1', kind: 'DeleteOptions' });
  const text = new TextDecoder().decode(bytes).trim();
  if (!text) return undefined;
  try {
    const v = type === 'yaml' ? yamlToJson(text).value : parseJson(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw badRequest(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: ${(e as Error).message}`);
  }
}
