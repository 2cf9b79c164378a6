import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { killOnExit, TEST_CHILD_MARKER, testRunId } from './kill-on-exit.js';

const ENTRY = new URL('../../src/index.ts', import.meta.url).pathname;

export interface GatewayProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote (JSON log lines). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process exits (however it was told to). */
  exited(): Promise<number | null>;
  /** Stops reading the output pipe: a stalled log reader (the pipe fills, the gateway's writes would block). */
  stopReading(): void;
  /** Closes the reading end of the output pipe: a log reader that went away (the gateway's writes fail with EPIPE). */
  closeOutput(): void;
}

/**
 * One gateway replica as its own process (`node --import tsx src/index.ts`, so the pid is the
 * gateway's own), listening on a free port. `env` is added to a clean environment: no TENCENTCLOUD_*
 * or REDIS_* variables leak in from the caller's shell.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  /**
   * `keepOutput: false` stops recording output once the gateway is ready (long load runs).
   * `oneOutputPipe`: stdout and stderr are one pipe (as under a container runtime or `2>&1 |`).
   */
  options: { entry?: string; args?: string[]; keepOutput?: boolean; oneOutputPipe?: boolean } = {},
): Promise<GatewayProcess> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TENCENTCLOUD_') && !key.startsWith('REDIS_')));
  const args = options.args ?? ['--import', 'tsx', options.entry ?? ENTRY];
  const childEnv = { ...clean, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '0', [TEST_CHILD_MARKER]: testRunId(), ...env };
  // `exec` keeps the pid the gateway's own.
  const child: ChildProcess = options.oneOutputPipe
    ? spawn('sh', ['-c', 'exec "$0" "$@" 2>&1', process.execPath, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'ignore'] })
    : spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test or benchmark that dies early must not leave its gateways running.
  killOnExit(child);
  let output = '';
  let recording = true;
  const record = (chunk: Buffer) => {
    if (recording) output += chunk.toString();
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started gateway behind.
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within 30 s:\n${output}`));
    }, 30_000);
    const poll = setInterval(() => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql".*"msg":"voucher gateway ready"/.exec(output);
      if (match?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        if (options.keepOutput === false) recording = false;
        resolve(match[1]);
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    stopReading: () => {
      recording = false;
      child.stdout?.pause();
    },
    closeOutput: () => {
      recording = false;
      child.stdout?.destroy();
    },
    exited: () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : (once(child, 'exit') as Promise<[number | null]>).then(([code]) => code)),
    async stop() {
      // Already gone (exited, or killed by a signal: then exitCode stays null and signalCode is set).
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(force);
      return code;
    },
  };
}

/**
 * For tests that count the upstream calls of another feature: no directory walk at start-up and no
 * book sweep (they have their own tests: test/strangers.quiet.test.ts, test/book.quiet.test.ts).
 */
export const COUNTING_OTHER_FEATURES: Readonly<Record<string, string>> = { DIRECTORY_MEMBERSHIP: 'false', BOOK_SWEEP_CALLS_PER_SECOND: '0' };

/** POSTs a GraphQL document to `url` and returns the parsed body. */
export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

/** The environment that points a gateway process at `simulator` with its credentials. */
export function upstreamEnv(simulator: { readonly url: string; readonly credentials: { readonly secretId: string; readonly secretKey: string } }): Record<string, string> {
  return {
    TENCENTCLOUD_ENDPOINT: simulator.url,
    TENCENTCLOUD_SECRET_ID: simulator.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: simulator.credentials.secretKey,
  };
}

/** Customers of a `customers(uins:)` answer whose `voucherQuota` came back. */
export function quotasAnswered(result: { data?: { customers: { voucherQuota: unknown }[] } | null }): number {
  return result.data?.customers.filter((customer) => customer.voucherQuota !== null).length ?? 0;
}
