import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayYoga } from './yoga.js';

export interface HttpServer {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
}

export async function listen(yoga: GatewayYoga, port: number, host = '0.0.0.0'): Promise<HttpServer> {
  const server = createServer(yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Idle keep-alive sockets would hold close() open; busy ones finish their request first and
        // are closed as soon as they turn idle (not at the keep-alive timeout).
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close((error) => {
          clearInterval(sweep);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
