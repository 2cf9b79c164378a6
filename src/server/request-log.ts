import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { callerOf } from './caller-identity.js';
import { whenRequestEnds } from './request-end.js';

const requestIds = new WeakMap<Request, string>();

/** The request's id: the caller's `X-Request-Id` when well-formed, else a fresh UUID. */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const sent = request.headers.get('x-request-id');
    id = sent && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/** One structured log line per request (when it is over), with its id, echoed as `X-Request-Id`. No headers, no bodies. */
export function useRequestLog(logger: Logger): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      requestIdOf(request);
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const requestId = requestIdOf(request);
      response.headers.set('x-request-id', requestId);
      const start = started.get(request);
      const path = new URL(request.url).pathname;
      if (path === '/health' || path === '/metrics') return;
      // One line per request, when it is over: a streamed response ends with its last payload.
      void whenRequestEnds(request).then(() =>
        logger.info(
          { requestId, client: callerOf(request), method: request.method, path, status: response.status, durationMs: start === undefined ? undefined : Math.round(performance.now() - start) },
          'request',
        ),
      );
    },
  };
}
