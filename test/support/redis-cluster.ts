import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { killOnExit, TEST_CHILD_MARKER, testRunId } from './kill-on-exit.js';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/**
 * A real Redis Cluster for tests: 3 masters and 3 replicas, `redis-server` processes on free loopback
 * ports (`cluster-enabled yes`, their node files in a fresh temporary directory), joined with
 * `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`. Nothing is shared between runs.
 */
export interface RedisCluster {
  /** Every node's URL, comma-separated, as `REDIS_URL` takes it with `REDIS_CLUSTER=true`. */
  readonly url: string;
  readonly ports: readonly number[];
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): Promise<void>;
  /** Resolves once every slot is served again (`cluster_state:ok` on every live node). */
  healthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'voucher-gateway-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const nodes = new Map<number, ChildProcess>();
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000), '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dir', dir, '--logfile', join(dir, `redis-${port}.log`)],
      { stdio: 'ignore', env: { ...process.env, [TEST_CHILD_MARKER]: testRunId() } },
    );
    killOnExit(child);
    nodes.set(port, child);
  }
  const client = (port: number) => {
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    return redis;
  };
  const ask = async <T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = client(port);
    try {
      await redis.connect();
      return await command(redis);
    } finally {
      redis.disconnect();
    }
  };
  const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const live = () => ports.filter((port) => nodes.get(port)?.exitCode === null && nodes.get(port)?.signalCode === null);
  await until('every node answering', 10_000, async () => (await Promise.all(ports.map((port) => ask(port, (redis) => redis.ping())))).every((pong) => pong === 'PONG'));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  const healthy = (timeoutMs = 30_000) =>
    until('every slot served', timeoutMs, async () => {
      const states = await Promise.all(live().map((port) => ask(port, (redis) => redis.cluster('INFO') as Promise<string>)));
      return states.every((info) => info.includes('cluster_state:ok'));
    });
  await healthy();
  // Every replica has its master's data (a replica still syncing cannot take over).
  await until('every replica in sync', 30_000, async () => {
    const roles = await Promise.all(ports.map((port) => ask(port, (redis) => redis.info('replication'))));
    const replicas = roles.filter((info) => info.includes('role:slave'));
    return replicas.length === 3 && replicas.every((info) => info.includes('master_link_status:up') && !info.includes('master_sync_in_progress:1'));
  });

  const kill = async (port: number) => {
    const child = nodes.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return {
    url: ports.map((port) => `redis://127.0.0.1:${port}`).join(','),
    ports,
    async masterOf(key) {
      const from = live()[0] as number;
      const slot = await ask(from, (redis) => redis.cluster('KEYSLOT', key) as Promise<number>);
      const ranges = (await ask(from, (redis) => redis.cluster('SLOTS'))) as unknown as [number, number, [string, number]][];
      const range = ranges.find(([low, high]) => slot >= low && slot <= high);
      if (!range) throw new Error(`slot ${slot} is served by no master`);
      return range[2][1];
    },
    kill,
    healthy,
    async close() {
      await Promise.all(ports.map(kill));
      if (!process.env.KEEP_CLUSTER_DIR) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One Redis server or a Redis Cluster, for the tests that must pass unchanged on both. */
export interface SharedRedis {
  readonly kind: 'one server' | 'a Redis Cluster';
  /** `REDIS_URL` (and `REDIS_CLUSTER`) for a gateway process. */
  readonly env: Readonly<Record<string, string>>;
  /** A client of it (ioredis' `Cluster` on a cluster), for a test that reads the keys. */
  client(): Redis;
  close(): Promise<void>;
}

export const SHARED_REDIS_KINDS = ['one server', 'a Redis Cluster'] as const;

export async function startSharedRedis(kind: SharedRedis['kind']): Promise<SharedRedis> {
  if (kind === 'one server') {
    const { startRedisServer } = await import('./redis-server.js');
    const server = await startRedisServer();
    return { kind, env: { REDIS_URL: server.url }, client: () => new Redis(server.url), close: () => server.kill() };
  }
  const cluster = await startRedisCluster();
  return {
    kind,
    env: { REDIS_URL: cluster.url, REDIS_CLUSTER: 'true' },
    client: () => new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port }))) as unknown as Redis,
    close: () => cluster.close(),
  };
}

/** Resolves once every replica shares state through Redis (`/ready` says `redis`) and its switch-over pause has passed. */
export async function untilSharing(urls: readonly string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sharing = async (url: string) => ((await (await fetch(`${url}/ready`)).json()) as { sharedState?: string }).sharedState === 'redis';
  while (!(await Promise.all(urls.map(sharing))).every(Boolean)) {
    if (Date.now() > deadline) throw new Error('the replicas did not share state through Redis in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // A replica that has just come up pauses its grants for a window and a margin.
  await new Promise((resolve) => setTimeout(resolve, 1600));
}
