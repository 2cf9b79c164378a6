import type { CallOptions } from '../upstream/client.js';
import { UpstreamError } from '../upstream/errors.js';
import type { ComposeFn, FetchBatchFn } from './uin-queue.js';
import type { UinDenylist } from './uin-denylist.js';
import type { CustomerRoster } from './customer-roster.js';
import { PRIORITY } from './priorities.js';

/** The UIN is not among the caller's customers: omitted from `Data`, or refused with `UinNoAuth`. */
export class CustomerNotFoundError extends Error {
  override name = 'CustomerNotFoundError';
  constructor(
    readonly uin: number,
    /** The upstream answer that proved it, when there was one. */
    readonly upstream?: { readonly code: string; readonly requestId: string | undefined },
  ) {
    super(`UIN ${uin} is not a customer of this reseller account.`);
  }
}

/** One upstream call for a list of UINs: resolves with the items it found, by UIN. */
export type UinCallFn<T> = (uins: readonly number[] | ComposeFn, options: CallOptions) => Promise<ReadonlyMap<number, T>>;

export interface IsolatingFetchOptions<T> {
  readonly callFn: UinCallFn<T>;
  readonly denylist: UinDenylist;
  /**
   * Extra upstream calls one batch may spend isolating UINs that made the whole call fail with
   * `UinNoAuth`. Bisection finds one bad UIN among 20 in at most 10 extra calls. Default 20.
   */
  readonly maxIsolationCalls?: number;
  /** Observes every answered UIN (the caches write fresh answers here). */
  readonly onFound?: (found: ReadonlyMap<number, T>) => Promise<void>;
  /** The list of who is a customer: asked first when a call is refused (it may have been stale). */
  readonly roster?: CustomerRoster | undefined;
}

/**
 * The batch function behind a UIN queue, for the actions that answer "not your customer" either by
 * omitting the UIN from `Data` or by refusing the whole call (`UnauthorizedOperation.UinNoAuth`,
 * ../shared/UPSTREAM.md). A refused call asks the customer list first (refreshed when it was stale);
 * what the list cannot explain is bisected until the stranger is alone, so one request's bad UIN never
 * fails the other customers sharing its call; the stranger is put on the denylist. Isolation calls are
 * the refused call's own callers' cost: they run at `PRIORITY.isolation`, in slots no reader's UIN
 * waits for, never ahead of another caller's work.
 * Keeps the DataLoader contract: a result per UIN, a rejection only when the whole call failed.
 */
export function createIsolatingFetch<T>(options: IsolatingFetchOptions<T>): FetchBatchFn<T> {
  const { callFn, denylist } = options;
  const maxIsolationCalls = options.maxIsolationCalls ?? 20;

  return async (compose, callOptions) => {
    const results = new Map<number, T | Error>();
    let isolationBudget = maxIsolationCalls;
    let composed: readonly number[] = [];
    const strangers: number[] = [];
    const isolationOptions: CallOptions = { ...callOptions, priority: Math.min(callOptions.priority ?? 0, PRIORITY.isolation), throttleId: undefined };
    /** Strangers the customer list knows of: answered here, the rest still to isolate. */
    const notOnList = async (uins: readonly number[]): Promise<readonly number[]> => {
      const known = options.roster ? await options.roster.strangers(uins, { deadline: callOptions.deadline }) : new Set<number>();
      for (const uin of known) results.set(uin, new CustomerNotFoundError(uin));
      return uins.filter((uin) => !known.has(uin));
    };

    const fetchGroup = async (group: readonly number[] | ComposeFn, isWholeBatch: boolean): Promise<void> => {
      try {
        const found = await callFn(group, isWholeBatch ? callOptions : isolationOptions);
        const uins = typeof group === 'function' ? composed : group;
        await options.onFound?.(found);
        for (const uin of uins) results.set(uin, found.get(uin) ?? new CustomerNotFoundError(uin));
      } catch (error) {
        const uins = typeof group === 'function' ? composed : group;
        const refused = error instanceof UpstreamError && error.kind === 'uin-not-authorized';
        if (refused && uins.length === 1) {
          const uin = uins[0] as number;
          strangers.push(uin);
          results.set(uin, new CustomerNotFoundError(uin, { code: error.code, requestId: error.requestId }));
          return;
        }
        if (refused && isWholeBatch && options.roster) {
          const left = await notOnList(uins);
          if (left.length < uins.length) {
            if (left.length > 0) await fetchGroup(left, false);
            return;
          }
        }
        if (refused && isolationBudget >= 2) {
          // The upstream blamed the whole call on some UIN(s): bisect to find which.
          isolationBudget -= 2;
          const middle = Math.ceil(uins.length / 2);
          await Promise.all([fetchGroup(uins.slice(0, middle), false), fetchGroup(uins.slice(middle), false)]);
          return;
        }
        if (isWholeBatch) throw error;
        for (const uin of uins) results.set(uin, error instanceof Error ? error : new Error(String(error)));
      }
    };

    await fetchGroup(async () => (composed = [...new Set(await compose())]), true);
    if (strangers.length > 0) await denylist.add(strangers);
    return results;
  };
}
