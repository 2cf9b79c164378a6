import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { loadConfig, type UpstreamCredentials } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';
import { listen, type HttpServer } from '../../src/server/http.js';
import { loadPersistedDocuments } from '../../src/server/persisted-documents.js';
import { schema } from '../../src/schema/index.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface Harness {
  readonly simulator: Simulator;
  readonly gateway: Gateway;
  /** Every log line the gateway wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Every log line the gateway wrote, as written. */
  readonly rawLogs: string[];
  /** Every response body the harness received, as text. */
  readonly responses: string[];
  /** `yoga.fetch`, recording the response body. */
  fetch(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string }>;
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Runs a generated typed document (operations/generated): result and variables are typed. */
  execute<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): Promise<GraphQLResponse<R>>;
  /**
   * Between tests: waits until no upstream call of an earlier test is queued or in flight (a later
   * request would otherwise join it), then clears faults and the simulator's call log.
   */
  reset(): Promise<void>;
  /** Serves the gateway on a loopback port (closed by `close()`); for clients that need real HTTP. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A simulator on a loopback port and a gateway talking to it over real HTTP. */
export async function startHarness(
  options: { simulator?: SimulatorOptions; env?: Record<string, string>; gatewayCredentials?: UpstreamCredentials } = {},
): Promise<Harness> {
  const simulator = await startSimulator(options.simulator);
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    UPSTREAM_RETRY_BASE_DELAY_MS: '20',
    // Most suites count upstream calls across requests for the same customers: caches off unless a
    // test turns them on (test/cache.test.ts does).
    QUOTA_CACHE_TTL_MS: '0',
    POOL_CACHE_TTL_MS: '0',
    // Likewise the directory as the list of customers (it walks the directory on the first miss):
    // test/strangers.test.ts turns it on.
    DIRECTORY_MEMBERSHIP: 'false',
    // And the book's sweep (test/book.test.ts turns it on).
    BOOK_SWEEP_CALLS_PER_SECOND: '0',
    TENCENTCLOUD_ENDPOINT: simulator.url,
    TENCENTCLOUD_SECRET_ID: simulator.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: simulator.credentials.secretKey,
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const rawLogs: string[] = [];
  const responses: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const gateway = createGateway({
    config,
    upstream: { endpoint: config.endpoint, credentials: options.gatewayCredentials ?? config.credentials ?? simulator.credentials },
    logger: createLogger(config.logLevel, sink),
    // As index.ts does: manifests are loaded and validated before the gateway starts.
    persistedDocuments: config.persistedDocuments && loadPersistedDocuments(config.persistedDocuments.paths, schema),
  });
  let server: HttpServer | undefined;
  const fetch: Harness['fetch'] = async (path, init) => {
    const response = await gateway.yoga.fetch(`http://yoga${path}`, init ?? {});
    const text = await response.text();
    responses.push(text);
    return { status: response.status, headers: response.headers, text };
  };
  const query: Harness['query'] = async (query, variables) => {
    const { text } = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return JSON.parse(text) as GraphQLResponse<never>;
  };
  return {
    simulator,
    gateway,
    logs,
    rawLogs,
    responses,
    fetch,
    query,
    execute: (document, variables) => query(print(document), variables),
    async reset() {
      await gateway.onIdle();
      simulator.clearFaults();
      simulator.resetStats();
    },
    async listen() {
      server ??= await listen(gateway.yoga, 0, '127.0.0.1');
      return server.url;
    },
    async close() {
      await server?.close();
      await gateway.onIdle();
      await simulator.close();
    },
  };
}

/** Sizes of the accepted `QueryVoucherAmountByUin` calls, in arrival order. */
export function batchSizes(simulator: Simulator): number[] {
  return simulator.callsOf('QueryVoucherAmountByUin').map((call) => call.uins?.length ?? 0);
}
