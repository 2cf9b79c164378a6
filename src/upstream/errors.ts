/**
 * Typed upstream failures. Codes come from Tencent Cloud's common error list and the Go SDK's list
 * for the voucher actions (see ../shared/UPSTREAM.md); transport failures get gateway-side codes
 * prefixed `Transport.` so they can never be mistaken for an upstream answer.
 */

/** What a failure means to a caller, independent of the exact upstream code. */
export type UpstreamErrorKind =
  | 'rate-limited'
  | 'auth'
  | 'unavailable'
  | 'uin-not-authorized'
  | 'invalid-request'
  | 'other';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly code: string;
  readonly requestId: string | undefined;
  readonly kind: UpstreamErrorKind;
  /** Whether another attempt may succeed (network faults, throttling, transient server errors). */
  readonly retryable: boolean;

  constructor(options: { code: string; message: string; requestId?: string | undefined; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.requestId = options.requestId;
    const { kind, retryable } = classifyUpstreamCode(options.code);
    this.kind = kind;
    this.retryable = retryable;
  }
}

export const TRANSPORT_CODES = {
  network: 'Transport.NetworkError',
  timeout: 'Transport.Timeout',
  httpStatus: 'Transport.HttpStatus',
  malformed: 'Transport.MalformedResponse',
  /** The upstream answered with a 4xx other than 429: our request was wrong, another attempt will not help. */
  httpClientError: 'Transport.HttpClientError',
  /** Valid JSON in the envelope, but a field of the wrong type or missing. */
  unexpectedShape: 'Transport.UnexpectedShape',
  /** The caller's own deadline passed (or its client left) while waiting or in flight: our give-up. */
  deadline: 'Transport.DeadlineExceeded',
} as const;

const RETRYABLE_UNAVAILABLE = new Set([
  'InternalError',
  'ServiceUnavailable',
  'ResourceUnavailable',
  'OperationDenied.ServiceBusy',
  TRANSPORT_CODES.network,
  TRANSPORT_CODES.timeout,
  TRANSPORT_CODES.httpStatus,
  TRANSPORT_CODES.malformed,
]);

/** The caller's deadline passed (or its client left) before the upstream answered. */
export function deadlineExceeded(cause?: unknown): UpstreamError {
  return new UpstreamError({ code: TRANSPORT_CODES.deadline, message: "the request's deadline passed before the upstream answered", cause });
}

/** Unavailable, but another attempt within the same request cannot help. */
const FINAL_UNAVAILABLE = new Set<string>([TRANSPORT_CODES.deadline, TRANSPORT_CODES.unexpectedShape]);

const INVALID_REQUEST = new Set([
  'InvalidAction',
  'InvalidParameter',
  'InvalidParameterValue',
  'MissingParameter',
  'UnknownParameter',
  'RequestSizeLimitExceeded',
  TRANSPORT_CODES.httpClientError,
]);

/**
 * Whether a failed attempt is evidence that the upstream does not serve us (for `/ready`): it refused
 * our credentials, or the attempt ran its course and failed in transport. Business answers (a stranger
 * UIN, a bad parameter, throttling) prove the upstream verified our signature; our own give-ups
 * (`Transport.DeadlineExceeded`) prove nothing either way.
 */
export function isEvidenceAgainstUpstream(code: string): boolean {
  if (code === TRANSPORT_CODES.deadline) return false;
  const { kind } = classifyUpstreamCode(code);
  if (kind === 'auth') return code !== 'AuthFailure.SignatureExpire';
  return code.startsWith('Transport.') && kind === 'unavailable';
}

export function classifyUpstreamCode(code: string): { kind: UpstreamErrorKind; retryable: boolean } {
  if (code === 'RequestLimitExceeded' || code.startsWith('RequestLimitExceeded.')) {
    return { kind: 'rate-limited', retryable: true };
  }
  // A signature that aged past the 5-minute window is fixed by signing again (each attempt re-signs).
  if (code === 'AuthFailure.SignatureExpire') return { kind: 'auth', retryable: true };
  if (code === 'UnauthorizedOperation.UinNoAuth') return { kind: 'uin-not-authorized', retryable: false };
  if (code.startsWith('AuthFailure') || code.startsWith('UnauthorizedOperation')) {
    return { kind: 'auth', retryable: false };
  }
  if (code === 'IpInBlacklist' || code === 'IpNotInWhitelist') return { kind: 'auth', retryable: false };
  if (FINAL_UNAVAILABLE.has(code)) return { kind: 'unavailable', retryable: false };
  if (RETRYABLE_UNAVAILABLE.has(code) || code.startsWith('InternalError.')) {
    return { kind: 'unavailable', retryable: true };
  }
  if (INVALID_REQUEST.has(code) || code.startsWith('InvalidParameter')) {
    return { kind: 'invalid-request', retryable: false };
  }
  return { kind: 'other', retryable: false };
}
