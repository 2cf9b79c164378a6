import type { Redis } from 'ioredis';
import { luaScript } from '../store/lua-scripts.js';
import type { RedisConnection } from '../store/redis-connection.js';
import type { ResultsStream } from '../store/results-stream.js';
import { MAX_RESULT_ENTRIES } from '../store/results-stream.js';
import type { CallOptions } from '../upstream/client.js';
import { deadlineExceeded } from '../upstream/errors.js';
import type { Throttle } from '../upstream/throttle.js';
import { callOptionsFor, createQueueRules, onAbortBefore, settle, wantedCalls, type QueueRules, type Waiter } from './queue-core.js';
import { decodeResults, encodeResults } from './result-codec.js';
import { ScheduledCalls, type ScheduledCall } from './scheduled-calls.js';
import type { FetchBatchFn, UinLoadOptions, UinQueue } from './uin-queue.js';

/**
 * The UIN queue of one action (and variant) for the whole deployment: with Redis, every replica's
 * UINs wait in one queue, and whichever replica holds the next budget slot composes the call from
 * any replica's UINs (priority, then fair share between callers, then age: `fair-queue.ts`).
 * A UIN queued or on the wire anywhere is fetched once; the results reach every replica through the
 * account's results stream. The scheduling rule is the in-process queue's, deployment-wide (the
 * compose script enforces it): a full call as soon as a slot is free, a part-full one only while no
 * call of this queue is on the wire anywhere.
 *
 * Failure behaviour, next to the mechanism (STYLE 15):
 * - A replica that dies while its call is on the wire: the call's lease (`leaseMs`, renewed while the
 *   call runs) runs out and the next compose, by any replica, queues its UINs again, ahead of newer ones.
 * - A replica that dies with UINs queued: they stay until their waiters' latest deadline, then leave.
 * - Redis down: this replica's waiting UINs move to its in-process queue (`local`), which serves new
 *   loads too, on the fallback budget; once Redis is back, new loads use the deployment queue again.
 *   UINs of its own calls on the wire stay (their answers come back here). The UINs it had queued in
 *   Redis are given back (`release`) when Redis returns. Not yet covered: a UIN whose enqueue reached
 *   Redis while the answer was lost (a failover mid-command) stays queued until its deadline, and may
 *   be fetched once more (seen after a Cluster failover: 5 to 10 UINs of the requests in flight).
 *
 * Keys (under the account's prefix): `uins:<name>:queue|meta|flight|deadlines|calls`, documented in
 * `store/lua/enqueue-uins-5.lua`.
 */
export interface DeploymentUinQueueOptions<T> {
  /** The queue's name: the action, and its variant (`QueryVoucherListByUin:Used`). */
  readonly name: string;
  /** The throttle's action. */
  readonly action: string;
  readonly throttle: Throttle;
  readonly fetchBatchFn: FetchBatchFn<T>;
  readonly connection: RedisConnection;
  /** The account's key space (`accountKeyPrefix`). */
  readonly keyPrefix: string;
  readonly results: ResultsStream;
  /** This replica's name in call ids (the owner of a call in the deployment's queue). */
  readonly replicaId: string;
  /** This replica's in-process queue of the same action: serves while Redis is down. */
  readonly local: UinQueue<T>;
  /** UINs per call. Default 20. */
  readonly maxBatchSize?: number;
  /** How long a composed call holds its UINs before another replica may take them, ms. Default 3000; renewed every third of it. */
  readonly leaseMs?: number;
  /** While this replica waits for UINs, how often it looks at the deployment's queue (lost wake-ups, dead replicas), ms. Default 250. */
  readonly pollMs?: number;
  readonly onOverload?: (caller: string) => void;
  /** A caller's share relative to others (default 1). */
  readonly weightOf?: (caller: string) => number;
  readonly now?: () => number;
}

/** What the deployment's queue looked like at the last answer from Redis. */
interface QueueState {
  queued: number;
  calls: number;
}

/** What the parts of one deployment queue share. */
interface Parts<T> {
  readonly options: DeploymentUinQueueOptions<T>;
  readonly rules: QueueRules;
  readonly scripts: Scripts;
  readonly room: WaitingRoom<T>;
  readonly state: QueueState;
  /**
   * Call before sending a request whose answer carries the queue's state; apply the answer with the
   * function it returns. Answers arrive out of order (a poll sent before a compose may answer after
   * it): one older than the state already applied is dropped, or a stale count would schedule calls
   * that compose nothing.
   */
  readonly observe: () => (answer: QueueState) => void;
  /** Gives UINs nobody here waits for any more back to the deployment's queue. */
  readonly release: (uins: readonly number[]) => void;
}

export function createDeploymentUinQueue<T>(options: DeploymentUinQueueOptions<T>): UinQueue<T> {
  const { connection, action, throttle } = options;
  const rules = createQueueRules({ action, throttle, maxBatchSize: options.maxBatchSize ?? 20, now: options.now ?? Date.now, onOverload: options.onOverload });
  const { now, overloaded } = rules;
  const weightOf = options.weightOf ?? (() => 1);
  const scripts = deploymentScripts(connection.redis, `${options.keyPrefix}uins:${options.name}:`, options.results.key);
  const room = new WaitingRoom<T>();
  const state: QueueState = { queued: 0, calls: 0 };
  const release = (uins: readonly number[]) => {
    if (uins.length > 0) scripts.release(uins).catch((error: unknown) => connection.markDown(error));
  };
  let sent = 0;
  let applied = 0;
  const observe = () => {
    const order = ++sent;
    return (answer: QueueState) => {
      if (order < applied) return;
      applied = order;
      Object.assign(state, { queued: answer.queued, calls: answer.calls });
    };
  };
  const parts: Parts<T> = { options, rules, scripts, room, state, observe, release };
  let closed = false;
  followConnection(parts);
  const calls = createDeploymentCalls(parts, () => closed);
  const failHopeless = (uins: readonly number[], ranks: readonly number[]) => {
    release(room.failHopeless(uins, ranks, rules));
    calls.withdrawSurplus();
  };

  /** Looks at the deployment's queue again (every fourth time, re-checks deadlines), then pumps. */
  let looks = 0;
  const refresh = async () => {
    try {
      const apply = observe();
      apply(await scripts.state());
      if (++looks % 4 === 0) {
        const uins = room.uinsWithDeadlines();
        if (uins.length > 0) failHopeless(uins, await scripts.ranks(uins));
      }
    } catch (error) {
      connection.markDown(error);
    }
    calls.pump();
  };
  const poll = createPoll(options.pollMs ?? 250, () => !closed && room.size > 0 && connection.state === 'up', refresh);
  options.results.subscribe(options.name, (text) => {
    for (const [uin, result] of decodeResults<T>(text)) room.answer(uin, result);
    if (room.size > 0) void refresh();
  });

  return {
    load(uins, loadOptions) {
      return Promise.all(this.loadEach(uins, loadOptions));
    },
    loadEach(uins, loadOptions: UinLoadOptions = {}) {
      if (closed || connection.state !== 'up') return options.local.loadEach(uins, loadOptions);
      const priority = loadOptions.priority ?? 0;
      const caller = loadOptions.caller ?? 'anonymous';
      const { deadline, signal, requestId, traceparent } = loadOptions;
      const joined = room.join(uins, { caller, priority, deadline, requestId, traceparent, enqueuedAt: now(), signal });
      // Still queued: the deadline came before a slot did. On the wire here: the call goes on for others.
      onAbortBefore(signal, joined.results, () => {
        release(joined.abandon((uin) => (room.isOnTheWire(uin) ? deadlineExceeded(signal?.reason) : overloaded(caller, 0, 'deadline'))));
        calls.withdrawSurplus();
      });
      const apply = observe();
      scripts.enqueue(priority, caller, weightOf(caller), deadline, traceparent, joined.joins).then(
        (answer) => {
          apply(answer);
          if (deadline !== undefined) failHopeless(joined.joins.map(([uin]) => uin), answer.ranks);
          poll.start();
          calls.pump();
        },
        // Marking Redis down moves every waiter here, these included, to the local queue.
        (error: unknown) => connection.markDown(error),
      );
      return joined.each;
    },
    stats() {
      const local = options.local.stats();
      return { queued: room.size + local.queued, calls: calls.count() + local.calls };
    },
    /** As the in-process queue's; this replica's queued UINs are given back, and its calls' leases stop (another replica may take their UINs once they run out). */
    async close() {
      closed = true;
      poll.stop();
      calls.close();
      const released = room.failAll((waiter) => overloaded(waiter.caller, 0, 'closing'));
      await options.local.close();
      if (released.length > 0 && connection.state === 'up') await scripts.release(released).catch(() => undefined);
    },
  };
}

/**
 * Redis went away: what this replica waits for is served by its own queue instead, but for the UINs
 * of its own calls on the wire (their answers come back here). The UINs it had queued in Redis are
 * given back when Redis returns, so that no replica later spends the budget on them.
 */
function followConnection<T>({ options, scripts, room }: Parts<T>): void {
  const { connection } = options;
  const strayed = new Set<number>();
  connection.onStateChange((next) => {
    if (next === 'up') {
      const uins = [...strayed].filter((uin) => room.waitersOf(uin).length === 0);
      strayed.clear();
      // Not given back (Redis went down again): given back at the next return.
      if (uins.length > 0)
        scripts.release(uins).catch((error: unknown) => {
          for (const uin of uins) strayed.add(uin);
          connection.markDown(error);
        });
      return;
    }
    for (const [uin, waiter] of room.takeAll()) {
      strayed.add(uin);
      const { priority, caller, deadline, requestId, traceparent, signal } = waiter;
      void options.local.load([uin], { priority, caller, deadline, requestId, traceparent, signal }).then(([result]) => settle(waiter, result as T | Error));
    }
  });
}

/**
 * This replica's calls of the deployment's queue: scheduled while the deployment has work this replica
 * could compose (the core's rule, on the deployment's counts, and no more calls than this replica's
 * own waiters fill), composed from Redis when their slot comes, finished to every replica.
 */
function createDeploymentCalls<T>(parts: Parts<T>, isClosed: () => boolean) {
  const { options, rules, scripts, room, state, release } = parts;
  const { connection } = options;
  const { maxBatchSize } = rules;
  const scheduled = new ScheduledCalls();
  /** Calls composed and on the wire: their leases stop at close. */
  const onTheWire = new Set<DeploymentCall>();
  /** Calls whose compose is on its way to Redis: no longer scheduled, not yet on the wire, and about to take UINs. */
  let composing = 0;
  let sequence = 0;

  const pump = () => {
    if (isClosed() || connection.state !== 'up' || room.size === 0) return;
    const wanted = Math.min(wantedCalls(state.queued, maxBatchSize, state.calls), Math.ceil(room.size / maxBatchSize));
    while (scheduled.size + composing < wanted) scheduleCall();
  };
  /** The call came back (or failed as a whole): results to this replica's waiters, then to every replica. */
  const finish = (call: DeploymentCall, resultOf: (uin: number) => T | Error) => {
    call.stopLease();
    onTheWire.delete(call);
    const uins = call.composed();
    if (uins === undefined) call.scheduled.end();
    else if (uins.length > 0) {
      rules.observeCall(call.elapsedMs());
      const results = uins.map((uin) => [uin, resultOf(uin)] as const);
      for (const [uin, result] of results) room.answer(uin, result);
      scripts.finish(call.callId, options.name, encodeResults(results), uins).catch((error: unknown) => connection.markDown(error));
    }
    pump();
  };
  const scheduleCall = () => {
    const call = createDeploymentCall<T>({
      scheduled: scheduled.add(),
      callId: `${options.replicaId}:${++sequence}`,
      scripts,
      room,
      rules,
      leaseMs: options.leaseMs ?? 3000,
      observe: parts.observe,
      onComposeStart: () => void (composing += 1),
      onComposed(started) {
        if (started) composing -= 1;
        // Composed while the queue closed: its lease is not renewed.
        if (isClosed()) call.stopLease();
        else onTheWire.add(call);
        queueMicrotask(pump);
      },
      onComposeFailed: (error) => connection.markDown(error),
    });
    options.fetchBatchFn(call.compose, call.callOptions).then(
      (results) => finish(call, (uin) => results.get(uin) ?? new Error(`the upstream call returned no result for UIN ${uin}`)),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        // Refused by this replica's throttle before composing: this replica's waiters fail with it.
        if (!call.composed() && !call.scheduled.withdrawn()) release(room.failAll(() => failure));
        finish(call, () => failure);
      },
    );
  };
  return {
    pump,
    /** This replica's waiters left (gave up, failed fast): calls it scheduled beyond their need are withdrawn. */
    withdrawSurplus: () => scheduled.trim(Math.ceil(room.size / maxBatchSize)),
    count: () => scheduled.size + composing + onTheWire.size,
    close() {
      scheduled.trim(0);
      for (const call of onTheWire) call.stopLease();
    },
  };
}

type Scripts = ReturnType<typeof deploymentScripts>;

/** This replica's waiters, by UIN: whom to answer when a result arrives from any replica. */
class WaitingRoom<T> {
  readonly #waiting = new Map<number, Set<Waiter<T>>>();
  /** UINs in this replica's own calls on the wire. */
  readonly onTheWire = new Set<number>();

  get size(): number {
    return this.#waiting.size;
  }

  /** Adds a waiter per UIN; `joins` says, per UIN, whether this replica starts waiting for it (register it in Redis). */
  join(uins: readonly number[], who: Omit<Waiter<T>, 'resolve' | 'settled'>) {
    const mine: { uin: number; waiter: Waiter<T> }[] = [];
    const joins: [number, boolean][] = [];
    const each = uins.map(
      (uin) =>
        new Promise<T | Error>((resolve) => {
          const waiter: Waiter<T> = { ...who, resolve, settled: false };
          let waiters = this.#waiting.get(uin);
          joins.push([uin, !waiters]);
          if (!waiters) this.#waiting.set(uin, (waiters = new Set()));
          waiters.add(waiter);
          mine.push({ uin, waiter });
        }),
    );
    /** The request gave up: its waiters leave; returns the UINs nobody here waits for any more. */
    const abandon = (errorOf: (uin: number) => Error) => {
      const released: number[] = [];
      for (const { uin, waiter } of mine) if (!waiter.settled) this.leave(uin, waiter, errorOf(uin), released);
      return released;
    };
    return { each, results: Promise.all(each), joins, abandon };
  }

  waitersOf(uin: number): Waiter<T>[] {
    return [...(this.#waiting.get(uin) ?? [])];
  }

  uinsWithDeadlines(): number[] {
    return [...this.#waiting].filter(([, waiters]) => [...waiters].some((waiter) => waiter.deadline !== undefined)).map(([uin]) => uin);
  }

  highestPriority(): number {
    let highest = 0;
    for (const waiters of this.#waiting.values()) for (const waiter of waiters) highest = Math.max(highest, waiter.priority);
    return highest;
  }

  isOnTheWire(uin: number): boolean {
    return this.onTheWire.has(uin);
  }

  /** Settles every waiter of `uin`; it is no longer this replica's to wait for. */
  answer(uin: number, result: T | Error): void {
    const waiters = this.#waiting.get(uin);
    if (!waiters) return;
    this.#waiting.delete(uin);
    for (const waiter of waiters) settle(waiter, result);
  }

  /** One waiter leaves with `result`; a UIN nobody waits for any more goes to `released`. */
  leave(uin: number, waiter: Waiter<T>, result: Error, released: number[]): void {
    settle(waiter, result);
    const waiters = this.#waiting.get(uin);
    if (!waiters) return;
    waiters.delete(waiter);
    if (waiters.size === 0) {
      this.#waiting.delete(uin);
      released.push(uin);
    }
  }

  /** Fails fast the waiters that cannot be answered before their deadline, from their UIN's rank in Redis; returns the UINs released. */
  failHopeless(uins: readonly number[], ranks: readonly number[], rules: QueueRules): number[] {
    const released: number[] = [];
    uins.forEach((uin, index) => {
      const rank = ranks[index] ?? -1;
      if (rank < 0) return;
      const expectedMs = rules.expectedAnswerMs(rank);
      for (const waiter of this.waitersOf(uin)) if (rules.hopeless(waiter, expectedMs)) this.leave(uin, waiter, rules.overloaded(waiter.caller, expectedMs, 'deadline'), released);
    });
    return released;
  }

  /** Every waiter fails (with `errorOf(waiter)`); returns the UINs released. */
  failAll(errorOf: (waiter: Waiter<T>) => Error): number[] {
    const released: number[] = [];
    for (const [uin, waiters] of [...this.#waiting]) for (const waiter of [...waiters]) this.leave(uin, waiter, errorOf(waiter), released);
    return released;
  }

  /** Empties the room (Redis went away): every unsettled waiter, with its UIN. */
  /** Every unsettled waiter but those of UINs in this replica's own calls on the wire, which stay. */
  takeAll(): [number, Waiter<T>][] {
    const taken = [...this.#waiting].filter(([uin]) => !this.onTheWire.has(uin));
    for (const [uin] of taken) this.#waiting.delete(uin);
    return taken.flatMap(([uin, waiters]) => [...waiters].filter((waiter) => !waiter.settled).map((waiter) => [uin, waiter] as [number, Waiter<T>]));
  }
}

interface DeploymentCall {
  readonly callId: string;
  readonly scheduled: ScheduledCall;
  readonly compose: () => Promise<readonly number[]>;
  readonly callOptions: CallOptions;
  /** The UINs composed, or `undefined` before composition. */
  composed(): readonly number[] | undefined;
  elapsedMs(): number;
  stopLease(): void;
}

/**
 * One call of the deployment's queue, from this replica: composed from Redis when its throttle slot
 * comes, its lease renewed every third of `leaseMs` while it runs.
 */
function createDeploymentCall<T>(parts: {
  readonly callId: string;
  readonly scripts: Scripts;
  readonly room: WaitingRoom<T>;
  readonly rules: QueueRules;
  readonly leaseMs: number;
  readonly scheduled: ScheduledCall;
  /** The queue's state from the compose's answer (`Parts.observe`). */
  readonly observe: () => (answer: QueueState) => void;
  /** Its compose left for Redis. */
  readonly onComposeStart: () => void;
  /** Composed (possibly nothing: withdrawn before its slot (`started` false), or the compose failed). */
  readonly onComposed: (started: boolean) => void;
  readonly onComposeFailed: (error: unknown) => void;
}): DeploymentCall {
  const { callId, scripts, room, leaseMs } = parts;
  const { now } = parts.rules;
  let composed: { uins: number[]; deadline: number | undefined; traceLinks: readonly string[]; shared: boolean } | undefined;
  let startedAt = 0;
  let lease: NodeJS.Timeout | undefined;
  const compose = async (): Promise<readonly number[]> => {
    if (composed) return composed.uins;
    if (!parts.scheduled.start()) {
      composed = { uins: [], deadline: undefined, traceLinks: [], shared: false };
      parts.onComposed(false);
      return composed.uins;
    }
    const apply = parts.observe();
    parts.onComposeStart();
    try {
      const found = await scripts.compose(parts.rules.maxBatchSize, leaseMs, callId, now());
      // Another replica waits for one of them: the replicas waiting, less this one if it does.
      const shared = found.uins.some((uin, index) => (found.waiting[index] ?? 0) - (room.waitersOf(uin).length > 0 ? 1 : 0) > 0);
      composed = { uins: found.uins, deadline: found.deadline, traceLinks: found.traceLinks, shared };
      apply(found);
    } catch (error) {
      parts.onComposeFailed(error);
      composed = { uins: [], deadline: undefined, traceLinks: [], shared: false };
    }
    startedAt = now();
    for (const uin of composed.uins) room.onTheWire.add(uin);
    if (composed.uins.length > 0) {
      const held = composed.uins;
      lease = setInterval(() => void scripts.extend(callId, leaseMs, held).catch(() => undefined), leaseMs / 3);
      lease.unref();
    }
    parts.onComposed(true);
    return composed.uins;
  };
  return {
    callId,
    scheduled: parts.scheduled,
    compose,
    // Retries stop at the latest deadline of the call's waiters, on any replica; the links are every
    // replica's requests that asked (kept in Redis until the compose), and this replica's that joined since.
    callOptions: callOptionsFor(() => (composed?.uins ?? []).flatMap((uin) => room.waitersOf(uin)), {
      priority: room.highestPriority(),
      signal: parts.scheduled.signal,
      composed: () => composed !== undefined,
      traceLinks: () => composed?.traceLinks ?? [],
      // Nobody waits any more (this replica's waiters left, and no other replica waited when it was
      // composed): 0, a deadline long past, so its retries stop. Not seen: a replica that joined a UIN of
      // it later, while it was on the wire (that replica then gets the call's failure, if it fails).
      fixedDeadline: () => {
        if (!composed) return undefined;
        const waitedHere = composed.uins.some((uin) => room.waitersOf(uin).length > 0);
        return waitedHere || composed.shared ? composed.deadline : 0;
      },
    }),
    composed: () => composed?.uins,
    elapsedMs: () => now() - startedAt,
    stopLease() {
      if (lease) clearInterval(lease);
      for (const uin of composed?.uins ?? []) room.onTheWire.delete(uin);
    },
  };
}

/** Runs `tick` every `ms` while `active()`; `start` is idempotent, and the timer never keeps the process alive. */
function createPoll(ms: number, active: () => boolean, tick: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  return {
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (!active()) {
          clearInterval(timer);
          timer = undefined;
          return;
        }
        void tick();
      }, ms);
      timer.unref();
    },
  };
}

/** The deployment queue's scripts (`store/lua/*-uins-*.lua`, `*-call-*.lua`, `extend-lease-3.lua`) on one queue's keys. */
export function deploymentScripts(redis: Redis, base: string, resultsKey: string) {
  const keys = { queue: `${base}queue`, meta: `${base}meta`, flight: `${base}flight`, deadlines: `${base}deadlines`, calls: `${base}calls` };
  const five = [keys.queue, keys.meta, keys.flight, keys.deadlines, keys.calls] as const;
  defineOnce(redis);
  const commands = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  const run = (name: string, ...args: (string | number)[]) => (commands[name] as (...args: (string | number)[]) => Promise<unknown>).call(redis, ...args);
  return {
    async enqueue(priority: number, caller: string, weight: number, deadline: number | undefined, traceparent: string | undefined, joins: readonly (readonly [number, boolean])[]) {
      const args = joins.flatMap(([uin, joined]) => [String(uin), joined ? 1 : 0]);
      const [queued, calls, ranks] = (await run('vgEnqueueUins', ...five, priority, caller, weight, deadline ?? 0, traceparent ?? '', ...args)) as [number, number, number[]];
      return { queued, calls, ranks };
    },
    async compose(maxBatchSize: number, leaseMs: number, callId: string, at: number) {
      const [uins, deadlines, queued, calls, spans, waiting] = (await run('vgComposeCall', ...five, maxBatchSize, leaseMs, callId, at)) as [string[], string[], number, number, string[], number[]];
      const latest = deadlines.reduce((most, deadline) => Math.max(most, Number(deadline)), 0);
      const traceLinks = [...new Set(spans.flatMap((asked) => asked.split(' ')))];
      return { uins: uins.map(Number), deadline: latest > 0 && latest < 9e15 ? latest : undefined, queued, calls, traceLinks, waiting: waiting.map(Number) };
    },
    finish: (callId: string, name: string, results: string, uins: readonly number[]) =>
      run('vgFinishCall', ...five, resultsKey, callId, name, results, MAX_RESULT_ENTRIES, ...uins.map(String)),
    extend: (callId: string, leaseMs: number, uins: readonly number[]) => run('vgExtendLease', keys.meta, keys.flight, keys.calls, callId, leaseMs, ...uins.map(String)),
    release: (uins: readonly number[]) => run('vgReleaseUins', keys.queue, keys.meta, keys.deadlines, ...uins.map(String)),
    /** Queued UINs (counting those whose call's lease ran out: the next compose queues them again) and calls on the wire, by Redis's clock. */
    async state(): Promise<QueueState> {
      const [queued, calls] = (await run('vgQueueState', keys.queue, keys.flight, keys.calls)) as [number, number];
      return { queued, calls };
    },
    async ranks(uins: readonly number[]): Promise<number[]> {
      const pipeline = redis.pipeline();
      for (const uin of uins) pipeline.zrank(keys.queue, String(uin));
      const answers = (await pipeline.exec()) ?? [];
      return answers.map(([error, rank]) => (error || rank === null ? -1 : Number(rank)));
    },
  };
}

const defined = new WeakSet<Redis>();
function defineOnce(redis: Redis): void {
  if (defined.has(redis)) return;
  defined.add(redis);
  redis.defineCommand('vgEnqueueUins', luaScript('enqueue-uins-5'));
  redis.defineCommand('vgComposeCall', luaScript('compose-call-5'));
  redis.defineCommand('vgFinishCall', luaScript('finish-call-6'));
  redis.defineCommand('vgExtendLease', luaScript('extend-lease-3'));
  redis.defineCommand('vgReleaseUins', luaScript('release-uins-3'));
  redis.defineCommand('vgQueueState', luaScript('queue-state-3'));
}
