/**
 * The cases both implementations of the fair order are held to: `FairQueue` (in process, unit test)
 * and the deployment queue's Lua scripts (test/fair-queue-lua.test.ts, against a real Redis).
 * A `push` of a UIN already queued moves it only to a higher priority, as both queues do.
 */
export type FairStep =
  | { readonly push: { readonly caller: string; readonly uins: readonly number[]; readonly priority?: number; readonly weight?: number } }
  | { readonly take: number; readonly expect: readonly number[] };

export interface FairCase {
  readonly name: string;
  readonly steps: readonly FairStep[];
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

export const FAIR_CASES: readonly FairCase[] = [
  {
    name: 'a caller alone gets every slot, oldest first',
    steps: [{ push: { caller: 'a', uins: range(101, 5) } }, { take: 3, expect: [101, 102, 103] }, { take: 3, expect: [104, 105] }],
  },
  {
    name: 'two callers with UINs waiting alternate, whoever queued first leading',
    steps: [
      { push: { caller: 'a', uins: range(101, 6) } },
      { push: { caller: 'b', uins: range(201, 3) } },
      { take: 6, expect: [101, 201, 102, 202, 103, 203] },
      { take: 6, expect: [104, 105, 106] },
    ],
  },
  {
    name: 'a caller arriving behind a backlog starts at the virtual time, not behind the backlog',
    steps: [
      { push: { caller: 'export', uins: range(101, 40) } },
      { take: 20, expect: range(101, 20) },
      { push: { caller: 'report', uins: range(201, 5) } },
      { take: 10, expect: [121, 201, 122, 202, 123, 203, 124, 204, 125, 205] },
    ],
  },
  {
    name: 'weights: a caller of weight 4 gets four UINs for each one of a caller of weight 1',
    steps: [
      { push: { caller: 'console', uins: range(101, 10), weight: 4 } },
      { push: { caller: 'export', uins: range(201, 5), weight: 1 } },
      { take: 10, expect: [101, 102, 103, 104, 201, 105, 106, 107, 108, 202] },
    ],
  },
  {
    name: 'a higher priority goes first, whatever the shares',
    steps: [
      { push: { caller: 'a', uins: range(101, 3), priority: 0 } },
      { push: { caller: 'b', uins: [201], priority: 1 } },
      { take: 2, expect: [201, 101] },
    ],
  },
  {
    name: 'a queued UIN asked at a higher priority moves up; at a lower one it stays',
    steps: [
      { push: { caller: 'a', uins: range(101, 3), priority: 1 } },
      { push: { caller: 'b', uins: range(201, 3), priority: 0 } },
      { push: { caller: 'c', uins: [203], priority: 1 } },
      { push: { caller: 'c', uins: [102], priority: 0 } },
      { take: 5, expect: [101, 203, 102, 103, 201] },
    ],
  },
];
