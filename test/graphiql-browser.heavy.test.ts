import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Replaces the editor's document and waits until GraphiQL has taken it in: it reads the operation's
 * name from the document a moment after typing (the tab is renamed then), and an Execute click before
 * that runs with the old operation's name ("Cannot infer operation VoucherPool").
 */
async function typeDocument(page: Page, document: string, operationName: string): Promise<void> {
  await page.locator('.graphiql-query-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(document);
  await page.locator('.graphiql-tab-active', { hasText: operationName }).waitFor({ timeout: 10_000 });
}

describe('GraphiQL in a real browser with no internet', () => {
  let harness: Harness;
  let serverUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    harness = await startHarness({ simulator: { latencyMs: [50, 150] }, env: { MAX_UINS_PER_QUERY: '1000', WATCH_REFRESH_MS: '1000' } });
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

  it('shows a streamed list filling in: @stream results appear while the upstream calls go on', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${serverUrl}/graphql`, { waitUntil: 'load' });
      const execute = page.locator('button.graphiql-execute-button');
      await execute.waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.view-lines', { hasText: 'voucherPool' }).first().waitFor({ timeout: 30_000 });
      // 300 customers: 15 calls, about 3 s of budget. Replace the document with a streamed list.
      const uins = harness.simulator.data.customerUins.slice(0, 300).map(String);
      const first = uins[0] as string;
      await typeDocument(page, `query Streamed { customers(uins: ${JSON.stringify(uins)}) @stream(initialCount: 0) { uin voucherQuota { remainAmount } } }`, 'Streamed');
      harness.simulator.resetStats();
      await execute.click();
      const response = page.locator('.graphiql-response');
      await response.filter({ hasText: first }).waitFor({ timeout: 30_000 });
      // The first customer is on screen before the last call has even been sent.
      const callsWhenShown = harness.simulator.callsOf('QueryVoucherAmountByUin').length;
      expect(callsWhenShown).toBeLessThan(15);
      await expect.poll(() => harness.simulator.callsOf('QueryVoucherAmountByUin').length, { timeout: 30_000 }).toBe(15);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('graphiql-stream.png', ARTIFACTS).pathname, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('runs a subscription: a balance changed upstream appears in the response pane as an event', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${serverUrl}/graphql`, { waitUntil: 'load' });
      const execute = page.locator('button.graphiql-execute-button');
      await execute.waitFor({ state: 'visible', timeout: 30_000 });
      await page.locator('.view-lines', { hasText: 'voucherPool' }).first().waitFor({ timeout: 30_000 });
      const uin = harness.simulator.data.customerUins[5] as number;
      await typeDocument(page, `subscription Watch { voucherQuotaChanged(uins: ["${uin}"]) { customer { uin } current { remainAmount } } }`, 'Watch');
      // The customer was in the streamed list above: count only the calls the watch makes from now on.
      const callsOfUin = () => harness.simulator.callsOf('QueryVoucherAmountByUin').filter((call) => call.uins?.includes(uin)).length;
      const before = callsOfUin();
      await execute.click();
      // The watch reads the customer once (the value to compare with), then every second.
      await expect.poll(callsOfUin, { timeout: 20_000 }).toBeGreaterThan(before);
      (harness.simulator.data.customers.get(uin) as { remainAmount: number }).remainAmount = 12.34;
      await page.locator('.graphiql-response').filter({ hasText: '12.34' }).waitFor({ timeout: 20_000 });
      expect((await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ')).toContain(`"uin": "${uin}"`);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('graphiql-subscription.png', ARTIFACTS).pathname, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
