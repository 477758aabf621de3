import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

// Unit and integration tests run inside workerd, against the real Durable Object store.
export default defineConfig({
  plugins: [cloudflareTest({ main: './src/index.ts', wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { EDGEKUBE_BOOKMARK_SECONDS: '1', EDGEKUBE_INSECURE_PORT: 'true' } } })],
  test: { include: ['test/unit/**/*.test.ts'], exclude: ['test/unit/secure/**'] },
});
