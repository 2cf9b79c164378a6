/**
 * Throttle and UIN-queue priorities, greater first. One table, so that every lane's place is read in
 * one spot: readers first (interactive within their allowance, then bulk); then the isolation of a
 * caller's refused call (that caller's own mistake: never ahead of anyone else's UINs); last the
 * book's sweep.
 */
export const PRIORITY = {
  /** A small request within its caller's interactive allowance; the directory walks readers wait for. */
  interactive: 1,
  bulk: 0,
  /** Bisecting a call the upstream refused (`UinNoAuth`): only slots no reader's UIN waits for. */
  isolation: -1,
  /** Re-reading the customers subscriptions watch: below readers, above the sweep. */
  watch: -2,
  /** The book's sweep: budget nobody else wants. */
  sweep: -3,
} as const;
