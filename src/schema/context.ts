import type { CustomerProfile, VoucherList } from '../loaders/customer-mapping.js';
import type { VoucherQuota } from '../loaders/customer-sources.js';
import type { VoucherPool, VoucherStatusFilter } from '../upstream/client.js';
import type { BookCoverage, BookPage, BookQuery } from '../book/book.js';
import type { QuotaChangeEvent } from '../book/book.js';

/** An upstream answer and when the upstream gave it (epoch milliseconds). */
export type AsOf<T> = T & { readonly asOf: number };
/** A value at once (a load already settled in this request), or its promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What resolvers may use. No HTTP, no upstream client: only per-request data access, so tests can
 * hand the schema any implementation. Failures are domain errors (a stranger UIN, an upstream
 * failure, overload); Yoga's `maskError` turns them into client errors in one place.
 */
export interface GatewayContext {
  /**
   * A customer's quota, batched with every other selection of this request and coalesced with other
   * requests' UINs into upstream calls of up to 20. `maxAgeMs`: oldest acceptable cached answer.
   */
  readonly loadVoucherQuota: (uin: number, maxAgeMs?: number) => MaybePromise<AsOf<VoucherQuota>>;
  /** A customer's profile (`DescribeCustomerInfo`), batched and coalesced like quotas. */
  readonly loadProfile: (uin: number, maxAgeMs?: number) => MaybePromise<AsOf<CustomerProfile>>;
  /** A customer's vouchers, all or of one status (`QueryVoucherListByUin`: one call per status). */
  readonly loadVouchers: (uin: number, status: VoucherStatusFilter | undefined, maxAgeMs?: number) => MaybePromise<AsOf<VoucherList>>;
  /** Customers [offset, offset + limit) of the directory, in the upstream's order, and the total. */
  readonly customerDirectory: (offset: number, limit: number) => Promise<{ readonly uins: readonly number[]; readonly total: number }>;
  /**
   * A page of the book (sorted, filtered), with no upstream call: its rows' quotas (and, with
   * `withProfiles`, when no personal data is asked, their profiles) are primed into this request's
   * loaders, so a field asked without `maxAge` is served the value it was sorted on. Waits for the
   * directory when it has not loaded yet.
   */
  readonly customerBook: (query: BookQuery, options?: { readonly withProfiles?: boolean }) => Promise<BookPage>;
  /** `voucherQuotaChanged`: balance changes of `uins` (watched), until the client leaves, the token expires or the gateway drains. */
  readonly subscribeQuotaChanges: (uins: readonly number[]) => AsyncIterable<QuotaChangeEvent>;
  /** `lowBalance`: customers below `below` now, then each that falls below it. */
  readonly subscribeLowBalance: (below: number) => AsyncIterable<QuotaChangeEvent>;
  /** How much of the book the gateway holds. */
  readonly bookCoverage: () => Promise<BookCoverage>;
  /** Whether the caller may read customers' email and phone (`customers:pii` scope, or no caller auth). */
  readonly canReadPersonalData: () => boolean;
  /** The reseller's pool: cached, shared in flight across requests. */
  readonly loadVoucherPool: (maxAgeMs?: number) => Promise<AsOf<VoucherPool>>;
  /** Set before execution by the request-budget plugin: distinct UINs the operation names. */
  readonly budget: { requestedUins: number };
  readonly limits: {
    /** Most UINs one `customers(uins:)` argument may hold. */
    readonly maxUinsPerQuery: number;
    /** Cost limit of one operation (Pothos complexity). */
    readonly maxCost: number;
  };
}
