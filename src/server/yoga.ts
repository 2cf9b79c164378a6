import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayContext } from '../schema/context.js';

export interface YogaOptions {
  readonly schema: GraphQLSchema;
  /** Builds the per-request context (fresh loaders each time). */
  readonly context: () => GatewayContext;
  readonly graphiql: boolean;
  readonly logger: Logger;
}

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/**
 * The GraphQL HTTP handler: a factory, so tests can call `yoga.fetch('http://yoga/graphql', …)`
 * without a port. `/graphql` serves GraphQL (and GraphiQL when enabled), `/health` liveness.
 */
export function createGatewayYoga(options: YogaOptions): GatewayYoga {
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: options.schema,
    context: () => options.context(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    graphiql: options.graphiql ? { title: 'Voucher Gateway' } : false,
    logging: options.logger,
  });
}
