import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../store/lua-scripts.js';
import { MAX_RESULT_ENTRIES } from '../store/results-stream.js';
import { PROFILE_FIELDS, QUOTA_FIELDS, profileKeys, quotaKeys, type BookOrderField, type BookProfile, type BookQuota, type BookRow, type BookStore, type QuotaChange } from './book.js';
import { indexMember, lexBounds, parseMember, uinMember } from './lex-keys.js';

/**
 * The book in Redis, under the account's key space, one deployment's book for every replica:
 * - `book:dir`: the directory, a sorted set of UINs; `book:version`, the list it holds;
 * - `book:quota`, `book:profile`: hashes of each customer's answer (JSON, as kept);
 * - `book:age:quota`, `book:age:profile`: the answers' ages (UIN scored by asOf), for the sweep;
 * - `book:missing:quota`, `book:missing:profile`: the directory's customers without one;
 * - `book:ix:<FIELD>`: one sorted set per sort field (`lex-keys.ts`): a page is a `ZRANGEBYLEX`,
 *   a count a `ZLEXCOUNT`; nothing loads the whole book into a process.
 * Writes are Lua scripts, so a replica's answer and the indexes change together, and a change of a
 * balance is published once, in the results stream, for every replica's subscribers.
 */
export interface RedisBookOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** The results stream's key: changes are published there (queue `BOOK_CHANGES`). */
  readonly streamKey: string;
  /** Names this replica's scratch keys. */
  readonly replicaId: string;
}

/** The results stream's queue name of the book's changes. */
export const BOOK_CHANGES = 'book:changes';

interface Kept<V> {
  readonly a: number;
  readonly c: string;
  readonly m: readonly string[];
  readonly v: V;
}
type QuotaValue = Pick<BookQuota, 'totalAmount' | 'remainAmount'>;
type ProfileValue = Omit<BookProfile, 'asOf'>;

const NUMERIC = new Set<BookOrderField>([...QUOTA_FIELDS, 'BOUND_AT']);
const SCAN = 1000;

export function createRedisBookStore(options: RedisBookOptions): BookStore {
  const { redis, keyPrefix } = options;
  const key = (name: string) => `${keyPrefix}book:${name}`;
  const keys = {
    dir: key('dir'),
    version: key('version'),
    next: key(`dir:next:${options.replicaId}`),
    hash: { quota: key('quota'), profile: key('profile') },
    age: { quota: key('age:quota'), profile: key('age:profile') },
    missing: { quota: key('missing:quota'), profile: key('missing:profile') },
    index: (field: BookOrderField) => key(`ix:${field}`),
  };
  const quotaIndexes = QUOTA_FIELDS.map(keys.index);
  const profileIndexes = PROFILE_FIELDS.map(keys.index);
  const scripts = defineBookScripts(redis);
  const record = async (kind: 'quota' | 'profile', entries: { u: string; a: number; c: string; m: string[]; j: string }[]) => {
    if (entries.length === 0) return [];
    const indexes = kind === 'quota' ? quotaIndexes : profileIndexes;
    const script = kind === 'quota' ? scripts.recordQuotas : scripts.recordProfiles;
    return script(keys.hash[kind], keys.dir, keys.age[kind], keys.missing[kind], options.streamKey, ...indexes, kind === 'quota' ? '1' : '0', MAX_RESULT_ENTRIES, BOOK_CHANGES, JSON.stringify(entries));
  };
  const members = (field: BookOrderField | undefined) => (field ? keys.index(field) : keys.dir);

  return {
    async setDirectory(uins) {
      const sorted = [...new Set(uins)].sort((a, b) => a - b);
      const version = createHash('sha256').update(sorted.join(',')).digest('base64url');
      if ((await redis.get(keys.version)) === version) return;
      const pipeline = redis.pipeline().del(keys.next);
      for (let i = 0; i < sorted.length; i += 5000) pipeline.zadd(keys.next, ...sorted.slice(i, i + 5000).flatMap((uin) => [0, uinMember(uin)]));
      await execOrThrow(pipeline);
      await scripts.setDirectory(keys.dir, keys.next, keys.version, keys.hash.quota, keys.hash.profile, keys.age.quota, keys.age.profile, keys.missing.quota, keys.missing.profile, ...quotaIndexes, ...profileIndexes, version);
    },
    async recordQuotas(quotas) {
      const entries = quotas.map(({ uin, quota }) => {
        const kept: Kept<QuotaValue> = { a: quota.asOf, c: `${quota.totalAmount}|${quota.remainAmount}`, m: quotaKeys(quota).map((value) => indexMember(value, uin)), v: { totalAmount: quota.totalAmount, remainAmount: quota.remainAmount } };
        return { u: uinMember(uin), a: kept.a, c: kept.c, m: [...kept.m], j: JSON.stringify(kept) };
      });
      return (await record('quota', entries)).map(parseChange);
    },
    async recordProfiles(profiles) {
      const entries = profiles.map(({ uin, profile }) => {
        const { asOf, ...value } = profile;
        const kept: Kept<ProfileValue> = { a: asOf, c: '', m: profileKeys(profile).map((value) => (value === undefined ? '' : indexMember(value, uin))), v: value };
        return { u: uinMember(uin), a: asOf, c: '', m: [...kept.m], j: JSON.stringify(kept) };
      });
      await record('profile', entries);
    },
    async walk(field, direction, bounds, after, limit) {
      const [low, high] = lexBounds(bounds);
      const from = after ? (field ? indexMember(after.key, after.uin) : uinMember(after.uin)) : '';
      const found = await scripts.walk(members(field), direction, low, high, from, limit);
      return found.map((member) => (field ? parseMember(member, NUMERIC.has(field)) : { uin: Number(member), key: 0 }));
    },
    async walkUnknown(field, afterUin, limit) {
      const from = (uin: number | undefined) => (uin === undefined ? '-' : `(${uinMember(uin)}`);
      if (QUOTA_FIELDS.includes(field as (typeof QUOTA_FIELDS)[number])) return (await redis.zrangebylex(keys.missing.quota, from(afterUin), '+', 'LIMIT', 0, limit)).map(Number);
      // A profile field: customers without a profile, or whose profile lacks that field.
      const position = PROFILE_FIELDS.indexOf(field as (typeof PROFILE_FIELDS)[number]);
      const picked: number[] = [];
      for (let cursor = afterUin; picked.length < limit; ) {
        const uins = (await redis.zrangebylex(keys.dir, from(cursor), '+', 'LIMIT', 0, SCAN)).map(Number);
        if (uins.length === 0) break;
        const kept = await redis.hmget(keys.hash.profile, ...uins.map(uinMember));
        uins.forEach((uin, i) => {
          const raw = kept[i];
          if (picked.length < limit && (!raw || (JSON.parse(raw) as Kept<ProfileValue>).m[position] === '')) picked.push(uin);
        });
        cursor = uins.at(-1);
      }
      return picked;
    },
    async count(field, bounds) {
      if (!field) return redis.zcard(keys.dir);
      const [low, high] = lexBounds(bounds);
      return redis.zlexcount(keys.index(field), low, high);
    },
    async rows(uins) {
      if (uins.length === 0) return [];
      const fields = uins.map(uinMember);
      const [inDirectory, quotas, profiles] = (await execOrThrow(redis.pipeline().zmscore(keys.dir, ...fields).hmget(keys.hash.quota, ...fields).hmget(keys.hash.profile, ...fields))) as [(string | null)[], (string | null)[], (string | null)[]];
      return uins.map((uin, i): BookRow | undefined => (inDirectory[i] === null ? undefined : { uin, quota: quotaOf(quotas[i]), profile: profileOf(profiles[i]) }));
    },
    async coverage() {
      const [customers, noQuota, noProfile, oldest] = (await execOrThrow(
        redis.pipeline().zcard(keys.dir).zcard(keys.missing.quota).zcard(keys.missing.profile).zrange(keys.age.quota, '0', '0', 'WITHSCORES'),
      )) as [number, number, number, string[]];
      const withQuota = customers - noQuota;
      const withProfile = customers - noProfile;
      return { customers, withQuota, withProfile, oldestQuotaAsOf: oldest[1] === undefined ? null : Number(oldest[1]), complete: customers > 0 && withQuota === customers && withProfile === customers };
    },
    async oldest(kind, count) {
      const missing = (await redis.zrange(keys.missing[kind], '0', String(count - 1))).map(Number);
      if (missing.length >= count) return missing;
      return [...missing, ...(await redis.zrange(keys.age[kind], '0', String(count - missing.length - 1))).map(Number)];
    },
  };
}

function quotaOf(raw: string | null | undefined): BookQuota | undefined {
  if (!raw) return undefined;
  const kept = JSON.parse(raw) as Kept<QuotaValue>;
  return { totalAmount: kept.v.totalAmount, remainAmount: kept.v.remainAmount, asOf: kept.a };
}

function profileOf(raw: string | null | undefined): BookProfile | undefined {
  if (!raw) return undefined;
  const kept = JSON.parse(raw) as Kept<ProfileValue>;
  return { ...kept.v, asOf: kept.a };
}

/** A change as the record script publishes it. */
export function parseChange(published: string): QuotaChange {
  const change = JSON.parse(published) as { u: string; p: Kept<QuotaValue> | null; c: Kept<QuotaValue> };
  const quota = (kept: Kept<QuotaValue>): BookQuota => ({ totalAmount: kept.v.totalAmount, remainAmount: kept.v.remainAmount, asOf: kept.a });
  return { uin: Number(change.u), previous: change.p ? quota(change.p) : undefined, current: quota(change.c) };
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}

type Script = (...args: (string | number)[]) => Promise<string[]>;
function defineBookScripts(redis: Redis) {
  const record = luaScript('book-record-9');
  const commands = redis as unknown as Record<string, Script | undefined>;
  if (!commands.vgBookRecordQuotas) {
    redis.defineCommand('vgBookRecordQuotas', record);
    redis.defineCommand('vgBookRecordProfiles', { lua: record.lua, numberOfKeys: 7 });
    redis.defineCommand('vgBookDirectory', luaScript('book-directory-15'));
    redis.defineCommand('vgBookWalk', luaScript('book-walk-1'));
  }
  const bound = (name: string): Script => (...args) => (commands[name] as Script).call(redis, ...args);
  return { recordQuotas: bound('vgBookRecordQuotas'), recordProfiles: bound('vgBookRecordProfiles'), setDirectory: bound('vgBookDirectory'), walk: bound('vgBookWalk') };
}
