import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql@16 ships CJS (`main`) and ESM (`module`) copies. Node, and every dependency loaded by
    // Node, gets the CJS one; Vite would hand our sources the ESM one, and `instanceof GraphQLError`
    // would then fail across the two copies. Pin our sources to the copy Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // @apollo/gateway otherwise starts an OpenTelemetry exporter (and cloud resource detectors) that
    // reach beyond this machine; tests talk to loopback only.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
  },
});
