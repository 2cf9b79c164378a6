import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import { linksTo } from '../tracing/tracing.js';
import type { CallOptions } from './client.js';
import { UpstreamError } from './errors.js';

/**
 * The span of one upstream call (all its attempts). A call is shared: it starts a trace of its own and
 * links to the span of every request whose UINs rode in it (`CallOptions.traceLinks`, known once the
 * call is composed), so a slow request leads to the calls it waited for. Attributes: the action, the
 * UINs carried, attempts, the upstream's RequestId, the time waited for the rate window (all attempts)
 * and in the UIN queue. Never a credential, a signature or a body.
 */
export interface CallSpan {
  /** The context the call's work runs in (the compose's Redis commands become its children). */
  readonly context: Context | undefined;
  /** The throttle started attempt `attempt`, `waitedMs` after it was scheduled. */
  started(attempt: number, waitedMs: number): void;
  /** The call carries `uins` now: links to the requests that asked, and the queue wait. */
  composed(callOptions: CallOptions, uins: number): void;
  end(outcome: { requestId?: string | undefined; error?: unknown }): void;
}

const NO_SPAN: CallSpan = { context: undefined, started: () => undefined, composed: () => undefined, end: () => undefined };

export function startCallSpan(tracer: Tracer | undefined, action: string): CallSpan {
  if (!tracer) return NO_SPAN;
  const span = tracer.startSpan(`upstream ${action}`, {
    kind: SpanKind.CLIENT,
    root: true,
    attributes: { 'rpc.system': 'tencentcloud', 'rpc.service': 'intlpartnersmgt', 'rpc.method': action },
  });
  let rateWindowWaitMs = 0;
  return {
    context: trace.setSpan(ROOT_CONTEXT, span),
    started(attempt, waitedMs) {
      rateWindowWaitMs += waitedMs;
      span.setAttribute('upstream.attempts', attempt);
      span.setAttribute('gateway.rate_window_wait_ms', Math.round(rateWindowWaitMs));
    },
    composed(callOptions, uins) {
      span.setAttribute('voucher.uins_carried', uins);
      span.addLinks(linksTo(callOptions.traceLinks ?? []));
      if (callOptions.queuedSince !== undefined) span.setAttribute('gateway.uin_queue_wait_ms', Math.max(0, Date.now() - callOptions.queuedSince));
    },
    end({ requestId, error }) {
      if (requestId) span.setAttribute('upstream.request_id', requestId);
      if (error !== undefined) {
        const code = error instanceof UpstreamError ? error.code : error instanceof Error ? error.name : 'Error';
        if (error instanceof UpstreamError && error.requestId) span.setAttribute('upstream.request_id', error.requestId);
        span.setAttribute('error.type', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      }
      span.end();
    },
  };
}

/** Runs `task` in the call's context (no-op without tracing). */
export function inCallContext<T>(span: CallSpan, task: () => T): T {
  return span.context ? context.with(span.context, task) : task();
}
