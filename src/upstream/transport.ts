import { TRANSPORT_CODES, UpstreamError } from './errors.js';

/**
 * The bottom layer: one HTTP POST, nothing else. No signing, no retries, no throttling.
 * Node's fetch (undici) keeps connections alive by default, so consecutive calls reuse a socket.
 */
export interface TransportRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Aborts the attempt from outside (the caller's deadline). */
  readonly signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  readonly status: number;
  readonly body: string;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

export interface FetchTransportOptions {
  /** Injectable for tests; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** Timeout of one attempt in milliseconds, response body included. Minimum 1. */
  readonly timeoutMs: number;
}

export function createFetchTransport(options: FetchTransportOptions): Transport {
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (!(options.timeoutMs >= 1)) throw new TypeError(`timeoutMs must be >= 1, got ${options.timeoutMs}`);

  return async (request) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    try {
      const response = await fetchFn(request.url, { method: 'POST', headers: request.headers, body: request.body, signal });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (timeout.aborted) {
        throw new UpstreamError({
          code: TRANSPORT_CODES.timeout,
          message: `upstream did not answer within ${options.timeoutMs} ms`,
          cause: error,
        });
      }
      throw new UpstreamError({ code: TRANSPORT_CODES.network, message: `network error: ${describe(error)}`, cause: error });
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
