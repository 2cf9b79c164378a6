import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL with no internet. Yoga's default page loads GraphiQL from a public CDN, which is a blank
 * page behind a corporate proxy or on an air-gapped machine. `@graphql-yoga/render-graphiql` bundles
 * the same GraphiQL (and its Monaco workers), but inlines all ~9 MB into every page view. We serve
 * that bundle's parts as separate, cacheable assets from the gateway itself and keep the page small.
 */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql/assets/';

interface BundledGraphiQL {
  readonly js: string;
  readonly css: string;
  readonly favicon: string;
  readonly editorWorkerService: string;
  readonly jsonWorker: string;
  readonly graphqlWorker: string;
}

interface Asset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

/** Monaco asks for workers by label; these are the labels the bundle uses. */
const WORKER_ASSETS: Readonly<Record<string, keyof BundledGraphiQL>> = {
  editorWorkerService: 'editorWorkerService',
  json: 'jsonWorker',
  graphql: 'graphqlWorker',
};

let assets: Promise<ReadonlyMap<string, Asset>> | undefined;

/**
 * Loaded on first use only: a gateway with GraphiQL off never pays for the bundle.
 *
 * The bundle's parts are not in `@graphql-yoga/render-graphiql`'s export map (its public
 * `renderGraphiQL` inlines all ~9 MB into every page). We depend on its internal ESM build on
 * purpose, so the package is pinned to an exact version in package.json and
 * test/unit/graphiql-contract.test.ts fails loudly if an upgrade moves or reshapes that file.
 */
export function loadGraphiQLAssets(): Promise<ReadonlyMap<string, Asset>> {
  assets ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@graphql-yoga/render-graphiql');
    const bundlePath = join(dirname(entry), '..', 'esm', 'graphiql.js');
    const bundle = (await import(pathToFileURL(bundlePath).href)) as BundledGraphiQL;
    const asset = (body: string, contentType: string): Asset => ({
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
    const map = new Map<string, Asset>([
      ['graphiql.js', asset(bundle.js, 'application/javascript; charset=utf-8')],
      ['graphiql.css', asset(bundle.css, 'text/css; charset=utf-8')],
    ]);
    for (const [label, key] of Object.entries(WORKER_ASSETS)) {
      map.set(`worker-${label}.js`, asset(bundle[key], 'application/javascript; charset=utf-8'));
    }
    return map;
  })();
  return assets;
}

/** Serves `/graphiql/assets/*` (with ETag and a day's caching). */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) return;
      const asset = (await loadGraphiQLAssets()).get(url.pathname.slice(GRAPHIQL_ASSET_PREFIX.length));
      if (!asset || (request.method !== 'GET' && request.method !== 'HEAD')) {
        endResponse(new fetchAPI.Response('Not found', { status: 404 }));
        return;
      }
      const headers = { 'content-type': asset.contentType, etag: asset.etag, 'cache-control': 'public, max-age=86400' };
      if (request.headers.get('if-none-match') === asset.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : asset.body, { status: 200, headers }));
    },
  };
}

/** The GraphiQL page: a few hundred bytes that load the assets above, same origin only. */
export function renderOfflineGraphiQL(options: GraphiQLOptions = {}): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  // JSON inside <script>: escape "<" so no value can close the tag.
  const config = JSON.stringify(options).replace(/</g, '\\u003c');
  const workers = JSON.stringify(Object.fromEntries(Object.keys(WORKER_ASSETS).map((label) => [label, `${GRAPHIQL_ASSET_PREFIX}worker-${label}.js`])));
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${workers};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${GRAPHIQL_ASSET_PREFIX}graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${config});
    </script>
  </body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
