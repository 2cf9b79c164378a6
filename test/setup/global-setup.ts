import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { markedProcesses, TEST_RUN_ID } from '../support/kill-on-exit.js';

/**
 * Test prerequisites the project installs itself (idempotent): Debian's Chromium for the GraphiQL
 * test and Debian's redis-server for the replica tests (each starts its own server on a free port).
 */
const PREREQUISITES: readonly (readonly string[])[] = [
  ['chromium', 'chromium', 'fonts-dejavu-core'],
  ['redis-server', 'redis-server'],
];

export default function setup(): () => Promise<void> {
  const script = new URL('../../scripts/ensure-debian-package.sh', import.meta.url).pathname;
  for (const args of PREREQUISITES) execFileSync('bash', [script, ...args], { stdio: 'inherit', timeout: 15 * 60_000 });
  // The processes this run starts carry its id (workers start after this and inherit the environment).
  const runId = randomUUID();
  process.env[TEST_RUN_ID] = runId;
  // The suite leaves no process behind: every gateway and Redis a test started has exited by now.
  return async () => {
    let left: number[] = [];
    for (let i = 0; i < 50; i++) {
      left = markedProcesses(runId);
      if (left.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const pid of left) process.kill(pid, 'SIGKILL');
    throw new Error(`the test run left ${left.length} process(es) it started behind (pids ${left.join(', ')}); killed them now`);
  };
}
