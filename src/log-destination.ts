import type { Writable } from 'node:stream';

/**
 * Where log lines go: stdout, through a bounded buffer that never blocks and never retries.
 *
 * Why not pino's default destination (sonic-boom on fd 1): it buffers without bound while the reader
 * does not read, and at exit it flushes synchronously, retrying every failed write (EAGAIN, and EPIPE
 * too) after a 100 ms `Atomics.wait`, forever. A stalled log shipper, or a reader that went away,
 * then keeps the process from exiting: no timer can fire while the main thread sleeps in that loop.
 *
 * Node's own `process.stdout` on a pipe writes without blocking the event loop and queues what the
 * pipe does not take; at `process.exit` it drops what is still queued instead of flushing it. So the
 * gateway writes there, and bounds the queue itself: a line that would take the queue past
 * `maxBufferedBytes` is dropped and counted, and once the reader drains the queue, `onDrained` hears
 * how many were lost (the gateway logs one line saying so). A write that fails (EPIPE: nobody reads
 * any more) ends logging for good: every later line is dropped and counted, nothing is retried.
 */
export interface LogDestination {
  /** Takes one serialised line (pino calls this). Never blocks, never throws. */
  write(line: string): void;
  /** Lines dropped since start: the reader did not drain stdout, or is gone. */
  dropped(): number;
  /** Bytes written and not yet taken by the reader. At most `maxBufferedBytes` plus one line. */
  bufferedBytes(): number;
}

export interface LogDestinationOptions {
  /** Default `process.stdout`. */
  readonly stream?: Writable;
  /** Most bytes queued for a reader that does not read; the stream's high-water mark at least. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** After lines were dropped, called once the stream has drained, with how many were dropped since the last call. */
  readonly onDrained?: (dropped: number) => void;
}

export const DEFAULT_LOG_BUFFER_BYTES = 1 << 20;

export function createLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const stream = options.stream ?? process.stdout;
  // Below the high-water mark a drop could happen without 'drain' ever being due, so no notice would come.
  const maxBufferedBytes = Math.max(options.maxBufferedBytes ?? DEFAULT_LOG_BUFFER_BYTES, stream.writableHighWaterMark);
  let dropped = 0;
  let droppedSinceDrain = 0;
  let gone = false;
  // EPIPE (the reader exited) or any other write failure: stop writing, never retry.
  stream.on('error', () => (gone = true));
  stream.on('drain', () => {
    if (droppedSinceDrain === 0 || gone) return;
    const count = droppedSinceDrain;
    droppedSinceDrain = 0;
    options.onDrained?.(count);
  });
  return {
    write(line) {
      if (gone || stream.destroyed || stream.writableLength + line.length > maxBufferedBytes) {
        dropped += 1;
        if (!gone) droppedSinceDrain += 1;
        return;
      }
      stream.write(line);
    },
    dropped: () => dropped,
    bufferedBytes: () => stream.writableLength,
  };
}
