import { describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/server/readiness.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { createSlidingWindow } from '../../src/store/rate-budget.js';
import { createTimedCache } from '../../src/store/timed-cache.js';
import { createUinDenylist } from '../../src/loaders/uin-denylist.js';
import { classifyUpstreamCode } from '../../src/upstream/errors.js';
import { backoffDelay } from '../../src/upstream/retry.js';
import { createInProcessThrottle, TaskWithdrawnError } from '../../src/upstream/throttle.js';
import { createClock } from './fakes.js';

describe('classifyUpstreamCode', () => {
  it.each([
    ['RequestLimitExceeded', 'rate-limited', true],
    ['RequestLimitExceeded.UinLimitExceeded', 'rate-limited', true],
    ['AuthFailure.SignatureExpire', 'auth', true],
    ['AuthFailure.SignatureFailure', 'auth', false],
    ['UnauthorizedOperation.UinNoAuth', 'uin-not-authorized', false],
    ['UnauthorizedOperation', 'auth', false],
    ['IpNotInWhitelist', 'auth', false],
    ['InternalError', 'unavailable', true],
    ['InternalError.Database', 'unavailable', true],
    ['OperationDenied.ServiceBusy', 'unavailable', true],
    ['Transport.Timeout', 'unavailable', true],
    ['Transport.HttpClientError', 'invalid-request', false],
    ['Transport.UnexpectedShape', 'unavailable', false],
    ['InvalidParameterValue', 'invalid-request', false],
    ['FailedOperation.InvalidSubAgentUin', 'other', false],
  ])('%s → %s, retryable %s', (code, kind, retryable) => {
    expect(classifyUpstreamCode(code)).toEqual({ kind, retryable });
  });
});

describe('backoffDelay', () => {
  const policy = (random: number) => ({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => random });
  it('is full-jitter exponential, capped', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy(0.999), attempt, 'unavailable'))).toEqual([100, 200, 400, 799, 999]);
    expect(backoffDelay(policy(0), 3, 'unavailable')).toBe(0);
    expect(backoffDelay(policy(0.5), 2, 'unavailable')).toBe(100);
  });
  it('waits at least one full window after RequestLimitExceeded', () => {
    expect(backoffDelay(policy(0), 1, 'rate-limited')).toBe(1000);
    expect(backoffDelay(policy(0.5), 2, 'rate-limited')).toBe(1100);
  });
});

describe('createSlidingWindow', () => {
  it('allows cap starts in any sliding interval and says how long to wait', () => {
    const clock = createClock();
    const window = createSlidingWindow({ cap: 2, interval: 1000, now: clock.now });
    expect(window.take()).toBe(0);
    clock.advance(300);
    expect(window.take()).toBe(0);
    expect(window.take()).toBe(700);
    clock.advance(700);
    expect(window.take()).toBe(0);
    expect(window.take()).toBe(300);
  });
  it('stays closed while blocked (the switch-over pause)', () => {
    const clock = createClock();
    const window = createSlidingWindow({ cap: 5, interval: 1000, now: clock.now });
    window.blockUntil(clock.now() + 1500);
    expect(window.take()).toBe(1500);
    clock.advance(1500);
    expect(window.take()).toBe(0);
  });
  it('validates its options, naming the option', () => {
    expect(() => createSlidingWindow({ cap: 0, interval: 1000 })).toThrow(/cap/);
    expect(() => createSlidingWindow({ cap: 1, interval: 0 })).toThrow(/interval/);
  });
});

describe('throttle wait estimates', () => {
  it('expectedStartMs: free slots start now, then cap per interval', async () => {
    const clock = createClock();
    const throttle = createInProcessThrottle({ intervalCap: 5, interval: 1000, now: clock.now });
    expect([0, 4, 5, 9, 10].map((ahead) => throttle.expectedStartMs('A', ahead))).toEqual([0, 0, 1000, 1000, 2000]);
    await Promise.all(Array.from({ length: 3 }, () => throttle.schedule('A', async () => undefined)));
    // Three starts in the window: two free slots left.
    expect([0, 1, 2, 6, 7].map((ahead) => throttle.expectedStartMs('A', ahead))).toEqual([0, 0, 1000, 1000, 2000]);
    clock.advance(1001);
    expect(throttle.expectedStartMs('A', 4)).toBe(0);
  });
  it('fails bulk work fast when higher priorities took the whole recent budget', async () => {
    const clock = createClock();
    // One start per 10 s: a single interactive start takes the whole recent budget.
    const throttle = createInProcessThrottle({ intervalCap: 1, interval: 10_000, now: clock.now });
    await throttle.schedule('A', async () => undefined, { priority: 1 });
    await expect(throttle.schedule('A', async () => 'bulk', { priority: 0, deadline: clock.now() + 60_000 })).rejects.toThrow(/higher-priority work takes the whole/);
    // Without a deadline nothing is refused, and another action has its own budget.
    await expect(throttle.schedule('B', async () => 'other action', { priority: 0, deadline: clock.now() + 60_000 })).resolves.toBe('other action');
  });
});

describe('throttle: a withdrawn task', () => {
  it('leaves the queue without taking a slot, and is not counted as overload', async () => {
    const clock = createClock();
    const overloads: string[] = [];
    const throttle = createInProcessThrottle({ intervalCap: 1, interval: 1000, now: clock.now, onOverload: (action) => overloads.push(action) });
    await throttle.schedule('A', async () => 'first');
    const controller = new AbortController();
    const withdrawn = throttle.schedule('A', async () => 'never', { signal: controller.signal });
    controller.abort(new TaskWithdrawnError());
    await expect(withdrawn).rejects.toBeInstanceOf(TaskWithdrawnError);
    expect(overloads).toEqual([]);
    expect(throttle.stats()).toEqual({ A: { queued: 0, running: 0 } });
  });
});

describe('timed cache and denylist over the local store', () => {
  it('serves entries younger than maxAge and the TTL, by the asOf of the upstream answer', async () => {
    const clock = createClock();
    const cache = createTimedCache<number>({ store: createLocalStore({ now: clock.now }), namespace: 'q:', ttlMs: 1000, isValue: (value) => typeof value === 'number', now: clock.now });
    await cache.setMany([{ key: 'a', cached: { value: 1, asOf: clock.now() } }]);
    clock.advance(600);
    expect(await cache.getMany(['a', 'b'])).toEqual([{ value: 1, asOf: clock.now() - 600 }, undefined]);
    expect(await cache.getMany(['a'], 500)).toEqual([undefined]);
    expect(await cache.getMany(['a'], 0)).toEqual([undefined]);
    clock.advance(401);
    expect(await cache.getMany(['a'])).toEqual([undefined]);
  });
  it('remembers strangers for the TTL; 0 disables the list', async () => {
    const clock = createClock();
    const store = createLocalStore({ now: clock.now });
    const denylist = createUinDenylist({ store, ttlMs: 1000 });
    await denylist.add([5]);
    expect(await denylist.filter([4, 5])).toEqual(new Set([5]));
    clock.advance(1001);
    expect(await denylist.filter([5])).toEqual(new Set());
    const off = createUinDenylist({ store, ttlMs: 0 });
    await off.add([6]);
    expect(await off.filter([6])).toEqual(new Set());
  });
  it('evicts the oldest writes beyond maxEntries', async () => {
    const store = createLocalStore({ maxEntries: 2 });
    await store.setMany(['a', 'b', 'c'].map((key) => ({ key, value: key, ttlMs: 1000 })));
    expect(await store.getMany(['a', 'b', 'c'])).toEqual([undefined, 'b', 'c']);
  });
});

describe('createReadiness', () => {
  it('probes once without evidence, reuses real traffic as evidence, and probes again after maxAgeMs', async () => {
    const clock = createClock();
    let probes = 0;
    const readiness = createReadiness({ probe: async () => void probes++, maxAgeMs: 1000, now: clock.now });
    expect((await readiness.check()).ready).toBe(true);
    expect(probes).toBe(1);
    clock.advance(900);
    readiness.observe({ action: 'QueryVoucherPool', attempt: 1, outcome: 'ok', durationMs: 10 });
    clock.advance(900);
    expect((await readiness.check()).ready).toBe(true);
    expect(probes).toBe(1);
    clock.advance(200);
    await readiness.check();
    expect(probes).toBe(2);
  });
  it('is not ready after an authentication failure, ready again after a success', async () => {
    const clock = createClock();
    const readiness = createReadiness({ probe: async () => undefined, maxAgeMs: 1000, now: clock.now });
    readiness.observe({ action: 'QueryVoucherPool', attempt: 1, outcome: 'error', code: 'AuthFailure.SecretIdNotFound', durationMs: 5 });
    expect(await readiness.check()).toMatchObject({ ready: false, reason: 'AuthFailure.SecretIdNotFound' });
    readiness.observe({ action: 'QueryVoucherPool', attempt: 1, outcome: 'ok', durationMs: 5 });
    expect((await readiness.check()).ready).toBe(true);
  });
  it('ignores our own give-ups: an aborted attempt is no evidence against the upstream', async () => {
    const clock = createClock();
    const readiness = createReadiness({ probe: async () => undefined, maxAgeMs: 1000, now: clock.now });
    readiness.observe({ action: 'QueryVoucherAmountByUin', attempt: 1, outcome: 'ok', durationMs: 5 });
    readiness.observe({ action: 'QueryVoucherAmountByUin', attempt: 1, outcome: 'aborted', code: 'Transport.DeadlineExceeded', durationMs: 1500 });
    expect((await readiness.check()).ready).toBe(true);
  });
  it('counts a transport failure of an attempt that ran its course against the upstream', async () => {
    const clock = createClock();
    const readiness = createReadiness({ probe: async () => undefined, maxAgeMs: 1000, now: clock.now });
    readiness.observe({ action: 'QueryVoucherAmountByUin', attempt: 1, outcome: 'error', code: 'Transport.Timeout', durationMs: 10_000 });
    expect(await readiness.check()).toMatchObject({ ready: false, reason: 'Transport.Timeout' });
  });
});
