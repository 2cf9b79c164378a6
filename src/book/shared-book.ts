import { withRedis, type RedisConnection } from '../store/redis-connection.js';
import type { ResultsStream } from '../store/results-stream.js';
import { bookReads, type BookStore, type CustomerBook, type QuotaChange } from './book.js';
import { BOOK_CHANGES, parseChange } from './redis-book.js';

/**
 * The deployment's book in Redis, for every replica, with this process's own book beside it for
 * while Redis is down (fed by the same answers; read only then). A change of a balance is found once,
 * by the record script, and published in the results stream: every replica's reader delivers it to
 * its subscribers once, the replica that found it too. While Redis is down, a replica's subscribers
 * hear of the changes its own reads find, from its own book.
 */
export interface SharedBookOptions {
  readonly connection: RedisConnection;
  readonly shared: BookStore;
  readonly local: BookStore;
  readonly results: ResultsStream;
}

export function createSharedCustomerBook(options: SharedBookOptions): CustomerBook {
  const { connection, shared, local, results } = options;
  const listeners: ((changes: readonly QuotaChange[]) => void)[] = [];
  const deliver = (changes: readonly QuotaChange[]) => {
    if (changes.length > 0) for (const listener of listeners) listener(changes);
  };
  results.subscribe(BOOK_CHANGES, (published) => deliver([parseChange(published)]));
  const either = <A extends unknown[], R>(read: (store: BookStore) => (...args: A) => Promise<R>) => (...args: A) =>
    withRedis(connection, () => read(shared)(...args), () => read(local)(...args));
  const store: BookStore = {
    ...local,
    walk: either((s) => s.walk),
    walkUnknown: either((s) => s.walkUnknown),
    count: either((s) => s.count),
    rows: either((s) => s.rows),
    coverage: either((s) => s.coverage),
    oldest: either((s) => s.oldest),
  };
  // A Redis that comes back (perhaps empty, after a restart) gets the directory again.
  let directory: readonly number[] | undefined;
  const writeDirectory = () => (directory ? withRedis(connection, () => shared.setDirectory(directory as readonly number[]), () => undefined) : Promise.resolve());
  connection.onStateChange((state) => {
    if (state === 'up') void writeDirectory().catch(() => undefined);
  });

  return {
    ...bookReads(() => store),
    async setDirectory(uins) {
      directory = uins;
      await local.setDirectory(uins);
      await writeDirectory();
    },
    async recordProfiles(profiles) {
      await local.recordProfiles(profiles);
      await withRedis(connection, () => shared.recordProfiles(profiles), () => undefined);
    },
    async recordQuotas(quotas) {
      const found = await local.recordQuotas(quotas);
      // Published in the stream (and delivered from there) when Redis took it; from here when not.
      deliver(await withRedis(connection, async () => (await shared.recordQuotas(quotas), []), () => found));
    },
    onChanges: (listener) => void listeners.push(listener),
    onLost: (listener) => results.onGap(listener),
  };
}
