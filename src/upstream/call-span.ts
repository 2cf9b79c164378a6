import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { linksTo } from '../tracing/tracing.js';
import { UpstreamError } from './errors.js';

/**
 * The span of one upstream call (all its attempts). A call is shared: it starts a trace of its own and
 * links to the span of every request whose UINs rode in it (`CallOptions.traceLinks`, known once the
 * call is composed), so a slow request leads to the calls it waited for. Attributes: the action, the
 * UINs carried, attempts, the upstream's RequestId, the time waited for the rate window (all attempts)
 * and in the UIN queue. Never a credential, a signature or a body.
 */
export interface CallSpan {
  /** The context the call's work runs in once composed (its retries' Redis commands become its children). */
  readonly context: Context | undefined;
  /** The throttle started attempt `attempt`, `waitedMs` after it was scheduled. */
  started(attempt: number, waitedMs: number): void;
  /**
   * The call carries `uins` now: the span starts (backdated to when the call was scheduled), with its
   * links to the requests that asked and the queue wait. A call that composed nothing sends nothing
   * and leaves no span.
   */
  composed(callOptions: WaitersOfCall, uins: number): void;
  end(outcome: { requestId?: string | undefined; error?: unknown }): void;
}

/** What a call knows of the requests it serves (a part of `CallOptions`). */
interface WaitersOfCall {
  readonly traceLinks?: readonly string[] | undefined;
  readonly queuedSince?: number | undefined;
}

const NO_SPAN: CallSpan = { context: undefined, started: () => undefined, composed: () => undefined, end: () => undefined };

export function startCallSpan(tracer: Tracer | undefined, action: string): CallSpan {
  if (!tracer) return NO_SPAN;
  const scheduledAt = Date.now();
  let span: Span | undefined;
  let attempts = 0;
  let rateWindowWaitMs = 0;
  const callSpan: CallSpan = {
    context: undefined,
    started(attempt, waitedMs) {
      attempts = attempt;
      rateWindowWaitMs += waitedMs;
      span?.setAttributes({ 'upstream.attempts': attempts, 'gateway.rate_window_wait_ms': Math.round(rateWindowWaitMs) });
    },
    composed(callOptions, uins) {
      span = tracer.startSpan(`upstream ${action}`, {
        kind: SpanKind.CLIENT,
        root: true,
        startTime: scheduledAt,
        links: linksTo(callOptions.traceLinks ?? []),
        attributes: { 'rpc.system': 'tencentcloud', 'rpc.service': 'intlpartnersmgt', 'rpc.method': action, 'voucher.uins_carried': uins, 'upstream.attempts': attempts, 'gateway.rate_window_wait_ms': Math.round(rateWindowWaitMs) },
      });
      if (callOptions.queuedSince !== undefined) span.setAttribute('gateway.uin_queue_wait_ms', Math.max(0, Date.now() - callOptions.queuedSince));
      (callSpan as { context: Context | undefined }).context = trace.setSpan(ROOT_CONTEXT, span);
    },
    end({ requestId, error }) {
      if (!span) return;
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
  return callSpan;
}

/** Runs `task` in the call's context (no-op without tracing). */
export function inCallContext<T>(span: CallSpan, task: () => T): T {
  return span.context ? context.with(span.context, task) : task();
}
