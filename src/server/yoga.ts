import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayContext } from '../schema/context.js';
import { maskError, useMaskedIncrementalErrors } from './errors.js';
import { createYogaLogger } from './yoga-logger.js';
import { renderOfflineGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { useBodyLimit, useDocumentLimits, useRequestUinBudget, type RequestLimits } from './request-limits.js';

export interface YogaOptions {
  readonly schema: GraphQLSchema;
  /** Builds the per-request context (fresh loaders each time). */
  readonly context: (initial: { request: Request }) => GatewayContext;
  readonly graphiql: boolean;
  readonly introspection: boolean;
  readonly limits: RequestLimits;
  readonly logger: Logger;
  /** Outermost first: request log, metrics, readiness, caller auth. */
  readonly plugins?: readonly Plugin[];
  /** After every limit (the last `onExecute`): what may skip execution, once the limits have had their say. */
  readonly afterLimits?: readonly Plugin[];
}

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

const DEFAULT_QUERY = `# Voucher Gateway. Try it: run this query (Ctrl-Enter).
# asOf: when the upstream gave the answer (cached); add maxAge: 0 to a field for a fresh one.
query VoucherPool {
  voucherPool { agentName accountType totalQuota remainingQuota issuedNum asOf }
  customer(uin: "200000097917") { uin voucherQuota { totalAmount remainAmount asOf } }
  allCustomers(first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      uin
      profile { name accountStatus verificationStatus }
      vouchers(status: UNUSED) { totalCount items { id remainAmount } }
    }
  }
}
`;

/**
 * The GraphQL HTTP handler: a factory, so tests can call `yoga.fetch('http://yoga/graphql', …)`
 * without a port. `/graphql` serves GraphQL (and GraphiQL when enabled), `/health` liveness.
 */
export function createGatewayYoga(options: YogaOptions): GatewayYoga {
  // Incremental delivery: `@stream` on lists, `@defer` on fragments, over multipart/mixed and SSE.
  const plugins: Plugin[] = [...(options.plugins ?? []), useBodyLimit(options.limits.maxBodyBytes), useDeferStream(), useMaskedIncrementalErrors()];
  if (options.graphiql) plugins.push(useGraphiQLAssets());
  if (!options.introspection) plugins.push(useDisableIntrospection());
  plugins.push(...useDocumentLimits(options.limits), useRequestUinBudget(options.limits.maxUinsPerRequest) as Plugin, ...(options.afterLimits ?? []));
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: options.schema,
    context: (initial) => options.context(initial),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // GraphiQL's assets come from the gateway itself, never from a CDN (see graphiql.ts).
    graphiql: options.graphiql ? { title: 'Voucher Gateway', defaultQuery: DEFAULT_QUERY } : false,
    renderGraphiQL: renderOfflineGraphiQL,
    // One operation per HTTP request: an array of operations would multiply upstream work unseen.
    batching: false,
    // The body limit is `useBodyLimit` (request-limits.ts): a POST needs a Content-Length within
    // MAX_BODY_BYTES, and Node's parser reads no byte past it. Yoga's own limit would pipe every body
    // through a TransformStream to count bytes again (an abort signal and a stream per request).
    maxRequestBodySize: false,
    // Domain errors become client errors here, in one place (see errors.ts).
    maskedErrors: { maskError },
    logging: createYogaLogger(options.logger),
    plugins,
  });
}
