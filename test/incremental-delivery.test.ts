import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { parse, type DocumentNode } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData, EXAMPLE_NON_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';

const data = createDemoData({ customers: 1100 });
type Customer = { uin: string; voucherQuota: { remainAmount: number } | null; profile?: { name: string | null } | null };
type Result = { data?: { customers: Customer[] }; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
const STREAMED = parse('query ($u: [UIN!]!) { customers(uins: $u) @stream(initialCount: 0) { uin voucherQuota { remainAmount } } }') as DocumentNode;

/**
 * `@stream` and `@defer` over real HTTP, read by a real incremental client (`@graphql-tools/executor-http`,
 * which merges each payload into the result so far) and, for SSE, by hand.
 */
describe('incremental delivery: @stream and @defer', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const start = async (env: Record<string, string> = {}) => {
    harness = await startHarness({ simulator: { data, latencyMs: [50, 150], unknownUinMode: 'fail-call' }, env: { MAX_UINS_PER_QUERY: '1000', ...env } });
    return buildHTTPExecutor({ endpoint: `${await harness.listen()}/graphql` });
  };
  /** Every merged result the client yields, with how many upstream calls had arrived when it did. */
  const collect = async (results: unknown) => {
    const seen: { result: Result; calls: number }[] = [];
    // The client merges each payload into one result object: keep a copy of each state.
    for await (const result of results as AsyncIterable<Result>) seen.push({ result: structuredClone(result), calls: harness.simulator.callsOf('QueryVoucherAmountByUin').length });
    return seen;
  };

  it('1000 UINs with @stream(initialCount: 0): customers arrive while the calls go on, in order, all right, in exactly 50 calls', async () => {
    const executor = await start();
    const uins = data.customerUins.slice(0, 1000);
    const seen = await collect(await executor({ document: STREAMED, variables: { u: uins.map(String) } }));
    const final = seen.at(-1)?.result;
    expect(final?.errors).toBeUndefined();
    expect(final?.data?.customers.map((customer) => customer.uin)).toEqual(uins.map(String));
    for (const customer of final?.data?.customers ?? []) expect(customer.voucherQuota?.remainAmount).toBe(data.customers.get(Number(customer.uin))?.remainAmount);
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(50);
    // The first customers reached the client after the first call, long before the fiftieth.
    const firstCustomers = seen.find(({ result }) => (result.data?.customers.length ?? 0) > 0);
    expect(firstCustomers?.calls).toBeLessThanOrEqual(5);
    expect(seen.length).toBeGreaterThan(5);
    // One request, one log line, when the stream is over.
    const lines = harness.logs.filter((line) => line.msg === 'request' && line.path === '/graphql');
    expect(lines).toHaveLength(1);
  }, 60_000);

  it('a stranger inside a streamed list arrives as voucherQuota: null with CUSTOMER_NOT_FOUND in its payload', async () => {
    const executor = await start();
    const uins = [...data.customerUins.slice(0, 30).map(String), String(EXAMPLE_NON_CUSTOMER_UIN), ...data.customerUins.slice(30, 39).map(String)];
    const seen = await collect(await executor({ document: STREAMED, variables: { u: uins } }));
    const final = seen.at(-1)?.result;
    expect(final?.data?.customers).toHaveLength(40);
    expect(final?.data?.customers[30]).toEqual({ uin: String(EXAMPLE_NON_CUSTOMER_UIN), voucherQuota: null });
    expect(final?.data?.customers.filter((customer) => customer.voucherQuota === null)).toHaveLength(1);
    expect(final?.errors).toEqual([expect.objectContaining({ path: ['customers', 30, 'voucherQuota'], extensions: expect.objectContaining({ code: 'CUSTOMER_NOT_FOUND' }) })]);
  });

  it('@defer on a fragment: quotas first, profiles in a later payload', async () => {
    const executor = await start();
    const uins = data.customerUins.slice(0, 20).map(String);
    const document = parse('query ($u: [UIN!]!) { customers(uins: $u) { uin voucherQuota { remainAmount } ... @defer { profile { name } } } }') as DocumentNode;
    const seen = await collect(await executor({ document, variables: { u: uins } }));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]?.result.data?.customers.every((customer) => customer.profile === undefined && customer.voucherQuota !== null)).toBe(true);
    const final = seen.at(-1)?.result;
    expect(final?.data?.customers.map((customer) => customer.profile?.name)).toEqual(uins.map((uin) => data.customers.get(Number(uin))?.profile.Name || null));
  });

  it('over SSE (Accept: text/event-stream): the same stream as `next` events, then `complete`', async () => {
    await start();
    const url = await harness.listen();
    const uins = data.customerUins.slice(0, 60).map(String);
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'query ($u: [UIN!]!) { customers(uins: $u) @stream(initialCount: 1) { uin } }', variables: { u: uins } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: ?(.*)$/gm)].map(([, event, payload]) => ({ event, payload: JSON.parse(payload || '{}') as Record<string, any> }));
    expect(events.at(-1)?.event).toBe('complete');
    const next = events.filter(({ event }) => event === 'next');
    expect(next[0]?.payload).toEqual({ data: { customers: [{ uin: uins[0] }] }, hasNext: true });
    const streamed = next.slice(1).flatMap(({ payload }) => (payload.incremental ?? []).flatMap((part: { items?: { uin: string }[] }) => part.items ?? []));
    expect(streamed.map((item: { uin: string }) => item.uin)).toEqual(uins.slice(1));
  });

  it("the request's deadline ends a stream: every item arrives, the ones it cut off with coded errors", async () => {
    const executor = await start({ REQUEST_DEADLINE_MS: '2000' });
    const uins = data.customerUins.slice(0, 1000).map(String);
    const seen = await collect(await executor({ document: STREAMED, variables: { u: uins } }));
    const final = seen.at(-1)?.result;
    expect(final?.data?.customers).toHaveLength(1000);
    const answered = final?.data?.customers.filter((customer) => customer.voucherQuota !== null).length ?? 0;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(1000);
    expect(final?.errors).toHaveLength(1000 - answered);
    for (const error of final?.errors ?? []) expect(['GATEWAY_OVERLOADED', 'UPSTREAM_UNAVAILABLE']).toContain(error.extensions?.code);
  }, 30_000);

  it('@stream on allCustomers nodes and edges, and on vouchers items; the subgraph SDL declares no @stream', async () => {
    const executor = await start();
    const document = parse(
      '{ allCustomers(first: 30) { edges @stream(initialCount: 1) { node { uin } } nodes @stream(initialCount: 0) { uin vouchers { items @stream(initialCount: 0) { id } } } } }',
    ) as DocumentNode;
    const seen = await collect(await executor({ document }));
    const final = seen.at(-1)?.result as unknown as { data: { allCustomers: { edges: { node: { uin: string } }[]; nodes: { uin: string; vouchers: { items: { id: string }[] } }[] } }; errors?: unknown };
    expect(final.errors).toBeUndefined();
    const directory = data.customerUins.slice(0, 30).map(String);
    expect(final.data.allCustomers.edges.map((edge) => edge.node.uin)).toEqual(directory);
    expect(final.data.allCustomers.nodes.map((node) => node.uin)).toEqual(directory);
    for (const node of final.data.allCustomers.nodes) {
      expect(node.vouchers.items.map((item) => item.id)).toEqual(data.customers.get(Number(node.uin))?.vouchers.map((voucher) => voucher.VoucherId));
    }
    expect(seen.length).toBeGreaterThan(1);
    const sdl = JSON.parse((await harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _service { sdl } }' }) })).text) as { data: { _service: { sdl: string } } };
    expect(sdl.data._service.sdl).not.toMatch(/directive @(stream|defer)/);
  });

  it('limits refuse a streamed document before any upstream call', async () => {
    const executor = await start({ MAX_UINS_PER_QUERY: '100' });
    const result = (await executor({ document: STREAMED, variables: { u: data.customerUins.slice(0, 101).map(String) } })) as Result;
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });
});
