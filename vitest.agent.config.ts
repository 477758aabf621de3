// Unit tests of the node agent's own modules, in Node (the agent is not a Worker).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { name: 'agent', environment: 'node', include: ['test/agent/**/*.test.ts'], pool: 'forks' },
})
