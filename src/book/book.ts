import type { CustomerProfile } from '../loaders/customer-mapping.js';
import type { KeyBounds, SortKey } from './sorted-index.js';

/**
 * The book: every customer of the account's directory with the latest quota and profile the gateway
 * has seen, fed by every answer it receives (any request, the sweep). Sorted and filtered pages are
 * read from it with no upstream call. The rules (what a page holds, in which order, what counts) are
 * written once here, over a `BookStore` that holds the state: in process (`local-book.ts`, a
 * `SortedIndex` per sort field) or in Redis (`redis-book.ts`, a sorted set per sort field). Both
 * read a sort with a range on the same field as a range, never a sort.
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

/**
 * Where the book's state lives. Each store keeps, per sort field, an index of the directory's
 * customers that have a value (ties by UIN ascending in both directions), the directory by UIN, and
 * the age of every answer. `record*` keep an answer only when it is not older than the one held, and
 * only for the directory's customers (every answer while the directory has not loaded yet).
 */
export interface BookStore {
  /** The directory's customers: those who left it leave the book. */
  setDirectory(uins: readonly number[]): Promise<void>;
  /** Fresh quota answers; returns the changes of `remainAmount` or `totalAmount`. */
  recordQuotas(quotas: readonly { readonly uin: number; readonly quota: BookQuota }[]): Promise<QuotaChange[]>;
  recordProfiles(profiles: readonly { readonly uin: number; readonly profile: BookProfile }[]): Promise<void>;
  /**
   * Up to `limit` entries of `field`'s index (the directory by UIN without a field), in `direction`
   * (ties by UIN ascending either way), within `bounds`, strictly after `after`.
   */
  walk(field: BookOrderField | undefined, direction: 'ASC' | 'DESC', bounds: KeyBounds, after: BookCursor | undefined, limit: number): Promise<{ uin: number; key: SortKey }[]>;
  /** Up to `limit` of the directory's customers without a `field` value, by UIN, after `afterUin`. */
  walkUnknown(field: BookOrderField, afterUin: number | undefined, limit: number): Promise<number[]>;
  /** Entries of `field`'s index within `bounds` (the directory's size without a field). */
  count(field: BookOrderField | undefined, bounds: KeyBounds): Promise<number>;
  /** The rows of `uins` (`undefined` for a UIN not in the directory). */
  rows(uins: readonly number[]): Promise<(BookRow | undefined)[]>;
  coverage(): Promise<BookCoverage>;
  /** Up to `count` UINs whose `kind` answer is oldest (missing first, by UIN): what the sweep reads next. */
  oldest(kind: 'quota' | 'profile', count: number): Promise<number[]>;
}

export interface BookCursor {
  readonly key: SortKey;
  readonly uin: number;
}

/** What the gateway uses: a store's state, the page rules, and the changes it learns of. */
export interface CustomerBook extends Omit<BookStore, 'recordQuotas'> {
  /** Fresh quota answers; their changes reach `onChanges` (on every replica, once, with Redis). */
  recordQuotas(quotas: readonly { readonly uin: number; readonly quota: BookQuota }[]): Promise<void>;
  page(query: BookQuery): Promise<BookPage>;
  onChanges(listener: (changes: readonly QuotaChange[]) => void): void;
  /** Changes may have been missed (a replica's link to the shared changes lost some): subscribers must start again. */
  onLost(listener: () => void): void;
}

/** A book over one store: the changes a record finds go straight to the listeners. */
export function createCustomerBook(store: BookStore): CustomerBook {
  const listeners: ((changes: readonly QuotaChange[]) => void)[] = [];
  return {
    ...bookReads(() => store),
    setDirectory: (uins) => store.setDirectory(uins),
    recordProfiles: (profiles) => store.recordProfiles(profiles),
    async recordQuotas(quotas) {
      const changes = await store.recordQuotas(quotas);
      if (changes.length > 0) for (const listener of listeners) listener(changes);
    },
    onChanges: (listener) => void listeners.push(listener),
    // In process, every change is delivered as it is found.
    onLost: () => undefined,
  };
}

/** The reads of a book, from whichever store `storeOf` names at the time. */
export function bookReads(storeOf: () => BookStore): Pick<CustomerBook, 'walk' | 'walkUnknown' | 'count' | 'rows' | 'coverage' | 'oldest' | 'page'> {
  return {
    walk: (...args) => storeOf().walk(...args),
    walkUnknown: (...args) => storeOf().walkUnknown(...args),
    count: (...args) => storeOf().count(...args),
    rows: (uins) => storeOf().rows(uins),
    coverage: () => storeOf().coverage(),
    oldest: (kind, count) => storeOf().oldest(kind, count),
    page: (query) => readPage(query, storeOf()),
  };
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
export const QUOTA_FIELDS = Object.keys(QUOTA_KEYS) as (keyof typeof QUOTA_KEYS)[];
export const PROFILE_FIELDS = Object.keys(PROFILE_KEYS) as (keyof typeof PROFILE_KEYS)[];

/** A quota's keys, in `QUOTA_FIELDS` order. */
export const quotaKeys = (quota: BookQuota): number[] => QUOTA_FIELDS.map((field) => QUOTA_KEYS[field](quota));
/** A profile's keys, in `PROFILE_FIELDS` order (`undefined`: not in that index). */
export const profileKeys = (profile: BookProfile): (SortKey | undefined)[] => PROFILE_FIELDS.map((field) => PROFILE_KEYS[field](profile));

/** `field`'s value of a row, `undefined` when the book does not know it. */
export function keyOf(field: BookOrderField, row: BookRow): SortKey | undefined {
  if (field in QUOTA_KEYS) return row.quota && QUOTA_KEYS[field as keyof typeof QUOTA_KEYS](row.quota);
  return row.profile && PROFILE_KEYS[field as keyof typeof PROFILE_KEYS](row.profile);
}

/** used / total, 0 when the total is 0. */
export function usedRatio(quota: { readonly totalAmount: number; readonly remainAmount: number }): number {
  return quota.totalAmount === 0 ? 0 : (quota.totalAmount - quota.remainAmount) / quota.totalAmount;
}

/** `NAME` sorts case-folded, by code point (NUL characters, which no name needs, are dropped). */
export function foldCase(name: string): string {
  return name.toLowerCase().replaceAll('\0', '');
}

/** Rows read from a store at a time while a page or a count scans. */
const CHUNK = 500;
type PickedRow = BookRow & { readonly key: SortKey | null };

/**
 * One page: the sort field's index (or the directory by UIN), within the range filter on that same
 * field when there is one, the other filters applied to each row; then the customers whose sort key is
 * not known yet, by UIN (last in both directions), unless the filter rules them out.
 */
export async function readPage(query: BookQuery, store: BookStore): Promise<BookPage> {
  const { order, filter = {}, after, first } = query;
  const field = order?.field;
  const rangeField = field === 'REMAIN_AMOUNT' ? 'remainAmount' : field === 'USED_RATIO' ? 'usedRatio' : undefined;
  const bounds = rangeField ? boundsOf(filter[rangeField]) : {};
  const picked: PickedRow[] = [];
  const take = (rows: readonly (BookRow | undefined)[], keys: readonly (SortKey | null)[]) => {
    rows.forEach((row, i) => {
      if (row && picked.length <= first && rowMatches(row, filter)) picked.push({ ...row, key: keys[i] ?? null });
    });
    return picked.length > first;
  };
  let full = false;
  // The first read asks for the page (and one more row); each further read, filtered rows having
  // been dropped, for twice as many, up to `CHUNK`.
  let chunk = first + 1;
  const grow = () => (chunk = Math.min(CHUNK, chunk * 2));
  if (!after || after.key !== null) {
    let cursor = after && after.key !== null ? { key: after.key, uin: after.uin } : undefined;
    for (let size = chunk; !full; size = grow()) {
      const entries = await store.walk(field, order?.direction ?? 'ASC', bounds, cursor, size);
      full = take(await store.rows(entries.map((entry) => entry.uin)), entries.map((entry) => entry.key));
      if (entries.length < size) break;
      cursor = entries.at(-1);
    }
  }
  // Unknown keys sort last: the customers without one, by UIN (they match no filter on that value).
  if (!full && field && !filtersOn(field, filter)) {
    let afterUin = after?.key === null ? after.uin : undefined;
    for (let size = chunk; !full; size = grow()) {
      const uins = await store.walkUnknown(field, afterUin, size);
      full = take(await store.rows(uins), []);
      if (uins.length < size) break;
      afterUin = uins.at(-1);
    }
  }
  return { rows: picked.slice(0, first), hasNextPage: picked.length > first, totalCount: await countMatching(store, filter) };
}

/** Whether `filter` constrains the value `field` sorts on (then a row without it matches nothing). */
function filtersOn(field: BookOrderField, filter: BookFilter): boolean {
  if (field in QUOTA_KEYS) return filter.remainAmount != null || filter.usedRatio != null;
  return field === 'NAME' && filter.nameContains != null;
}

/**
 * The customers `filter` matches: a count of one index's range when that range is the whole filter,
 * else a scan of the narrowest range filtered on (or of the directory).
 */
async function countMatching(store: BookStore, filter: BookFilter): Promise<number> {
  const ranges = (['remainAmount', 'usedRatio'] as const).filter((name) => filter[name] != null);
  const others = filter.nameContains != null || filter.accountStatus != null;
  const fieldOf = { remainAmount: 'REMAIN_AMOUNT', usedRatio: 'USED_RATIO' } as const;
  if (ranges.length === 0 && !others) return store.count(undefined, {});
  const sizes = await Promise.all(ranges.map((name) => store.count(fieldOf[name], boundsOf(filter[name]))));
  if (ranges.length === 1 && !others) return sizes[0] as number;
  const narrowest = ranges[sizes.indexOf(Math.min(...sizes))];
  const field = narrowest && fieldOf[narrowest];
  const bounds = narrowest ? boundsOf(filter[narrowest]) : {};
  let count = 0;
  for (let cursor: BookCursor | undefined, more = true; more; ) {
    const entries = await store.walk(field, 'ASC', bounds, cursor, CHUNK);
    for (const row of await store.rows(entries.map((entry) => entry.uin))) if (row && rowMatches(row, filter)) count += 1;
    more = entries.length === CHUNK;
    cursor = entries.at(-1);
  }
  return count;
}

export function boundsOf(range: FloatRange | null | undefined): KeyBounds {
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
