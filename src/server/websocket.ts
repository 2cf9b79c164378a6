import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AuthConfig } from '../config.js';
import { ERROR_CODES } from '../error-codes.js';
import { verifiedCaller } from './caller-auth.js';
import type { GatewayYoga } from './yoga.js';

/**
 * GraphQL over WebSocket (the `graphql-ws` protocol, the library of the same name) on `/graphql`,
 * beside HTTP and SSE. Each operation runs through Yoga's own envelop (`getEnveloped`): the same
 * parsing limits, validation, error masking and context. The caller's token comes in
 * `connectionParams` (`Authorization: Bearer …`); the JWT plugin verifies it as it would a header,
 * and an operation without a verified caller (when caller auth is on) is refused `UNAUTHENTICATED`.
 * Closing the socket aborts its operations' requests: their subscriptions end and free their watches.
 */
export function attachGraphQLWs(server: Server, yoga: GatewayYoga, auth: AuthConfig & { readonly requireExp?: boolean }): { close(): Promise<void> } {
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const sockets = new WeakMap<object, AbortController>();
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (args: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (args: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: (ctx) => {
        sockets.set(ctx.extra.socket, new AbortController());
        return true;
      },
      onClose: (ctx) => sockets.get(ctx.extra.socket)?.abort(),
      onSubscribe: async (ctx, _id, payload) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const authorization = typeof params.Authorization === 'string' ? params.Authorization : typeof params.authorization === 'string' ? params.authorization : undefined;
        const name = typeof params['apollographql-client-name'] === 'string' ? params['apollographql-client-name'] : ctx.extra.request.headers['apollographql-client-name'];
        const headers: Record<string, string> = {};
        if (authorization) headers.authorization = authorization;
        if (typeof name === 'string') headers['apollographql-client-name'] = name;
        const request = new Request(`http://websocket${yoga.graphqlEndpoint}`, { method: 'POST', headers, signal: sockets.get(ctx.extra.socket)?.signal ?? null });
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ request, params: payload, transport: 'graphql-ws', connectionParams: params });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const contextValue = await contextFactory({ request, transport: 'graphql-ws' });
        const caller = verifiedCaller(contextValue);
        if (auth.mode === 'jwt' && (!caller || (auth.requireExp && typeof caller.payload.exp !== 'number'))) {
          return [new GraphQLError('A valid Bearer token is required (connectionParams: { Authorization: "Bearer …" }).', { extensions: { code: ERROR_CODES.unauthenticated } })];
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue, rootValue: { execute, subscribe } };
      },
    },
    wsServer,
  );
  return {
    async close() {
      for (const client of wsServer.clients) client.close(1001, 'the gateway is shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
