import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * How the results of a deployment-wide call reach every replica: one Redis stream per account
 * (`<account>results`), one entry per finished call (written by `lua/finish-call-6.lua`), read by
 * each replica with a blocking `XREAD` on a connection of its own. A stream rather than pub/sub:
 * a replica whose reader reconnects goes on from the last entry it read, so a result published in
 * between is not lost (entries are kept up to `MAX_RESULT_ENTRIES`).
 */
export interface ResultsStream {
  /** The stream's key, for the finish script. */
  readonly key: string;
  /** Receives the results (JSON, as published) of every call of queue `name`, from any replica. */
  subscribe(name: string, onResults: (results: string) => void): void;
  /** Receives every entry, whatever its queue (the response cache drops what newer answers replace). */
  onEveryEntry(listener: (name: string, results: string) => void): void;
  /**
   * Called when entries may have been missed: the reader came back after a failure and the entry it
   * read last is gone (trimmed past `MAX_RESULT_ENTRIES`, or the stream lost with a Redis restart).
   */
  onGap(listener: () => void): void;
  close(): Promise<void>;
}

/** Stream entries kept (approximately): minutes of calls at every action's full rate. */
export const MAX_RESULT_ENTRIES = 10_000;

export interface ResultsStreamOptions {
  readonly connection: RedisConnection;
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** Longest block of one XREAD, milliseconds. Default 1000. */
  readonly blockMs?: number;
}

export function createResultsStream(options: ResultsStreamOptions): ResultsStream {
  const key = `${options.keyPrefix}results`;
  const blockMs = options.blockMs ?? 1000;
  const handlers = new Map<string, (results: string) => void>();
  const gapListeners: (() => void)[] = [];
  const entryListeners: ((name: string, results: string) => void)[] = [];
  // A blocking read needs its own connection, with a command timeout longer than the block.
  const reader = duplicateForBlocking(options.connection.redis, blockMs + 2000);
  reader.on('error', () => undefined);
  let closed = false;
  let lastId = '$';
  let failed = false;

  const deliver = (entries: [string, [string, string[]][]][] | null) => {
    for (const [, messages] of entries ?? []) {
      for (const [id, fields] of messages) {
        lastId = id;
        const name = fieldOf(fields, 'q');
        const results = fieldOf(fields, 'r');
        if (name === undefined || results === undefined) continue;
        handlers.get(name)?.(results);
        for (const listener of entryListeners) listener(name, results);
      }
    }
  };

  const readLoop = async () => {
    while (!closed) {
      try {
        if (reader.status === 'wait' || reader.status === 'end') await reader.connect();
        if (lastId === '$') {
          // Start after the newest entry, by id, so nothing published between two reads is skipped.
          const newest = (await reader.xrevrange(key, '+', '-', 'COUNT', 1))[0];
          lastId = newest ? newest[0] : '0-0';
        } else if (failed && (await lostSince(reader, key, lastId))) {
          for (const listener of gapListeners) listener();
        }
        failed = false;
        deliver((await reader.xread('BLOCK', blockMs, 'STREAMS', key, lastId)) as [string, [string, string[]][]][] | null);
      } catch (error) {
        if (closed) return;
        failed = true;
        options.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'results stream read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  void readLoop();

  return {
    key,
    subscribe(name, onResults) {
      handlers.set(name, onResults);
    },
    onGap(listener) {
      gapListeners.push(listener);
    },
    onEveryEntry(listener) {
      entryListeners.push(listener);
    },
    async close() {
      closed = true;
      reader.disconnect();
    },
  };
}

/** A connection of its own for blocking reads (on a Cluster: one that routes to the stream's master). */
function duplicateForBlocking(redis: Redis, commandTimeout: number): Redis {
  if (!redis.isCluster) return redis.duplicate({ commandTimeout, lazyConnect: true });
  const cluster = redis as unknown as Cluster;
  return cluster.duplicate([], { lazyConnect: true, redisOptions: { ...cluster.options.redisOptions, commandTimeout } }) as unknown as Redis;
}

/** Whether the entry `lastId` (and what came before it) is no longer in the stream. */
async function lostSince(reader: Redis, key: string, lastId: string): Promise<boolean> {
  if (lastId === '0-0') return false;
  const [first] = await reader.xrange(key, '-', '+', 'COUNT', 1);
  // An empty stream, or one whose oldest entry is newer than the last one read.
  return !first || compareIds(first[0], lastId) > 0;
}

function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
