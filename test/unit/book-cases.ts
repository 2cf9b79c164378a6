import { beforeAll, describe, expect, it } from 'vitest';
import { createCustomerBook, foldCase, rowMatches, usedRatio, type BookFilter, type BookOrderField, type BookProfile, type BookQuery, type BookRow, type BookStore, type CustomerBook } from '../../src/book/book.js';

/**
 * The cases both book stores are held to: in process (test/unit/book.test.ts) and in Redis
 * (test/book-redis.test.ts, against a real server). Pages are checked against the naive order: sort
 * everything, the slow way.
 */
export function describeBookCases(storeName: string, makeStore: () => Promise<BookStore>): void {
  const newBook = async () => createCustomerBook(await makeStore());

  describe(`the book (${storeName}): sorted and filtered pages`, () => {
    let book: CustomerBook;
    let rows: BookRow[];
    beforeAll(async () => {
      const made = await seeded(await newBook());
      book = made.book;
      rows = (await book.rows(made.uins)).filter((row): row is BookRow => row !== undefined);
    });
    for (const field of FIELDS) {
      for (const direction of ['ASC', 'DESC'] as const) {
        it.each(FILTERS.map((filter) => [JSON.stringify(filter), filter] as const))(`${field ?? 'no order'} ${direction}, filter %s: pages of 7 walk the naive order, totalCount matches`, async (_name, filter) => {
          const query = { order: field ? { field, direction } : undefined, filter, first: 7 };
          const expected = naive(rows, query);
          const walked = await walkPages(book, query);
          expect(walked.uins).toEqual(expected);
          expect(walked.totalCount).toBe(expected.length);
        });
      }
    }
  });

  describe(`the book (${storeName}): what it keeps`, () => {
    it('unknown values sort last in both directions, and match no filter on that value', async () => {
      const book = await newBook();
      await book.setDirectory([1, 2, 3]);
      await book.recordQuotas([{ uin: 2, quota: { totalAmount: 10, remainAmount: 5, asOf: 1 } }, { uin: 3, quota: { totalAmount: 10, remainAmount: 7, asOf: 1 } }]);
      const order = async (direction: 'ASC' | 'DESC') => (await book.page({ order: { field: 'REMAIN_AMOUNT', direction }, first: 10 })).rows.map((row) => row.uin);
      expect(await order('ASC')).toEqual([2, 3, 1]);
      expect(await order('DESC')).toEqual([3, 2, 1]);
      expect((await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, filter: { remainAmount: { gte: 0 } }, first: 10 })).totalCount).toBe(2);
    });

    it('numbers sort as numbers: negative, zero and fractions; names by code point', async () => {
      const book = await newBook();
      const remains = [-5, 1e9, 0, -0.5, 0.25, -0, 3];
      await book.setDirectory(remains.map((_, i) => i + 1));
      await book.recordQuotas(remains.map((remainAmount, i) => ({ uin: i + 1, quota: { totalAmount: 10, remainAmount, asOf: 1 } })));
      // (-0 and 0 are one key; JSON keeps no -0, so both read as 0.)
      const ascending = (await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, first: 10 })).rows.map((row) => (row.quota?.remainAmount ?? NaN) + 0);
      expect(ascending).toEqual([-5, -0.5, 0, 0, 0.25, 3, 1e9]);
      expect((await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, filter: { remainAmount: { gt: -1, lte: 0 } }, first: 10 })).rows.map((row) => row.uin)).toEqual([4, 3, 6]);
      // U+FF21 (fullwidth A) is below U+1F600 by code point, above it by UTF-16 unit.
      const names = ['\u{1F600}', '\uFF21', 'z', 'Z'];
      await book.recordProfiles(names.map((name, i) => ({ uin: i + 1, profile: profile({ name }) })));
      const byName = (await book.page({ order: { field: 'NAME', direction: 'ASC' }, first: 10 })).rows.map((row) => row.profile?.name);
      expect(byName).toEqual(['z', 'Z', '\uFF21', '\u{1F600}', undefined, undefined, undefined]);
    });

    it('customers who leave the directory leave the book; answers for strangers are not kept', async () => {
      const book = await newBook();
      await book.setDirectory([1, 2]);
      await book.recordQuotas([{ uin: 9, quota: { totalAmount: 1, remainAmount: 1, asOf: 1 } }, { uin: 2, quota: { totalAmount: 1, remainAmount: 1, asOf: 1 } }]);
      await book.setDirectory([1]);
      expect(await book.coverage()).toMatchObject({ customers: 1, withQuota: 0 });
      expect((await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, first: 5 })).rows.map((row) => row.uin)).toEqual([1]);
      expect(await book.count('REMAIN_AMOUNT', {})).toBe(0);
    });

    it('answers kept before the directory loaded count once it has, for its customers only', async () => {
      const book = await newBook();
      await book.recordQuotas([1, 2, 3].map((uin) => ({ uin, quota: { totalAmount: 5, remainAmount: uin, asOf: 1 } })));
      expect(await book.coverage()).toMatchObject({ customers: 0, withQuota: 0 });
      await book.setDirectory([2, 3, 4]);
      expect(await book.coverage()).toMatchObject({ customers: 3, withQuota: 2, complete: false });
      expect((await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'DESC' }, first: 5 })).rows.map((row) => row.uin)).toEqual([3, 2, 4]);
    });

    it('reports changes of remain or total only; an older answer never overwrites a newer one', async () => {
      const store = await makeStore();
      await store.setDirectory([1]);
      const record = (remainAmount: number, asOf: number) => store.recordQuotas([{ uin: 1, quota: { totalAmount: 10, remainAmount, asOf } }]);
      expect(await record(5, 10)).toHaveLength(1);
      expect(await record(5, 20)).toEqual([]);
      expect(await record(1, 15)).toEqual([]);
      expect(await record(4, 30)).toEqual([{ uin: 1, previous: { totalAmount: 10, remainAmount: 5, asOf: 20 }, current: { totalAmount: 10, remainAmount: 4, asOf: 30 } }]);
      expect((await store.rows([1]))[0]?.quota).toEqual({ totalAmount: 10, remainAmount: 4, asOf: 30 });
    });

    it('coverage, and the sweep order: missing answers first, then the oldest', async () => {
      const book = await newBook();
      await book.setDirectory([1, 2, 3, 4]);
      await book.recordQuotas([{ uin: 3, quota: { totalAmount: 1, remainAmount: 1, asOf: 50 } }, { uin: 1, quota: { totalAmount: 1, remainAmount: 1, asOf: 20 } }]);
      expect(await book.oldest('quota', 3)).toEqual([2, 4, 1]);
      expect(await book.oldest('quota', 10)).toEqual([2, 4, 1, 3]);
      expect(await book.coverage()).toEqual({ customers: 4, withQuota: 2, withProfile: 0, oldestQuotaAsOf: 20, complete: false });
      await book.recordQuotas([2, 4].map((uin) => ({ uin, quota: { totalAmount: 1, remainAmount: 1, asOf: 60 } })));
      await book.recordProfiles([1, 2, 3, 4].map((uin) => ({ uin, profile: profile({ name: `c${uin}` }) })));
      expect(await book.coverage()).toMatchObject({ customers: 4, withQuota: 4, withProfile: 4, complete: true });
    });
  });
}

const profile = (fields: Partial<BookProfile>): BookProfile => ({ name: null, accountStatus: 'NORMAL', boundAt: null, asOf: 500, ...fields }) as unknown as BookProfile;

/** A seeded book: some customers without a quota, some without a profile, ties on every field. */
async function seeded(book: CustomerBook, count = 300, seed = 7) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const uins = Array.from({ length: count }, (_, i) => 100_000_000_000 + i * 13);
  await book.setDirectory(uins);
  const names = ['Alpha', 'beta', 'Gamma', 'alpha', 'Delta', 'epsilon'];
  for (const uin of uins) {
    if (random() < 0.85) {
      const totalAmount = Math.floor(random() * 5) * 100;
      await book.recordQuotas([{ uin, quota: { totalAmount, remainAmount: Math.floor(random() * (totalAmount / 50 + 1)) * 50, asOf: 1000 + Math.floor(random() * 100) } }]);
    }
    if (random() < 0.8) {
      const name = random() < 0.1 ? null : (names[Math.floor(random() * names.length)] as string);
      await book.recordProfiles([{ uin, profile: profile({ name, accountStatus: random() < 0.2 ? 'ARREARS' : 'NORMAL', boundAt: random() < 0.1 ? null : Math.floor(random() * 10) * 1000 } as Partial<BookProfile>) }]);
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
async function walkPages(book: CustomerBook, query: Omit<BookQuery, 'after'>): Promise<{ uins: number[]; totalCount: number }> {
  const uins: number[] = [];
  let after: BookQuery['after'];
  let totalCount = -1;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await book.page({ ...query, after });
    totalCount = page.totalCount;
    uins.push(...page.rows.map((row) => row.uin));
    const last = page.rows.at(-1);
    if (!page.hasNextPage || !last) break;
    after = { key: last.key, uin: last.uin };
  }
  return { uins, totalCount };
}

const FIELDS: (BookOrderField | undefined)[] = [undefined, 'REMAIN_AMOUNT', 'TOTAL_AMOUNT', 'USED_AMOUNT', 'USED_RATIO', 'NAME', 'BOUND_AT'];
const FILTERS: BookFilter[] = [{}, { remainAmount: { lt: 150 } }, { remainAmount: { gte: 100, lte: 200 } }, { usedRatio: { gt: 0.5 } }, { nameContains: 'ALP' }, { accountStatus: ['ARREARS'] }, { accountStatus: [] }, { remainAmount: { gt: 0 }, nameContains: 'a' }, { remainAmount: { lt: 300 }, usedRatio: { lte: 0.5 } }];
