import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UpstreamCredentials } from '../config.js';
import { deadlineExceeded, TRANSPORT_CODES, UpstreamError } from './errors.js';
import { backoffDelay, type RetryPolicy } from './retry.js';
import { signTc3 } from './sign.js';
import { ThrottleOverloadedError, type Throttle } from './throttle.js';
import type { Transport } from './transport.js';

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

export interface VoucherPool {
  readonly agentName: string;
  /** 1 reseller, 2 distributor, 3 second-level reseller; anything else is passed through. */
  readonly accountType: number;
  readonly totalQuota: number;
  readonly remainingQuota: number;
  readonly issuedNum: number;
  readonly requestId: string;
}

export interface VoucherAmount {
  readonly clientUin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

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

/** One page of the customer directory (`DescribeCustomerUin`). */
export interface CustomerDirectoryPage {
  readonly uins: readonly number[];
  /** Customers in the whole directory (the upstream sends it as a string). */
  readonly total: number;
  readonly requestId: string;
}

/** A customer's profile as `DescribeCustomerInfo` sends it: strings and codes, unmapped. */
export interface CustomerInfoRecord {
  readonly customerUin: number;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly mark: string;
  readonly bindTime: string;
  readonly accountStatus: string;
  readonly authStatus: string;
  readonly authType: number;
  readonly cidRegisterTime: string;
  readonly uinRegisterTime: string;
  readonly authPassTime: string;
  readonly hasExpense: number | undefined;
}

/** One customer's vouchers as `QueryVoucherListByUin` sends them. */
export interface VoucherListRecord {
  readonly clientUin: number;
  readonly totalCount: number;
  readonly vouchers: readonly { readonly voucherId: string; readonly voucherStatus: string; readonly totalAmount: number; readonly remainAmount: number }[];
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
}

const CONTENT_TYPE = 'application/json';

/** Request parameters, or a function that composes them inside the throttled task (`undefined`: send nothing). */
type Params = object | (() => object | undefined | Promise<object | undefined>);

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const url = new URL(options.endpoint);
  const now = options.now ?? Date.now;
  const { credentials, retry } = options;
  /** Typical attempt duration (EWMA): a task must *finish* before the deadline, not just start. */
  let typicalAttemptMs = 0;
  const observeDuration = (ms: number) => {
    typicalAttemptMs = typicalAttemptMs === 0 ? ms : 0.8 * typicalAttemptMs + 0.2 * ms;
  };

  /** `timing.startedAt` is set when the throttle starts the task: durations exclude queue wait. */
  async function attempt(
    action: Action,
    request: { body?: string; params: Params },
    callOptions: CallOptions,
    timing: { startedAt?: number },
  ): Promise<Record<string, unknown> | undefined> {
    // Composed and signed inside the throttled task, right before sending: the call carries what is
    // queued when its slot comes, and a queued signature never goes stale.
    const answer = await options.throttle.schedule(
      action,
      async (slot) => {
        if (request.body === undefined) {
          const params = typeof request.params === 'function' ? await request.params() : request.params;
          if (params === undefined) {
            slot.skipped();
            return undefined;
          }
          request.body = JSON.stringify(params);
        }
        const body = request.body;
        timing.startedAt = performance.now();
        const timestamp = Math.floor(now() / 1000);
        const { authorization } = signTc3({
          secretId: credentials.secretId,
          secretKey: credentials.secretKey,
          service: SERVICE,
          host: url.hostname,
          contentType: CONTENT_TYPE,
          payload: body,
          timestamp,
        });
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
        return options.transport({ url: `${url.origin}/`, headers, body, signal: callOptions.signal, onSent: slot.sent });
      },
      {
        signal: callOptions.signal,
        priority: callOptions.priority,
        id: request.body === undefined ? callOptions.throttleId : undefined,
        deadline: callOptions.deadline === undefined ? undefined : callOptions.deadline - typicalAttemptMs,
      },
    );
    return answer === undefined ? undefined : parseEnvelope(answer.status, answer.body);
  }

  /** Resolves with the response, or `undefined` when `params` composed nothing to send. */
  async function call(action: Action, params: Params, callOptions: CallOptions = {}, batchSize?: () => number | undefined) {
    const request: { body?: string; params: Params } = { params };
    let resigned = false;
    for (let attemptNumber = 1; ; attemptNumber++) {
      const timing: { startedAt?: number } = {};
      const elapsed = () => (timing.startedAt === undefined ? 0 : performance.now() - timing.startedAt);
      try {
        const response = await attempt(action, request, callOptions, timing);
        if (response === undefined) return undefined;
        observeDuration(elapsed());
        const requestId = typeof response.RequestId === 'string' ? response.RequestId : undefined;
        options.onAttempt?.({
          action,
          attempt: attemptNumber,
          outcome: 'ok',
          requestId,
          durationMs: elapsed(),
          batchSize: batchSize?.(),
          gatewayRequestIds: callOptions.requestIds,
        });
        return response;
      } catch (caught) {
        const wasAborted = callOptions.signal?.aborted && !(caught instanceof UpstreamError) && !(caught instanceof ThrottleOverloadedError);
        const error = wasAborted ? deadlineExceeded(caught) : caught;
        if (!(error instanceof UpstreamError)) throw error;
        options.onAttempt?.({
          action,
          attempt: attemptNumber,
          outcome: wasAborted ? 'aborted' : 'error',
          code: error.code,
          requestId: error.requestId,
          durationMs: elapsed(),
          batchSize: batchSize?.(),
          gatewayRequestIds: callOptions.requestIds,
        });
        const isExpiry = error.code === 'AuthFailure.SignatureExpire';
        if (!error.retryable || attemptNumber >= retry.maxAttempts || (isExpiry && resigned)) throw error;
        resigned ||= isExpiry;
        const delay = isExpiry ? 0 : backoffDelay(retry, attemptNumber, error.kind);
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
      const response = (await call('QueryVoucherPool', {}, callOptions)) as Record<string, unknown>;
      return {
        agentName: field(response, 'AgentName', 'string'),
        accountType: field(response, 'AccountType', 'number'),
        totalQuota: field(response, 'TotalQuota', 'number'),
        remainingQuota: field(response, 'RemainingQuota', 'number'),
        issuedNum: field(response, 'IssuedNum', 'number'),
        requestId: field(response, 'RequestId', 'string'),
      };
    },

    async queryVoucherAmountByUin(uins, callOptions) {
      const { data, requestId } = await uinCall('QueryVoucherAmountByUin', uins, (list) => ({ ClientUins: list }), callOptions);
      return {
        items: data.map((record) => ({
          clientUin: Number(field(record, 'ClientUin', 'number|string')),
          totalAmount: field(record, 'TotalAmount', 'number'),
          remainAmount: field(record, 'RemainAmount', 'number'),
        })),
        requestId,
      };
    },

    async queryVoucherListByUin(uins, status, callOptions) {
      const { data, requestId } = await uinCall(
        'QueryVoucherListByUin',
        uins,
        (list) => (status === undefined ? { ClientUins: list } : { ClientUins: list, Status: status }),
        callOptions,
      );
      return {
        items: data.map((record) => ({
          clientUin: Number(field(record, 'ClientUin', 'number|string')),
          totalCount: Number(field(record, 'TotalCount', 'number|string')),
          vouchers: records(record.Data ?? [], 'Data[].Data').map((voucher) => ({
            voucherId: String(field(voucher, 'VoucherId', 'number|string|text')),
            voucherStatus: field(voucher, 'VoucherStatus', 'string'),
            totalAmount: field(voucher, 'TotalAmount', 'number'),
            remainAmount: field(voucher, 'RemainAmount', 'number'),
          })),
        })),
        requestId,
      };
    },

    async describeCustomerUin(page, pageSize, callOptions) {
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_DIRECTORY_PAGE_SIZE) {
        throw new RangeError(`describeCustomerUin takes a page >= 1 and a page size of 1 to ${MAX_DIRECTORY_PAGE_SIZE}, got ${page}, ${pageSize}`);
      }
      const response = (await call('DescribeCustomerUin', { Page: page, PageSize: pageSize }, callOptions)) as Record<string, unknown>;
      return {
        uins: records(response.Data ?? [], 'Data').map((record) => Number(field(record, 'CustomerUin', 'number|string'))),
        total: Number(field(response, 'Total', 'number|string')),
        requestId: field(response, 'RequestId', 'string'),
      };
    },

    async describeCustomerInfo(uins, callOptions) {
      const { data, requestId } = await uinCall('DescribeCustomerInfo', uins, (list) => ({ CustomerUin: list }), callOptions);
      const text = (record: Record<string, unknown>, name: string) => (record[name] === undefined || record[name] === null ? '' : String(field(record, name, 'number|string|text')));
      return {
        items: data.map((record) => ({
          customerUin: Number(field(record, 'CustomerUin', 'number|string')),
          name: text(record, 'Name'),
          email: text(record, 'Email'),
          phone: text(record, 'Phone'),
          mark: text(record, 'Mark'),
          bindTime: text(record, 'BindTime'),
          accountStatus: text(record, 'AccountStatus'),
          authStatus: text(record, 'AuthStatus'),
          authType: record.AuthType === undefined ? Number.NaN : Number(field(record, 'AuthType', 'number|string|text')),
          cidRegisterTime: text(record, 'CidRegisterTime'),
          uinRegisterTime: text(record, 'UinRegisterTime'),
          authPassTime: text(record, 'AuthPassTime'),
          hasExpense: record.HasExpense === undefined ? undefined : Number(field(record, 'HasExpense', 'number|string|text')),
        })),
        requestId,
      };
    },
  };

  /**
   * A call that carries 1 to `MAX_UINS_PER_CALL` UINs: a fixed list (checked before it queues), or a
   * function composed when the call's slot comes (an empty composition sends nothing).
   */
  async function uinCall(action: Action, uins: UinList, toParams: (list: readonly number[]) => object, callOptions: CallOptions | undefined) {
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
    const response = await call(action, compose, callOptions, () => list.length);
    if (response === undefined) return { data: [], requestId: '' };
    return { data: records(response.Data ?? [], 'Data'), requestId: field(response, 'RequestId', 'string') };
  }
}

/** `value` as a list of records, or an `UnexpectedShape` error naming `where`. */
function records(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw unexpectedShape(`${where} is not an array`);
  return value.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw unexpectedShape(`${where} item is not an object`);
    return item as Record<string, unknown>;
  });
}

/**
 * `{"Response": {...}}` on success, `{"Response": {"Error": {Code, Message}, "RequestId"}}` on a
 * business error (HTTP 200). Any other status is a transport failure.
 */
export function parseEnvelope(status: number, body: string): Record<string, unknown> {
  if (status !== 200) {
    throw new UpstreamError({
      code: status >= 500 || status === 429 ? TRANSPORT_CODES.httpStatus : TRANSPORT_CODES.httpClientError,
      message: `upstream answered HTTP ${status}`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    // The body is deliberately not quoted: raw upstream bodies stay out of errors and logs.
    throw new UpstreamError({ code: TRANSPORT_CODES.malformed, message: `upstream sent invalid JSON (${body.length} bytes)`, cause });
  }
  const response = (parsed as { Response?: unknown } | null)?.Response;
  if (typeof response !== 'object' || response === null) {
    throw new UpstreamError({ code: TRANSPORT_CODES.malformed, message: 'upstream JSON has no Response object' });
  }
  const envelope = response as Record<string, unknown>;
  const requestId = typeof envelope.RequestId === 'string' ? envelope.RequestId : undefined;
  if (envelope.Error !== undefined) {
    const error = envelope.Error as { Code?: unknown; Message?: unknown } | null;
    throw new UpstreamError({
      code: typeof error?.Code === 'string' ? error.Code : 'UnknownError',
      message: typeof error?.Message === 'string' ? error.Message : 'upstream error without message',
      requestId,
    });
  }
  return envelope;
}

function field(record: Record<string, unknown>, name: string, type: 'string'): string;
function field(record: Record<string, unknown>, name: string, type: 'number'): number;
function field(record: Record<string, unknown>, name: string, type: 'number|string'): number | string;
/** Any string, or a finite number (fields the SDKs type loosely: codes, times, free text). */
function field(record: Record<string, unknown>, name: string, type: 'number|string|text'): number | string;
function field(record: Record<string, unknown>, name: string, type: string): unknown {
  const value = record[name];
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : type === 'number|string|text'
          ? typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
          : (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
  if (!ok) throw unexpectedShape(`expected ${name} to be a ${type}, got ${typeof value}`);
  return value;
}

function unexpectedShape(detail: string): UpstreamError {
  return new UpstreamError({ code: TRANSPORT_CODES.unexpectedShape, message: `upstream response has an unexpected shape: ${detail}` });
}
