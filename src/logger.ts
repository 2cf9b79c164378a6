import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Redaction is a second line of defence: credentials are never handed to the
 * logger in the first place.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'voucher-gateway' },
      redact: { paths: ['*.secretKey', '*.authorization', '*.Authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
