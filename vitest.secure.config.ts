import { defineConfig } from 'vitest/config';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';

// The Worker as deployed: authentication on (no EDGEKUBE_INSECURE_PORT), with
// a static token file. Tests of authentication and authorization run here.
export const TOKEN_AUTH = [
  'admin-token,admin,uid-admin,"system:masters"',
  'alice-token,alice,uid-alice,"devs,qa"',
  'bob-token,bob,uid-bob',
  'node1-token,system:node:n1,uid-n1,"system:nodes"',
  'node2-token,system:node:n2,uid-n2,"system:nodes"',
].join('\n');

export default defineConfig({
  plugins: [cloudflareTest({
    main: './src/index.ts', wrangler: { configPath: './wrangler.toml' },
    miniflare: { bindings: { EDGEKUBE_BOOKMARK_SECONDS: '1', EDGEKUBE_TOKEN_AUTH: TOKEN_AUTH, EDGEKUBE_MAX_REQUESTS_IN_FLIGHT: '8' } },
  })],
  test: { include: ['test/unit/secure/**/*.test.ts'] },
});
