/**
 * Stable `extensions.code` values clients may branch on (see the error table in docs/frontend.md). One list,
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
  /** Trusted documents only: the request sent a document of its own. */
  persistedQueryOnly: 'PERSISTED_QUERY_ONLY',
  /** The request named a document id no manifest holds (or named none where one is required). */
  persistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  /** A subscription would pass a bound: per caller, or the distinct customers watched. */
  subscriptionLimit: 'SUBSCRIPTION_LIMIT',
  /** A subscription's events may have been missed (this replica lost its link to the deployment's changes): subscribe again. */
  eventsLost: 'EVENTS_LOST',
} as const;
