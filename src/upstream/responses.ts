import { TRANSPORT_CODES, UpstreamError } from './errors.js';

/**
 * The upstream's answers, checked and mapped: the envelope (success or business error), then each
 * action's fields, by the types the SDKs give them. A field of the wrong type is
 * `Transport.UnexpectedShape`, never a wrong value; raw bodies never go into errors or logs.
 */

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

/** `QueryVoucherPool`'s answer. */
export function toVoucherPool(response: Record<string, unknown>): VoucherPool {
  return {
    agentName: field(response, 'AgentName', 'string'),
    accountType: field(response, 'AccountType', 'number'),
    totalQuota: field(response, 'TotalQuota', 'number'),
    remainingQuota: field(response, 'RemainingQuota', 'number'),
    issuedNum: field(response, 'IssuedNum', 'number'),
    requestId: field(response, 'RequestId', 'string'),
  };
}

/** One `Data` item of `QueryVoucherAmountByUin`. */
export function toVoucherAmount(record: Record<string, unknown>): VoucherAmount {
  return {
    clientUin: Number(field(record, 'ClientUin', 'number|string')),
    totalAmount: field(record, 'TotalAmount', 'number'),
    remainAmount: field(record, 'RemainAmount', 'number'),
  };
}

/** One `Data` item of `QueryVoucherListByUin`: a customer and its vouchers. */
export function toVoucherList(record: Record<string, unknown>): VoucherListRecord {
  return {
    clientUin: Number(field(record, 'ClientUin', 'number|string')),
    totalCount: Number(field(record, 'TotalCount', 'number|string')),
    vouchers: records(record.Data ?? [], 'Data[].Data').map((voucher) => ({
      voucherId: String(field(voucher, 'VoucherId', 'number|string|text')),
      voucherStatus: field(voucher, 'VoucherStatus', 'string'),
      totalAmount: field(voucher, 'TotalAmount', 'number'),
      remainAmount: field(voucher, 'RemainAmount', 'number'),
    })),
  };
}

/** `DescribeCustomerUin`'s answer: one page of the directory. */
export function toDirectoryPage(response: Record<string, unknown>): CustomerDirectoryPage {
  return {
    uins: records(response.Data ?? [], 'Data').map((record) => Number(field(record, 'CustomerUin', 'number|string'))),
    total: Number(field(response, 'Total', 'number|string')),
    requestId: field(response, 'RequestId', 'string'),
  };
}

/** One `Data` item of `DescribeCustomerInfo`: strings and codes as sent, empty for absent ones. */
export function toCustomerInfo(record: Record<string, unknown>): CustomerInfoRecord {
  const text = (name: string) => (record[name] === undefined || record[name] === null ? '' : String(field(record, name, 'number|string|text')));
  return {
    customerUin: Number(field(record, 'CustomerUin', 'number|string')),
    name: text('Name'),
    email: text('Email'),
    phone: text('Phone'),
    mark: text('Mark'),
    bindTime: text('BindTime'),
    accountStatus: text('AccountStatus'),
    authStatus: text('AuthStatus'),
    authType: record.AuthType === undefined ? Number.NaN : Number(field(record, 'AuthType', 'number|string|text')),
    cidRegisterTime: text('CidRegisterTime'),
    uinRegisterTime: text('UinRegisterTime'),
    authPassTime: text('AuthPassTime'),
    hasExpense: record.HasExpense === undefined ? undefined : Number(field(record, 'HasExpense', 'number|string|text')),
  };
}

/** A UIN call's `Data` records and `RequestId` (none composed: no records). */
export function uinRecords(response: Record<string, unknown> | undefined): { data: Record<string, unknown>[]; requestId: string } {
  if (response === undefined) return { data: [], requestId: '' };
  return { data: records(response.Data ?? [], 'Data'), requestId: field(response, 'RequestId', 'string') };
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
