import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthConfig } from '../config.js';
import { attachGraphQLWs } from './websocket.js';
import type { GatewayYoga } from './yoga.js';

export interface HttpServer {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
}

/** Serves `yoga` over HTTP, and GraphQL over WebSocket (`graphql-ws`) on the same port when `webSocketAuth` is given. */
export async function listen(yoga: GatewayYoga, port: number, host = '0.0.0.0', webSocketAuth?: AuthConfig): Promise<HttpServer> {
  const server = createServer(yoga);
  const webSocket = webSocketAuth ? attachGraphQLWs(server, yoga, webSocketAuth) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: async () => {
      // Subscriptions have completed (the drain ends them); their sockets close with the listener.
      await webSocket?.close();
      return new Promise<void>((resolve, reject) => {
        // Idle keep-alive sockets would hold close() open; busy ones finish their request first and
        // are closed as soon as they turn idle (not at the keep-alive timeout).
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close((error) => {
          clearInterval(sweep);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
