import { describe, expect, it } from 'vitest';
import { mapCustomerInfo, mapVoucherList, onceUnknownCode, parseUpstreamTime } from '../../src/loaders/customer-mapping.js';
import type { CustomerInfoRecord } from '../../src/upstream/client.js';

const record = (overrides: Partial<CustomerInfoRecord> = {}): CustomerInfoRecord => ({
  customerUin: 1,
  name: 'Acme',
  email: 'a@acme.example',
  phone: '+65-61234567',
  mark: '',
  bindTime: '2024-03-01 08:00:00',
  accountStatus: '0',
  authStatus: '3',
  authType: 1,
  cidRegisterTime: '',
  uinRegisterTime: '2020-12-31 23:59:59',
  authPassTime: '',
  hasExpense: 1,
  ...overrides,
});

describe('mapCustomerInfo', () => {
  it.each([
    ['0', 'NORMAL'],
    ['1', 'FORCED'],
    ['2', 'ARREARS'],
    ['9', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ])('AccountStatus %j → %s', (code, expected) => {
    expect(mapCustomerInfo(record({ accountStatus: code })).accountStatus).toBe(expected);
  });
  it.each([
    ['-999', 'NOT_FOUND'],
    ['-1', 'NOT_UPLOADED'],
    ['0', 'PENDING'],
    ['1', 'IN_REVIEW'],
    ['2', 'REJECTED'],
    ['3', 'VERIFIED'],
    ['4', 'UNKNOWN'],
  ])('AuthStatus %j → %s', (code, expected) => {
    expect(mapCustomerInfo(record({ authStatus: code })).verificationStatus).toBe(expected);
  });
  it.each([
    [0, 'PERSONAL'],
    [1, 'ENTERPRISE'],
    [-1, 'UNKNOWN'],
    [7, 'UNKNOWN'],
  ])('AuthType %j → %s', (code, expected) => {
    expect(mapCustomerInfo(record({ authType: code })).verificationType).toBe(expected);
  });
  it('maps HasExpense, empty strings to null and Beijing times to UTC', () => {
    const profile = mapCustomerInfo(record());
    expect(profile).toEqual({
      name: 'Acme',
      email: 'a@acme.example',
      phone: '+65-61234567',
      remark: null,
      boundAt: Date.parse('2024-03-01T00:00:00Z'),
      registeredAt: Date.parse('2020-12-31T15:59:59Z'),
      verifiedAt: null,
      accountStatus: 'NORMAL',
      verificationStatus: 'VERIFIED',
      verificationType: 'ENTERPRISE',
      hasExpense: true,
    });
    expect(mapCustomerInfo(record({ hasExpense: 0 })).hasExpense).toBe(false);
    expect(mapCustomerInfo(record({ hasExpense: undefined })).hasExpense).toBeNull();
    expect(mapCustomerInfo(record({ hasExpense: 3 })).hasExpense).toBeNull();
  });
  it('reports unknown codes (not the documented -1 AuthType), once per field and code', () => {
    const reported: string[] = [];
    const once = onceUnknownCode((field, code) => reported.push(`${field}=${code}`));
    mapCustomerInfo(record({ accountStatus: '9', authType: -1 }), once);
    mapCustomerInfo(record({ accountStatus: '9', authStatus: '8' }), once);
    expect(reported).toEqual(['AccountStatus=9', 'AuthStatus=8']);
  });
});

describe('mapVoucherList', () => {
  it('maps statuses, unknown ones to UNKNOWN', () => {
    const list = mapVoucherList({
      clientUin: 1,
      totalCount: 4,
      vouchers: ['Unused', 'Used', 'Expired', 'Frozen'].map((status, i) => ({ voucherId: `v${i}`, voucherStatus: status, totalAmount: 10, remainAmount: 5 })),
    });
    expect(list.totalCount).toBe(4);
    expect(list.items.map((voucher) => voucher.status)).toEqual(['UNUSED', 'USED', 'EXPIRED', 'UNKNOWN']);
  });
});

describe('parseUpstreamTime', () => {
  it('reads YYYY-MM-DD hh:mm:ss as UTC+8', () => {
    expect(new Date(parseUpstreamTime('2024-01-01 00:30:00') as number).toISOString()).toBe('2023-12-31T16:30:00.000Z');
  });
  it.each(['', ' ', '2024-02-30 10:00:00', '2024-01-01T10:00:00Z', '0000-00-00 00:00:00', 'yesterday'])('%j → null', (text) => {
    expect(parseUpstreamTime(text)).toBeNull();
  });
});
