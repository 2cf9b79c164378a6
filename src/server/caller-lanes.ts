/**
 * Which lane of the budget a caller's UINs ride in: its fair share, its interactive allowance and its
 * weight. A caller name is a label with a bounded cost:
 *
 * - A **verified** name (from a verified token, or the `apollographql-client-name` header with
 *   `TRUST_CLIENT_NAME_HEADER=true` behind a router that sets it) gets a lane of its own, and its
 *   `CALLER_WEIGHTS` weight.
 * - An **unverified** name (the header, from anyone) is a label for logs. It gets a lane of its own
 *   only after a probation: once it is seen again at least `probationMs` after its first request.
 *   Until then it rides in the shared `other` lane, with one allowance for all such callers. Its lane
 *   is namespaced (`unverified:<name>`), so it can never claim a weighted name's weight.
 *   A client that sends a new name on every request therefore stays in `other` for good: rotating
 *   buys no allowance and no extra lanes, so it gets no more than the same client with one name.
 * - At most `maxLanes` names hold a lane; a new one takes the place of the least recently seen name
 *   idle for `idleMs`, else it rides in `other`. At most `maxCandidates` unverified names wait out
 *   their probation (the oldest forgotten first). So 100,000 distinct names cost bounded memory.
 */
export interface CallerLanes {
  /** The lane for `name`'s UINs now; records that `name` was seen. */
  laneOf(name: string, verified: boolean): string;
  /** Names holding a lane of their own, and unverified names on probation (for tests and metrics). */
  sizes(): { lanes: number; candidates: number };
}

export interface CallerLanesOptions {
  /** Most names with a lane of their own. Default 1000. Minimum 1. */
  readonly maxLanes?: number;
  /** Milliseconds between an unverified name's first request and the one that earns it a lane. Default 10,000. */
  readonly probationMs?: number;
  /** Most unverified names on probation remembered. Default 10,000. */
  readonly maxCandidates?: number;
  /** A name unseen this long may lose its lane to a new one when every lane is taken. Default 60,000 ms. */
  readonly idleMs?: number;
  readonly now?: () => number;
}

/** The shared lane of every caller without one of its own. */
export const OTHER_LANE = 'other';

export function createCallerLanes(options: CallerLanesOptions = {}): CallerLanes {
  const maxLanes = options.maxLanes ?? 1000;
  const probationMs = options.probationMs ?? 10_000;
  const maxCandidates = options.maxCandidates ?? 10_000;
  const idleMs = options.idleMs ?? 60_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxLanes) || maxLanes < 1) throw new TypeError(`maxLanes must be a whole number >= 1, got ${maxLanes}`);
  // Both kept in least-recently-seen order (a Map iterates in insertion order; a sighting re-inserts).
  const lanes = new Map<string, number>();
  const candidates = new Map<string, number>();

  const touch = (map: Map<string, number>, key: string, at: number) => {
    map.delete(key);
    map.set(key, at);
  };
  /** Gives `key` a lane when one is free, or when the least recently seen holder has been idle long enough. */
  const admit = (key: string, at: number): boolean => {
    if (lanes.size >= maxLanes) {
      const [oldest, seenAt] = lanes.entries().next().value as [string, number];
      if (at - seenAt < idleMs) return false;
      lanes.delete(oldest);
    }
    lanes.set(key, at);
    return true;
  };
  const onProbation = (key: string, at: number): boolean => {
    const firstSeen = candidates.get(key);
    if (firstSeen === undefined) {
      candidates.set(key, at);
      if (candidates.size > maxCandidates) candidates.delete(candidates.keys().next().value as string);
      return true;
    }
    if (at - firstSeen < probationMs) return true;
    candidates.delete(key);
    return false;
  };

  return {
    laneOf(name, verified) {
      const at = now();
      const key = verified ? name : `unverified:${name}`;
      if (lanes.has(key)) {
        touch(lanes, key, at);
        return key;
      }
      if (!verified && onProbation(key, at)) return OTHER_LANE;
      return admit(key, at) ? key : OTHER_LANE;
    },
    sizes: () => ({ lanes: lanes.size, candidates: candidates.size }),
  };
}
