import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

/**
 * The GraphQL-over-HTTP spec's own audits (graphql-http `serverAudits`) against the running server.
 * MUST and SHOULD audits must pass; MAY audits we knowingly fail are listed (and explained in docs/frontend.md).
 */
const ACCEPTED_MAY_FAILURES: readonly string[] = [];

describe('GraphQL over HTTP (graphql-http serverAudits)', () => {
  let harness: Harness;
  let serverUrl: string;
  beforeAll(async () => {
    harness = await startHarness();
    serverUrl = await harness.listen();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('passes every MUST and SHOULD audit', async () => {
    const results = await Promise.all(serverAudits({ url: `${serverUrl}/graphql` }).map(async (audit) => ({ audit, result: await audit.fn() })));
    const failures = results
      .filter(({ result }) => result.status !== 'ok')
      .map(({ audit, result }) => `${audit.name.split(' ')[0]} ${audit.id} ${result.status}: ${audit.name} — ${'reason' in result ? result.reason : ''}`);
    const mustOrShould = failures.filter((failure) => !/^MAY /.test(failure));
    const may = failures.filter((failure) => /^MAY /.test(failure));
    console.log(`graphql-http audits: ${results.length - failures.length} / ${results.length} passed`);
    expect(mustOrShould).toEqual([]);
    expect(may.map((failure) => failure.split(' ')[1])).toEqual(ACCEPTED_MAY_FAILURES);
    // Audits send only `{ __typename }`-style documents: nothing reaches the upstream.
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });
});
