import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { startGatewayProcess } from './support/gateway-process.js';

const ROOT = new URL('..', import.meta.url).pathname;
const OURS = `${ROOT}operations/generated/persisted-documents.json`;
const TEAM_B = `${ROOT}test/fixtures/apollo-manifest.json`;
const ours = JSON.parse(readFileSync(OURS, 'utf8')) as Record<string, string>;
const voucherPoolId = Object.entries(ours).find(([, document]) => document.startsWith('query VoucherPool'))?.[0] as string;
const teamBId = '5d7b4c6a1e1f0b9a3c2d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b';
const UIN = '200000097917';

/** Trusted documents: both manifest formats side by side, documentId and APQ hash, POST and GET. */
describe('trusted documents', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const post = (body: Record<string, unknown>) =>
    harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('runs documents of both manifests by documentId and by persisted query hash, over POST and GET', async () => {
    harness = await startHarness({ env: { PERSISTED_DOCUMENTS: `${OURS}, ${TEAM_B}` } });
    expect(voucherPoolId).toMatch(/^sha256:/);
    const pool = await post({ documentId: voucherPoolId });
    expect(JSON.parse(pool.text)).toMatchObject({ data: { voucherPool: { agentName: expect.any(String) } } });
    const apq = await post({ variables: { uin: UIN }, extensions: { persistedQuery: { version: 1, sha256Hash: teamBId } } });
    expect(JSON.parse(apq.text)).toEqual({ data: { customer: { uin: UIN, voucherQuota: { remainAmount: harness.simulator.data.customers.get(Number(UIN))?.remainAmount } } } });
    const get = await harness.fetch(`/graphql?documentId=${encodeURIComponent(teamBId)}&variables=${encodeURIComponent(JSON.stringify({ uin: UIN }))}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(200);
    expect(JSON.parse(get.text).data.customer.uin).toBe(UIN);
    // A query document over GET may be cached by a CDN (no caller auth here: public).
    expect(get.headers.get('cache-control')).toBe('public, max-age=10');
    expect(pool.headers.get('cache-control')).toBeNull();
    // Arbitrary documents still run: persisted-only is off outside production by default.
    expect(JSON.parse((await post({ query: '{ __typename }' })).text)).toEqual({ data: { __typename: 'Query' } });
    // An unknown id: refused, nothing sent upstream for it.
    const before = harness.simulator.stats().calls.length;
    const unknown = await post({ documentId: 'sha256:0000' });
    expect(JSON.parse(unknown.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(harness.simulator.stats().calls.length).toBe(before);
  });

  it('a GET answer that carries errors is never stored by a CDN (no-store), whatever the document', async () => {
    harness = await startHarness({ env: { PERSISTED_DOCUMENTS: `${OURS}, ${TEAM_B}` } });
    const stranger = '100000000001';
    const get = await harness.fetch(`/graphql?documentId=${encodeURIComponent(teamBId)}&variables=${encodeURIComponent(JSON.stringify({ uin: stranger }))}`, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(200);
    expect(JSON.parse(get.text).errors[0].extensions.code).toBe('CUSTOMER_NOT_FOUND');
    expect(get.headers.get('cache-control')).toBe('no-store');
  });

  it('persisted-only: a document of its own is refused before any work (HTTP 400, 0 upstream calls); GraphiQL is off', async () => {
    harness = await startHarness({ env: { PERSISTED_DOCUMENTS: OURS, PERSISTED_DOCUMENTS_ONLY: 'true' } });
    const refused = await post({ query: `{ customer(uin: "${UIN}") { voucherQuota { remainAmount } } voucherPool { issuedNum } }` });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(harness.simulator.stats().calls).toHaveLength(0);
    const page = await harness.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.text).not.toMatch(/graphiql/i);
    expect(JSON.parse((await post({ documentId: voucherPoolId })).text).data.voucherPool).toBeDefined();
  });

  it('a manifest with a document that does not validate stops the start-up, naming the file and the operation', async () => {
    const gateway = startGatewayProcess({ PERSISTED_DOCUMENTS: `${OURS},${ROOT}test/fixtures/bad-manifest.json` });
    await expect(gateway).rejects.toThrow(/gateway exited with 1[\s\S]*invalid trusted documents: .*bad-manifest\.json: operation \(id sha256:badbadbadbad\) does not validate against the schema: Cannot query field "notAField"/);
  }, 30_000);

  it('codegen emits the manifest of our own operations (checked for staleness by npm run codegen:check)', () => {
    const names = Object.values(ours).map((document) => /^query (\w+)/.exec(document)?.[1]).sort();
    expect(names).toEqual(['CustomerDirectory', 'CustomerQuota', 'CustomerQuotas', 'VoucherPool']);
  });
});
