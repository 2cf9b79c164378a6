import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const INTROSPECTION = '{ __schema { queryType { name } } }';

async function getGraphiQL(harness: Harness): Promise<Response> {
  return harness.gateway.yoga.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
}

describe('GraphiQL and introspection switches', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('development: GraphiQL page references only same-origin assets; introspection answers', async () => {
    harness = await startHarness({ env: { NODE_ENV: 'development' } });
    const page = await getGraphiQL(harness);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html.length).toBeLessThan(5_000);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('/graphiql/assets/graphiql.js');

    const asset = await harness.gateway.yoga.fetch('http://yoga/graphiql/assets/graphiql.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const etag = asset.headers.get('etag') ?? '';
    expect((await asset.text()).length).toBeGreaterThan(1_000_000);
    const cached = await harness.gateway.yoga.fetch('http://yoga/graphiql/assets/graphiql.js', { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect((await harness.gateway.yoga.fetch('http://yoga/graphiql/assets/nope.js')).status).toBe(404);

    expect((await harness.query(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('production: GraphiQL and introspection are off by default', async () => {
    harness = await startHarness({ env: { NODE_ENV: 'production', AUTH_MODE: 'none' } });
    const page = await getGraphiQL(harness);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect((await harness.gateway.yoga.fetch('http://yoga/graphiql/assets/graphiql.js')).status).toBe(404);
    const result = await harness.query(INTROSPECTION);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    // Ordinary queries still work.
    expect((await harness.query('{ customer(uin: 1) { uin } }')).data).toEqual({ customer: { uin: '1' } });
  });

  it('production: GRAPHIQL=true and INTROSPECTION=true turn them back on', async () => {
    harness = await startHarness({ env: { NODE_ENV: 'production', AUTH_MODE: 'none', GRAPHIQL: 'true', INTROSPECTION: 'true' } });
    expect((await getGraphiQL(harness)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await harness.query(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
