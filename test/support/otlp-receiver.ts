import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

/** One span as the receiver decoded it; ids in lowercase hex, as in a `traceparent`. */
export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly status: number;
}

export interface OtlpReceiver {
  /** The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT` (spans arrive at `/v1/traces`). */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** The content types the exporter sent. */
  readonly contentTypes: Set<string>;
  close(): Promise<void>;
}

// The subset of opentelemetry-proto (trace/v1, common/v1, resource/v1) a receiver needs.
const PROTO = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; } }
message ArrayValue { repeated AnyValue values = 1; }
`;
const Request = protobuf.parse(PROTO, { keepCase: false }).root.lookupType('ExportTraceServiceRequest');

/** An OTLP/HTTP trace receiver on a loopback port: decodes `application/x-protobuf` and `application/json`. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = createServer((request, response) => {
    void body(request).then((raw) => {
      const type = request.headers['content-type'] ?? '';
      contentTypes.add(type);
      const decoded = type.includes('json') ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : Request.toObject(Request.decode(raw), { longs: String, bytes: String });
      spans.push(...spansOf(decoded, type.includes('json')));
      response.writeHead(200, { 'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf' });
      response.end(type.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

type Any = Record<string, any>;

/** Both encodings, one shape: JSON carries ids as hex already, protobufjs' `bytes: String` as base64. */
function spansOf(request: Any, json: boolean): ReceivedSpan[] {
  const id = (value: unknown) => (typeof value !== 'string' || value === '' ? '' : json ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex'));
  return ((request.resourceSpans ?? []) as Any[]).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    return ((resourceSpans.scopeSpans ?? []) as Any[]).flatMap((scope) =>
      ((scope.spans ?? []) as Any[]).map((span) => ({
        service,
        traceId: id(span.traceId),
        spanId: id(span.spanId),
        parentSpanId: id(span.parentSpanId),
        name: String(span.name),
        kind: Number(span.kind ?? 0),
        links: ((span.links ?? []) as Any[]).map((link) => ({ traceId: id(link.traceId), spanId: id(link.spanId) })),
        attributes: attributesOf(span.attributes),
        status: Number(span.status?.code ?? 0),
      })),
    );
  });
}

function attributesOf(list: Any[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key as string, valueOf(entry.value as Any)]));
}

function valueOf(value: Any | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return ((value.arrayValue.values ?? []) as Any[]).map(valueOf);
  return undefined;
}
