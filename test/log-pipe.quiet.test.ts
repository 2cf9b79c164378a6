import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';

/**
 * A log reader that stalls or goes away costs dropped log lines, never a gateway that cannot serve or
 * cannot exit. stdout and stderr are one pipe here, as under a container runtime. Counted, not
 * timed: the exit bound is the force-exit deadline (delay + request deadline + its 5 s margin).
 */
const DELAY_MS = 500;
const DEADLINE_MS = 2000;
const FORCE_EXIT_MS = DELAY_MS + DEADLINE_MS + 5000;
// What a busy machine may add to a process exit beyond the force-exit deadline.
const EXIT_SLACK_MS = 4000;

let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

const start = () =>
  startGatewayProcess(
    { SHUTDOWN_DELAY_MS: String(DELAY_MS), REQUEST_DEADLINE_MS: String(DEADLINE_MS), LOG_BUFFER_BYTES: '65536' },
    { oneOutputPipe: true },
  );

/** `exited()` or 'still running' when the process outlives `ms`. */
async function exitWithin(process: GatewayProcess, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  try {
    return await Promise.race([process.exited(), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${name} in /metrics`);
  return Number(match[1]);
}

const rssMb = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) / 1024;

describe('logging to a pipe (real gateway processes)', () => {
  it('stdout nobody reads: 2000 requests served, lines dropped and counted within the buffer bound, and an exit in time after SIGTERM', async () => {
    gateway = await start();
    gateway.stopReading();
    let served = 0;
    const send = async () => {
      const response = await fetch(`${gateway?.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      const body = (await response.json()) as { data?: { __typename?: string } };
      if (response.status === 200 && body.data?.__typename === 'Query') served += 1;
    };
    const rssBefore = rssMb(gateway.pid);
    for (let batch = 0; batch < 100; batch++) await Promise.all(Array.from({ length: 20 }, send));
    expect(served).toBe(2000);
    // Each request logs a line: far more than the pipe and the 64 KiB buffer hold.
    expect(await metric(gateway.url, 'log_lines_dropped_total')).toBeGreaterThan(500);
    expect(await metric(gateway.url, 'log_buffered_bytes')).toBeLessThanOrEqual(65_536 + 1024);
    // Lines are dropped, not queued: RSS grows by what the requests themselves cost, not by 2000 lines per round.
    expect(rssMb(gateway.pid) - rssBefore).toBeLessThan(80);
    process.kill(gateway.pid, 'SIGTERM');
    expect(await exitWithin(gateway, FORCE_EXIT_MS + EXIT_SLACK_MS)).toBe(0);
  });

  // A reader that had stalled (lines waiting) leaves right after the signal, or once the exit has begun
  // (the delay is 500 ms): the lines still waiting then fail with EPIPE, and must not be retried.
  it.each([0, 1000])('the stalled log reader goes away %i ms after SIGTERM: the gateway exits in time too', async (closeAfterMs) => {
    gateway = await start();
    gateway.stopReading();
    for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 20 }, () => fetch(`${gateway?.url}/graphql?query=%7B__typename%7D`)));
    process.kill(gateway.pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, closeAfterMs));
    gateway.closeOutput();
    expect(await exitWithin(gateway, FORCE_EXIT_MS + EXIT_SLACK_MS)).toBe(0);
  });
});
