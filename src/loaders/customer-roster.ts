import type { KeyValueStore } from '../store/key-value-store.js';
import type { Cached } from '../store/timed-cache.js';
import type { DirectoryPage } from './customer-directory.js';

/**
 * The gateway's list of who is a customer: every UIN of the account's directory
 * (`DescribeCustomerUin`, its own budget of 20 calls/s), read by a walk over all its pages. A UIN the
 * list does not hold is a stranger, answered `CUSTOMER_NOT_FOUND` with no quota call at all.
 *
 * - A list younger than `ttlMs` is the truth: an absent UIN is a stranger.
 * - An absent UIN and an older list: one refresh (one at a time per deployment, under a lease in the
 *   shared store), then the UIN is judged by the new list.
 * - Before the first list has loaded, or when a load cannot finish by the request's deadline, nothing
 *   is called a stranger: the UINs go to the upstream, whose refusals are isolated as before.
 * - A walk that sees the total change while it walks is repeated, so no customer is skipped.
 * - With Redis the list is shared: the replica that walks writes it; the others read it.
 * The book of customers keeps the same list (`current()`).
 */
export interface CustomerRoster {
  /** Of `uins`, those surely not customers. Waits for a load or refresh that can finish by `deadline`. */
  strangers(uins: readonly number[], options?: { readonly deadline?: number | undefined }): Promise<Set<number>>;
  /** Whether a list younger than the TTL holds `uin` (a denylisted UIN listed again is a customer again). */
  listsFresh(uin: number): boolean;
  /** The latest list, when one has loaded: the UINs in the upstream's order. */
  current(): RosterList | undefined;
  /** Loads the list unless one younger than the TTL is here; resolves when it has. */
  load(): Promise<RosterList | undefined>;
  /** A walk is under way in this process. */
  busy(): boolean;
}

export interface RosterList {
  readonly uins: readonly number[];
  readonly members: ReadonlySet<number>;
  /** Epoch ms at which the walk that produced it began (its oldest page is at least this young). */
  readonly asOf: number;
}

/** One directory page: `maxAgeMs` 0 for a fresh one. */
export type DirectoryPageFn = (page: number, options: { readonly maxAgeMs: number }) => Promise<Cached<DirectoryPage>>;

export interface CustomerRosterOptions {
  readonly pageFn: DirectoryPageFn;
  /** Where the list and the walk's lease live (shared with the other replicas when it is Redis). */
  readonly store: KeyValueStore;
  /** A list younger than this is the truth (`DIRECTORY_CACHE_TTL_MS`). 0: every absent UIN asks for a refresh. */
  readonly ttlMs: number;
  /** Page size of the walk (the directory's). */
  readonly pageSize: number;
  /** Pages a second the walk can read (the action's limit): to tell whether a load can finish in time. */
  readonly pagesPerSecond: number;
  /** Observes each new list, walked here or read from the shared store (the book keeps it). */
  readonly onList?: (list: RosterList) => void;
  /** Observes each completed walk (pages read, restarts). */
  readonly onWalk?: (walk: { pages: number; restarts: number; customers: number }) => void;
  readonly now?: () => number;
}

const LIST_KEY = 'roster:list';
const LEASE_KEY = 'roster:walk';
/** Walks whose total changes more often than this keep the union of what they saw. */
const MAX_RESTARTS = 3;
const POLL_MS = 100;
const FAILED_WALK_PAUSE_MS = 30_000;

export function createCustomerRoster(options: CustomerRosterOptions): CustomerRoster {
  const { store, ttlMs } = options;
  const now = options.now ?? Date.now;
  let list: RosterList | undefined;
  let walk: { readonly done: Promise<RosterList | undefined>; readonly expectedEnd: () => number } | undefined;
  /** A walk failed (the key may lack DescribeCustomerUin, or the upstream is down): none before this. */
  let retryAt = 0;
  const fresh = (at = now()) => list !== undefined && at - list.asOf < ttlMs;

  /** The walk under way, or a new one: from the shared list when another replica wrote a newer one. */
  const refresh = (): NonNullable<typeof walk> => {
    if (walk) return walk;
    const previous = list;
    const progress: WalkProgress = { startedAt: now(), pagesDone: 0, pages: previous ? Math.ceil(previous.uins.length / options.pageSize) + 1 : undefined };
    const done = (async () => {
      const shared = await readShared(store);
      if (shared && (!previous || shared.asOf > previous.asOf) && now() - shared.asOf < ttlMs) return shared;
      return walkUnderLease(options, progress, previous);
    })()
      .then(
        (loaded) => {
          if (loaded && (!list || loaded.asOf >= list.asOf)) {
            list = loaded;
            options.onList?.(loaded);
          }
          return list;
        },
        () => {
          retryAt = now() + FAILED_WALK_PAUSE_MS;
          return list;
        },
      )
      .finally(() => (walk = undefined));
    walk = {
      done,
      expectedEnd: () => {
        if (progress.pages === undefined) return progress.startedAt + 1000;
        const left = Math.max(0, progress.pages - progress.pagesDone);
        return now() + (left / options.pagesPerSecond) * 1000 + 250;
      },
    };
    return walk;
  };

  return {
    async strangers(uins, strangerOptions = {}) {
      const absent = () => (list ? uins.filter((uin) => !list?.members.has(uin)) : [...uins]);
      if (uins.length === 0 || (list && absent().length === 0)) return new Set();
      if (!fresh() && (walk || now() >= retryAt)) await waitIfInTime(refresh(), strangerOptions.deadline, now);
      return fresh() ? new Set(absent()) : new Set();
    },
    listsFresh: (uin) => fresh() && (list?.members.has(uin) ?? false),
    current: () => list,
    async load() {
      if (fresh()) return list;
      return refresh().done;
    },
    busy: () => walk !== undefined,
  };
}

interface WalkProgress {
  readonly startedAt: number;
  pagesDone: number;
  pages: number | undefined;
}

/** Walks under the deployment's lease; without it, waits for the holder's list. */
async function walkUnderLease(options: CustomerRosterOptions, progress: WalkProgress, previous: RosterList | undefined): Promise<RosterList | undefined> {
  const { store } = options;
  const now = options.now ?? Date.now;
  const leaseMs = Math.max(30_000, ((progress.pages ?? 100) / options.pagesPerSecond) * 3000);
  const token = `${process.pid}:${Math.random()}`;
  if (!(await store.setIfAbsent(LEASE_KEY, token, leaseMs))) return awaitSharedList(store, previous, leaseMs, now);
  try {
    const startedAt = now();
    const { uins, pages, restarts } = await walkDirectory(options.pageFn, {
      onTotal: (total) => (progress.pages = Math.max(1, Math.ceil(total / options.pageSize))),
      onPage: () => (progress.pagesDone += 1),
    });
    options.onWalk?.({ pages, restarts, customers: uins.length });
    const loaded: RosterList = { uins, members: new Set(uins), asOf: startedAt };
    await writeShared(store, loaded);
    return loaded;
  } finally {
    // Ours to give back only while it is still ours (a lapsed lease may be another replica's now).
    const [holder] = await store.getMany([LEASE_KEY]);
    if (holder === token) await store.deleteMany([LEASE_KEY]);
  }
}

/** Another replica walks: its list, once written (or none when its lease lapses). */
async function awaitSharedList(store: KeyValueStore, previous: RosterList | undefined, leaseMs: number, now: () => number): Promise<RosterList | undefined> {
  const giveUpAt = now() + leaseMs;
  while (now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const shared = await readShared(store);
    if (shared && (!previous || shared.asOf > previous.asOf)) return shared;
    const [holder] = await store.getMany([LEASE_KEY]);
    if (holder === undefined) return readShared(store);
  }
  return undefined;
}

/** Waits for `pending` when it can be done by `deadline`, never past it. */
async function waitIfInTime(pending: { readonly done: Promise<unknown>; readonly expectedEnd: () => number }, deadline: number | undefined, now: () => number): Promise<void> {
  if (deadline !== undefined && pending.expectedEnd() > deadline) return;
  let timer: NodeJS.Timeout | undefined;
  const late = deadline === undefined ? new Promise<void>(() => undefined) : new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - now()))));
  await Promise.race([pending.done.then(() => undefined, () => undefined), late]);
  clearTimeout(timer);
}

/**
 * Every page of the directory, fresh. The first page tells the total; the rest are read side by side
 * (the throttle keeps them to the action's limit). When a page reports another total, customers were
 * added or removed while the walk went on and a page boundary may have moved: walk again.
 */
export async function walkDirectory(
  pageFn: DirectoryPageFn,
  hooks: { readonly onTotal?: (total: number) => void; readonly onPage?: () => void } = {},
): Promise<{ uins: number[]; pages: number; restarts: number }> {
  const seen = new Set<number>();
  let pagesRead = 0;
  for (let restarts = 0; ; restarts++) {
    const first = await pageFn(1, { maxAgeMs: 0 });
    pagesRead += 1;
    hooks.onPage?.();
    const { total } = first.value;
    hooks.onTotal?.(total);
    const size = Math.max(1, first.value.uins.length);
    const count = first.value.uins.length === 0 ? 1 : Math.ceil(total / size);
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, async (_, i) => {
        const page = await pageFn(i + 2, { maxAgeMs: 0 });
        hooks.onPage?.();
        return page;
      }),
    );
    pagesRead += rest.length;
    const pages = [first, ...rest];
    const uins = pages.flatMap((page) => page.value.uins);
    for (const uin of uins) seen.add(uin);
    const steady = pages.every((page) => page.value.total === total) && uins.length >= total;
    if (steady) return { uins: [...new Set(uins)], pages: pagesRead, restarts };
    // Still moving after several walks: keep everyone seen, so no customer is called a stranger.
    if (restarts >= MAX_RESTARTS) return { uins: [...seen], pages: pagesRead, restarts };
  }
}

async function readShared(store: KeyValueStore): Promise<RosterList | undefined> {
  const [raw] = await store.getMany([LIST_KEY]);
  if (raw === undefined) return undefined;
  const separator = raw.indexOf('|');
  const asOf = Number(raw.slice(0, separator));
  const body = raw.slice(separator + 1);
  const uins = body === '' ? [] : body.split(',').map(Number);
  if (!(asOf > 0) || uins.some((uin) => !Number.isSafeInteger(uin))) return undefined;
  return { uins, members: new Set(uins), asOf };
}

/** `asOf|uin,uin,…`: 13 bytes a customer (50,000 customers: 650 KB), kept a day. */
async function writeShared(store: KeyValueStore, list: RosterList): Promise<void> {
  await store.setMany([{ key: LIST_KEY, value: `${list.asOf}|${list.uins.join(',')}`, ttlMs: 86_400_000 }]);
}
