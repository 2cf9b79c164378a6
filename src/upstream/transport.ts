import { subscribe } from 'node:diagnostics_channel';
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
  /**
   * Called once the request has left for the wire (headers written to the socket), which on a busy
   * event loop can be well after `fetch` was called. The throttle counts the upstream's window from here.
   */
  readonly onSent?: (() => void) | undefined;
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
    const unwatch = watchDeparture(request);
    // An explicit controller and timer rather than AbortSignal.timeout/any: the timer must fire even
    // when nothing else holds the composite signal, and is cleared as soon as the attempt ends.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`attempt timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const onCallerAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) onCallerAbort();
    try {
      const response = await fetchFn(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (request.signal?.aborted && !timedOut) throw request.signal.reason;
      if (timedOut) {
        throw new UpstreamError({
          code: TRANSPORT_CODES.timeout,
          message: `upstream did not answer within ${options.timeoutMs} ms`,
          cause: error,
        });
      }
      throw new UpstreamError({ code: TRANSPORT_CODES.network, message: `network error: ${describe(error)}`, cause: error });
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
      unwatch();
    }
  };
}

/**
 * Node's fetch (undici) publishes `undici:client:sendHeaders` when a request's head is written to
 * its socket. Requests are matched by their `X-TC-TraceId` header (one per attempt). Without a trace
 * id, or with an injected fetch that publishes nothing, departure is taken as the call itself or, at
 * the latest, the end of the attempt.
 */
const departures = new Map<string, () => void>();
let subscribed = false;

function watchDeparture(request: TransportRequest): () => void {
  const { onSent } = request;
  if (!onSent) return () => undefined;
  let fired = false;
  const fire = () => {
    if (!fired) {
      fired = true;
      onSent();
    }
  };
  const traceId = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-tc-traceid')?.[1];
  if (!traceId) {
    fire();
    return () => undefined;
  }
  if (!subscribed) {
    subscribed = true;
    subscribe('undici:client:sendHeaders', (message) => {
      const head = (message as { headers?: unknown }).headers;
      const id = typeof head === 'string' ? /^x-tc-traceid: *(\S+)\r?$/im.exec(head)?.[1] : undefined;
      if (id) departures.get(id)?.();
    });
  }
  departures.set(traceId, fire);
  return () => {
    departures.delete(traceId);
    fire();
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
