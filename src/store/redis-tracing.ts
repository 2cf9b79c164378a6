import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';

interface TracedCommand {
  readonly name: string;
  readonly promise: Promise<unknown>;
}

/**
 * Redis commands as child spans of whatever span is active (a request's, an upstream call's): the
 * command's name only, never its keys or values (they hold UINs and cached answers). Commands with no
 * span active (background polls, the results stream's blocking reads) make none, as the official
 * ioredis instrumentation does by default (`requireParentSpan`). That instrumentation hooks the module
 * loader, which for ESM needs a `--import` hook at start-up and supports ioredis below 6; wrapping the
 * one connection's `sendCommand` (ioredis' single path for every command, a Cluster's included) gives
 * the same spans without either.
 */
export function traceCommands(redis: Redis, tracer: Tracer): void {
  const send = redis.sendCommand.bind(redis) as (command: TracedCommand, ...rest: unknown[]) => unknown;
  (redis as unknown as { sendCommand: typeof send }).sendCommand = (command, ...rest) => {
    const parent = context.active();
    if (!trace.getSpan(parent)) return send(command, ...rest);
    const name = command.name.toUpperCase();
    const span = tracer.startSpan(`redis ${name}`, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'redis', 'db.operation.name': name } }, parent);
    command.promise.then(
      () => span.end(),
      (error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'Error' });
        span.end();
      },
    );
    return send(command, ...rest);
  };
}
