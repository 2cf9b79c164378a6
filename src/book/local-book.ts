import { PROFILE_FIELDS, QUOTA_FIELDS, profileKeys, quotaKeys, type BookOrderField, type BookProfile, type BookQuota, type BookStore, type QuotaChange } from './book.js';
import { SortedIndex } from './sorted-index.js';

interface LocalRow {
  uin: number;
  quota?: BookQuota;
  profile?: BookProfile;
}

/**
 * The book in process: a row per customer, a `SortedIndex` per sort field, the directory by UIN and
 * the answers' ages. Every operation is a binary search or a walk from one; counts are kept as
 * answers arrive, so `coverage` costs nothing whatever the book's size.
 */
export function createLocalBookStore(): BookStore {
  const rows = new Map<number, LocalRow>();
  const directory = new SortedIndex();
  const indexes = new Map<BookOrderField, SortedIndex>([...QUOTA_FIELDS, ...PROFILE_FIELDS].map((field) => [field, new SortedIndex()]));
  const ages = { quota: new SortedIndex(), profile: new SortedIndex() };
  // The directory's customers without such an answer, by UIN: the sweep reads them first.
  const missing = { quota: new SortedIndex(), profile: new SortedIndex() };
  const counts = { quota: 0, profile: 0 };
  const rowOf = (uin: number) => {
    let row = rows.get(uin);
    if (!row) rows.set(uin, (row = { uin }));
    return row;
  };
  const inDirectory = (uin: number) => directory.keyOf(uin) !== undefined;
  // Before the directory has loaded, every answer is kept; after, only its customers'.
  const member = (uin: number) => directory.size === 0 || inDirectory(uin);
  const forget = (uin: number) => {
    const row = rows.get(uin);
    if (row?.quota && inDirectory(uin)) counts.quota -= 1;
    if (row?.profile && inDirectory(uin)) counts.profile -= 1;
    rows.delete(uin);
    for (const index of [directory, ages.quota, ages.profile, missing.quota, missing.profile, ...indexes.values()]) index.set(uin, undefined);
  };
  /** Keeps `answer` as `row[kind]` unless the row holds a newer one; true when kept. */
  const keep = <K extends 'quota' | 'profile'>(uin: number, kind: K, answer: NonNullable<LocalRow[K]>, keys: readonly (number | string | undefined)[]) => {
    if (!member(uin)) return false;
    const row = rowOf(uin);
    const held = row[kind];
    if (held && held.asOf > answer.asOf) return false;
    if (!held && inDirectory(uin)) counts[kind] += 1;
    row[kind] = answer;
    (kind === 'quota' ? QUOTA_FIELDS : PROFILE_FIELDS).forEach((field, i) => indexes.get(field)?.set(uin, keys[i]));
    ages[kind].set(uin, answer.asOf);
    missing[kind].set(uin, undefined);
    return true;
  };

  return {
    async setDirectory(uins) {
      const members = new Set(uins);
      for (const uin of [...rows.keys()]) if (!members.has(uin)) forget(uin);
      for (const uin of uins) {
        const row = rowOf(uin);
        // Answers kept before the directory loaded now count.
        if (!inDirectory(uin)) for (const kind of ['quota', 'profile'] as const) if (row[kind]) counts[kind] += 1;
        for (const kind of ['quota', 'profile'] as const) missing[kind].set(uin, row[kind] ? undefined : 0);
        directory.set(uin, 0);
      }
    },
    async recordQuotas(quotas) {
      const changes: QuotaChange[] = [];
      for (const { uin, quota } of quotas) {
        const previous = rows.get(uin)?.quota;
        if (!keep(uin, 'quota', quota, quotaKeys(quota))) continue;
        if (!previous || previous.remainAmount !== quota.remainAmount || previous.totalAmount !== quota.totalAmount) changes.push({ uin, previous, current: quota });
      }
      return changes;
    },
    async recordProfiles(profiles) {
      for (const { uin, profile } of profiles) keep(uin, 'profile', profile, profileKeys(profile));
    },
    walk: async (field, direction, bounds, after, limit) => takeEntries((field ? (indexes.get(field) as SortedIndex) : directory).walk(direction, bounds, after), limit),
    walkUnknown: async (field, afterUin, limit) =>
      take(directory.walk('ASC', {}, afterUin === undefined ? undefined : { key: 0, uin: afterUin }), limit, (uin) => (indexes.get(field) as SortedIndex).keyOf(uin) === undefined),
    count: async (field, bounds) => (field ? (indexes.get(field) as SortedIndex) : directory).count(bounds),
    rows: async (uins) => uins.map((uin) => (inDirectory(uin) ? rows.get(uin) : undefined)),
    async coverage() {
      const oldest = ages.quota.walk('ASC').next();
      const customers = directory.size;
      const { quota: withQuota, profile: withProfile } = counts;
      return { customers, withQuota, withProfile, oldestQuotaAsOf: oldest.done ? null : Number(oldest.value.key), complete: customers > 0 && withQuota === customers && withProfile === customers };
    },
    oldest: async (kind, count) => [...take(missing[kind].walk('ASC'), count), ...take(ages[kind].walk('ASC'), count - missing[kind].size, inDirectory)].slice(0, count),
  };
}

/** Up to `limit` entries of a walk. */
function takeEntries(walk: Iterable<{ uin: number; key: number | string }>, limit: number): { uin: number; key: number | string }[] {
  const picked: { uin: number; key: number | string }[] = [];
  if (limit <= 0) return picked;
  for (const entry of walk) {
    picked.push(entry);
    if (picked.length >= limit) break;
  }
  return picked;
}

/** Up to `limit` UINs of a walk that `keep` keeps. */
function take(walk: Iterable<{ uin: number }>, limit: number, keep: (uin: number) => boolean = () => true): number[] {
  const picked: number[] = [];
  if (limit <= 0) return picked;
  for (const { uin } of walk) {
    if (!keep(uin)) continue;
    picked.push(uin);
    if (picked.length >= limit) break;
  }
  return picked;
}
