import type { Cached, TimedCache } from '../store/timed-cache.js';
import { MAX_DIRECTORY_PAGE_SIZE, type CallOptions, type UpstreamClient } from '../upstream/client.js';
import type { Throttle } from '../upstream/throttle.js';
import { createSharedFetch } from './shared-fetch.js';

/** One upstream page of the directory, as cached. */
export interface DirectoryPage {
  readonly uins: readonly number[];
  readonly total: number;
}

/**
 * The reseller's customers in the upstream's order (`DescribeCustomerUin`), read in upstream pages of
 * `pageSize` (100: the most we ever ask for). A slice [offset, offset + limit) costs the pages it
 * overlaps, each cached for the directory TTL and shared in flight, so `first: 100` walks cost one
 * call a page and `first: 250` at most three.
 */
export interface CustomerDirectory {
  slice(offset: number, limit: number, options?: CallOptions): Promise<{ readonly uins: readonly number[]; readonly total: number; readonly asOf: number }>;
  /** One upstream page (1-based), from the cache when it is younger than `maxAgeMs` (default: the TTL). */
  page(number: number, options?: { readonly maxAgeMs?: number | undefined; readonly priority?: number | undefined }): Promise<Cached<DirectoryPage>>;
  /** Customers per upstream page. */
  readonly pageSize: number;
  /** A page call is in flight. */
  busy(): boolean;
}

export interface CustomerDirectoryOptions {
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly cache: TimedCache<DirectoryPage>;
  /** Upstream page size. Default and maximum 100. */
  readonly pageSize?: number;
  readonly now?: () => number;
}

export function createCustomerDirectory(options: CustomerDirectoryOptions): CustomerDirectory {
  const { client, cache } = options;
  const pageSize = options.pageSize ?? MAX_DIRECTORY_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_DIRECTORY_PAGE_SIZE) {
    throw new TypeError(`pageSize must be a whole number from 1 to ${MAX_DIRECTORY_PAGE_SIZE}, got ${pageSize}`);
  }
  const pageFetch = createSharedFetch<DirectoryPage>({
    action: 'DescribeCustomerUin',
    throttle: options.throttle,
    cache,
    now: options.now,
    fetchFn: async (key, callOptions) => {
      const { uins, total } = await client.describeCustomerUin(Number(key), pageSize, callOptions);
      return { uins, total };
    },
  });
  const page = (number: number, callOptions: CallOptions) => pageFetch.load(String(number), { priority: callOptions.priority });

  return {
    busy: pageFetch.busy,
    pageSize,
    page: (number, pageOptions = {}) => pageFetch.load(String(number), pageOptions),
    async slice(offset, limit, callOptions = {}) {
      const first = Math.floor(offset / pageSize) + 1;
      const last = Math.floor((offset + Math.max(limit, 1) - 1) / pageSize) + 1;
      const pages = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => page(first + i, callOptions)));
      const uins = pages.flatMap((cached) => cached.value.uins);
      const start = offset - (first - 1) * pageSize;
      return {
        uins: uins.slice(start, start + limit),
        // The newest page knows the newest total.
        total: pages.reduce((latest, cached) => (cached.asOf >= latest.asOf ? cached : latest)).value.total,
        asOf: Math.min(...pages.map((cached) => cached.asOf)),
      };
    },
  };
}
