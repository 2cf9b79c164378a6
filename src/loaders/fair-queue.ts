/**
 * The order in which queued UINs leave in calls: highest priority first; inside a priority, callers
 * share each call by weight (self-clocked fair queueing, Golestani 1994); a caller's own UINs leave
 * oldest first. Pure logic, no clock: the in-process UIN queue uses this class, and the deployment
 * queue's Lua scripts (`store/lua/enqueue-uins-3.lua`, `compose-call-4.lua`) compute the same tags;
 * both are held to the same cases in test/unit/fair-queue.test.ts.
 *
 * Each UIN gets a finish tag when it is queued: `max(V, last tag of its caller) + 1 / weight`, where
 * V (the lane's virtual time) is the tag of the last UIN served. UINs leave in tag order. A caller
 * alone gets every slot (work-conserving); two callers with UINs waiting alternate, whoever queued
 * first; a caller with weight 4 gets four UINs for every one of a caller with weight 1.
 */
export function fairTag(virtualTime: number, lastTag: number | undefined, weight: number): number {
  return Math.max(virtualTime, lastTag ?? 0) + 1 / weight;
}

export interface FairItem {
  readonly priority: number;
  readonly caller: string;
  readonly tag: number;
}

interface Placed<E> {
  readonly item: E;
  readonly priority: number;
  readonly tag: number;
  readonly seq: number;
  /** Removed, but still in its lane's array until the next compaction (removal stays O(1)). */
  removed: boolean;
}

interface Lane<E> {
  virtualTime: number;
  /** Last tag given to each caller; forgotten once V passes it (it would be ignored anyway). */
  readonly lastTags: Map<string, number>;
  /** Sorted by tag, then arrival; removed items are skipped and compacted away in bulk. */
  items: Placed<E>[];
  removed: number;
}

export class FairQueue<E> {
  readonly #lanes = new Map<number, Lane<E>>();
  readonly #placed = new Map<E, Placed<E>>();
  #seq = 0;

  get size(): number {
    return this.#placed.size;
  }

  has(item: E): boolean {
    return this.#placed.has(item);
  }

  /** The item's priority lane, or undefined when it is not queued. */
  priorityOf(item: E): number | undefined {
    return this.#placed.get(item)?.priority;
  }

  /** Queues `item` for `caller` (weight ≥ 1 relative units, default 1). */
  push(item: E, priority: number, caller: string, weight = 1): void {
    if (!(weight > 0)) throw new RangeError(`weight must be > 0, got ${weight}`);
    if (this.#placed.has(item)) this.remove(item);
    const lane = this.#lane(priority);
    const tag = fairTag(lane.virtualTime, lane.lastTags.get(caller), weight);
    lane.lastTags.set(caller, tag);
    const placed: Placed<E> = { item, priority, tag, seq: this.#seq++, removed: false };
    lane.items.splice(this.#insertionPoint(lane, placed), 0, placed);
    this.#placed.set(item, placed);
  }

  remove(item: E): boolean {
    const placed = this.#placed.get(item);
    if (!placed) return false;
    this.#placed.delete(item);
    placed.removed = true;
    const lane = this.#lanes.get(placed.priority) as Lane<E>;
    lane.removed += 1;
    if (lane.removed > 64 && lane.removed * 2 > lane.items.length) {
      lane.items = lane.items.filter((entry) => !entry.removed);
      lane.removed = 0;
    }
    return true;
  }

  /** Every queued item in the order it would leave. */
  *inOrder(): Generator<E> {
    for (const priority of [...this.#lanes.keys()].sort((a, b) => b - a)) {
      for (const placed of (this.#lanes.get(priority) as Lane<E>).items) if (!placed.removed) yield placed.item;
    }
  }

  /** Takes up to `count` items in order; each lane's virtual time moves to the last tag it served. */
  take(count: number): E[] {
    const taken: E[] = [];
    for (const priority of [...this.#lanes.keys()].sort((a, b) => b - a)) {
      const lane = this.#lanes.get(priority) as Lane<E>;
      let index = 0;
      for (; index < lane.items.length && taken.length < count; index++) {
        const placed = lane.items[index] as Placed<E>;
        if (placed.removed) {
          lane.removed -= 1;
          continue;
        }
        this.#placed.delete(placed.item);
        lane.virtualTime = Math.max(lane.virtualTime, placed.tag);
        taken.push(placed.item);
      }
      lane.items.splice(0, index);
      for (const [caller, tag] of lane.lastTags) if (tag <= lane.virtualTime) lane.lastTags.delete(caller);
      if (taken.length >= count) break;
    }
    return taken;
  }

  #lane(priority: number): Lane<E> {
    let lane = this.#lanes.get(priority);
    if (!lane) this.#lanes.set(priority, (lane = { virtualTime: 0, lastTags: new Map(), items: [], removed: 0 }));
    return lane;
  }

  /** First index whose (tag, seq) is not below the given one. */
  #insertionPoint(lane: Lane<E>, at: { readonly tag: number; readonly seq: number }): number {
    let low = 0;
    let high = lane.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = lane.items[middle] as { tag: number; seq: number };
      if (other.tag < at.tag || (other.tag === at.tag && other.seq < at.seq)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
