import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { CustomerNotFoundError } from '../loaders/customer-isolation.js';
import type { Logger } from '../logger.js';
import { UpstreamError } from '../upstream/errors.js';
import { ThrottleOverloadedError } from '../upstream/throttle.js';

/**
 * The logger Yoga gets. Yoga logs every error its `maskError` replaced, at error level and with the
 * original message. For our domain errors that is noise (each upstream attempt is already logged with
 * its code and RequestId) and, for an upstream refusal, the upstream's own message text, which we
 * keep out of logs. Those go to debug as code only; anything unexpected stays an error.
 */
export function createYogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args) => logger.debug(args[0] as object, typeof args[1] === 'string' ? args[1] : undefined),
    info: (...args) => logger.info(args[0] as object, typeof args[1] === 'string' ? args[1] : undefined),
    warn: (...args) => logger.warn(args[0] as object, typeof args[1] === 'string' ? args[1] : undefined),
    error: (...args) => {
      const [first] = args;
      const original = first instanceof GraphQLError ? first.originalError : first;
      if (original instanceof UpstreamError || original instanceof CustomerNotFoundError || original instanceof ThrottleOverloadedError) {
        const code = original instanceof UpstreamError ? original.code : original.name;
        logger.debug({ code, path: first instanceof GraphQLError ? first.path : undefined }, 'field error');
        return;
      }
      logger.error(first as object);
    },
  };
}
