// Headless Chromium for the dashboard tests: Debian's chromium (installed with
// apt-get when missing and the tests run as root), driven by playwright-core.
// playwright-core launches it in its own process and closes it on close().
import { spawnSync } from 'node:child_process'
import { chromium, type Browser } from 'playwright-core'

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim()

function chromiumPath(log: (m: string) => void): string {
  const found = has('chromium') || has('chromium-browser')
  if (found) return found
  if (process.getuid?.() !== 0) throw new Error('chromium is missing and the tests do not run as root, so apt-get cannot install it')
  if (!has('apt-get')) throw new Error('chromium is missing and there is no apt-get')
  log('installing chromium with apt-get (once)')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'ignore' }).status === 0
  if (!install()) {
    log('apt-get install failed; running apt-get update first')
    spawnSync('apt-get', ['update'], { env, stdio: 'ignore' })
    install()
  }
  const path = has('chromium')
  if (!path) throw new Error('apt-get could not install chromium')
  return path
}

/** A headless Chromium, or undefined (with the reason printed) when it cannot run here. */
export async function launchChromium(what: string): Promise<Browser | undefined> {
  try {
    const executablePath = chromiumPath((m) => console.log(`[${what}] ${m}`))
    return await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  } catch (e) {
    console.warn(`[${what}] SKIPPED: headless Chromium cannot run here: ${(e as Error).message}`)
    return undefined
  }
}
