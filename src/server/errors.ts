import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import { ERROR_CODES } from '../error-codes.js';
import { CustomerNotFoundError } from '../loaders/customer-isolation.js';
import { UpstreamError, type UpstreamErrorKind } from '../upstream/errors.js';
import { ThrottleOverloadedError } from '../upstream/throttle.js';

export { ERROR_CODES };

const BY_KIND: Record<UpstreamErrorKind, { code: string; message: string }> = {
  'rate-limited': {
    code: ERROR_CODES.upstreamRateLimited,
    message: 'The partner API rate limit was exceeded (another client may share this key); try again shortly.',
  },
  auth: { code: ERROR_CODES.upstreamAuthFailed, message: "The partner API refused the gateway's credentials." },
  unavailable: { code: ERROR_CODES.upstreamUnavailable, message: 'The partner API is unavailable; try again later.' },
  'uin-not-authorized': { code: ERROR_CODES.upstreamError, message: 'The partner API refused a UIN in this batch.' },
  'invalid-request': { code: ERROR_CODES.upstreamError, message: 'The partner API rejected the request.' },
  other: { code: ERROR_CODES.upstreamError, message: 'The partner API answered with an error.' },
};

/**
 * Turns a known domain error into the client-facing GraphQL error, and leaves anything else as it is
 * (Yoga masks and logs it). Upstream messages are not forwarded (they are raw upstream text); the
 * code and RequestId are, for support tickets. graphql-js adds the field's path and location.
 */
export function toClientError<T>(error: T): GraphQLError | T {
  if (error instanceof CustomerNotFoundError) {
    return new GraphQLError(error.message, {
      extensions: {
        code: ERROR_CODES.customerNotFound,
        uin: String(error.uin),
        ...(error.upstream ? { upstream: { ...error.upstream } } : {}),
      },
    });
  }
  if (error instanceof ThrottleOverloadedError) {
    return new GraphQLError('The gateway is at the partner API rate limit and cannot serve this in time; retry later or ask for fewer customers.', {
      extensions: {
        code: ERROR_CODES.gatewayOverloaded,
        // Infinity (higher-priority work takes the whole budget) is not JSON: suggest a window instead.
        retryAfterMs: Number.isFinite(error.expectedWaitMs) ? Math.ceil(error.expectedWaitMs) : 10_000,
      },
    });
  }
  if (error instanceof UpstreamError) {
    const { code, message } = BY_KIND[error.kind];
    return new GraphQLError(message, {
      extensions: { code, upstream: { code: error.code, requestId: error.requestId ?? null } },
    });
  }
  return error;
}

/**
 * Yoga's `maskedErrors.maskError`: the one place where domain errors (a stranger UIN, an upstream
 * failure, overload) become client errors with a stable `extensions.code`, whichever resolver threw
 * them. GraphQL errors raised on purpose pass as they are; anything else is masked as Yoga does,
 * never with the original message (it may hold upstream text), even in development.
 */
export function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original !== undefined && !(original instanceof GraphQLError)) {
    const client = toClientError(original);
    if (client instanceof GraphQLError) {
      return new GraphQLError(client.message, {
        nodes: error instanceof GraphQLError ? error.nodes : undefined,
        source: error instanceof GraphQLError ? error.source : undefined,
        positions: error instanceof GraphQLError ? error.positions : undefined,
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: client.extensions,
      });
    }
  }
  return yogaMaskError(error, message, false);
}

/**
 * Yoga masks `errors` of each result, but not the errors inside incremental payloads (`@defer` and
 * `@stream`: `incremental[].errors`). This applies the same `maskError` there, so a streamed
 * stranger gets `CUSTOMER_NOT_FOUND` and nothing unexpected leaks, exactly as in a single result.
 */
export function useMaskedIncrementalErrors(): Plugin {
  type Incremental = { incremental?: { errors?: readonly unknown[] }[] };
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            const { incremental } = result as Incremental;
            if (!incremental?.some((part) => part.errors?.length)) return;
            setResult({
              ...result,
              incremental: incremental.map((part) => (part.errors ? { ...part, errors: part.errors.map((error) => maskError(error, 'Unexpected error.')) } : part)),
            } as typeof result);
          });
        },
      };
    },
  };
}
