import { readFileSync } from 'node:fs';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLSchema, parse, validate, type DocumentNode, type OperationTypeNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ERROR_CODES } from '../error-codes.js';

/**
 * Trusted documents: the operations the frontends shipped, loaded from manifests at start-up and
 * checked against the schema, so that a request can name one by id instead of sending a document.
 * Two manifest formats, several files side by side (one per team):
 * - the GraphQL Code Generator client preset's `persisted-documents.json`: `{ "<hash>": "<document>" }`;
 * - Apollo's persisted query manifest: `{ "format": "apollo-persisted-query-manifest", "version": 1,
 *   "operations": [{ "id", "body", "name", "type" }] }`.
 */
export interface PersistedDocuments {
  /** The document text for `id`, or undefined. */
  get(id: string): string | undefined;
  /** Whether the document of `id` holds only query operations (GET responses may be cached then). */
  isQuery(id: string): boolean;
  readonly size: number;
}

/** A manifest that cannot be served: the message names the file and the operation. */
export class PersistedDocumentsError extends Error {
  override name = 'PersistedDocumentsError';
}

/** Reads and validates every manifest; throws `PersistedDocumentsError` at the first bad one. */
export function loadPersistedDocuments(paths: readonly string[], schema: GraphQLSchema): PersistedDocuments {
  // Documents may use @defer and @stream, which the server adds to the schema at run time.
  const withDirectives = new GraphQLSchema({ ...schema.toConfig(), directives: [...schema.getDirectives(), GraphQLDeferDirective, GraphQLStreamDirective] });
  const documents = new Map<string, { text: string; queryOnly: boolean }>();
  for (const path of paths) {
    for (const { id, name, text } of entriesOf(path)) {
      const where = `${path}: operation ${name ? `"${name}" ` : ''}(id ${id})`;
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch (error) {
        throw new PersistedDocumentsError(`${where} does not parse: ${(error as Error).message}`);
      }
      const errors = validate(withDirectives, document);
      if (errors.length > 0) throw new PersistedDocumentsError(`${where} does not validate against the schema: ${errors.map((error) => error.message).join('; ')}`);
      const known = documents.get(id);
      if (known && known.text !== text) throw new PersistedDocumentsError(`${where}: the id is already taken by another document`);
      const operations = document.definitions.flatMap((definition) => (definition.kind === 'OperationDefinition' ? [definition.operation] : []));
      documents.set(id, { text, queryOnly: operations.every((operation: OperationTypeNode) => operation === 'query') });
    }
  }
  return {
    get: (id) => documents.get(id)?.text,
    isQuery: (id) => documents.get(id)?.queryOnly ?? false,
    size: documents.size,
  };
}

function entriesOf(path: string): { id: string; name?: string; text: string }[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PersistedDocumentsError(`${path}: cannot read a JSON manifest (${(error as Error).message})`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new PersistedDocumentsError(`${path}: a manifest is a JSON object`);
  const record = manifest as Record<string, unknown>;
  if (record.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(record.operations)) throw new PersistedDocumentsError(`${path}: an Apollo manifest needs an "operations" list`);
    return record.operations.map((operation: unknown, index: number) => {
      const { id, body, name } = (operation ?? {}) as { id?: unknown; body?: unknown; name?: unknown };
      if (typeof id !== 'string' || typeof body !== 'string') throw new PersistedDocumentsError(`${path}: operation ${index} needs a string "id" and "body"`);
      return { id, text: body, ...(typeof name === 'string' ? { name } : {}) };
    });
  }
  return Object.entries(record).map(([id, text]) => {
    if (typeof text !== 'string') throw new PersistedDocumentsError(`${path}: the document of id ${id} is not a string`);
    return { id, text };
  });
}

export interface TrustedDocumentsOptions {
  readonly documents: PersistedDocuments;
  /** Refuse documents sent by the client (`PERSISTED_DOCUMENTS_ONLY`). */
  readonly only: boolean;
  /** `public` lets a CDN share cached GET answers; with per-caller auth they must stay `private`. */
  readonly cacheScope: 'public' | 'private';
  /** `max-age` of GET answers of query documents, seconds. */
  readonly maxAgeSeconds: number;
}

/**
 * Requests name a trusted document by `documentId` (the client preset, the GraphQL-over-HTTP persisted
 * documents draft; POST body or GET parameter) or by `extensions.persistedQuery.sha256Hash` (Apollo
 * Client's persisted query link), over POST and GET. With `only`, a request carrying a document of its
 * own is refused before any work (HTTP 400, `PERSISTED_QUERY_ONLY`). GET answers of query documents
 * carry `Cache-Control` for a CDN.
 */
const trustedIds = new WeakMap<Request, string>();

/** The trusted document a request ran (its id), or `undefined` for a document of its own. */
export function trustedDocumentOf(request: Request): string | undefined {
  return trustedIds.get(request);
}

export function useTrustedDocuments(options: TrustedDocumentsOptions): Plugin[] {
  const { documents } = options;
  const persisted = trustedIds;
  const erred = new WeakSet<Request>();
  const refuse = (code: string, message: string) => () => createGraphQLError(message, { extensions: { code, http: { status: code === ERROR_CODES.persistedQueryOnly ? 400 : 404 } } });
  return [
    usePersistedOperations({
      allowArbitraryOperations: !options.only,
      extractPersistedOperationId: (params, request) => {
        const id = documentIdOf(params as { documentId?: unknown; extensions?: unknown }, request);
        if (id !== null) persisted.set(request, id);
        return id;
      },
      getPersistedOperation: (id) => documents.get(id) ?? null,
      customErrors: {
        persistedQueryOnly: refuse(ERROR_CODES.persistedQueryOnly, 'This gateway runs trusted documents only: send a documentId (or a persisted query hash), not a document.'),
        notFound: refuse(ERROR_CODES.persistedQueryNotFound, 'No trusted document has this id.'),
        keyNotFound: refuse(ERROR_CODES.persistedQueryNotFound, 'Send a documentId (or a persisted query hash) or, where allowed, a document.'),
      },
    }),
    {
      onResultProcess({ request, result }) {
        // Only a complete answer without errors may be kept by a CDN; a stream's errors come later.
        if (isAsyncIterable(result) || (Array.isArray(result) ? result : [result]).some((part) => (part as { errors?: unknown[] }).errors?.length)) erred.add(request);
      },
      onResponse({ request, response }) {
        const id = persisted.get(request);
        if (request.method !== 'GET' || id === undefined) return;
        if (erred.has(request) || response.status !== 200) return void response.headers.set('cache-control', 'no-store');
        if (!documents.isQuery(id)) return;
        response.headers.set('cache-control', `${options.cacheScope}, max-age=${options.maxAgeSeconds}`);
        response.headers.append('vary', 'Authorization');
      },
    },
  ];
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function documentIdOf(params: { documentId?: unknown; extensions?: unknown }, request: Request): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  if (request.method === 'GET') {
    const fromUrl = new URL(request.url).searchParams.get('documentId');
    if (fromUrl) return fromUrl;
  }
  return defaultExtractPersistedOperationId(params as Parameters<typeof defaultExtractPersistedOperationId>[0], request, {});
}
