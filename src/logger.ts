import { pino, type Logger } from 'pino';
import { createLogDestination, type LogDestination } from './log-destination.js';

export type { Logger };

/** Paths pino censors: a second line of defence, as credentials are never handed to the logger in the first place. */
export const REDACTED_PATHS: readonly string[] = [
  '*.secretKey',
  '*.sessionToken',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers["x-tc-token"]',
  '*["x-tc-token"]',
  '*["X-TC-Token"]',
];

/**
 * Structured JSON logs. By default to stdout through a bounded buffer that never blocks and never
 * retries (`log-destination.ts`): a reader that stalls or goes away costs dropped lines, counted,
 * never a process that cannot exit. Tests pass their own destination.
 */
export function createLogger(level: string, destination?: pino.DestinationStream | LogDestination): Logger {
  return pino(
    {
      level,
      base: { service: 'voucher-gateway' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    destination ?? defaultDestination(),
  );
}

let stdout: LogDestination | undefined;
/** One bounded destination over `process.stdout` for every logger of the process that names none. */
function defaultDestination(): LogDestination {
  return (stdout ??= createLogDestination());
}

/**
 * The process's logger on stdout: `maxBufferedBytes` bounds what waits for a slow reader; after lines
 * were dropped, one line says how many once stdout drains again.
 */
export function createStdoutLogger(level: string, maxBufferedBytes: number): { logger: Logger; destination: LogDestination } {
  const destination = createLogDestination({
    maxBufferedBytes,
    onDrained: (dropped) => logger.warn({ dropped }, 'log lines were dropped while stdout did not drain (log_lines_dropped_total)'),
  });
  const logger = createLogger(level, destination);
  return { logger, destination };
}
