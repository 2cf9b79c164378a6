/**
 * Loaded into a gateway process with `--import` (never by the gateway itself): blocks the process's
 * event loop for `STALL_MS` (e.g. `100-300`) at random moments, on average every `STALL_EVERY_MS`
 * milliseconds, as a busy core, a long GC pause or a synchronous hot path would. The block is
 * `Atomics.wait`, so the stalled process sleeps without taking CPU from its neighbours: the test
 * stalls *this* process, not the machine (and not the simulator that counts arrivals).
 */
const [min, max] = (process.env.STALL_MS ?? '100-300').split('-').map(Number) as [number, number];
const every = Number(process.env.STALL_EVERY_MS ?? '600');
const cell = new Int32Array(new SharedArrayBuffer(4));

function scheduleStall(): void {
  const timer = setTimeout(() => {
    Atomics.wait(cell, 0, 0, min + Math.random() * (max - min));
    scheduleStall();
  }, Math.random() * 2 * every);
  timer.unref();
}

scheduleStall();
