import type { KeyValueStore } from '../store/key-value-store.js';

/**
 * UINs the upstream refused with `UnauthorizedOperation.UinNoAuth`, remembered for a while so the next
 * query answers them locally instead of paying for another failed call and another split. Kept in the
 * shared store: with Redis, one replica's discovery spares every other replica the same bisection.
 */
export interface UinDenylist {
  /** The UINs of `uins` that are on the list. */
  filter(uins: readonly number[]): Promise<Set<number>>;
  add(uins: readonly number[]): Promise<void>;
  /** Takes UINs off the list (a later directory walk lists them again: customers after all). */
  remove(uins: readonly number[]): Promise<void>;
}

export interface UinDenylistOptions {
  readonly store: KeyValueStore;
  /** How long an entry lives, milliseconds. 0 disables the list. */
  readonly ttlMs: number;
}

export function createUinDenylist(options: UinDenylistOptions): UinDenylist {
  const { store, ttlMs } = options;
  const key = (uin: number) => `deny:${uin}`;
  return {
    async filter(uins) {
      if (ttlMs <= 0 || uins.length === 0) return new Set();
      const values = await store.getMany(uins.map(key));
      return new Set(uins.filter((_, index) => values[index] !== undefined));
    },
    async add(uins) {
      if (ttlMs <= 0) return;
      await store.setMany(uins.map((uin) => ({ key: key(uin), value: '1', ttlMs })));
    },
    async remove(uins) {
      if (ttlMs <= 0 || uins.length === 0) return;
      await store.deleteMany(uins.map(key));
    },
  };
}
