/**
 * UINs ordered by a key (a number, or a case-folded string), ties by UIN ascending: the book's sort
 * orders and range filters read it by binary search, never by sorting the whole book. Updates are a
 * binary search and one splice. Both directions keep ties by UIN ascending.
 */
export type SortKey = number | string;

export interface KeyBounds {
  readonly lower?: { readonly key: SortKey; readonly inclusive: boolean } | undefined;
  readonly upper?: { readonly key: SortKey; readonly inclusive: boolean } | undefined;
}

interface Entry {
  readonly key: SortKey;
  readonly uin: number;
}

const compareKeys = (a: SortKey, b: SortKey): number => (typeof a === 'string' && typeof b === 'string' ? compareCodePoints(a, b) : a < b ? -1 : a > b ? 1 : 0);

/**
 * Strings by code point (as Redis compares their UTF-8 bytes), not by UTF-16 unit as `<` does: at the
 * first unit that differs, surrogates (astral characters) rank above the rest of the BMP.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}
const rank = (unit: number) => (unit >= 0xd800 && unit < 0xe000 ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);
const compare = (a: Entry, b: Entry): number => compareKeys(a.key, b.key) || a.uin - b.uin;

export class SortedIndex {
  readonly #entries: Entry[] = [];
  readonly #keys = new Map<number, SortKey>();

  get size(): number {
    return this.#entries.length;
  }

  keyOf(uin: number): SortKey | undefined {
    return this.#keys.get(uin);
  }

  /** Sets (or, with `undefined`, removes) `uin`'s key. */
  set(uin: number, key: SortKey | undefined): void {
    const old = this.#keys.get(uin);
    if (old === key) return;
    if (old !== undefined) this.#entries.splice(this.#search({ key: old, uin }), 1);
    if (key === undefined) {
      this.#keys.delete(uin);
      return;
    }
    const entry = { key, uin };
    this.#entries.splice(this.#search(entry), 0, entry);
    this.#keys.set(uin, key);
  }

  /** Entries within `bounds`: two binary searches. */
  count(bounds: KeyBounds = {}): number {
    const [from, to] = this.#span(bounds);
    return Math.max(0, to - from);
  }

  /**
   * UINs in key order (`desc`: greatest key first, ties still by UIN ascending), within `bounds`,
   * strictly after `after` (a key and UIN from an earlier page).
   */
  *walk(direction: 'ASC' | 'DESC', bounds: KeyBounds = {}, after?: Entry): Generator<{ uin: number; key: SortKey }> {
    const [from, to] = this.#span(bounds);
    if (direction === 'ASC') {
      for (let i = after ? Math.max(from, this.#search(after, true)) : from; i < to; i++) yield this.#entries[i] as Entry;
      return;
    }
    // Descending by key, each group of equal keys read forward (ties by UIN ascending).
    let groupEnd = to;
    if (after) {
      const groupStart = this.#search({ key: after.key, uin: -Infinity });
      const next = this.#search(after, true);
      for (let i = Math.max(next, from); i < Math.min(this.#search({ key: after.key, uin: Infinity }), to); i++) yield this.#entries[i] as Entry;
      groupEnd = Math.min(groupStart, to);
    }
    while (groupEnd > from) {
      const key = (this.#entries[groupEnd - 1] as Entry).key;
      const groupStart = Math.max(from, this.#search({ key, uin: -Infinity }));
      for (let i = groupStart; i < groupEnd; i++) yield this.#entries[i] as Entry;
      groupEnd = groupStart;
    }
  }

  /** First index whose entry is not below `at` (or, with `strictlyAfter`, above it). */
  #search(at: Entry, strictlyAfter = false): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compare(this.#entries[middle] as Entry, at);
      if (order < 0 || (strictlyAfter && order === 0)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #span(bounds: KeyBounds): [number, number] {
    const { lower, upper } = bounds;
    const from = lower ? this.#search({ key: lower.key, uin: lower.inclusive ? -Infinity : Infinity }) : 0;
    const to = upper ? this.#search({ key: upper.key, uin: upper.inclusive ? Infinity : -Infinity }) : this.#entries.length;
    return [from, to];
  }
}
