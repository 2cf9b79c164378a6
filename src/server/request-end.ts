import type { Plugin } from 'graphql-yoga';

/**
 * When a request is really over. A single result ends with its response; an incremental one
 * (`@defer`/`@stream`, over multipart/mixed or SSE) ends when its last payload has been produced, long
 * after the response's headers went out. Request logs, metrics and the request's deadline timer wait
 * for this, so a streamed request is one request, one log line, its whole duration, and its deadline
 * still ends the stream.
 */
export function whenRequestEnds(request: Request): Promise<void> {
  return endOf(request).promise;
}

/** Whether the response streams (incremental delivery): its end is the end of execution, not this response. */
export function isIncremental(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('multipart/mixed') || type.startsWith('text/event-stream');
}

/** Marks the end of each request (see `whenRequestEnds`). */
export function useRequestEnd(): Plugin {
  return {
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      return {
        onExecuteDone({ result }) {
          if (!request || !isAsyncIterable(result)) return undefined;
          return { onEnd: () => endOf(request).resolve() };
        },
      };
    },
    onResponse({ request, response }) {
      if (!isIncremental(response)) endOf(request).resolve();
    },
  };
}

const ends = new WeakMap<Request, { promise: Promise<void>; resolve: () => void }>();

function endOf(request: Request) {
  let end = ends.get(request);
  if (!end) {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((settle) => (resolve = settle));
    ends.set(request, (end = { promise, resolve }));
  }
  return end;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
