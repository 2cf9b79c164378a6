import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { killOnExit, TEST_CHILD_MARKER, testRunId } from './support/kill-on-exit.js';

const ENTRY = new URL('../src/index.ts', import.meta.url).pathname;

function start(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TENCENTCLOUD_')));
  // `node --import tsx`, not the `tsx` wrapper: a SIGKILL of the wrapper would orphan the gateway it starts.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], { env: { ...clean, PORT: '0', [TEST_CHILD_MARKER]: testRunId(), ...env } });
  killOnExit(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the gateway process', () => {
  it('starts the built-in simulator without credentials, serves GraphQL and /health, and drains on SIGTERM', async () => {
    // The delay gives a request sent just before SIGTERM time to be read off its socket: the listener
    // closes after it, and a request still unread in a socket buffer then is lost (as with any server).
    const { child, output } = start({ SHUTDOWN_DELAY_MS: '2000' });
    try {
      const [, url] = await waitFor(output, /"url":"(http:\/\/localhost:\d+)\/graphql".*"msg":"voucher gateway ready"/);
      expect(output()).toMatch(/serving the built-in partner API simulator with its demo credentials/);
      expect((await fetch(`${url}/health`)).status).toBe(200);

      // 120 UINs take 6 throttled calls (over a second): SIGTERM arrives while they are in flight.
      const uins = createDemoData().customerUins.slice(0, 120);
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ c: customers(uins: ${JSON.stringify(uins.map(String))}) { voucherQuota { remainAmount } } p: voucherPool { issuedNum } }`,
        }),
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      child.kill('SIGTERM');
      const response = await inFlight;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: { c: { voucherQuota: object | null }[]; p: { issuedNum: number } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.p.issuedNum).toBe(300);
      expect(body.data.c.filter((customer) => customer.voucherQuota)).toHaveLength(120);
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      expect(output()).toMatch(/shutting down: \/ready answers 503/);
      expect(output()).toMatch(/closing the listener; finishing in-flight requests/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses to start with only one of the two secrets, naming the missing variable', async () => {
    const { child, output } = start({ TENCENTCLOUD_SECRET_ID: 'AKIDonlyTheId' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output()).toMatch(/TENCENTCLOUD_SECRET_KEY/);
    expect(output()).not.toMatch(/voucher gateway ready/);
  });
});
