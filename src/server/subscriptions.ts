import { GraphQLError } from 'graphql';
import type { CustomerBook, QuotaChange, QuotaChangeEvent } from '../book/book.js';
import { eventStream, WatchLimitError, type QuotaChanges } from '../book/changes.js';
import { ERROR_CODES } from '../error-codes.js';

export type { QuotaChangeEvent } from '../book/book.js';

export interface SubscriptionLimits {
  /** Open subscriptions one caller may hold in this process (`MAX_SUBSCRIPTIONS_PER_CALLER`). */
  readonly maxPerCaller: number;
  /** UINs one `voucherQuotaChanged` may watch (`MAX_UINS_PER_SUBSCRIPTION`). */
  readonly maxUins: number;
  /** Distinct UINs watched at once across the deployment (`WATCH_MAX_UINS`). */
  readonly maxWatchedUins: number;
}

/**
 * The subscriptions of one process: balance changes the book learned of, pushed to the subscribers
 * of that customer. A subscription ends when its client goes away, when its caller's token expires
 * (with `UNAUTHENTICATED`), or when the gateway drains (the stream completes); whatever ends it frees
 * its watch and its place in its caller's count.
 */
export function createSubscriptions(options: { readonly changes: QuotaChanges; readonly book: Pick<CustomerBook, 'page'>; readonly limits: SubscriptionLimits; readonly draining: AbortSignal }) {
  const { changes, book, limits, draining } = options;
  const perCaller = new Map<string, number>();

  /** The lifetime of one subscription, with its caller counted; ends as described above. */
  const open = (request: { readonly caller: string; readonly clientGone: AbortSignal; readonly expiresAt: number | undefined; readonly transport: string }) => {
    const count = perCaller.get(request.caller) ?? 0;
    if (count >= limits.maxPerCaller) {
      throw new GraphQLError(`At most ${limits.maxPerCaller} subscriptions per caller are open at once (MAX_SUBSCRIPTIONS_PER_CALLER).`, { extensions: { code: ERROR_CODES.subscriptionLimit } });
    }
    const lifetime = new AbortController();
    perCaller.set(request.caller, count + 1);
    changes.open.set(request.transport, (changes.open.get(request.transport) ?? 0) + 1);
    const end = () => lifetime.abort();
    draining.addEventListener('abort', end, { once: true });
    request.clientGone.addEventListener('abort', end, { once: true });
    lifetime.signal.addEventListener('abort', () => {
      draining.removeEventListener('abort', end);
      request.clientGone.removeEventListener('abort', end);
      const left = (perCaller.get(request.caller) ?? 1) - 1;
      if (left <= 0) perCaller.delete(request.caller);
      else perCaller.set(request.caller, left);
      changes.open.set(request.transport, (changes.open.get(request.transport) ?? 1) - 1);
    });
    if (draining.aborted || request.clientGone.aborted) end();
    return lifetime;
  };

  /** Fails the stream with `UNAUTHENTICATED` when the caller's token expires. */
  const expireAt = (expiresAt: number | undefined, lifetime: AbortController, fail: (error: Error) => void) => {
    if (expiresAt === undefined) return;
    const timer = setTimeout(() => fail(new GraphQLError('The Bearer token expired: subscribe again with a fresh one.', { extensions: { code: ERROR_CODES.unauthenticated } })), Math.max(0, expiresAt - Date.now()));
    timer.unref();
    lifetime.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  };

  const watchLimit = (error: WatchLimitError) => new GraphQLError(error.message, { extensions: { code: ERROR_CODES.subscriptionLimit, maxWatchedUins: error.maxUins } });

  /** Ends a stream whose events may have been missed: the client subscribes again (and `lowBalance` re-reads the book). */
  const lostFailure = () => new GraphQLError('Events of this subscription may have been missed (the gateway lost its link to the deployment\'s changes); subscribe again.', { extensions: { code: ERROR_CODES.eventsLost } });

  const eventOf = (change: QuotaChange): QuotaChangeEvent => ({ uin: change.uin, previous: change.previous ?? null, current: change.current });

  return {
    /** Changes of `uins`' remain or total amounts; they are watched (re-read every `WATCH_REFRESH_MS`). */
    quotaChanges(uins: readonly number[], request: Parameters<typeof open>[0], onWatched: (uins: readonly number[]) => void): AsyncIterable<QuotaChangeEvent> {
      if (uins.length < 1 || uins.length > limits.maxUins) {
        throw new GraphQLError(`voucherQuotaChanged watches 1 to ${limits.maxUins} customers, got ${uins.length}.`, { extensions: { code: ERROR_CODES.badUserInput, maxUins: limits.maxUins } });
      }
      const lifetime = open(request);
      try {
        changes.watch(uins, lifetime.signal);
      } catch (error) {
        lifetime.abort();
        if (error instanceof WatchLimitError) throw watchLimit(error);
        throw error;
      }
      const watched = new Set(uins);
      // The book needs a value to compare with: the watched customers are read now, then each interval.
      onWatched(uins);
      return eventStream<QuotaChangeEvent>(lifetime, (push, fail) => {
        expireAt(request.expiresAt, lifetime, fail);
        // The deployment's bound (with Redis): refused, the stream ends at once with the coded error.
        void changes.claim(uins).then((claimed) => claimed || fail(watchLimit(new WatchLimitError(limits.maxWatchedUins))));
        changes.listen((change) => {
          if (watched.has(change.uin) && change.previous) push(eventOf(change));
        }, lifetime.signal, () => fail(lostFailure()));
      });
    },

    /** Every customer already below `below` (from the book), then each one whose balance falls below it. */
    lowBalances(below: number, request: Parameters<typeof open>[0]): AsyncIterable<QuotaChangeEvent> {
      const lifetime = open(request);
      return eventStream<QuotaChangeEvent>(lifetime, (push, fail) => {
        expireAt(request.expiresAt, lifetime, fail);
        // The book is read page by page while crossings may arrive: a customer is announced once.
        let crossedWhileReading: Set<number> | undefined = new Set();
        changes.listen((change) => {
          if (change.current.remainAmount < below && !(change.previous && change.previous.remainAmount < below)) {
            crossedWhileReading?.add(change.uin);
            push(eventOf(change));
          }
        }, lifetime.signal, () => fail(lostFailure()));
        void initialLowBalances(book, below, (event) => crossedWhileReading?.has(event.uin) || push(event))
          .then(() => (crossedWhileReading = undefined))
          .catch(fail);
      }, 100_000);
    },
  };
}
export type Subscriptions = ReturnType<typeof createSubscriptions>;

/** Every customer of the book already below `below`, lowest first. */
async function initialLowBalances(book: Pick<CustomerBook, 'page'>, below: number, push: (event: QuotaChangeEvent) => void): Promise<void> {
  for (let after: { key: number | string | null; uin: number } | undefined, more = true; more; ) {
    const page = await book.page({ order: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, filter: { remainAmount: { lt: below } }, after, first: 1000 });
    for (const row of page.rows) if (row.quota) push({ uin: row.uin, previous: null, current: row.quota });
    const last = page.rows.at(-1);
    more = page.hasNextPage && last !== undefined;
    if (last) after = { key: last.key, uin: last.uin };
  }
}
