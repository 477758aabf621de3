// Plain `wrangler dev` with the shipped wrangler.toml (no start-script flag)
// and no credentials configured: every route refuses an unauthenticated
// request, and only the health and version paths answer. The URLs come from
// the app's own route table and the resource registry, so a new route or
// kind cannot slip through unauthenticated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app'
import { definitions, verbsOf } from '../../src/resources/registry'
import { PUBLIC_PATHS } from '../../src/api/filters'
import { isDashboardPath } from '../../src/ui/routes'
import { httpRequest, startServer, type Server } from './harness'

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }

/** Every resource, subresource, watch and proxy URL form the registry serves. */
function resourceUrls(): string[] {
  const urls: string[] = []
  for (const d of definitions()) {
    const root = d.group ? `/apis/${d.group}/${d.version}` : `/api/${d.version}`
    const scopes = d.namespaced ? [`${root}/namespaces/default/${d.resource}`, `${root}/${d.resource}`] : [`${root}/${d.resource}`]
    for (const base of scopes) {
      urls.push(base, `${base}?watch=true`, `${base}/x`)
      if (verbsOf(d).includes('watch')) urls.push(base.replace(root, `${root}/watch`), `${base.replace(root, `${root}/watch`)}/x`)
      for (const s of d.subresources ?? []) urls.push(`${base}/x/${s.name}`, `${base}/x/${s.name}/a/b`)
    }
  }
  urls.push(
    '/api/v1/nodes/n1:10250/proxy/pods', '/api/v1/namespaces/default/pods/https:p:8443/proxy/', '/api/v1/namespaces/default/services/s:http/proxy/x',
    '/api/v1/proxy/nodes/n1/pods', '/api/v1/proxy/namespaces/default/pods/p/', '/api/v1/proxy/namespaces/default/services/s/x',
    '/api/v1/namespaces/default/pods/p/log?follow=true', '/', '/nonexistent', '/metrics', '/openapi/v2',
  )
  return urls
}

/** Every route the app registers, with its parameters filled in. */
function appRoutes(): { method: string; url: string }[] {
  return createApp().routes
    .filter((r) => !PUBLIC_PATHS.has(r.path) && !(isDashboardPath(r.path) && r.method === 'GET'))
    .flatMap((r) => {
      const url = r.path.replace(/:group/g, 'apps').replace(/:version/g, 'v1').replace(/:[a-z]+/g, 'x').replace(/\*$/, 'x') || '/'
      return (r.method === 'ALL' ? METHODS : [r.method]).map((method) => ({ method, url }))
    })
}

let server: Server

beforeAll(async () => {
  server = await startServer({ secure: true })
})

afterAll(async () => {
  await server?.stop()
})

describe('plain wrangler dev with the shipped wrangler.toml', () => {
  it('answers /healthz, /livez, /readyz and /version without credentials', async () => {
    for (const p of PUBLIC_PATHS) {
      const r = await httpRequest(server.url, 'GET', p)
      expect(r.status, p).toBe(200)
    }
  })

  it('serves the dashboard\'s page and assets without credentials, and nothing else of it', async () => {
    for (const p of ['/ui/', '/ui/app.js', '/ui/app.css']) expect((await httpRequest(server.url, 'GET', p)).status, p).toBe(200)
    for (const p of ['/ui/', '/ui/app.js']) expect((await httpRequest(server.url, 'POST', p, {})).status, `POST ${p}`).toBe(401)
    expect((await httpRequest(server.url, 'GET', '/ui/other')).status).toBe(401)
  })

  it('refuses every route and every resource URL with 401 and kube\'s Status', async () => {
    const routes = appRoutes()
    expect(routes.map((r) => r.url)).toContain('/edgekube/v1/nodes/x/tunnel')
    expect(routes.map((r) => r.url)).toContain('/openapi/v3')
    const urls = resourceUrls()
    expect(urls.length).toBeGreaterThan(300)
    const requests = [...routes, ...urls.flatMap((url) => METHODS.map((method) => ({ method, url })))]
    const failures: string[] = []
    for (let i = 0; i < requests.length; i += 20) {
      await Promise.all(requests.slice(i, i + 20).map(async ({ method, url }) => {
        const r = await httpRequest(server.url, method, url, method === 'GET' || method === 'DELETE' ? undefined : {})
        if (r.status !== 401 || JSON.stringify(r.json) !== JSON.stringify(UNAUTHORIZED)) failures.push(`${method} ${url} -> ${r.status} ${r.text.slice(0, 120)}`)
      }))
    }
    expect(failures).toEqual([])
  }, 180_000)

  it('refuses a bearer token when no token file is configured', async () => {
    const r = await httpRequest(server.url, 'GET', '/api', undefined, { authorization: 'Bearer anything' })
    expect(r.status).toBe(401)
    expect(r.json).toEqual(UNAUTHORIZED)
  })
})
