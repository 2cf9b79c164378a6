import { execFileSync } from 'node:child_process';

/** Test prerequisites the project installs itself (idempotent): Debian's Chromium for the GraphiQL test. */
export default function setup(): void {
  execFileSync('bash', [new URL('../../scripts/ensure-chromium.sh', import.meta.url).pathname], { stdio: 'inherit', timeout: 15 * 60_000 });
}
