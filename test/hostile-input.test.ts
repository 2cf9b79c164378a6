import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

/** Every rejected document must cost zero upstream calls: each test ends by checking that. */
describe('hostile input is refused before it spends the upstream budget', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { MAX_UINS_PER_REQUEST: '30', MAX_COST: '500', NODE_ENV: 'production', AUTH_MODE: 'none' } });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  const uins = (from: number, count: number) => harness.simulator.data.customerUins.slice(from, from + count).map(String);
  const expectRejected = (result: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }, pattern: RegExp) => {
    expect(result.errors?.[0]?.message).toMatch(pattern);
    expect(harness.simulator.stats().calls).toHaveLength(0);
  };

  it('too many aliases', async () => {
    const fields = Array.from({ length: 101 }, (_, i) => `a${i}: voucherPool { agentName }`).join(' ');
    expectRejected(await harness.query(`{ ${fields} }`), /Aliases limit of 100 exceeded/);
  });

  it('too deep', async () => {
    // Our schema is shallow (customer → voucherQuota → remainAmount), so only a document that also
    // fails validation can be deeper than 8; the depth rule names the real problem too.
    const deep = `{ customer(uin: ${uins(0, 1)[0]}) { voucherQuota { a { b { c { d { e { f { g { h } } } } } } } } } }`;
    const result = await harness.query(deep);
    expect(result.errors?.map((error) => error.message).join('\n')).toMatch(/Query depth limit of 8 exceeded|Depth limit of 8 exceeded/i);
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('too many tokens', async () => {
    const list = Array.from({ length: 6000 }, () => '1').join(' ');
    expectRejected(await harness.query(`{ customers(uins: [${list}]) { uin } }`), /Token limit of 5000 exceeded/);
  });

  it('too many directives', async () => {
    const directives = Array.from({ length: 11 }, () => '@include(if: true)').join(' ');
    expectRejected(await harness.query(`{ voucherPool ${directives} { agentName } }`), /Directives limit of 10 exceeded/);
  });

  it('a customers list priced per UIN over the cost limit', async () => {
    // customers costs 1 + (UINs × its selection); voucherQuota costs 5 plus its fields.
    // 1 + 25 × (5 + 1) = 151: allowed.
    const within = await harness.query(`query ($u: [UIN!]!) { customers(uins: $u) { voucherQuota { remainAmount } } }`, { u: uins(0, 25) });
    expect(within.errors).toBeUndefined();
    harness.simulator.resetStats();
    // 1 + 30 × (5 + 3) = 241 per list; three aliases of it = 723 > 500.
    const list = JSON.stringify(uins(0, 30));
    const query = ['a', 'b', 'c'].map((alias) => `${alias}: customers(uins: ${list}) { voucherQuota { remainAmount totalAmount usedAmount } }`).join(' ');
    const result = await harness.query(`{ ${query} }`);
    expectRejected(result, /This query costs 723; at most 500 is allowed/);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', cost: 723, maxCost: 500 });
  });

  it('more distinct UINs per request than allowed, across fields, aliases, fragments and variables', async () => {
    const result = await harness.query(
      `query ($more: [UIN!]!) {
        a: customers(uins: ${JSON.stringify(uins(0, 20))}) { uin }
        ...More
        c: customer(uin: "${uins(40, 1)[0]}") { uin }
      }
      fragment More on Query { b: customers(uins: $more) { uin } }`,
      { more: uins(20, 10) },
    );
    expectRejected(result, /names 31 distinct UINs; at most 30/);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxUins: 30, requestedUins: 31 });
  });

  it('counts duplicates once, so the same UINs under two aliases pass', async () => {
    const list = JSON.stringify(uins(0, 20));
    const result = await harness.query(`{ a: customers(uins: ${list}) { uin } b: customers(uins: ${list}) { uin } c: customer(uin: ${uins(0, 1)[0]}) { uin } }`);
    expect(result.errors).toBeUndefined();
  });

  it('counts _entities representations too', async () => {
    const representations = uins(0, 31).map((uin) => ({ __typename: 'Customer', uin }));
    const result = await harness.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { voucherQuota { remainAmount } } } }', {
      r: representations,
    });
    expectRejected(result, /names 31 distinct UINs/);
  });

  it('hides field suggestions when introspection is off', async () => {
    const result = await harness.query('{ voucherPol { agentName } }');
    expect(result.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('HTTP: refuses a body over the limit (413) and a body of unknown length (411)', async () => {
    const big = await harness.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(200_000) },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(199_950) }),
    });
    expect(big.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"query":"{ voucherPool { agentName } }"}'));
        controller.close();
      },
    });
    const chunked = await harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(411);
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('HTTP: batched operation arrays are refused; GET serves queries', async () => {
    const batch = JSON.stringify([{ query: '{ voucherPool { agentName } }' }, { query: '{ voucherPool { issuedNum } }' }]);
    const batched = await harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(batch.length) }, body: batch });
    expect(batched.status).toBe(400);
    expect(harness.simulator.stats().calls).toHaveLength(0);
    const get = await harness.fetch(`/graphql?query=${encodeURIComponent('{ customer(uin: 5) { uin } }')}`, { headers: { accept: 'application/json' } });
    expect(JSON.parse(get.text)).toEqual({ data: { customer: { uin: '5' } } });
  });
});
