import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLScalarType, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchSizes, startHarness, type Harness } from './support/harness.js';

const CUSTOMER_COUNT = 45;

describe('Apollo Federation v2 subgraph', () => {
  let harness: Harness;
  let vouchersUrl: string;
  beforeAll(async () => {
    harness = await startHarness();
    vouchersUrl = await harness.listen();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => harness.reset());

  it('serves _service { sdl }, identical to the committed schema.graphql', async () => {
    const result = await harness.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(result.data?._service.sdl.trim()).toBe(committed.trim());
    expect(committed).toMatch(/type Customer\s+@key\(fields: "uin"\)/);
  });

  it('resolves 100 Customer representations with exactly 5 upstream calls of 20', async () => {
    const uins = harness.simulator.data.customerUins.slice(0, 100).map(String);
    const result = await harness.query<{ _entities: { uin: string; voucherQuota: { remainAmount: number } }[] }>(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { uin voucherQuota { remainAmount } } } }',
      { r: uins.map((uin) => ({ __typename: 'Customer', uin })) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities.map((entity) => entity.uin)).toEqual(uins);
    expect(result.data?._entities[42]?.voucherQuota.remainAmount).toBe(harness.simulator.data.customers.get(Number(uins[42]))?.remainAmount);
    expect(batchSizes(harness.simulator)).toEqual([20, 20, 20, 20, 20]);
  });

  it('rejects a representation with an invalid UIN on that entity only', async () => {
    const result = await harness.query<{ _entities: ({ uin: string } | null)[] }>(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { uin } } }',
      { r: [{ __typename: 'Customer', uin: '200000097917' }, { __typename: 'Customer', uin: '12.5' }] },
    );
    expect(result.data?._entities).toEqual([{ uin: '200000097917' }, null]);
    expect(result.errors).toEqual([expect.objectContaining({ path: ['_entities', 1], extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  describe('composed with a partner subgraph behind @apollo/gateway', () => {
    let partner: Server;
    let partnerUrl: string;
    let router: ApolloServer;
    let routerUrl: string;
    let hints: { definition: { code: string }; message: string }[];
    let partnerCustomers: { uin: string; name: string }[];

    beforeAll(async () => {
      partnerCustomers = harness.simulator.data.customerUins.slice(0, CUSTOMER_COUNT).map((uin, i) => ({ uin: String(uin), name: `Partner customer ${i + 1}` }));
      // A partner team's own subgraph: it owns the customer list and names, and nothing of ours.
      const partnerTypeDefs = parse(/* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

        "A Tencent Cloud account ID (UIN). Input: decimal string or integer literal. Output: decimal string."
        scalar UIN

        # Shared entity: described once, by the vouchers subgraph, so composition has nothing to reconcile.
        type Customer @key(fields: "uin") {
          "The customer's Tencent Cloud account ID."
          uin: UIN!
          "Display name, owned by the partner graph."
          name: String!
        }

        type Query {
          "The partner's customers."
          partnerCustomers: [Customer!]!
        }
      `);
      const partnerSchema = buildSubgraphSchema({
        typeDefs: partnerTypeDefs,
        resolvers: {
          UIN: new GraphQLScalarType({ name: 'UIN' }),
          Query: { partnerCustomers: () => partnerCustomers },
          Customer: { __resolveReference: (ref: { uin: string }) => partnerCustomers.find((customer) => customer.uin === ref.uin) },
        } as never,
      });
      partner = createServer(createYoga({ schema: partnerSchema, logging: false }));
      await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
      partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/graphql`;

      const vouchersSdl = (await harness.query<{ _service: { sdl: string } }>('{ _service { sdl } }')).data?._service.sdl ?? '';
      const composition = composeServices([
        { name: 'vouchers', typeDefs: parse(vouchersSdl), url: `${vouchersUrl}/graphql` },
        { name: 'partner', typeDefs: partnerTypeDefs, url: partnerUrl },
      ]);
      expect(composition.errors).toBeUndefined();
      hints = (composition.hints ?? []).map((hint) => ({ definition: { code: hint.definition.code }, message: hint.message }));
      const supergraphSdl = composition.supergraphSdl as string;

      router = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
      ({ url: routerUrl } = await startStandaloneServer(router, { listen: { port: 0, host: '127.0.0.1' } }));
    });
    afterAll(async () => {
      await router?.stop();
      await new Promise((resolve) => partner?.close(resolve));
    });

    it('composes with no errors and no hints', () => {
      expect(hints).toEqual([]);
    });

    it(`resolves partnerCustomers { uin name voucherQuota } for ${CUSTOMER_COUNT} customers with exactly 3 upstream calls`, async () => {
      const response = await fetch(routerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ partnerCustomers { uin name voucherQuota { remainAmount totalAmount } } }' }),
      });
      const result = (await response.json()) as {
        errors?: unknown;
        data: { partnerCustomers: { uin: string; name: string; voucherQuota: { remainAmount: number; totalAmount: number } }[] };
      };
      expect(result.errors).toBeUndefined();
      expect(result.data.partnerCustomers).toHaveLength(CUSTOMER_COUNT);
      result.data.partnerCustomers.forEach((customer, i) => {
        const expected = harness.simulator.data.customers.get(Number(customer.uin));
        expect(customer.name).toBe(`Partner customer ${i + 1}`);
        expect(customer.voucherQuota).toEqual({ remainAmount: expected?.remainAmount, totalAmount: expected?.totalAmount });
      });
      expect(batchSizes(harness.simulator).sort((a, b) => b - a)).toEqual([20, 20, 5]);
    });

    it(`resolves the directory fields (profile, vouchers) of ${CUSTOMER_COUNT} partner customers with the same batching`, async () => {
      const response = await fetch(routerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ partnerCustomers { uin profile { name accountStatus } vouchers { totalCount } } }' }),
      });
      const result = (await response.json()) as { errors?: unknown; data: { partnerCustomers: { uin: string; profile: { name: string | null }; vouchers: { totalCount: number } }[] } };
      expect(result.errors).toBeUndefined();
      for (const customer of result.data.partnerCustomers) {
        const expected = harness.simulator.data.customers.get(Number(customer.uin));
        expect(customer.profile.name).toBe(expected?.profile.Name || null);
        expect(customer.vouchers.totalCount).toBe(expected?.vouchers.length);
      }
      const sizes = (action: 'DescribeCustomerInfo' | 'QueryVoucherListByUin') =>
        harness.simulator.callsOf(action).map((call) => call.uins?.length ?? 0).sort((a, b) => b - a);
      expect(sizes('DescribeCustomerInfo')).toEqual([20, 20, 5]);
      expect(sizes('QueryVoucherListByUin')).toEqual([20, 20, 5]);
    });
  });
});
