import { execFileSync } from 'node:child_process';

/**
 * Test prerequisites the project installs itself (idempotent): Debian's Chromium for the GraphiQL
 * test and Debian's redis-server for the replica tests (each starts its own server on a free port).
 */
export default function setup(): void {
  for (const script of ['ensure-chromium.sh', 'ensure-redis.sh']) {
    execFileSync('bash', [new URL(`../../scripts/${script}`, import.meta.url).pathname], { stdio: 'inherit', timeout: 15 * 60_000 });
  }
}
