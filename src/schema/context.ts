import type { VoucherQuota } from '../loaders/voucher-quotas.js';
import type { VoucherPool } from '../upstream/client.js';

/**
 * What resolvers may use. No HTTP, no upstream client: only per-request data access, so tests can
 * hand the schema any implementation.
 */
export interface GatewayContext {
  /** Batch function of the per-request voucher-quota DataLoader (1 to 20 UINs per call). */
  readonly loadVoucherQuotas: (uins: readonly number[]) => Promise<(VoucherQuota | Error)[]>;
  /** The reseller's pool; memoised for the request, shared in flight across requests. */
  readonly loadVoucherPool: () => Promise<VoucherPool>;
  /** Set before execution by the request-budget plugin: distinct UINs the operation names. */
  readonly budget: { requestedUins: number };
  readonly limits: {
    /** Most UINs one `customers(uins:)` argument may hold. */
    readonly maxUinsPerQuery: number;
    /** Cost limit of one operation (Pothos complexity). */
    readonly maxCost: number;
  };
}
