import { execFileSync } from 'node:child_process';

/**
 * Test prerequisites the project installs itself (idempotent): Debian's Chromium for the GraphiQL
 * test and Debian's redis-server for the replica tests (each starts its own server on a free port).
 */
const PREREQUISITES: readonly (readonly string[])[] = [
  ['chromium', 'chromium', 'fonts-dejavu-core'],
  ['redis-server', 'redis-server'],
];

export default function setup(): void {
  const script = new URL('../../scripts/ensure-debian-package.sh', import.meta.url).pathname;
  for (const args of PREREQUISITES) execFileSync('bash', [script, ...args], { stdio: 'inherit', timeout: 15 * 60_000 });
}
