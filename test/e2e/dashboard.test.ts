// The dashboard in headless Chromium against a real `wrangler dev` and a node
// agent: a pod created with kubectl appears and goes from Pending to Running
// without a reload (watches, not polling); a pod's log view follows what the
// pod writes; the YAML view is the server's YAML; nodes show their state.
// A screenshot is written to .e2e/screenshots/.
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, freePort, namespace, ROOT, setupE2E, type E2E } from './harness'
import { startAgent, type Agent } from './agent'
import { launchChromium } from './browser'

const NS = 'dash'
const NODE = 'dash-node'
let e: E2E
let browser: Browser | undefined
const agents: Agent[] = []
const SHOTS = path.join(ROOT, '.e2e', 'screenshots')

beforeAll(async () => {
  e = await setupE2E()
  await create(e, '/api/v1/namespaces', namespace(NS))
  browser = await launchChromium('dashboard')
}, 600_000)

afterAll(async () => {
  await browser?.close()
  for (const a of agents) await a.stop().catch(() => {})
  await e?.close()
})

async function open(hash: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 800 } })
  page.on('pageerror', (err) => console.error(`[dashboard] page error: ${err.message}`))
  await page.goto(`${e.url}/ui/${hash}`)
  await page.evaluate(() => { (window as unknown as { loadedOnce: boolean }).loadedOnce = true })
  return page
}

const statusOf = (page: Page, key: string) => page.locator(`[data-testid="row-${key}"] td[data-col="Status"]`)

async function shoot(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true })
  const file = path.join(SHOTS, name)
  await page.screenshot({ path: file })
  console.log(`[dashboard] screenshot: ${path.relative(ROOT, file)}`)
}

describe('dashboard', () => {
  it('serves its page, script and style, no CDN', async () => {
    const page = await e.http('GET', '/ui/', undefined, { accept: 'text/html' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const scripts = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(scripts.length).toBe(2)
    for (const s of scripts) {
      expect(s.startsWith('/ui/')).toBe(true)
      expect((await e.http('GET', s)).status).toBe(200)
    }
  })

  it('shows a pod created with kubectl appear, then go from Pending to Running, without a reload', async ({ skip }) => {
    if (!browser) return skip()
    const page = await open(`#/pods?ns=${NS}`)
    await expect.poll(() => page.locator('h2 small').textContent(), { timeout: 15_000 }).toBe('0, live')
    const file = path.join(e.tmpDir, 'dash-pod.yaml')
    fs.writeFileSync(file, `apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: ${NS}}\nspec:\n  nodeName: ${NODE}\n  terminationGracePeriodSeconds: 1\n  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]\n`)
    const created = await e.kubectl(['create', '-f', file])
    expect(created.code, created.stderr).toBe(0)
    await expect.poll(() => statusOf(page, `${NS}/web`).textContent(), { timeout: 15_000 }).toBe('Pending')
    const agent = startAgent(e, NODE, ['--server', e.url, '--port', String(await freePort())])
    agents.push(agent)
    await agent.waitFor('kubelet API listening')
    await expect.poll(() => statusOf(page, `${NS}/web`).textContent(), { timeout: 30_000 }).toBe('Running')
    await expect.poll(() => page.locator(`[data-testid="row-${NS}/web"] td[data-col="Node"]`).textContent()).toBe(NODE)
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true)
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1)
    await shoot(page, 'dashboard-pods.png')
    const nodes = await open('#/nodes')
    await expect.poll(() => statusOf(nodes, NODE).textContent(), { timeout: 15_000 }).toBe('Ready')
    await nodes.close()
    await page.close()
  }, 120_000)

  it('follows a pod\'s log, and shows its YAML as the server writes it', async ({ skip }) => {
    if (!browser || !agents.length) return skip()
    await create(e, `/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'talker', namespace: NS },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "line-$i"; sleep 0.2; done'] }] },
    })
    const page = await open(`#/pods?ns=${NS}&sel=${NS}/talker`)
    const logs = page.locator('[data-testid="logs"]')
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toContain('line-3')
    const count = (t: string | null) => (t ?? '').split('\n').filter((l) => l.startsWith('line-')).length
    const before = count(await logs.textContent())
    await expect.poll(async () => count(await logs.textContent()), { timeout: 15_000 }).toBeGreaterThan(before + 3)
    await shoot(page, 'dashboard-logs.png')
    await page.getByRole('button', { name: 'YAML' }).click()
    const yaml = page.locator('[data-testid="yaml"]')
    await expect.poll(() => yaml.textContent(), { timeout: 15_000 }).toContain('kind: Pod')
    const server = await e.http('GET', `/api/v1/namespaces/${NS}/pods/talker`, undefined, { accept: 'application/yaml' })
    const shown = (await yaml.textContent()) ?? ''
    expect(shown).toContain(`name: talker\n  namespace: ${NS}\n`)
    expect(server.text).toContain(`name: talker\n  namespace: ${NS}\n`)
    await page.close()
  }, 120_000)
})
