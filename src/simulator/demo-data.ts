/**
 * Deterministic demo data for the built-in simulator: one reseller and a few hundred customers with
 * realistic 12-digit UINs. The same seed always yields the same data, so examples and tests can
 * name UINs and amounts.
 */

export interface DemoCustomer {
  readonly uin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

export interface DemoPool {
  readonly agentName: string;
  readonly accountType: number;
  readonly totalQuota: number;
  readonly remainingQuota: number;
  readonly issuedNum: number;
}

export interface DemoData {
  readonly pool: DemoPool;
  readonly customers: ReadonlyMap<number, DemoCustomer>;
  /** Customer UINs in a stable order (the first is 200000097917, the UIN of Tencent's CLI examples). */
  readonly customerUins: readonly number[];
}

/** The UIN from Tencent's CLI docs; always a demo customer. */
export const EXAMPLE_CUSTOMER_UIN = 200000097917;
/** Also from Tencent's docs, and deliberately *not* a demo customer. */
export const EXAMPLE_NON_CUSTOMER_UIN = 800000190982;

export function createDemoData(options: { customers?: number; seed?: number } = {}): DemoData {
  const count = options.customers ?? 300;
  const random = mulberry32(options.seed ?? 20220928);
  const customers = new Map<number, DemoCustomer>();
  const add = (uin: number) => {
    const totalAmount = cents(500 + random() * 49_500);
    const remainAmount = cents(totalAmount * random());
    customers.set(uin, { uin, totalAmount, remainAmount });
  };
  add(EXAMPLE_CUSTOMER_UIN);
  while (customers.size < count) {
    const uin = 200_000_000_000 + Math.floor(random() * 100_000_000_000);
    if (uin !== EXAMPLE_NON_CUSTOMER_UIN && !customers.has(uin)) add(uin);
  }
  const issued = [...customers.values()].reduce((sum, customer) => sum + customer.totalAmount, 0);
  return {
    pool: {
      agentName: 'Voucher Gateway Demo Reseller',
      accountType: 1,
      totalQuota: 10_000_000,
      remainingQuota: cents(10_000_000 - issued),
      issuedNum: customers.size,
    },
    customers,
    customerUins: [...customers.keys()],
  };
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Small, well-known seeded PRNG (public domain); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
