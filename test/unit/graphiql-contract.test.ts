import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadGraphiQLAssets } from '../../src/server/graphiql.js';

/**
 * Contract test for the one place we rely on another package's internals: the offline GraphiQL
 * assets come from `@graphql-yoga/render-graphiql`'s internal ESM bundle (not in its export map).
 * The version is pinned; this fails loudly if an upgrade moves or reshapes the bundle.
 */
describe('@graphql-yoga/render-graphiql internals we depend on', () => {
  it('is pinned to an exact version', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@graphql-yoga/render-graphiql']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('still ships the GraphiQL script, stylesheet and Monaco workers as strings', async () => {
    const assets = await loadGraphiQLAssets();
    expect([...assets.keys()].sort()).toEqual(['graphiql.css', 'graphiql.js', 'worker-editorWorkerService.js', 'worker-graphql.js', 'worker-json.js']);
    for (const [name, asset] of assets) {
      expect(asset.body.length, name).toBeGreaterThan(1000);
    }
    expect(assets.get('graphiql.js')?.body).toContain('renderYogaGraphiQL');
  });
});
