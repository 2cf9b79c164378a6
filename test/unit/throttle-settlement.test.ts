import { describe, expect, it } from 'vitest';
import type { BudgetAnswer, BudgetGrant, RateBudget } from '../../src/store/rate-budget.js';
import { createInProcessThrottle, TaskWithdrawnError } from '../../src/upstream/throttle.js';
import { createClock, flush } from './fakes.js';

/**
 * Every reservation a task holds (a local departure, a shared grant) settles, whatever await the task
 * is aborted at: otherwise the oldest unsettled departure holds the action's gate for good, and every
 * later task of that action in this process waits behind it.
 *
 * The fake budget is scripted per `take`: grant (with an age the test decides) or "wait N ms". It
 * records every grant's fate, so a grant that is neither confirmed nor released is visible.
 */
function scriptedBudget(script: (call: number) => BudgetAnswer | 'grant' | 'stale-grant') {
  let calls = 0;
  const grants: { state: 'held' | 'confirmed' | 'released' }[] = [];
  const budget: RateBudget = {
    mode: 'shared',
    async take() {
      const step = script(++calls);
      if (step !== 'grant' && step !== 'stale-grant') return step;
      const record = { state: 'held' as 'held' | 'confirmed' | 'released' };
      grants.push(record);
      const grant: BudgetGrant = {
        confirm: () => void (record.state === 'held' && (record.state = 'confirmed')),
        release: () => void (record.state === 'held' && (record.state = 'released')),
        // A stale grant aged past its lease while the local window made it wait: it is taken again.
        ageMs: () => (step === 'stale-grant' ? 10_000 : 0),
        maxAgeMs: 1000,
      };
      return { granted: true, grant };
    },
  };
  return { budget, grants, calls: () => calls };
}

/** A cap of 1: a second task can only start once the first task's departure has settled. */
function throttleOver(budget: RateBudget) {
  const clock = createClock();
  return createInProcessThrottle({ intervalCap: 1, interval: 1, now: clock.now, budget });
}

/** Resolves with the task's outcome, or 'stalled' when it has not settled after several turns. */
async function settledWithin<T>(promise: Promise<T>, turns = 40): Promise<T | 'stalled'> {
  let outcome: { value: T } | undefined;
  let failure: { error: unknown } | undefined;
  promise.then((value) => (outcome = { value }), (error: unknown) => (failure = { error }));
  for (let i = 0; i < turns && !outcome && !failure; i++) {
    await flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (failure) throw failure.error;
  return outcome ? outcome.value : 'stalled';
}

describe('throttle: every reservation settles', () => {
  it('an abort while a stale grant is taken again frees the departure: the next task still runs', async () => {
    // take 1: a grant that is already stale; take 2 (the re-take): wait 60 s, so the abort lands in that wait.
    const { budget, grants } = scriptedBudget((call) => (call === 1 ? 'stale-grant' : call === 2 ? { granted: false, waitMs: 60_000 } : 'grant'));
    const throttle = throttleOver(budget);
    const controller = new AbortController();
    const sent: string[] = [];
    const first = throttle.schedule('A', async (slot) => (slot.sent(), sent.push('first')), { signal: controller.signal });
    const firstSettled = first.then(() => 'ran', (error: unknown) => error);
    await flush();
    controller.abort(new TaskWithdrawnError());
    expect(await settledWithin(firstSettled)).toBeInstanceOf(TaskWithdrawnError);
    const second = throttle.schedule('A', async (slot) => (slot.sent(), sent.push('second'), 'second'));
    expect(await settledWithin(second)).toBe('second');
    expect(sent).toEqual(['second']);
    // The stale grant was given back before the re-take; the re-take got nothing; the second task's was confirmed.
    expect(grants.map((grant) => grant.state)).toEqual(['released', 'confirmed']);
  });

  // Each await of a task between its reservations and their settlement, and the task itself.
  const abortPoints = {
    'waiting for the first shared slot': (call: number): BudgetAnswer | 'grant' | 'stale-grant' => (call === 1 ? { granted: false, waitMs: 60_000 } : 'grant'),
    'waiting for the local departure': (): BudgetAnswer | 'grant' | 'stale-grant' => 'grant',
    'taking a stale grant again': (call: number): BudgetAnswer | 'grant' | 'stale-grant' => (call === 1 ? 'stale-grant' : call === 2 ? { granted: false, waitMs: 60_000 } : 'grant'),
    'running (the task ignores the signal and throws)': (): BudgetAnswer | 'grant' | 'stale-grant' => 'grant',
  };
  it.each(Object.keys(abortPoints))('the action keeps moving after a task is aborted while %s', async (point) => {
    const { budget, grants } = scriptedBudget(abortPoints[point as keyof typeof abortPoints]);
    const throttle = throttleOver(budget);
    const controller = new AbortController();
    let releaseBlocker: () => void = () => undefined;
    if (point === 'waiting for the local departure') {
      // A task ahead holds the only departure until the test lets it go.
      void throttle.schedule('A', (slot) => new Promise<void>((resolve) => (releaseBlocker = () => (slot.sent(), resolve()))));
      await flush();
    }
    const aborted = throttle
      .schedule('A', async () => {
        controller.signal.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error('gave up');
      }, { signal: controller.signal })
      .then(() => 'ran', () => 'failed');
    await flush();
    controller.abort(new TaskWithdrawnError());
    releaseBlocker();
    expect(await settledWithin(aborted)).toBe('failed');
    const later = await settledWithin(Promise.all([1, 2, 3].map((n) => throttle.schedule('A', async (slot) => (slot.sent(), n)))));
    expect(later).toEqual([1, 2, 3]);
    expect(grants.filter((grant) => grant.state === 'held')).toEqual([]);
    expect(throttle.stats()).toEqual({ A: { queued: 0, running: 0 } });
  });
});
