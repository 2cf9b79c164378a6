import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Set in the environment of every process the tests start, to this run's id (`TEST_RUN_ID`, set by the
 * global setup), so a run counts what it leaves behind, and only its own (another run may be going on).
 */
export const TEST_CHILD_MARKER = 'VOUCHER_GATEWAY_TEST_CHILD';
export const TEST_RUN_ID = 'VOUCHER_GATEWAY_TEST_RUN';
/** The marker's value in this process: the run's id, or `standalone` outside a test run (the bench). */
export const testRunId = (): string => process.env[TEST_RUN_ID] ?? 'standalone';

/** Children SIGKILLed when this (test or benchmark) process exits: one listener for all of them. */
const children = new Set<ChildProcess>();
let listening = false;

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (listening) return;
  listening = true;
  process.once('exit', () => {
    for (const running of children) running.kill('SIGKILL');
  });
}

/** Pids of the live processes on this machine that carry `TEST_CHILD_MARKER` of run `runId` (read from /proc). */
export function markedProcesses(runId: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'latin1'))?.[1];
      // A zombie has exited: only its parent's bookkeeping is left.
      if (state !== 'Z' && environ.split('\0').includes(`${TEST_CHILD_MARKER}=${runId}`)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}
