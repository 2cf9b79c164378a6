import type { CustomerInfoRecord, VoucherListRecord } from '../upstream/client.js';

/**
 * Pure mapping of the directory actions' answers (../shared/UPSTREAM.md, "Three more actions") to
 * the gateway's domain: codes to enums (an unknown code is `UNKNOWN`, reported once, never an error),
 * empty strings to `null`, upstream times (Beijing time, no zone) to epoch milliseconds.
 */
export type CustomerAccountStatus = 'NORMAL' | 'FORCED' | 'ARREARS' | 'UNKNOWN';
export type VerificationStatus = 'NOT_FOUND' | 'NOT_UPLOADED' | 'PENDING' | 'IN_REVIEW' | 'REJECTED' | 'VERIFIED' | 'UNKNOWN';
export type VerificationType = 'PERSONAL' | 'ENTERPRISE' | 'UNKNOWN';
export type VoucherStatus = 'UNUSED' | 'USED' | 'EXPIRED' | 'UNKNOWN';

export interface CustomerProfile {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly remark: string | null;
  /** Epoch milliseconds, or null. */
  readonly boundAt: number | null;
  readonly registeredAt: number | null;
  readonly verifiedAt: number | null;
  readonly accountStatus: CustomerAccountStatus;
  readonly verificationStatus: VerificationStatus;
  readonly verificationType: VerificationType;
  readonly hasExpense: boolean | null;
}

export interface Voucher {
  readonly id: string;
  readonly status: VoucherStatus;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

export interface VoucherList {
  readonly totalCount: number;
  readonly items: readonly Voucher[];
}

/** Told about each code the mapping does not know (the caller logs each field/code pair once). */
export type UnknownCodeFn = (field: string, code: string) => void;

const ACCOUNT_STATUS: Readonly<Record<string, CustomerAccountStatus>> = { '0': 'NORMAL', '1': 'FORCED', '2': 'ARREARS' };
const VERIFICATION_STATUS: Readonly<Record<string, VerificationStatus>> = {
  '-999': 'NOT_FOUND',
  '-1': 'NOT_UPLOADED',
  '0': 'PENDING',
  '1': 'IN_REVIEW',
  '2': 'REJECTED',
  '3': 'VERIFIED',
};
/** `-1` is documented ("none"): there is no type to tell, which the schema spells UNKNOWN, silently. */
const VERIFICATION_TYPE: Readonly<Record<string, VerificationType>> = { '0': 'PERSONAL', '1': 'ENTERPRISE', '-1': 'UNKNOWN' };
const VOUCHER_STATUS: Readonly<Record<string, VoucherStatus>> = { Unused: 'UNUSED', Used: 'USED', Expired: 'EXPIRED' };

export function mapCustomerInfo(record: CustomerInfoRecord, onUnknown: UnknownCodeFn = () => undefined): CustomerProfile {
  return {
    name: orNull(record.name),
    email: orNull(record.email),
    phone: orNull(record.phone),
    remark: orNull(record.mark),
    boundAt: parseUpstreamTime(record.bindTime),
    registeredAt: parseUpstreamTime(record.uinRegisterTime),
    verifiedAt: parseUpstreamTime(record.authPassTime),
    accountStatus: code(ACCOUNT_STATUS, 'AccountStatus', record.accountStatus, onUnknown),
    verificationStatus: code(VERIFICATION_STATUS, 'AuthStatus', record.authStatus, onUnknown),
    verificationType: code(VERIFICATION_TYPE, 'AuthType', String(record.authType), onUnknown),
    hasExpense: record.hasExpense === 1 ? true : record.hasExpense === 0 ? false : null,
  };
}

export function mapVoucherList(record: VoucherListRecord, onUnknown: UnknownCodeFn = () => undefined): VoucherList {
  return {
    totalCount: record.totalCount,
    items: record.vouchers.map((voucher) => ({
      id: voucher.voucherId,
      status: code(VOUCHER_STATUS, 'VoucherStatus', voucher.voucherStatus, onUnknown),
      totalAmount: voucher.totalAmount,
      remainAmount: voucher.remainAmount,
    })),
  };
}

/** The gateway's voucher status filter as the upstream's `Status` parameter. */
export const VOUCHER_STATUS_FILTER = { UNUSED: 'Unused', USED: 'Used', EXPIRED: 'Expired' } as const;

/**
 * `YYYY-MM-DD hh:mm:ss` without a zone, read as Beijing time (UTC+8, what Tencent's console shows),
 * to epoch milliseconds. Empty or unreadable: `null`.
 */
export function parseUpstreamTime(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour - 8, minute, second);
  // Reject calendar overflow (2024-02-31 would silently become March).
  const check = new Date(utc + 8 * 3_600_000);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return utc;
}

function orNull(text: string): string | null {
  return text.trim() === '' ? null : text;
}

function code<T extends string>(table: Readonly<Record<string, T>>, field: string, raw: string, onUnknown: UnknownCodeFn): T | 'UNKNOWN' {
  const mapped = table[raw];
  if (mapped !== undefined) return mapped;
  onUnknown(field, raw);
  return 'UNKNOWN';
}

/** Reports each (field, code) pair once per process, however often it arrives. */
export function onceUnknownCode(report: (field: string, code: string) => void): UnknownCodeFn {
  const seen = new Set<string>();
  return (field, raw) => {
    const key = `${field}\u0000${raw}`;
    if (seen.has(key) || seen.size > 1000) return;
    seen.add(key);
    report(field, raw);
  };
}
