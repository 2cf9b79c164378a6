import { builder } from '../builder.js';
import type { QuotaChangeEvent } from '../../book/book.js';
import { Customer } from './customer.js';
import { UIN } from './uin.js';
import { VoucherQuota } from './voucher-quota.js';

const withUin = (uin: number, quota: { readonly totalAmount: number; readonly remainAmount: number; readonly asOf: number }) => ({ uin, ...quota });

export const VoucherQuotaChange = builder.objectRef<QuotaChangeEvent>('VoucherQuotaChange').implement({
  description: "A customer's balance as the gateway learned it changed (from any read, the book's sweep, or a watch's refresh).",
  fields: (t) => ({
    customer: t.field({ type: Customer, description: 'The customer. Its `voucherQuota` is `current`; other fields cost what they cost anywhere.', resolve: (event) => ({ uin: event.uin }) }),
    previous: t.field({ type: VoucherQuota, nullable: true, description: 'The last value the gateway knew before; null when it knew none.', resolve: (event) => (event.previous ? withUin(event.uin, event.previous) : null) }),
    current: t.field({ type: VoucherQuota, description: 'The new value, with its `asOf`.', resolve: (event) => withUin(event.uin, event.current) }),
  }),
});

builder.subscriptionType({
  description: 'Balance changes pushed as the gateway learns of them, over SSE (`Accept: text/event-stream`) or WebSocket (`graphql-ws` on `/graphql`).',
  fields: (t) => ({
    voucherQuotaChanged: t.field({
      type: VoucherQuotaChange,
      description:
        'One event each time a watched customer’s `remainAmount` or `totalAmount` differs from the last value the gateway knew. Watched customers are re-read at least every ' +
        '`WATCH_REFRESH_MS` (default 10 s; longer under reader load), at a priority below readers and above the book’s sweep; a customer watched by many subscriptions is read once.',
      args: { uins: t.arg({ type: [UIN], required: true, description: 'The customers to watch (1 to `MAX_UINS_PER_SUBSCRIPTION`, default 100).' }) },
      complexity: 10,
      subscribe: (_root, { uins }, context) => context.subscribeQuotaChanges(uins),
      resolve: (event) => event,
    }),
    lowBalance: t.field({
      type: VoucherQuotaChange,
      description:
        'One event per customer already below `below` when the subscription starts (from the book), then one each time a customer’s `remainAmount` falls below it. ' +
        'Learned from reads and the book’s sweep: its freshness is the sweep’s cycle (2000 customers at the default 1 call/s: 100 s).',
      args: { below: t.arg.float({ required: true, description: 'The threshold, in USD.' }) },
      complexity: 10,
      subscribe: (_root, { below }, context) => context.subscribeLowBalance(below),
      resolve: (event) => event,
    }),
  }),
});
