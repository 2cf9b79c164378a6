import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

describe('GraphiQL in a real browser with no internet', () => {
  let harness: Harness;
  let serverUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    harness = await startHarness();
    serverUrl = await harness.listen();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('loads every asset from the gateway and runs a voucherPool query through the UI', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const offLoopback: string[] = [];
    const requested: string[] = [];
    // Anything not on loopback is refused (and recorded): an air-gapped machine, simulated.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      requested.push(url.href);
      if (url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK.has(url.hostname)) return route.continue();
      offLoopback.push(url.href);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['data:', 'blob:'].includes(url.protocol) && !LOOPBACK.has(url.hostname)) offLoopback.push(url.href);
    });

    await page.goto(`${serverUrl}/graphql`, { waitUntil: 'load' });
    const execute = page.locator('button.graphiql-execute-button');
    await execute.waitFor({ state: 'visible', timeout: 30_000 });
    // The editor holds the default document once the schema has loaded.
    await page.locator('.view-lines', { hasText: 'voucherPool' }).first().waitFor({ timeout: 30_000 });
    // The default document queries voucherPool; run it with the UI's own button.
    await execute.click();
    const response = page.locator('.graphiql-response');
    try {
      await response.filter({ hasText: harness.simulator.data.pool.agentName }).waitFor({ timeout: 20_000 });
      // Monaco renders spaces as no-break spaces; fold them before comparing.
      expect((await response.innerText()).replace(/\s+/g, ' ')).toContain('"issuedNum": 300');
    } finally {
      // Kept as a test artifact, pass or fail.
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('graphiql.png', ARTIFACTS).pathname, fullPage: true });
      await context.close();
    }

    expect(offLoopback).toEqual([]);
    expect(requested.some((url) => url.includes('/graphiql/assets/graphiql.js'))).toBe(true);
    expect(harness.simulator.callsOf('QueryVoucherPool')).toHaveLength(1);
  });
});
