import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogDestination } from '../../src/log-destination.js';
import { createLogger } from '../../src/logger.js';

/** A stdout stand-in whose reader takes nothing until `drain()`, then everything; or fails every write (`EPIPE`). */
function slowReader(options: { failWith?: string } = {}) {
  const taken: string[] = [];
  let pending: (() => void)[] = [];
  let attempts = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      attempts += 1;
      if (options.failWith) return callback(Object.assign(new Error('write failed'), { code: options.failWith }));
      pending.push(() => (taken.push(chunk.toString()), callback()));
    },
  });
  return {
    stream,
    taken,
    attempts: () => attempts,
    drain: async () => {
      while (pending.length > 0) {
        const now = pending;
        pending = [];
        for (const take of now) take();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('the log destination', () => {
  it('drops and counts lines beyond its bound while the reader does not read, and says so once it drains', async () => {
    const reader = slowReader();
    const drained: number[] = [];
    const destination = createLogDestination({ stream: reader.stream, maxBufferedBytes: 4096, onDrained: (count) => drained.push(count) });
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 100; i++) destination.write(line);
    // 4096 bytes hold 40 lines of 100 bytes; the other 60 are dropped, never queued.
    expect(destination.dropped()).toBe(60);
    expect(destination.bufferedBytes()).toBe(4000);
    await reader.drain();
    expect(reader.taken).toHaveLength(40);
    expect(drained).toEqual([60]);
    destination.write(line);
    await reader.drain();
    expect(reader.taken).toHaveLength(41);
    expect(destination.dropped()).toBe(60);
  });

  it('never retries a write that failed (EPIPE): later lines are dropped and counted', async () => {
    const reader = slowReader({ failWith: 'EPIPE' });
    const destination = createLogDestination({ stream: reader.stream, maxBufferedBytes: 4096 });
    destination.write('first\n');
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 10; i++) destination.write('later\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.attempts()).toBe(1);
    expect(destination.dropped()).toBe(10);
  });

  it('redacts credentials and the session token', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info({ upstream: { secretKey: 'SECRET-KEY', sessionToken: 'SESSION-TOKEN' }, headers: { authorization: 'Bearer abc', 'x-tc-token': 'TOKEN-2' } }, 'line');
    expect(lines.join('')).not.toMatch(/SECRET-KEY|SESSION-TOKEN|Bearer abc|TOKEN-2/);
    expect(lines.join('')).toMatch(/\[redacted\]/);
  });
});
