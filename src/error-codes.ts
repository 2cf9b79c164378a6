/**
 * Stable `extensions.code` values clients may branch on (see the README's error table). One list,
 * used by the schema, the server plugins and the error mapping alike.
 */
export const ERROR_CODES = {
  badUserInput: 'BAD_USER_INPUT',
  customerNotFound: 'CUSTOMER_NOT_FOUND',
  upstreamRateLimited: 'UPSTREAM_RATE_LIMITED',
  upstreamAuthFailed: 'UPSTREAM_AUTH_FAILED',
  upstreamUnavailable: 'UPSTREAM_UNAVAILABLE',
  upstreamError: 'UPSTREAM_ERROR',
  gatewayOverloaded: 'GATEWAY_OVERLOADED',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
} as const;
