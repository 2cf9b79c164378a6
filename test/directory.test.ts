import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { CustomerDirectoryDocument } from '../operations/generated/graphql.js';
import { createDemoData, EXAMPLE_NON_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';

const data = createDemoData({ customers: 2000 });
const calls = (harness: Harness, action: 'DescribeCustomerUin' | 'DescribeCustomerInfo' | 'QueryVoucherListByUin' | 'QueryVoucherAmountByUin') =>
  harness.simulator.callsOf(action);
const PAGE = 'query ($first: Int, $after: String) { allCustomers(first: $first, after: $after) { totalCount edges { cursor node { uin } } nodes { uin } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';
type Page = {
  allCustomers: {
    totalCount: number;
    edges: { cursor: string; node: { uin: string } }[];
    nodes: { uin: string }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
};

describe('allCustomers: the paged customer directory', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('walks all 2000 customers with first: 100 in order, once each, in 20 DescribeCustomerUin calls', async () => {
    harness = await startHarness({ simulator: { data } });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; ; page++) {
      const result: { data?: Page | null; errors?: unknown } = await harness.query<Page>(PAGE, { first: 100, after });
      expect(result.errors).toBeUndefined();
      const connection = (result.data as Page).allCustomers;
      expect(connection.totalCount).toBe(2000);
      expect(connection.nodes.map((node) => node.uin)).toEqual(connection.edges.map((edge) => edge.node.uin));
      expect(connection.pageInfo.hasPreviousPage).toBe(page > 0);
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor);
      seen.push(...connection.nodes.map((node) => node.uin));
      after = connection.pageInfo.endCursor;
      if (!connection.pageInfo.hasNextPage) break;
      expect(page).toBeLessThan(19);
    }
    expect(seen).toEqual(data.customerUins.map(String));
    expect(calls(harness, 'DescribeCustomerUin')).toHaveLength(20);
    // A cursor is a position, not server state: it works on a fresh gateway too.
    const fresh = await startHarness({ simulator: { data } });
    try {
      const cursor = (await harness.query<Page>(PAGE, { first: 10 })).data?.allCustomers.pageInfo.endCursor;
      const next = await fresh.query<Page>(PAGE, { first: 5, after: cursor });
      expect(next.data?.allCustomers.nodes.map((node) => node.uin)).toEqual(data.customerUins.slice(10, 15).map(String));
    } finally {
      await fresh.close();
    }
  });

  it('reads first: 250 in at most 3 upstream pages, and refuses first outside 1–1000 and foreign cursors with no upstream call', async () => {
    harness = await startHarness({ simulator: { data } });
    const page = await harness.query<Page>(PAGE, { first: 250 });
    expect(page.data?.allCustomers.nodes).toHaveLength(250);
    expect(calls(harness, 'DescribeCustomerUin').length).toBeLessThanOrEqual(3);
    harness.simulator.resetStats();
    for (const first of [0, -1, 1001]) {
      const result = await harness.query(PAGE, { first });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(/first from 1 to 1000/);
    }
    const badCursor = await harness.query(PAGE, { first: 5, after: 'not-a-cursor' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('100 customers with voucherQuota, profile and vouchers cost 5 + 5 + 5 calls (plus 1 directory page)', async () => {
    harness = await startHarness({ simulator: { data } });
    const result = await harness.execute(CustomerDirectoryDocument, { first: 100 });
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.allCustomers.nodes ?? [];
    expect(nodes).toHaveLength(100);
    for (const node of nodes) {
      const expected = data.customers.get(Number(node.uin));
      expect(node.voucherQuota?.remainAmount).toBe(expected?.remainAmount);
      expect(node.profile?.name).toBe(expected?.profile.Name || null);
      expect(node.vouchers?.totalCount).toBe(expected?.vouchers.length);
      expect(node.vouchers?.items.map((voucher) => voucher.id)).toEqual(expected?.vouchers.map((voucher) => voucher.VoucherId));
    }
    expect(calls(harness, 'DescribeCustomerUin')).toHaveLength(1);
    for (const action of ['QueryVoucherAmountByUin', 'DescribeCustomerInfo', 'QueryVoucherListByUin'] as const) {
      expect(calls(harness, action).map((call) => call.uins?.length)).toEqual([20, 20, 20, 20, 20]);
    }
    expect(harness.simulator.stats().rateLimited).toBe(0);
  });

  it('filters vouchers by status: one call per 20 customers per status value', async () => {
    harness = await startHarness({ simulator: { data } });
    const uins = data.customerUins.slice(0, 20).map(String);
    const result = await harness.query<{ customers: { all: { totalCount: number; items: { status: string }[] }; unused: { totalCount: number; items: { status: string }[] }; again: { totalCount: number } }[] }>(
      'query ($uins: [UIN!]!) { customers(uins: $uins) { all: vouchers { totalCount items { status } } unused: vouchers(status: UNUSED) { totalCount items { status } } again: vouchers(status: UNUSED) { totalCount } } }',
      { uins },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.customers).toHaveLength(20);
    result.data?.customers.forEach((customer, i) => {
      const expected = data.customers.get(Number(uins[i]))?.vouchers ?? [];
      expect(customer.all.totalCount).toBe(expected.length);
      expect(customer.unused.totalCount).toBe(expected.filter((voucher) => voucher.VoucherStatus === 'Unused').length);
      expect(customer.unused.items.every((voucher) => voucher.status === 'UNUSED')).toBe(true);
      expect(customer.again.totalCount).toBe(customer.unused.totalCount);
    });
    const voucherCalls = calls(harness, 'QueryVoucherListByUin');
    expect(voucherCalls.map((call) => [call.status ?? 'all', call.uins?.length]).sort()).toEqual([
      ['Unused', 20],
      ['all', 20],
    ]);
    const unknown = await harness.query('{ customer(uin: "200000097917") { vouchers(status: UNKNOWN) { totalCount } } }');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('maps every code, empty strings and UTC+8 times as documented', async () => {
    harness = await startHarness({ simulator: { data } });
    const uins = data.customerUins.slice(0, 8).map(String);
    const result = await harness.query<{ customers: Record<string, unknown>[] }>(
      'query ($uins: [UIN!]!) { customers(uins: $uins) { profile { name email phone remark boundAt registeredAt verifiedAt accountStatus verificationStatus verificationType hasExpense } } }',
      { uins },
    );
    expect(result.errors).toBeUndefined();
    const profiles = result.data?.customers.map((customer) => customer.profile) as Record<string, unknown>[];
    expect(profiles.slice(0, 7).map((profile) => profile.accountStatus)).toEqual(['NORMAL', 'FORCED', 'ARREARS', 'NORMAL', 'FORCED', 'ARREARS', 'UNKNOWN']);
    expect(profiles.slice(0, 6).map((profile) => profile.verificationStatus)).toEqual(['NOT_FOUND', 'NOT_UPLOADED', 'PENDING', 'IN_REVIEW', 'REJECTED', 'VERIFIED']);
    expect(profiles[6]?.verificationStatus).toBe('UNKNOWN');
    expect(profiles.slice(0, 3).map((profile) => profile.verificationType)).toEqual(['UNKNOWN', 'PERSONAL', 'ENTERPRISE']);
    expect(profiles[6]?.verificationType).toBe('UNKNOWN');
    expect(profiles.map((profile) => profile.hasExpense)).toEqual([false, true, false, true, false, true, false, true]);
    // Customer 7 has empty strings everywhere: nulls, not errors.
    expect(profiles[7]).toMatchObject({ name: null, email: null, phone: null, remark: null, boundAt: null, registeredAt: null, verifiedAt: null });
    // "2021-..-.. hh:mm:ss" Beijing time is 8 hours earlier in UTC.
    const upstream = data.customers.get(Number(uins[0]))?.profile.BindTime as string;
    expect(profiles[0]?.boundAt).toBe(new Date(Date.parse(`${upstream.replace(' ', 'T')}+08:00`)).toISOString());
    expect(profiles[5]?.verifiedAt).toEqual(expect.stringMatching(/Z$/));
    // Each unknown code was logged once.
    const unknownLogs = harness.logs.filter((line) => line.msg === 'unknown upstream code mapped to UNKNOWN');
    expect(unknownLogs.map((line) => `${line.field}=${line.code}`).sort()).toEqual(['AccountStatus=7', 'AuthStatus=42', 'AuthType=5']);
    await harness.query('{ customer(uin: "' + uins[6] + '") { profile(maxAge: 0) { accountStatus } } }');
    expect(harness.logs.filter((line) => line.msg === 'unknown upstream code mapped to UNKNOWN')).toHaveLength(3);
  });

  it.each(['fail-call', 'omit'] as const)('a foreign UIN in batches of each action (%s): null with CUSTOMER_NOT_FOUND for that customer only', async (mode) => {
    harness = await startHarness({ simulator: { data, unknownUinMode: mode } });
    const uins = [...data.customerUins.slice(0, 5).map(String), String(EXAMPLE_NON_CUSTOMER_UIN), ...data.customerUins.slice(5, 9).map(String)];
    const result = await harness.query<{ customers: { profile: object | null; vouchers: object | null; voucherQuota: object | null }[] }>(
      'query ($uins: [UIN!]!) { customers(uins: $uins) { profile { name } vouchers { totalCount } voucherQuota { remainAmount } } }',
      { uins },
    );
    expect(result.data?.customers).toHaveLength(10);
    result.data?.customers.forEach((customer, i) => {
      const stranger = i === 5;
      expect(customer.profile === null).toBe(stranger);
      expect(customer.vouchers === null).toBe(stranger);
      expect(customer.voucherQuota === null).toBe(stranger);
    });
    expect((result.errors ?? []).map((error) => [error.path?.join('.'), error.extensions?.code]).sort()).toEqual([
      ['customers.5.profile', 'CUSTOMER_NOT_FOUND'],
      ['customers.5.voucherQuota', 'CUSTOMER_NOT_FOUND'],
      ['customers.5.vouchers', 'CUSTOMER_NOT_FOUND'],
    ]);
  });

  it('prices allCustomers by first: a 1000-node page with three per-customer fields is refused before any call', async () => {
    harness = await startHarness({ simulator: { data } });
    const result = await harness.query('{ allCustomers(first: 1000) { nodes { voucherQuota { remainAmount } profile { name } vouchers { totalCount } } } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/costs \d+; at most 10000/);
    expect(harness.simulator.stats().calls).toHaveLength(0);
    // The same page with UINs only is cheap: the directory pages are all it costs upstream.
    const uinsOnly = await harness.query<Page>('{ allCustomers(first: 1000) { totalCount nodes { uin } edges { cursor } } }');
    expect(uinsOnly.errors).toBeUndefined();
    expect(harness.simulator.callsOf('DescribeCustomerUin')).toHaveLength(10);
    const capped = await startHarness({ simulator: { data }, env: { MAX_UINS_PER_REQUEST: '100' } });
    try {
      const over = await capped.query('{ allCustomers(first: 101) { nodes { uin } } }');
      expect(over.errors?.[0]?.message).toMatch(/lists up to 101 customers/);
      expect(capped.simulator.stats().calls).toHaveLength(0);
    } finally {
      await capped.close();
    }
  });
});

describe('personal data (email, phone)', () => {
  const SECRET = 'directory-test-secret-of-at-least-32-characters';
  const QUERY = '{ customer(uin: "200000097917") { profile { name email phone } } }';
  let harness: Harness;
  afterEach(() => harness.close());
  const ask = async (token: string) => {
    const response = await harness.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
    });
    return JSON.parse(response.text) as { data: { customer: { profile: { name: string; email: string | null; phone: string | null } } }; errors?: { path: string[]; extensions: { code: string } }[] };
  };

  it('withholds email and phone without the customers:pii scope, serves them with it', async () => {
    harness = await startHarness({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET } });
    const profile = harness.simulator.data.customers.get(200000097917)?.profile;
    const without = await ask(jwt.sign({ sub: 'frontend', scope: 'customers:read' }, SECRET));
    expect(without.data.customer.profile).toEqual({ name: profile?.Name, email: null, phone: null });
    expect(without.errors?.map((error) => [error.path.join('.'), error.extensions.code]).sort()).toEqual([
      ['customer.profile.email', 'FORBIDDEN'],
      ['customer.profile.phone', 'FORBIDDEN'],
    ]);
    const withScope = await ask(jwt.sign({ sub: 'billing', scope: 'customers:read customers:pii' }, SECRET));
    expect(withScope.errors).toBeUndefined();
    expect(withScope.data.customer.profile).toEqual({ name: profile?.Name, email: profile?.Email, phone: profile?.Phone });
    const scp = await ask(jwt.sign({ sub: 'billing', scp: ['customers:pii'] }, SECRET));
    expect(scp.data.customer.profile.email).toBe(profile?.Email);
  });

  it('serves them with AUTH_MODE=none (behind an authenticating router, or in development)', async () => {
    harness = await startHarness();
    const result = await harness.query(QUERY);
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer.profile.email).toBe(harness.simulator.data.customers.get(200000097917)?.profile.Email);
  });
});
