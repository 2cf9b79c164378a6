import { GraphQLError } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { ERROR_CODES } from '../../error-codes.js';
import { builder } from '../builder.js';

/** ISO-8601 date-time in UTC (graphql-scalars' `DateTime`). */
export const DateTime = builder.addScalarType('DateTime', DateTimeResolver, {});

/** Description of every `maxAge` argument. */
export const MAX_AGE_DESCRIPTION =
  'Oldest acceptable answer, in seconds. A cached answer older than this is not served: the gateway asks the upstream ' +
  '(coalesced and throttled like any other call). `0` forces a fresh upstream answer. Omitted: the configured cache TTL applies.';

/** `maxAge` seconds → milliseconds; `undefined` when omitted. Negative values are a client error. */
export function maxAgeMs(maxAge: number | null | undefined): number | undefined {
  if (maxAge === null || maxAge === undefined) return undefined;
  if (maxAge < 0) {
    throw new GraphQLError(`maxAge must be 0 or more seconds, got ${maxAge}.`, { extensions: { code: ERROR_CODES.badUserInput } });
  }
  return maxAge * 1000;
}

export const AS_OF_DESCRIPTION =
  'When the upstream gave this answer (ISO-8601, UTC). Served from the cache it is older than the request; ' +
  'its age is `now - asOf`. Bound it with `maxAge`.';
