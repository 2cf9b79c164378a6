import type { QuotaChange } from './book.js';
import type { WatchRegistry } from './watch-registry.js';

/**
 * Changes of customers' balances that the book learned of (from any read, the sweep or a watch
 * refresh), fanned out to this process's subscriptions, and the UINs that subscriptions watch:
 * re-read at least every `refreshMs` (a UIN watched by 1000 subscriptions is read once per interval),
 * at most `maxUins` distinct UINs.
 */
export interface QuotaChanges {
  publish(changes: readonly QuotaChange[]): void;
  /** Every change from now on, until `signal` aborts; `onLost` if some may have been missed. */
  listen(listener: (change: QuotaChange) => void, signal: AbortSignal, onLost?: () => void): void;
  /** Some changes may have been missed: every listener's `onLost`. */
  lost(): void;
  /** Watches `uins` until `signal` aborts; throws `WatchLimitError` past the bound (nothing watched then). */
  watch(uins: readonly number[], signal: AbortSignal): void;
  /** Claims `uins` in the deployment's watches (with Redis): false when that would pass `maxUins`. */
  claim(uins: readonly number[]): Promise<boolean>;
  /** Distinct UINs watched now. */
  watched(): number;
  /** Subscriptions open now, per transport. */
  readonly open: Map<string, number>;
  stop(): void;
}

export class WatchLimitError extends Error {
  override name = 'WatchLimitError';
  constructor(readonly maxUins: number) {
    super(`At most ${maxUins} distinct customers can be watched at once (WATCH_MAX_UINS); this subscription would pass it.`);
  }
}

export interface QuotaChangesOptions {
  readonly maxUins: number;
  readonly refreshMs: number;
  /** Reads `uins` fresh (at the watch priority); the answers reach the book, which publishes the changes. */
  readonly refresh: (uins: readonly number[]) => Promise<unknown>;
  /** The deployment's watches (with Redis); without it, this process's bound is the bound. */
  readonly registry?: WatchRegistry | undefined;
}

export function createQuotaChanges(options: QuotaChangesOptions): QuotaChanges {
  const listeners = new Set<(change: QuotaChange) => void>();
  const lostListeners = new Set<() => void>();
  const watches = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing = false;

  const tick = async () => {
    if (refreshing || watches.size === 0) return;
    refreshing = true;
    const uins = [...watches.keys()];
    try {
      await options.registry?.renew(uins).catch(() => undefined);
      const batches = Array.from({ length: Math.ceil(uins.length / 20) }, (_, i) => uins.slice(i * 20, i * 20 + 20));
      await Promise.all(batches.map((batch) => options.refresh(batch).catch(() => undefined)));
    } finally {
      refreshing = false;
    }
  };
  const ensureTimer = () => {
    if (timer || watches.size === 0) return;
    timer = setInterval(() => void tick(), options.refreshMs);
    timer.unref();
  };

  return {
    open: new Map(),
    publish(changes) {
      for (const change of changes) for (const listener of listeners) listener(change);
    },
    listen(listener, signal, onLost) {
      if (signal.aborted) return;
      listeners.add(listener);
      if (onLost) lostListeners.add(onLost);
      signal.addEventListener(
        'abort',
        () => {
          listeners.delete(listener);
          if (onLost) lostListeners.delete(onLost);
        },
        { once: true },
      );
    },
    lost() {
      for (const onLost of [...lostListeners]) onLost();
    },
    watch(uins, signal) {
      const added = new Set(uins.filter((uin) => !watches.has(uin)));
      if (watches.size + added.size > options.maxUins) throw new WatchLimitError(options.maxUins);
      for (const uin of new Set(uins)) watches.set(uin, (watches.get(uin) ?? 0) + 1);
      ensureTimer();
      signal.addEventListener(
        'abort',
        () => {
          for (const uin of new Set(uins)) {
            const count = (watches.get(uin) ?? 1) - 1;
            if (count <= 0) watches.delete(uin);
            else watches.set(uin, count);
          }
          if (watches.size === 0 && timer) {
            clearInterval(timer);
            timer = undefined;
          }
        },
        { once: true },
      );
    },
    claim: async (uins) => (options.registry ? options.registry.claim(uins, options.maxUins).catch(() => true) : true),
    watched: () => watches.size,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * An async iterator over events pushed by `start` until `lifetime` aborts (then it completes), or until
 * `start`'s `fail` is called (then it throws). However it ends (the client went away and the server
 * returned the iterator, too), `lifetime` is aborted, which frees what the subscription held. Events
 * wait in a queue of at most `maxQueued`; beyond it the oldest are dropped (a subscriber that does
 * not read cannot hold memory without bound).
 */
export async function* eventStream<T>(lifetime: AbortController, start: (push: (event: T) => void, fail: (error: Error) => void) => void, maxQueued = 1000): AsyncGenerator<T> {
  const { signal } = lifetime;
  const queue: T[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  signal.addEventListener('abort', notify, { once: true });
  start(
    (event) => {
      queue.push(event);
      if (queue.length > maxQueued) queue.shift();
      notify();
    },
    (error) => {
      failure = error;
      notify();
    },
  );
  try {
    while (!signal.aborted) {
      if (failure) throw failure;
      const next = queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    lifetime.abort();
  }
}
