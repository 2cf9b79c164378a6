import { describe, expect, it } from 'vitest';
import { createRedisRateBudget, type BudgetAnswer } from '../../src/store/rate-budget.js';
import type { RedisConnection } from '../../src/store/redis-connection.js';
import { createClock } from './fakes.js';

/**
 * The shared budget's own logic, with a fake connection whose scripts answer what the test says and
 * record what they were asked, and an injected clock: grants, waits, the switch-over pause, a stale
 * answer after the connection dropped, and the fallback allowance. (The Lua scripts themselves run
 * against a real Redis in the replica tests.)
 */
function fakeConnection() {
  const sent: (string | number)[][] = [];
  const listeners: ((state: 'up' | 'down') => void)[] = [];
  let nextTake: () => Promise<number> = async () => 0;
  const redis = {
    defineCommand: () => undefined,
    voucherGatewayTakeSlot: (...args: (string | number)[]) => {
      sent.push(['take', ...args]);
      return nextTake();
    },
    voucherGatewayConfirmSlot: async (...args: (string | number)[]) => {
      sent.push(['confirm', ...args]);
      return 1;
    },
    zrem: async (...args: (string | number)[]) => {
      sent.push(['zrem', ...args]);
      return 1;
    },
  };
  const connection = {
    redis,
    state: 'up' as 'up' | 'down',
    markedDown: 0,
    markDown(): void {
      connection.markedDown += 1;
      connection.setState('down');
    },
    setState(state: 'up' | 'down'): void {
      if (connection.state === state) return;
      connection.state = state;
      for (const listener of listeners) listener(state);
    },
    onStateChange: (listener: (state: 'up' | 'down') => void) => void listeners.push(listener),
    close: async () => undefined,
  };
  return { connection, sent, answer: (take: () => Promise<number>) => (nextTake = take) };
}

function setup() {
  const clock = createClock();
  const fake = fakeConnection();
  const budget = createRedisRateBudget({
    connection: fake.connection as unknown as RedisConnection,
    keyPrefix: 'p:acct:',
    cap: () => 5,
    interval: 1000,
    fallbackCap: 1,
    leaseMs: 4000,
    switchPauseMs: 1500,
    outagePauseMs: 2500,
    now: clock.now,
  });
  return { clock, budget, ...fake };
}

const granted = (answer: BudgetAnswer) => {
  if (!answer.granted) throw new Error(`expected a grant, got a wait of ${answer.waitMs} ms`);
  return answer.grant;
};

describe('the shared (Redis) budget', () => {
  it('grants a slot the script grants, under the account key, with a lease; confirm and release name that grant', async () => {
    const { budget, sent } = setup();
    const grant = granted(await budget.take('QueryVoucherAmountByUin'));
    expect(sent[0]?.slice(0, 3)).toEqual(['take', 'p:acct:budget:QueryVoucherAmountByUin', 1000]);
    expect(sent[0]?.[3]).toBe(5);
    expect(sent[0]?.[5]).toBe(4000);
    const member = sent[0]?.[4];
    grant.confirm();
    grant.confirm();
    granted(await budget.take('QueryVoucherAmountByUin')).release();
    await Promise.resolve();
    expect(sent.filter(([verb]) => verb !== 'take')).toEqual([
      ['confirm', 'p:acct:budget:QueryVoucherAmountByUin', member],
      ['zrem', 'p:acct:budget:QueryVoucherAmountByUin', sent.filter(([verb]) => verb === 'take')[1]?.[4]],
    ]);
    expect(grant.maxAgeMs).toBe(2000);
  });

  it('passes on the wait the script answers', async () => {
    const { budget, answer } = setup();
    answer(async () => 320);
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 320 });
  });

  it('a failed command marks Redis down; then nothing is sent for the outage pause, then the fallback allows 1 per window', async () => {
    const { budget, answer, clock, connection, sent } = setup();
    answer(async () => {
      throw new Error('Command timed out');
    });
    // Going down pauses longer than coming back: a Cluster's failover ends within it.
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 2500 });
    expect(connection.markedDown).toBe(1);
    expect(budget.mode).toBe('fallback');
    clock.advance(2499);
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 1 });
    clock.advance(1);
    granted(await budget.take('A'));
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 1000 });
    clock.advance(1000);
    granted(await budget.take('A'));
    // Nothing more went to Redis while it was down.
    expect(sent.filter(([verb]) => verb === 'take')).toHaveLength(1);
  });

  it('an answer that arrives after the connection dropped is not trusted: the pause applies', async () => {
    const { budget, answer, connection } = setup();
    answer(async () => {
      connection.setState('down');
      return 0;
    });
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 2500 });
  });

  it('Redis coming back pauses again before sharing, so the fallback starts have left the window', async () => {
    const { budget, clock, connection, sent } = setup();
    connection.setState('down');
    clock.advance(2500);
    granted(await budget.take('A'));
    connection.setState('up');
    expect(await budget.take('A')).toEqual({ granted: false, waitMs: 1500 });
    clock.advance(1500);
    granted(await budget.take('A'));
    expect(sent.filter(([verb]) => verb === 'take')).toHaveLength(1);
    expect(budget.mode).toBe('shared');
  });

  it('a grant whose confirmation fails stays counted (its lease ends it) and marks Redis down', async () => {
    const { budget, connection } = setup();
    (connection.redis as { voucherGatewayConfirmSlot: () => Promise<number> }).voucherGatewayConfirmSlot = async () => {
      throw new Error('Connection is closed.');
    };
    granted(await budget.take('A')).confirm();
    await new Promise((resolve) => setImmediate(resolve));
    expect(connection.markedDown).toBe(1);
  });
});
