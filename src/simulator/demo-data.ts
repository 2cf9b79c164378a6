/**
 * Deterministic demo data for the built-in simulator: one reseller and a few hundred customers with
 * realistic 12-digit UINs. The same seed always yields the same data, so examples and tests can
 * name UINs and amounts.
 */

export interface DemoCustomer {
  readonly uin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
  /** `DescribeCustomerInfo` fields, as the upstream sends them (strings and codes). */
  readonly profile: DemoProfile;
  /** 0 to 4 vouchers across the statuses. */
  readonly vouchers: readonly DemoVoucher[];
}

export interface DemoProfile {
  readonly Name: string;
  readonly Email: string;
  readonly Phone: string;
  readonly Mark: string;
  readonly BindTime: string;
  readonly AccountStatus: string;
  readonly AuthStatus: string;
  readonly AuthType: number;
  readonly CidRegisterTime: string;
  readonly UinRegisterTime: string;
  readonly AuthPassTime: string;
  readonly HasExpense: number;
}

export interface DemoVoucher {
  readonly VoucherId: string;
  readonly VoucherStatus: string;
  readonly TotalAmount: number;
  readonly RemainAmount: number;
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
  // Profiles and vouchers draw from their own sequence, so quotas stay what they always were.
  const details = mulberry32((options.seed ?? 20220928) ^ 0x5eed);
  const customers = new Map<number, DemoCustomer>();
  const add = (uin: number) => {
    const totalAmount = cents(500 + random() * 49_500);
    const remainAmount = cents(totalAmount * random());
    const index = customers.size;
    customers.set(uin, { uin, totalAmount, remainAmount, profile: demoProfile(index, details), vouchers: demoVouchers(uin, details) });
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

const ACCOUNT_STATUSES = ['0', '1', '2'];
const AUTH_STATUSES = ['-999', '-1', '0', '1', '2', '3'];
const AUTH_TYPES = [-1, 0, 1];
const VOUCHER_STATUSES = ['Unused', 'Used', 'Expired'];
const NAMES = ['Acme Cloud Ltd', 'Blue Harbor Games', 'Chen Wei', 'Delta Analytics', 'Evergreen Retail', 'Fujin Media', 'Gita Rao', 'Helix Robotics'];

/**
 * Every enum value appears among the first customers (index 0–5 walk the codes in order); index 6
 * carries codes the gateway does not know (they must map to UNKNOWN), index 7 has empty strings
 * everywhere the upstream allows them.
 */
function demoProfile(index: number, random: () => number): DemoProfile {
  const pick = <T>(list: readonly T[]): T => list[index < 6 ? index % list.length : Math.floor(random() * list.length)] as T;
  const day = (offsetDays: number) => {
    const date = new Date(Date.UTC(2021, 0, 1) + offsetDays * 86_400_000 + Math.floor(random() * 86_400) * 1000);
    return date.toISOString().replace('T', ' ').slice(0, 19);
  };
  const name = NAMES[index % NAMES.length] as string;
  const authStatus = index === 6 ? '42' : pick(AUTH_STATUSES);
  const empty = index === 7;
  return {
    Name: empty ? '' : `${name}${index >= NAMES.length ? ` ${index}` : ''}`,
    Email: empty ? '' : `billing+${index}@${name.toLowerCase().replace(/[^a-z]/g, '')}.example`,
    Phone: empty ? '' : `+65-6${String(1000000 + index).slice(-7)}`,
    Mark: empty || index % 3 === 0 ? '' : `tier ${1 + (index % 3)}`,
    BindTime: empty ? '' : day(200 + Math.floor(random() * 1000)),
    AccountStatus: index === 6 ? '7' : pick(ACCOUNT_STATUSES),
    AuthStatus: authStatus,
    AuthType: index === 6 ? 5 : pick(AUTH_TYPES),
    CidRegisterTime: empty ? '' : day(Math.floor(random() * 200)),
    UinRegisterTime: empty ? '' : day(Math.floor(random() * 200)),
    AuthPassTime: authStatus === '3' && !empty ? day(300 + Math.floor(random() * 900)) : '',
    HasExpense: index % 2,
  };
}

function demoVouchers(uin: number, random: () => number): DemoVoucher[] {
  const count = Math.floor(random() * 5);
  return Array.from({ length: count }, (_, i) => {
    const total = cents(50 + random() * 4950);
    const status = VOUCHER_STATUSES[(uin + i) % VOUCHER_STATUSES.length] as string;
    return {
      VoucherId: `${uin}-${String(i + 1).padStart(3, '0')}`,
      VoucherStatus: status,
      TotalAmount: total,
      RemainAmount: status === 'Unused' ? total : status === 'Used' ? 0 : cents(total * random()),
    };
  });
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
