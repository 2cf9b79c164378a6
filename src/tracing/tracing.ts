import { context, trace, type Context, type Link, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import type { TracingConfig } from '../config.js';

/**
 * OpenTelemetry traces, with the OpenTelemetry JS SDK: its tracer provider, the batch span processor
 * (spans leave in the background, in batches; a slow or absent collector costs dropped spans, never a
 * request's time) and the OTLP/HTTP exporters (`http/protobuf`, `http/json`). Off (a no-op tracer, no
 * exporter) unless an OTLP endpoint is configured.
 *
 * The provider is this gateway's own, not registered globally: each gateway in one process (tests)
 * exports to its own collector. Only the context manager is global (AsyncLocalStorage: the active span
 * follows a request through its awaits, so Redis commands become children of the request's span). It
 * is set only where there are Redis commands to parent (`propagateContext`): on Node 20 AsyncLocalStorage
 * hooks every promise, which costs a cache hit about 15% of its throughput (`npm run bench -- --only
 * traces`); spans that need no active context (the request's, the upstream calls') are handed on
 * explicitly.
 */
export interface Tracing {
  readonly tracer: Tracer;
  readonly enabled: boolean;
  /** Flushes what is buffered (at most `timeoutMs`), then stops exporting. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
let contextManagerSet = false;

export function createTracing(config: TracingConfig | undefined, options: { readonly propagateContext?: boolean } = {}): Tracing {
  if (!config) return { tracer: trace.getTracer('voucher-gateway'), enabled: false, shutdown: async () => undefined };
  if (options.propagateContext && !contextManagerSet) {
    contextManagerSet = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  const exporterOptions = { url: config.url, headers: { ...config.headers } };
  const exporter = config.protocol === 'http/json' ? new JsonExporter(exporterOptions) : new ProtobufExporter(exporterOptions);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: samplerOf(config.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...config.batch, maxExportBatchSize: Math.min(config.batch.maxExportBatchSize, config.batch.maxQueueSize) })],
  });
  return {
    tracer: provider.getTracer('voucher-gateway'),
    enabled: true,
    async shutdown(timeoutMs = 2000) {
      // A collector that does not answer must not hold the exit path.
      await Promise.race([provider.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    },
  };
}

function samplerOf(sampler: TracingConfig['sampler']): Sampler {
  const root = sampler.name.endsWith('always_off') ? new AlwaysOffSampler() : sampler.name.endsWith('traceidratio') ? new TraceIdRatioBasedSampler(sampler.ratio) : new AlwaysOnSampler();
  return sampler.name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/** The context an incoming request's W3C `traceparent` (and `tracestate`) names, from a router or another service. */
export function contextFromHeaders(headers: Headers): Context {
  return propagator.extract(context.active(), headers, { get: (carrier, key) => carrier.get(key) ?? undefined, keys: (carrier) => [...carrier.keys()] });
}

/** A span's W3C `traceparent`, to hand to another process (the deployment queue carries it in Redis). */
export function traceparentOf(span: Span | undefined): string | undefined {
  const spanContext = span?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(context.active(), spanContext), carrier, { set: (target, key, value) => (target[key] = value) });
  return carrier.traceparent;
}

/** Links to the spans the traceparents name (malformed ones are skipped), each once. */
export function linksTo(traceparents: Iterable<string>): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const traceparent of traceparents) {
    if (seen.has(traceparent)) continue;
    seen.add(traceparent);
    const spanContext = spanContextOf(traceparent);
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

function spanContextOf(traceparent: string): SpanContext | undefined {
  const extracted = trace.getSpanContext(propagator.extract(context.active(), { traceparent }, { get: (carrier, key) => carrier[key as 'traceparent'], keys: () => ['traceparent'] }));
  return extracted && trace.isSpanContextValid(extracted) ? extracted : undefined;
}

