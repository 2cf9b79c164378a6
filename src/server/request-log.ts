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

/**
 * Upstream calls per request, by request id: each attempt names the requests whose UINs it carried.
 * A request is counted from `open` to `take` (its log line), and at most `MAX_OPEN` requests at once
 * (the oldest forgotten first), so the map stays bounded whatever ids clients send.
 */
export interface UpstreamCallCounter {
  open(requestId: string): void;
  count(requestIds: readonly string[] | undefined): void;
  /** Calls that carried the request's work; forgets the request. */
  take(requestId: string): number;
}

const MAX_OPEN = 10_000;

export function createUpstreamCallCounter(): UpstreamCallCounter {
  const calls = new Map<string, number>();
  return {
    open(requestId) {
      calls.set(requestId, 0);
      if (calls.size > MAX_OPEN) calls.delete(calls.keys().next().value as string);
    },
    count(requestIds) {
      for (const id of requestIds ?? []) {
        const count = calls.get(id);
        if (count !== undefined) calls.set(id, count + 1);
      }
    },
    take(requestId) {
      const count = calls.get(requestId) ?? 0;
      calls.delete(requestId);
      return count;
    },
  };
}

/**
 * One structured log line per request (when it is over), with its id, echoed as `X-Request-Id`, and
 * the upstream calls that carried its work (`upstreamCalls`). No headers, no bodies.
 */
export function useRequestLog(logger: Logger, counter?: UpstreamCallCounter): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      counter?.open(requestIdOf(request));
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const requestId = requestIdOf(request);
      response.headers.set('x-request-id', requestId);
      const start = started.get(request);
      const path = new URL(request.url).pathname;
      if (path === '/health' || path === '/metrics') {
        counter?.take(requestId);
        return;
      }
      // One line per request, when it is over: a streamed response ends with its last payload.
      void whenRequestEnds(request).then(() =>
        logger.info(
          {
            requestId,
            client: callerOf(request),
            method: request.method,
            path,
            status: response.status,
            durationMs: start === undefined ? undefined : Math.round(performance.now() - start),
            upstreamCalls: counter?.take(requestId) ?? 0,
          },
          'request',
        ),
      );
    },
  };
}
