// OpenAPI routes: /openapi/v3 (the index of group-versions), the v3 document of
// each group-version, and /openapi/v2, the Swagger 2.0 of them all, in JSON
// only: its protobuf form is answered 406, which clients take as "no v2"
// (kubectl then uses v3 for explain and its built-in types for client-side apply).
//
// Documents of built-in groups are static for a given build, so each is built
// once per isolate, on first use, and kept with its hash; a custom group's is
// kept per version of the CRDs it is made from, so a changed CRD gets a new hash. The hash is the SHA-512 of the
// document's JSON (upper-case hex, as kube-openapi writes it); a URL carrying
// the current hash is immutable and cacheable for a year, a stale one
// redirects to the current URL.
import type { Context, Hono } from 'hono';
import { served } from '../resources/registry';
import { customDefinitions } from '../apiextensions/registry';
import type { CustomResourceVersion } from '../apiextensions/definition';
import { restContext } from '../api/resources';
import { notAcceptable, notFoundPath } from '../status/status';
import { buildDocument, documentKey } from './document';
import { buildSwagger } from './v2';
import { parseAccept } from '../api/negotiate';

export { buildDocument, documentKey } from './document';

interface Built { body: string; hash: string }

const cache = new Map<string, Promise<Built | undefined>>();

async function sha512Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-512', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

const crdVersions = (custom: readonly CustomResourceVersion[]) => custom.map((v) => `@${v.crd.metadata.uid}/${v.crd.metadata.resourceVersion}`).join('');

/** A document built once per key, serialized, with its hash. */
function cached(key: string, build: () => unknown): Promise<Built | undefined> {
  let p = cache.get(key);
  if (!p) {
    if (cache.size > 1000) cache.clear();
    p = (async () => {
      const doc = build();
      if (!doc) return undefined;
      const body = JSON.stringify(doc);
      return { body, hash: await sha512Hex(body) };
    })();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The serialized document of a group-version and its hash, built once (per version of its CRDs). */
export function documentFor(group: string, version: string, custom: readonly CustomResourceVersion[] = []): Promise<Built | undefined> {
  const mine = custom.filter((v) => v.def.group === group && v.def.version === version);
  return cached(documentKey(group, version) + crdVersions(mine), () => buildDocument(group, version, mine));
}

const PROTOBUF_V2 = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];

/** Whether the client takes JSON: the protobuf form alone is refused, as a server without it refuses. */
function acceptsJson(accept: string | undefined): boolean {
  const ranges = parseAccept(accept);
  return ranges.some((m) => ['application/json', 'application/*', '*/*'].includes(m.type)) || !ranges.some((m) => PROTOBUF_V2.includes(m.type));
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

async function serveDocument(c: Context, group: string, version: string) {
  const custom = group.includes('.') ? await customDefinitions(restContext(c)) : [];
  return serveBuilt(c, await documentFor(group, version, custom));
}

function serveBuilt(c: Context, built: Built | undefined) {
  if (!built) throw notFoundPath();
  const hash = c.req.query('hash');
  if (hash && hash !== built.hash) {
    return c.redirect(`${new URL(c.req.url).pathname}?hash=${built.hash}`, 301);
  }
  const etag = `"${built.hash}"`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ETag: etag, Vary: 'Accept' };
  if (hash) {
    headers['Cache-Control'] = 'public, immutable';
    headers.Expires = new Date(Date.now() + YEAR_MS).toUTCString();
  } else {
    headers['Cache-Control'] = 'no-cache, private';
  }
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.body(built.body, 200, headers);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function openapiRoutes(app: Hono<any>) {
  app.get('/openapi/v3', async (c) => {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    const custom = await customDefinitions(restContext(c));
    for (const g of served(custom.map((v) => v.def)).groups) {
      for (const version of g.versions) {
        const built = await documentFor(g.group, version, custom);
        if (!built) continue;
        const key = documentKey(g.group, version);
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${built.hash}` };
      }
    }
    return c.body(JSON.stringify({ paths }), 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  });
  app.get('/openapi/v3/api/:version', (c) => serveDocument(c, '', c.req.param('version')));
  app.get('/openapi/v3/apis/:group/:version', (c) => serveDocument(c, c.req.param('group'), c.req.param('version')));
  app.get('/openapi/v2', async (c) => {
    if (!acceptsJson(c.req.header('accept'))) throw notAcceptable('only the following media types are accepted: application/json');
    const custom = await customDefinitions(restContext(c));
    return serveBuilt(c, await cached(`v2${crdVersions(custom)}`, () => buildSwagger(custom)));
  });
}
