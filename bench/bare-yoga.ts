/**
 * The yardstick for cache hits: a bare graphql-yoga server (no plugins beyond Yoga's defaults) that
 * answers the gateway's customers document from a `Map`. `npm run bench` starts it as a process of its
 * own, beside a gateway process, and loads both alike: the gateway's cache hits should cost what the
 * framework costs. Prints `{"url": …}` when it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { createDemoData } from '../src/simulator/demo-data.js';

const customers = Number(process.argv[2] ?? '2400');
const data = createDemoData({ customers });
const quotas = new Map(data.customerUins.map((uin) => [String(uin), data.customers.get(uin)]));

const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Quota { totalAmount: Float! remainAmount: Float! }
      type Customer { uin: String! voucherQuota: Quota }
      type Query { customers(uins: [String!]!): [Customer!]! }
    `,
    resolvers: {
      Query: { customers: (_: unknown, args: { uins: string[] }) => args.uins.map((uin) => ({ uin })) },
      Customer: { voucherQuota: (customer: { uin: string }) => quotas.get(customer.uin) ?? null },
    },
  }),
  logging: false,
  graphiql: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
