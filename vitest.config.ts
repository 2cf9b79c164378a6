import { defineConfig } from 'vitest/config';

/**
 * Three groups, run one after the other so that CPU-heavy work never runs beside timing-sensitive work
 * (on a 2-core CI machine a busy CPU delays the simulator's own clock and the gateways' event loops):
 * 1. `unit` and `integration`, in parallel: counts, order and outcomes, no wall-clock assertions;
 * 2. `quiet` (`*.quiet.test.ts`), one file at a time: several gateway processes against one simulator
 *    whose arrival times decide the rate-limit assertions;
 * 3. `heavy` (`*.heavy.test.ts`), one file at a time: tsc builds and Chromium.
 */
export default defineConfig({
  resolve: {
    // graphql@16 ships CJS (`main`) and ESM (`module`) copies. Node, and every dependency loaded by
    // Node, gets the CJS one; Vite would hand our sources the ESM one, and `instanceof GraphQLError`
    // would then fail across the two copies. Pin our sources to the copy Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // @apollo/gateway otherwise starts an OpenTelemetry exporter (and cloud resource detectors) that
    // reach beyond this machine; tests talk to loopback only.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/*.test.ts'],
          exclude: ['test/*.quiet.test.ts', 'test/*.heavy.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'quiet', include: ['test/*.quiet.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'heavy', include: ['test/*.heavy.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } } },
    ],
  },
});
