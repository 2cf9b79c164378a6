/**
 * UINs the upstream refused with `UnauthorizedOperation.UinNoAuth`, remembered for a while so the next
 * query answers them locally instead of paying for another failed call and another split.
 * Per process, passed in; bounded, oldest entries evicted first.
 */
export interface UinDenylist {
  has(uin: number): boolean;
  add(uin: number): void;
  readonly size: number;
}

export interface UinDenylistOptions {
  /** How long an entry lives, milliseconds. 0 disables the list. */
  readonly ttlMs: number;
  /** Most entries kept. Default 10,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export function createUinDenylist(options: UinDenylistOptions): UinDenylist {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const expiries = new Map<number, number>();
  return {
    has(uin) {
      const expiresAt = expiries.get(uin);
      if (expiresAt === undefined) return false;
      if (expiresAt > now()) return true;
      expiries.delete(uin);
      return false;
    },
    add(uin) {
      if (options.ttlMs <= 0) return;
      expiries.delete(uin);
      expiries.set(uin, now() + options.ttlMs);
      if (expiries.size > maxEntries) expiries.delete(expiries.keys().next().value as number);
    },
    get size() {
      return expiries.size;
    },
  };
}
