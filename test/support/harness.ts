import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/logger.js';
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
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Runs a generated typed document (operations/generated): result and variables are typed. */
  execute<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables?: V): Promise<GraphQLResponse<R>>;
  close(): Promise<void>;
}

/** A simulator on a loopback port and a gateway talking to it over real HTTP. */
export async function startHarness(options: { simulator?: SimulatorOptions; env?: Record<string, string> } = {}): Promise<Harness> {
  const simulator = await startSimulator(options.simulator);
  const config = loadConfig({ LOG_LEVEL: 'debug', UPSTREAM_RETRY_BASE_DELAY_MS: '20', ...options.env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const gateway = createGateway({
    config,
    upstream: { endpoint: simulator.url, credentials: simulator.credentials },
    logger: createLogger(config.logLevel, sink),
  });
  const query: Harness['query'] = async (query, variables) => {
      const response = await gateway.yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
  };
  return {
    simulator,
    gateway,
    logs,
    query,
    execute: (document, variables) => query(print(document), variables),
    async close() {
      await gateway.throttle.onIdle();
      await simulator.close();
    },
  };
}

/** Sizes of the accepted `QueryVoucherAmountByUin` calls, in arrival order. */
export function batchSizes(simulator: Simulator): number[] {
  return simulator.callsOf('QueryVoucherAmountByUin').map((call) => call.uins?.length ?? 0);
}
