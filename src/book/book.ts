import type { CustomerProfile } from '../loaders/customer-mapping.js';
import { SortedIndex, type KeyBounds, type SortKey } from './sorted-index.js';

/**
 * The book: every customer of the account's directory with the latest quota and profile the gateway
 * has seen, fed by every answer it receives (any request, the sweep). Sorted and filtered pages are
 * read from it with no upstream call. In process, per gateway; each sort field has a `SortedIndex`,
 * so a sort with a range on the same field reads a range, never sorts.
 */
export interface BookQuota {
  readonly totalAmount: number;
  readonly remainAmount: number;
  readonly asOf: number;
}

/** What the book keeps of a profile: everything but the personal data (email, phone). */
export type BookProfile = Omit<CustomerProfile, 'email' | 'phone'> & { readonly asOf: number };

export interface BookRow {
  readonly uin: number;
  readonly quota?: BookQuota | undefined;
  readonly profile?: BookProfile | undefined;
}

export type BookOrderField = 'REMAIN_AMOUNT' | 'TOTAL_AMOUNT' | 'USED_AMOUNT' | 'USED_RATIO' | 'NAME' | 'BOUND_AT';
export interface FloatRange {
  readonly lt?: number | null | undefined;
  readonly lte?: number | null | undefined;
  readonly gt?: number | null | undefined;
  readonly gte?: number | null | undefined;
}
export interface BookFilter {
  readonly remainAmount?: FloatRange | null | undefined;
  readonly usedRatio?: FloatRange | null | undefined;
  readonly nameContains?: string | null | undefined;
  readonly accountStatus?: readonly string[] | null | undefined;
}
export interface BookQuery {
  readonly order?: { readonly field: BookOrderField; readonly direction: 'ASC' | 'DESC' } | undefined;
  readonly filter?: BookFilter | undefined;
  /** Strictly after this row of an earlier page (its sort key, `null` in the section of unknown keys). */
  readonly after?: { readonly key: SortKey | null; readonly uin: number } | undefined;
  readonly first: number;
}
export interface BookPage {
  readonly rows: readonly (BookRow & { readonly key: SortKey | null })[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}
export interface BookCoverage {
  readonly customers: number;
  readonly withQuota: number;
  readonly withProfile: number;
  readonly oldestQuotaAsOf: number | null;
  readonly complete: boolean;
}

/** A change of a customer's balance that the book learned of (for subscriptions). */
export interface QuotaChange {
  readonly uin: number;
  readonly previous: BookQuota | undefined;
  readonly current: BookQuota;
}

/** One event of `voucherQuotaChanged` / `lowBalance`. */
export interface QuotaChangeEvent {
  readonly uin: number;
  readonly previous: BookQuota | null;
  readonly current: BookQuota;
}

export interface CustomerBook {
  /** The directory's customers: those who left the book's directory leave the book. */
  setDirectory(uins: readonly number[]): void;
  /** Fresh quota answers; returns the changes of `remainAmount` or `totalAmount`. */
  recordQuotas(quotas: readonly { readonly uin: number; readonly quota: BookQuota }[]): QuotaChange[];
  recordProfiles(profiles: readonly { readonly uin: number; readonly profile: BookProfile }[]): void;
  page(query: BookQuery): BookPage;
  coverage(): BookCoverage;
  /** Up to `count` UINs whose `kind` answer is oldest (missing first): what the sweep reads next. */
  oldest(kind: 'quota' | 'profile', count: number): number[];
  rows(uins: readonly number[]): (BookRow | undefined)[];
}

const QUOTA_KEYS: Record<'REMAIN_AMOUNT' | 'TOTAL_AMOUNT' | 'USED_AMOUNT' | 'USED_RATIO', (quota: BookQuota) => number> = {
  REMAIN_AMOUNT: (quota) => quota.remainAmount,
  TOTAL_AMOUNT: (quota) => quota.totalAmount,
  USED_AMOUNT: (quota) => quota.totalAmount - quota.remainAmount,
  USED_RATIO: usedRatio,
};
const PROFILE_KEYS: Record<'NAME' | 'BOUND_AT', (profile: BookProfile) => SortKey | undefined> = {
  NAME: (profile) => (profile.name === null ? undefined : foldCase(profile.name)),
  BOUND_AT: (profile) => profile.boundAt ?? undefined,
};

/** used / total, 0 when the total is 0. */
export function usedRatio(quota: { readonly totalAmount: number; readonly remainAmount: number }): number {
  return quota.totalAmount === 0 ? 0 : (quota.totalAmount - quota.remainAmount) / quota.totalAmount;
}

/** `NAME` sorts case-folded, by code point. */
export function foldCase(name: string): string {
  return name.toLowerCase();
}

export function createCustomerBook(): CustomerBook {
  const rows = new Map<number, { uin: number; quota?: BookQuota; profile?: BookProfile }>();
  const directory = new SortedIndex();
  const indexes = new Map<BookOrderField, SortedIndex>([...Object.keys(QUOTA_KEYS), ...Object.keys(PROFILE_KEYS)].map((field) => [field as BookOrderField, new SortedIndex()]));
  const quotaAge = new SortedIndex();
  const profileAge = new SortedIndex();
  const rowOf = (uin: number) => {
    let row = rows.get(uin);
    if (!row) rows.set(uin, (row = { uin }));
    return row;
  };
  // Before the directory has loaded, every answer is kept; after, only its customers'.
  const member = (uin: number) => directory.size === 0 || directory.keyOf(uin) !== undefined;
  // Kept as answers arrive, so `coverage` costs nothing whatever the book's size.
  let withQuota = 0;
  let withProfile = 0;
  const forget = (uin: number) => {
    const row = rows.get(uin);
    if (row?.quota && directory.keyOf(uin) !== undefined) withQuota -= 1;
    if (row?.profile && directory.keyOf(uin) !== undefined) withProfile -= 1;
    rows.delete(uin);
    for (const index of [directory, quotaAge, profileAge, ...indexes.values()]) index.set(uin, undefined);
  };

  return {
    setDirectory(uins) {
      const members = new Set(uins);
      for (const uin of [...rows.keys()]) if (!members.has(uin)) forget(uin);
      for (const uin of uins) {
        const row = rowOf(uin);
        if (directory.keyOf(uin) === undefined) {
          // Answers kept before the directory loaded now count.
          if (row.quota) withQuota += 1;
          if (row.profile) withProfile += 1;
        }
        directory.set(uin, 0);
      }
    },
    recordQuotas(quotas) {
      const changes: QuotaChange[] = [];
      for (const { uin, quota } of quotas) {
        if (!member(uin)) continue;
        const row = rowOf(uin);
        const previous = row.quota;
        if (previous && previous.asOf > quota.asOf) continue;
        if (!previous && directory.keyOf(uin) !== undefined) withQuota += 1;
        row.quota = quota;
        for (const [field, keyOf] of Object.entries(QUOTA_KEYS)) indexes.get(field as BookOrderField)?.set(uin, keyOf(quota));
        quotaAge.set(uin, quota.asOf);
        if (!previous || previous.remainAmount !== quota.remainAmount || previous.totalAmount !== quota.totalAmount) changes.push({ uin, previous, current: quota });
      }
      return changes;
    },
    recordProfiles(profiles) {
      for (const { uin, profile } of profiles) {
        if (!member(uin)) continue;
        const row = rowOf(uin);
        if (row.profile && row.profile.asOf > profile.asOf) continue;
        if (!row.profile && directory.keyOf(uin) !== undefined) withProfile += 1;
        row.profile = profile;
        for (const [field, keyOf] of Object.entries(PROFILE_KEYS)) indexes.get(field as BookOrderField)?.set(uin, keyOf(profile));
        profileAge.set(uin, profile.asOf);
      }
    },
    page: (query) => readPage(query, { rows, directory, indexes }),
    coverage() {
      const oldest = quotaAge.walk('ASC').next();
      const customers = directory.size;
      return { customers, withQuota, withProfile, oldestQuotaAsOf: oldest.done ? null : Number(oldest.value.key), complete: customers > 0 && withQuota === customers && withProfile === customers };
    },
    oldest(kind, count) {
      const ages = kind === 'quota' ? quotaAge : profileAge;
      const picked: number[] = [];
      for (const { uin } of directory.walk('ASC')) {
        if (picked.length >= count) return picked;
        if (ages.keyOf(uin) === undefined) picked.push(uin);
      }
      for (const { uin } of ages.walk('ASC')) {
        if (picked.length >= count) break;
        if (directory.keyOf(uin) !== undefined) picked.push(uin);
      }
      return picked;
    },
    rows: (uins) => uins.map((uin) => rows.get(uin)),
  };
}

interface BookIndexes {
  readonly rows: ReadonlyMap<number, BookRow>;
  readonly directory: SortedIndex;
  readonly indexes: ReadonlyMap<BookOrderField, SortedIndex>;
}

/**
 * One page: the sort field's index (or the directory by UIN), within the range filter on that same
 * field when there is one, the other filters applied to each row; then the customers whose sort key is
 * not known yet, by UIN (last in both directions).
 */
function readPage(query: BookQuery, book: BookIndexes): BookPage {
  const { order, filter = {}, after, first } = query;
  const field = order?.field;
  const direction = order?.direction ?? 'ASC';
  const index = field ? (book.indexes.get(field) as SortedIndex) : book.directory;
  const rangeField = field === 'REMAIN_AMOUNT' ? 'remainAmount' : field === 'USED_RATIO' ? 'usedRatio' : undefined;
  const bounds = rangeField ? boundsOf(filter[rangeField]) : {};
  const rest: BookFilter = rangeField ? { ...filter, [rangeField]: undefined } : filter;
  const matches = (uin: number) => {
    const row = book.rows.get(uin);
    return row !== undefined && book.directory.keyOf(uin) !== undefined && rowMatches(row, rest) && (!rangeField || rowMatches(row, { [rangeField]: filter[rangeField] }));
  };
  const picked: (BookRow & { key: SortKey | null })[] = [];
  const take = (uin: number, key: SortKey | null) => {
    if (picked.length <= first && matches(uin)) picked.push({ ...(book.rows.get(uin) as BookRow), key });
    return picked.length > first;
  };
  let full = false;
  if (!after || after.key !== null) {
    for (const entry of index.walk(direction, bounds, after && after.key !== null ? { key: after.key, uin: after.uin } : undefined)) {
      if (book.directory.keyOf(entry.uin) === undefined) continue;
      if ((full = take(entry.uin, entry.key))) break;
    }
  }
  // Unknown keys sort last: the customers without one, by UIN (they match no filter on that value).
  if (!full && field) {
    const from = after?.key === null ? { key: 0, uin: after.uin } : undefined;
    for (const { uin } of book.directory.walk('ASC', {}, from)) {
      if (index.keyOf(uin) !== undefined) continue;
      if ((full = take(uin, null))) break;
    }
  }
  const onlyTheRange = Object.values(rest).every((value) => value === undefined || value === null);
  // Customers who left the directory left every index: an index counts members only.
  const ranged = rangeField !== undefined && filter[rangeField] != null;
  const totalCount = onlyTheRange && ranged ? index.count(bounds) : onlyTheRange ? book.directory.size : countMatching(book, matches);
  return { rows: picked.slice(0, first), hasNextPage: picked.length > first, totalCount };
}

function countMatching(book: BookIndexes, matches: (uin: number) => boolean): number {
  let count = 0;
  for (const { uin } of book.directory.walk('ASC')) if (matches(uin)) count += 1;
  return count;
}

function boundsOf(range: FloatRange | null | undefined): KeyBounds {
  if (!range) return {};
  const lower = range.gt != null ? { key: range.gt, inclusive: false } : range.gte != null ? { key: range.gte, inclusive: true } : undefined;
  const upper = range.lt != null ? { key: range.lt, inclusive: false } : range.lte != null ? { key: range.lte, inclusive: true } : undefined;
  return { lower, upper };
}

function inRange(value: number, range: FloatRange): boolean {
  return (range.lt == null || value < range.lt) && (range.lte == null || value <= range.lte) && (range.gt == null || value > range.gt) && (range.gte == null || value >= range.gte);
}

/** A filter on a value the row does not have yet matches nothing. An empty status list matches nothing. */
export function rowMatches(row: BookRow, filter: BookFilter): boolean {
  const { quota, profile } = row;
  if (filter.remainAmount && !(quota && inRange(quota.remainAmount, filter.remainAmount))) return false;
  if (filter.usedRatio && !(quota && inRange(usedRatio(quota), filter.usedRatio))) return false;
  if (filter.nameContains != null && !(profile?.name && foldCase(profile.name).includes(foldCase(filter.nameContains)))) return false;
  if (filter.accountStatus && !(profile && filter.accountStatus.includes(profile.accountStatus))) return false;
  return true;
}
