import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { contextFromHeaders, type Tracing } from '../tracing/tracing.js';
import { callerOf } from './caller-identity.js';
import { trustedDocumentOf } from './persisted-documents.js';
import { whenRequestEnds } from './request-end.js';
import { requestIdOf } from './request-log.js';

const requestSpans = new WeakMap<Request, Span>();

/** The request's span, where tracing is on (the context factory hands it to the loaders). */
export function requestSpanOf(request: Request): Span | undefined {
  return requestSpans.get(request);
}

const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);
/** UINs named on a span, at most (the count is always exact). */
const MAX_UINS_NAMED = 100;

/**
 * One server span per GraphQL request, parented by the caller's W3C `traceparent` (a router's), and
 * active while the request runs (its Redis commands are its children). Attributes: the operation's
 * type, its name for a trusted document (a client's own names are free text), the caller, the UINs
 * asked (`recordUins`) and the error codes of the answer. The span ends when the request is over (a
 * stream's last payload).
 */
export function useRequestTracing(tracing: Tracing): Plugin {
  if (!tracing.enabled) return {};
  const spans = requestSpans;
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const path = new URL(request.url).pathname;
        if (UNTRACED_PATHS.has(path)) return wrapped();
        const parent = contextFromHeaders(request.headers);
        const span = tracing.tracer.startSpan('graphql.request', { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': path, 'gateway.request_id': requestIdOf(request) } }, parent);
        spans.set(request, span);
        return context.with(trace.setSpan(parent, span), wrapped);
      },
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const span = request && spans.get(request);
      if (!span) return;
      const operation = getOperationAST(args.document as DocumentNode, args.operationName);
      span.setAttribute('graphql.operation.type', operation?.operation ?? 'unknown');
      const trusted = trustedDocumentOf(request);
      if (trusted !== undefined) {
        span.setAttribute('graphql.document.id', trusted);
        if (operation?.name) span.setAttribute('graphql.operation.name', operation.name.value);
      }
    },
    onResultProcess({ request, result }) {
      const span = spans.get(request);
      if (!span || Symbol.asyncIterator in (result as object)) return;
      const codes = new Set<string>();
      for (const part of Array.isArray(result) ? result : [result]) {
        for (const error of (part as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors ?? []) codes.add(typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR');
      }
      if (codes.size === 0) return;
      span.setAttribute('graphql.error.codes', [...codes].sort());
      span.setStatus({ code: SpanStatusCode.ERROR, message: [...codes].sort().join(',') });
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', response.status);
      void whenRequestEnds(request).then(() => {
        const caller = callerOf(request);
        if (caller) span.setAttribute('gateway.caller', caller);
        span.end();
      });
    },
  };
}

/** Names the UINs a request asks for on its span (the active one, where the request's loads run). */
export function createUinRecorder(span: Span | undefined): (uins: readonly number[]) => void {
  if (!span?.isRecording()) return () => undefined;
  const named: string[] = [];
  let count = 0;
  return (uins) => {
    count += uins.length;
    for (const uin of uins) if (named.length < MAX_UINS_NAMED) named.push(String(uin));
    span.setAttribute('voucher.uins_asked', count);
    span.setAttribute('voucher.uins', named);
  };
}
