import type { KeyValueStore } from './key-value-store.js';

/**
 * A deployment-wide lease in the shared store: at most one replica holds it at a time (with Redis;
 * in process, this process always does). Every replica asks every third of `ttlMs`, on a timer of its
 * own (never on the holder's busy path, which could let the lease lapse): the holder extends it, the
 * others take it when it is free. When the holder dies, the lease lapses and another replica holds it
 * within `ttlMs` and a third. While Redis is down every replica holds its own (the fallback store),
 * as every other shared part falls back.
 */
export interface Lease {
  /** Whether this replica held the lease at its last renewal (no I/O). */
  held(): boolean;
  /** Gives the lease back (when still ours) and stops asking for it. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  readonly store: KeyValueStore;
  readonly key: string;
  /** This replica's token. */
  readonly token: string;
  readonly ttlMs: number;
}

export function createLease(options: LeaseOptions): Lease {
  const { store, key, token, ttlMs } = options;
  let ours = false;
  let asking = false;
  const ask = async () => {
    if (asking) return;
    asking = true;
    try {
      ours = (await store.extendIfHeld(key, token, ttlMs).catch(() => false)) || (await store.setIfAbsent(key, token, ttlMs).catch(() => false));
    } finally {
      asking = false;
    }
  };
  const timer = setInterval(() => void ask(), ttlMs / 3);
  timer.unref();
  void ask();
  return {
    held: () => ours,
    async release() {
      clearInterval(timer);
      const wasOurs = ours;
      ours = false;
      if (wasOurs) {
        const [holder] = await store.getMany([key]).catch(() => [undefined]);
        if (holder === token) await store.deleteMany([key]).catch(() => undefined);
      }
    },
  };
}
