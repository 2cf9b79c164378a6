import { describe, expect, it } from 'vitest';
import { createCustomerBook, foldCase, rowMatches, usedRatio, type BookFilter, type BookOrderField, type BookProfile, type BookQuery, type BookRow } from '../../src/book/book.js';

/** A seeded book: some customers without a quota, some without a profile, ties on every field. */
function seeded(count = 300, seed = 7) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const book = createCustomerBook();
  const uins = Array.from({ length: count }, (_, i) => 100_000_000_000 + i * 13);
  book.setDirectory(uins);
  const names = ['Alpha', 'beta', 'Gamma', 'alpha', 'Delta', 'epsilon'];
  for (const uin of uins) {
    if (random() < 0.85) {
      const totalAmount = Math.floor(random() * 5) * 100;
      book.recordQuotas([{ uin, quota: { totalAmount, remainAmount: Math.floor(random() * (totalAmount / 50 + 1)) * 50, asOf: 1000 + Math.floor(random() * 100) } }]);
    }
    if (random() < 0.8) {
      const profile = { name: random() < 0.1 ? null : (names[Math.floor(random() * names.length)] as string), accountStatus: random() < 0.2 ? 'ARREARS' : 'NORMAL', boundAt: random() < 0.1 ? null : Math.floor(random() * 10) * 1000, asOf: 500 } as unknown as BookProfile;
      book.recordProfiles([{ uin, profile }]);
    }
  }
  return { book, uins };
}

/** The same order, computed the slow way: sort everything. */
function naive(rows: BookRow[], query: BookQuery): number[] {
  const keyOf = (row: BookRow): number | string | undefined => {
    const { quota, profile } = row;
    switch (query.order?.field) {
      case 'REMAIN_AMOUNT': return quota?.remainAmount;
      case 'TOTAL_AMOUNT': return quota?.totalAmount;
      case 'USED_AMOUNT': return quota && quota.totalAmount - quota.remainAmount;
      case 'USED_RATIO': return quota && usedRatio(quota);
      case 'NAME': return profile?.name == null ? undefined : foldCase(profile.name);
      case 'BOUND_AT': return profile?.boundAt ?? undefined;
      default: return 0;
    }
  };
  const sign = query.order?.direction === 'DESC' ? -1 : 1;
  return rows
    .filter((row) => rowMatches(row, query.filter ?? {}))
    .sort((a, b) => {
      const [ka, kb] = [keyOf(a), keyOf(b)];
      if (ka === undefined || kb === undefined) return ka === kb ? a.uin - b.uin : ka === undefined ? 1 : -1;
      return (ka < kb ? -sign : ka > kb ? sign : 0) || a.uin - b.uin;
    })
    .map((row) => row.uin);
}

/** Every page of `query`, `first` at a time, following each page's last row as the cursor. */
function walkPages(book: ReturnType<typeof createCustomerBook>, query: Omit<BookQuery, 'after'>): { uins: number[]; totalCount: number } {
  const uins: number[] = [];
  let after: BookQuery['after'];
  let totalCount = -1;
  for (let pages = 0; pages < 1000; pages++) {
    const page = book.page({ ...query, after });
    totalCount = page.totalCount;
    uins.push(...page.rows.map((row) => row.uin));
    const last = page.rows.at(-1);
    if (!page.hasNextPage || !last) break;
    after = { key: last.key, uin: last.uin };
  }
  return { uins, totalCount };
}

const FIELDS: (BookOrderField | undefined)[] = [undefined, 'REMAIN_AMOUNT', 'TOTAL_AMOUNT', 'USED_AMOUNT', 'USED_RATIO', 'NAME', 'BOUND_AT'];
const FILTERS: BookFilter[] = [{}, { remainAmount: { lt: 150 } }, { remainAmount: { gte: 100, lte: 200 } }, { usedRatio: { gt: 0.5 } }, { nameContains: 'ALP' }, { accountStatus: ['ARREARS'] }, { accountStatus: [] }, { remainAmount: { gt: 0 }, nameContains: 'a' }];

describe('the book: sorted and filtered pages', () => {
  const { book, uins } = seeded();
  const rows = book.rows(uins).filter((row): row is BookRow => row !== undefined);
  for (const field of FIELDS) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it.each(FILTERS.map((filter) => [JSON.stringify(filter), filter] as const))(`${field ?? 'no order'} ${direction}, filter %s: pages of 7 walk the naive order, totalCount matches`, (_name, filter) => {
        const query = { order: field ? { field, direction } : undefined, filter, first: 7 };
        const expected = naive(rows, query);
        const walked = walkPages(book, query);
        expect(walked.uins).toEqual(expected);
        expect(walked.totalCount).toBe(expected.length);
      });
    }
  }

  it('unknown values sort last in both directions, and match no filter on that value', () => {
    const book = createCustomerBook();
    book.setDirectory([1, 2, 3]);
    book.recordQuotas([{ uin: 2, quota: { totalAmount: 10, remainAmount: 5, asOf: 1 } }, { uin: 3, quota: { totalAmount: 10, remainAmount: 7, asOf: 1 } }]);
    const order = (direction: 'ASC' | 'DESC') => book.page({ order: { field: 'REMAIN_AMOUNT', direction }, first: 10 }).rows.map((row) => row.uin);
    expect(order('ASC')).toEqual([2, 3, 1]);
    expect(order('DESC')).toEqual([3, 2, 1]);
    expect(book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, filter: { remainAmount: { gte: 0 } }, first: 10 }).totalCount).toBe(2);
  });

  it('customers who leave the directory leave the book; answers for strangers are not kept', () => {
    const book = createCustomerBook();
    book.setDirectory([1, 2]);
    book.recordQuotas([{ uin: 9, quota: { totalAmount: 1, remainAmount: 1, asOf: 1 } }, { uin: 2, quota: { totalAmount: 1, remainAmount: 1, asOf: 1 } }]);
    book.setDirectory([1]);
    expect(book.coverage()).toMatchObject({ customers: 1, withQuota: 0 });
    expect(book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, first: 5 }).rows.map((row) => row.uin)).toEqual([1]);
  });

  it('reports changes of remain or total only; an older answer never overwrites a newer one', () => {
    const book = createCustomerBook();
    book.setDirectory([1]);
    expect(book.recordQuotas([{ uin: 1, quota: { totalAmount: 10, remainAmount: 5, asOf: 10 } }])).toHaveLength(1);
    expect(book.recordQuotas([{ uin: 1, quota: { totalAmount: 10, remainAmount: 5, asOf: 20 } }])).toEqual([]);
    expect(book.recordQuotas([{ uin: 1, quota: { totalAmount: 10, remainAmount: 1, asOf: 15 } }])).toEqual([]);
    expect(book.recordQuotas([{ uin: 1, quota: { totalAmount: 10, remainAmount: 4, asOf: 30 } }])).toEqual([
      { uin: 1, previous: { totalAmount: 10, remainAmount: 5, asOf: 20 }, current: { totalAmount: 10, remainAmount: 4, asOf: 30 } },
    ]);
  });

  it('coverage, and the sweep order: missing answers first, then the oldest', () => {
    const book = createCustomerBook();
    book.setDirectory([1, 2, 3, 4]);
    book.recordQuotas([{ uin: 3, quota: { totalAmount: 1, remainAmount: 1, asOf: 50 } }, { uin: 1, quota: { totalAmount: 1, remainAmount: 1, asOf: 20 } }]);
    expect(book.oldest('quota', 3)).toEqual([2, 4, 1]);
    expect(book.coverage()).toEqual({ customers: 4, withQuota: 2, withProfile: 0, oldestQuotaAsOf: 20, complete: false });
  });
});
