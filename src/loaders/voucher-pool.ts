import type { CallOptions, UpstreamClient, VoucherPool } from '../upstream/client.js';

/**
 * Process-wide single flight for `QueryVoucherPool`: concurrent requests share one in-flight call.
 * Nothing is kept after it settles (a short-lived cache is a later step).
 */
export interface VoucherPoolSource {
  load(options?: CallOptions): Promise<VoucherPool>;
}

export function createVoucherPoolSource(client: UpstreamClient): VoucherPoolSource {
  let inFlight: Promise<VoucherPool> | undefined;
  return {
    load(options = {}) {
      // The shared call is not tied to one request's signal or deadline: another request may still
      // want it. Only the priority of the first caller applies.
      inFlight ??= client.queryVoucherPool({ priority: options.priority }).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
