import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tracer } from '@opentelemetry/api';
import type { UpstreamCredentials } from '../config.js';
import { inCallContext, startCallSpan, type CallSpan } from './call-span.js';
import { deadlineExceeded, UpstreamError } from './errors.js';
import { backoffDelay, type RetryPolicy } from './retry.js';
import { signTc3 } from './sign.js';
import { ThrottleOverloadedError, type Throttle } from './throttle.js';
import type { Transport } from './transport.js';
import { parseEnvelope, toCustomerInfo, toDirectoryPage, toVoucherAmount, toVoucherList, toVoucherPool, uinRecords, type CustomerDirectoryPage, type CustomerInfoRecord, type VoucherAmount, type VoucherListRecord, type VoucherPool } from './responses.js';

export type { CustomerDirectoryPage, CustomerInfoRecord, VoucherAmount, VoucherListRecord, VoucherPool } from './responses.js';

export const SERVICE = 'intlpartnersmgt';
export const API_VERSION = '2022-09-28';
/** `QueryVoucherAmountByUin` takes 1 to 20 UINs per call. */
export const MAX_UINS_PER_CALL = 20;
export const ACTIONS = ['QueryVoucherPool', 'QueryVoucherAmountByUin', 'QueryVoucherListByUin', 'DescribeCustomerUin', 'DescribeCustomerInfo'] as const;
/** `DescribeCustomerUin` documents no maximum page size; we never ask for more than this. */
export const MAX_DIRECTORY_PAGE_SIZE = 100;
/** Voucher statuses `QueryVoucherListByUin` filters by (request `Status`). */
export const VOUCHER_STATUSES = ['Unused', 'Used', 'Expired'] as const;
export type VoucherStatusFilter = (typeof VOUCHER_STATUSES)[number];
export type Action = (typeof ACTIONS)[number];



export interface VoucherAmounts {
  readonly items: readonly VoucherAmount[];
  readonly requestId: string;
}

export interface CallOptions {
  /** Aborts queued, sleeping and in-flight attempts (the request's deadline, or its client leaving). */
  readonly signal?: AbortSignal | undefined;
  /** Epoch milliseconds: no attempt starts, and no backoff sleeps, past it. */
  readonly deadline?: number | undefined;
  /** Throttle priority; greater runs first. */
  readonly priority?: number | undefined;
  /** The gateway requests this call serves, for logs (a shared call serves several). */
  readonly requestIds?: readonly string[] | undefined;
  /** Names the first attempt in the throttle, so a waiting shared call can be lifted (`setPriority`). */
  readonly throttleId?: string | undefined;
  /** The spans (W3C traceparents) of the requests whose data the call carries: the call's span links to each. */
  readonly traceLinks?: readonly string[] | undefined;
  /** Epoch milliseconds since the call's oldest UIN waited in the UIN queue (the span's queue wait). */
  readonly queuedSince?: number | undefined;
}

/** One attempt's outcome, for logs, metrics and tests. Never carries credentials or bodies. */
export interface AttemptEvent {
  readonly action: Action;
  readonly attempt: number;
  /** `aborted`: our own give-up (the request's deadline, or its client left), not an upstream failure. */
  readonly outcome: 'ok' | 'error' | 'aborted';
  readonly code?: string | undefined;
  readonly requestId?: string | undefined;
  readonly durationMs: number;
  /** UINs in the request, for `QueryVoucherAmountByUin`. */
  readonly batchSize?: number | undefined;
  /** The gateway requests whose data the call carries (their `X-Request-Id`s). */
  readonly gatewayRequestIds?: readonly string[] | undefined;
}




/** UINs now, or a function that composes them when the call's throttle slot comes. */
export type UinList = readonly number[] | (() => readonly number[] | Promise<readonly number[]>);

export interface UpstreamClient {
  queryVoucherPool(options?: CallOptions): Promise<VoucherPool>;
  /**
   * 1 to `MAX_UINS_PER_CALL` UINs. `Data` order is not guaranteed: match items by `clientUin`.
   * `uins` may be a function: it is called inside the throttled task, right before signing, so a call
   * carries the UINs queued when its slot came (an empty list sends nothing).
   */
  queryVoucherAmountByUin(uins: UinList, options?: CallOptions): Promise<VoucherAmounts>;
  /** 1 to 20 UINs (composable like `queryVoucherAmountByUin`); `status` filters, absent means all. */
  queryVoucherListByUin(uins: UinList, status: VoucherStatusFilter | undefined, options?: CallOptions): Promise<{ items: VoucherListRecord[]; requestId: string }>;
  /** One page (1-based) of at most `MAX_DIRECTORY_PAGE_SIZE` customers, in the upstream's order. */
  describeCustomerUin(page: number, pageSize: number, options?: CallOptions): Promise<CustomerDirectoryPage>;
  /** 1 to 20 customers' profiles (composable). */
  describeCustomerInfo(uins: UinList, options?: CallOptions): Promise<{ items: CustomerInfoRecord[]; requestId: string }>;
}

export interface UpstreamClientOptions {
  /** Base URL, e.g. `https://intlpartnersmgt.intl.tencentcloudapi.com`. */
  readonly endpoint: string;
  readonly credentials: UpstreamCredentials;
  readonly transport: Transport;
  readonly throttle: Throttle;
  readonly retry: RetryPolicy;
  /** Milliseconds since the epoch; injectable so signing can be tested against a fixed clock. */
  readonly now?: () => number;
  readonly onAttempt?: (event: AttemptEvent) => void;
  /** OpenTelemetry: one span per call (`call-span.ts`). Absent: no spans. */
  readonly tracer?: Tracer | undefined;
}

const CONTENT_TYPE = 'application/json';

/** Request parameters, or a function that composes them inside the throttled task (`undefined`: send nothing). */
type Params = object | (() => object | undefined | Promise<object | undefined>);

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const url = new URL(options.endpoint);
  const now = options.now ?? Date.now;
  const { retry } = options;
  /** Typical attempt duration (EWMA): a task must *finish* before the deadline, not just start. */
  let typicalAttemptMs = 0;
  const observeDuration = (ms: number) => {
    typicalAttemptMs = typicalAttemptMs === 0 ? ms : 0.8 * typicalAttemptMs + 0.2 * ms;
  };

  const attempt = (action: Action, request: PendingRequest, callOptions: CallOptions, timing: AttemptTiming) =>
    sendAttempt({ options, url, now, typicalAttemptMs: () => typicalAttemptMs }, action, request, callOptions, timing);

  /** Resolves with the response, or `undefined` when `params` composed nothing to send. */
  async function call(action: Action, params: Params, callOptions: CallOptions = {}, batchSize?: () => number | undefined) {
    const span = startCallSpan(options.tracer, action);
    try {
      const response = await attempts(action, params, callOptions, span, batchSize);
      span.end({ requestId: typeof response?.RequestId === 'string' ? response.RequestId : undefined });
      return response;
    } catch (error) {
      span.end({ error });
      throw error;
    }
  }

  /** The attempts of one call: retries with backoff, re-signed once on an expired signature. */
  async function attempts(action: Action, params: Params, callOptions: CallOptions, span: CallSpan, batchSize: (() => number | undefined) | undefined) {
    const request: { body?: string; params: Params } = { params };
    let resigned = false;
    for (let attemptNumber = 1; ; attemptNumber++) {
      const timing: { startedAt?: number; attempt: number; span: CallSpan; batchSize: typeof batchSize } = { attempt: attemptNumber, span, batchSize };
      const elapsed = () => (timing.startedAt === undefined ? 0 : performance.now() - timing.startedAt);
      const report = (event: Pick<AttemptEvent, 'outcome' | 'code' | 'requestId'>) =>
        options.onAttempt?.({ action, attempt: attemptNumber, ...event, durationMs: elapsed(), batchSize: batchSize?.(), gatewayRequestIds: callOptions.requestIds });
      try {
        const response = await attempt(action, request, callOptions, timing);
        if (response === undefined) return undefined;
        observeDuration(elapsed());
        const requestId = typeof response.RequestId === 'string' ? response.RequestId : undefined;
        report({ outcome: 'ok', requestId });
        return response;
      } catch (caught) {
        const wasAborted = callOptions.signal?.aborted && !(caught instanceof UpstreamError) && !(caught instanceof ThrottleOverloadedError);
        const error = wasAborted ? deadlineExceeded(caught) : caught;
        if (!(error instanceof UpstreamError)) throw error;
        report({ outcome: wasAborted ? 'aborted' : 'error', code: error.code, requestId: error.requestId });
        const delay = retryDelay(error, attemptNumber, retry, resigned);
        if (delay === undefined) throw error;
        resigned ||= error.code === SIGNATURE_EXPIRED;
        // No point sleeping past the deadline: the caller gets the real failure now.
        // Deadlines are wall-clock epoch milliseconds (built from Date.now()); `now` is the signing clock.
        if (callOptions.deadline !== undefined && Date.now() + delay >= callOptions.deadline) throw error;
        if (delay > 0) {
          try {
            await sleep(delay, undefined, callOptions.signal ? { signal: callOptions.signal } : {});
          } catch (abort) {
            throw deadlineExceeded(abort);
          }
        }
      }
    }
  }

  return {
    async queryVoucherPool(callOptions) {
      return toVoucherPool((await call('QueryVoucherPool', {}, callOptions)) as Record<string, unknown>);
    },
    async queryVoucherAmountByUin(uins, callOptions) {
      const { data, requestId } = uinRecords(await uinCall(call, 'QueryVoucherAmountByUin', uins, (list) => ({ ClientUins: list }), callOptions));
      return { items: data.map(toVoucherAmount), requestId };
    },
    async queryVoucherListByUin(uins, status, callOptions) {
      const params = (list: readonly number[]) => (status === undefined ? { ClientUins: list } : { ClientUins: list, Status: status });
      const { data, requestId } = uinRecords(await uinCall(call, 'QueryVoucherListByUin', uins, params, callOptions));
      return { items: data.map(toVoucherList), requestId };
    },
    async describeCustomerUin(page, pageSize, callOptions) {
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_DIRECTORY_PAGE_SIZE) {
        throw new RangeError(`describeCustomerUin takes a page >= 1 and a page size of 1 to ${MAX_DIRECTORY_PAGE_SIZE}, got ${page}, ${pageSize}`);
      }
      return toDirectoryPage((await call('DescribeCustomerUin', { Page: page, PageSize: pageSize }, callOptions)) as Record<string, unknown>);
    },
    async describeCustomerInfo(uins, callOptions) {
      const { data, requestId } = uinRecords(await uinCall(call, 'DescribeCustomerInfo', uins, (list) => ({ CustomerUin: list }), callOptions));
      return { items: data.map(toCustomerInfo), requestId };
    },
  };

}

type PendingRequest = { body?: string; params: Params };
/** `startedAt` is set when the throttle starts the task: durations exclude queue wait. */
type AttemptTiming = { startedAt?: number; readonly attempt: number; readonly span: CallSpan; readonly batchSize: (() => number | undefined) | undefined };
type CallFn = (action: Action, params: Params, callOptions?: CallOptions, batchSize?: () => number | undefined) => Promise<Record<string, unknown> | undefined>;

/**
 * One attempt, as a task of the throttle. Composed and signed inside the throttled task, right before
 * sending: the call carries what is queued when its slot comes, and a queued signature never goes stale.
 */
async function sendAttempt(
  client: { readonly options: UpstreamClientOptions; readonly url: URL; readonly now: () => number; readonly typicalAttemptMs: () => number },
  action: Action,
  request: PendingRequest,
  callOptions: CallOptions,
  timing: AttemptTiming,
): Promise<Record<string, unknown> | undefined> {
  const { options, url, now } = client;
  const scheduledAt = performance.now();
  const answer = await options.throttle.schedule(
    action,
    (slot) =>
      inCallContext(timing.span, async () => {
        timing.span.started(timing.attempt, performance.now() - scheduledAt);
        if (request.body === undefined) {
          const params = typeof request.params === 'function' ? await request.params() : request.params;
          if (params === undefined) {
            slot.skipped();
            return undefined;
          }
          request.body = JSON.stringify(params);
          timing.span.composed(callOptions, timing.batchSize?.() ?? 0);
        }
        const body = request.body;
        timing.startedAt = performance.now();
        const headers = signedHeaders(action, body, options.credentials, url.hostname, Math.floor(now() / 1000));
        return options.transport({ url: `${url.origin}/`, headers, body, signal: callOptions.signal, onSent: slot.sent });
      }),
    {
      signal: callOptions.signal,
      priority: callOptions.priority,
      id: request.body === undefined ? callOptions.throttleId : undefined,
      // A task must *finish* before the deadline, not just start.
      deadline: callOptions.deadline === undefined ? undefined : callOptions.deadline - client.typicalAttemptMs(),
    },
  );
  return answer === undefined ? undefined : parseEnvelope(answer.status, answer.body);
}

/**
 * A call that carries 1 to `MAX_UINS_PER_CALL` UINs: a fixed list (checked before it queues), or a
 * function composed when the call's slot comes (an empty composition sends nothing).
 */
async function uinCall(call: CallFn, action: Action, uins: UinList, toParams: (list: readonly number[]) => object, callOptions: CallOptions | undefined) {
  const check = (list: readonly number[]) => {
    if (list.length > MAX_UINS_PER_CALL || (list.length < 1 && typeof uins !== 'function')) {
      throw new RangeError(`${action} takes 1 to ${MAX_UINS_PER_CALL} UINs, got ${list.length}`);
    }
    return list;
  };
  let list: readonly number[] = typeof uins === 'function' ? [] : check(uins);
  const compose = async () => {
    if (typeof uins === 'function') list = check(await uins());
    return list.length === 0 ? undefined : toParams(list);
  };
  return call(action, compose, callOptions, () => list.length);
}

const SIGNATURE_EXPIRED = 'AuthFailure.SignatureExpire';

/** The headers of one signed attempt (TC3-HMAC-SHA256, ../shared/UPSTREAM.md), signed at `timestamp`. */
function signedHeaders(action: Action, body: string, credentials: UpstreamCredentials, host: string, timestamp: number): Record<string, string> {
  const { authorization } = signTc3({ secretId: credentials.secretId, secretKey: credentials.secretKey, service: SERVICE, host, contentType: CONTENT_TYPE, payload: body, timestamp });
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPE,
    'X-TC-Action': action,
    'X-TC-Version': API_VERSION,
    'X-TC-Timestamp': String(timestamp),
    Authorization: authorization,
    // Optional, documented header (the official SDKs send it): lets the transport see when this
    // very attempt left for the wire, and support match an attempt to upstream logs.
    'X-TC-TraceId': randomUUID(),
  };
  if (credentials.sessionToken) headers['X-TC-Token'] = credentials.sessionToken;
  return headers;
}

/**
 * The retry policy: milliseconds before the next attempt, or `undefined` for none. Retryable codes
 * back off (full jitter); an expired signature is re-signed at once, once; the rest are final.
 */
function retryDelay(error: UpstreamError, attemptNumber: number, retry: RetryPolicy, resigned: boolean): number | undefined {
  const isExpiry = error.code === SIGNATURE_EXPIRED;
  if (!error.retryable || attemptNumber >= retry.maxAttempts || (isExpiry && resigned)) return undefined;
  return isExpiry ? 0 : backoffDelay(retry, attemptNumber, error.kind);
}
