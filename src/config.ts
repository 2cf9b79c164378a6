/**
 * The only reader of `process.env`. Every setting is validated once, at start-up, and an invalid one
 * stops the process with a message that names the variable. Everything else in the gateway receives
 * the parsed `Config` (or a part of it) as an argument.
 */

export interface UpstreamCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  /** Temporary-credential token, sent as `X-TC-Token`. */
  readonly sessionToken?: string;
}

export interface Config {
  readonly port: number;
  readonly nodeEnv: string;
  /** `undefined` means: start the built-in simulator and use its demo credentials. */
  readonly credentials: UpstreamCredentials | undefined;
  readonly endpoint: string;
  readonly upstream: {
    /** Requests per second allowed per action (Tencent's "API Category" table, `DEFAULT_RATE_LIMITS`). */
    readonly rates: Readonly<Record<string, number>>;
    /** Extra milliseconds added to the 1-second window, absorbing network jitter. */
    readonly throttleMarginMs: number;
    /** Timeout of one HTTP attempt, milliseconds. */
    readonly timeoutMs: number;
    /** Attempts per upstream call, first one included. */
    readonly maxAttempts: number;
    /** Base of the exponential backoff between attempts, milliseconds. */
    readonly retryBaseDelayMs: number;
    /** How long a UIN the upstream refused (`UinNoAuth`) is answered locally, milliseconds. */
    readonly uinDenylistTtlMs: number;
  };
  readonly limits: {
    /** Most UINs one `customers(uins:)` argument may hold. */
    readonly maxUinsPerQuery: number;
    /** Most distinct UINs one request may name across all fields, aliases and representations. */
    readonly maxUinsPerRequest: number;
    /** Total time one GraphQL request may spend on upstream work (queueing, attempts, backoff), ms. */
    readonly requestDeadlineMs: number;
    /** Most tasks waiting per action in the throttle queue. */
    readonly maxQueuedCalls: number;
    /** Most UINs waiting per action in the gateway-wide UIN queue. */
    readonly maxQueuedUins: number;
    readonly maxAliases: number;
    readonly maxDepth: number;
    readonly maxTokens: number;
    readonly maxDirectives: number;
    /** Cost limit (Pothos complexity): `customers` costs per UIN, `voucherQuota` 5, `voucherPool` 10. */
    readonly maxCost: number;
    readonly maxBodyBytes: number;
  };
  /** Serve GraphiQL at `/graphql` (browser GET). Default: on unless `NODE_ENV=production`. */
  readonly graphiql: boolean;
  /** Answer introspection queries. Default: on unless `NODE_ENV=production`. */
  readonly introspection: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Most bytes of log lines waiting for a stdout reader that does not read; beyond it lines are dropped and counted. */
  readonly logBufferBytes: number;
  readonly auth: AuthConfig;
  /** How long upstream answers are served from the cache, milliseconds; 0 turns a cache off. */
  readonly cache: {
    /** Quotas and voucher lists. */
    readonly quotaTtlMs: number;
    readonly poolTtlMs: number;
    readonly profileTtlMs: number;
    /** Pages of the customer directory (and its total). */
    readonly directoryTtlMs: number;
    /** The directory is the list of who is a customer: a UIN it does not hold costs no quota call. */
    readonly directoryMembership: boolean;
    /** Answers of repeated identical query documents kept (server/response-cache.ts), in process only (off with Redis); 0: off. */
    readonly responseCacheEntries: number;
  };
  /** The book's sweep: calls per second per action (0: off; the book is then fed by reads alone). */
  readonly bookSweepCallsPerSecond: number;
  readonly subscriptions: {
    /** Watched customers are re-read at least this often, ms (`WATCH_REFRESH_MS`). */
    readonly watchRefreshMs: number;
    /** Distinct customers watched at once (`WATCH_MAX_UINS`). */
    readonly watchMaxUins: number;
    /** Open subscriptions per caller, per process (`MAX_SUBSCRIPTIONS_PER_CALLER`). */
    readonly maxPerCaller: number;
    /** UINs one `voucherQuotaChanged` may watch (`MAX_UINS_PER_SUBSCRIPTION`). */
    readonly maxUinsPerSubscription: number;
  };
  /** Shared state for replicas. `undefined`: everything in process (the embedded default). */
  readonly redis: RedisConfig | undefined;
  /**
   * Callers' shares of the budget inside a priority, relative to each other (`CALLER_WEIGHTS`);
   * unlisted callers weigh 1. The listed names are also the `caller` labels of the metrics.
   */
  readonly callerWeights: Readonly<Record<string, number>>;
  /** What caller names may cost (`caller-lanes.ts`). */
  readonly callers: {
    /** Believe the `apollographql-client-name` header (a router in front sets it). Default false. */
    readonly trustNameHeader: boolean;
    /** Most callers with a lane (fair share and allowance) of their own. */
    readonly maxLanes: number;
    /** How long an unverified name must have been seen before it gets a lane of its own, ms. */
    readonly probationMs: number;
  };
  /** After SIGTERM, how long `/ready` answers 503 while requests are still served, before the listener closes. */
  readonly shutdownDelayMs: number;
  /** Each caller's interactive allowance: UINs at once (`burst`), refilled per second. */
  readonly interactive: { readonly burst: number; readonly perSecond: number };
  /** Trusted documents: manifest files, and whether only their documents run. `undefined`: none configured. */
  readonly persistedDocuments: { readonly paths: readonly string[]; readonly only: boolean; readonly getMaxAgeSeconds: number } | undefined;
  /** OpenTelemetry traces, from the standard `OTEL_*` variables; `undefined` (off) when no OTLP endpoint is set. */
  readonly tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** Where spans are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  /** `OTEL_EXPORTER_OTLP_HEADERS` (and `_TRACES_HEADERS`): `key=value,…`, e.g. a collector's API key. */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly sampler: { readonly name: (typeof SAMPLERS)[number]; readonly ratio: number };
  /** The batch span processor (`OTEL_BSP_*`). */
  readonly batch: { readonly scheduledDelayMillis: number; readonly exportTimeoutMillis: number; readonly maxQueueSize: number; readonly maxExportBatchSize: number };
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

export interface RedisConfig {
  readonly url: string;
  /** `REDIS_CLUSTER=true`: `url` names seed nodes of a Redis Cluster (comma-separated), every account's keys share one hash tag. */
  readonly cluster: boolean;
  readonly keyPrefix: string;
  /** Calls per second per action each replica allows itself while Redis is unreachable. */
  readonly fallbackRatePerSecond: number;
}

/**
 * Requests per second per action and key, from Tencent's "API Category" table
 * (../shared/UPSTREAM.md). Override with `UPSTREAM_RATE_LIMITS=Action=n,Action=n`.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, number>> = {
  QueryVoucherPool: 5,
  QueryVoucherAmountByUin: 5,
  QueryVoucherListByUin: 5,
  DescribeCustomerUin: 20,
  DescribeCustomerInfo: 20,
};

/** Caller authentication. `none` is for a subgraph that sits behind an authenticating router. */
export type AuthConfig =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'jwt';
      /** HS256 shared secret, or… */
      readonly secret?: string;
      /** …a JWKS URL (RS256/ES256 keys). */
      readonly jwksUrl?: string;
      readonly issuer?: string;
      readonly audience?: string;
      /** The token scope that lets a caller read customers' email and phone. */
      readonly piiScope: string;
      /** Refuse tokens without `exp` (`JWT_REQUIRE_EXP`, default on with `NODE_ENV=production`). */
      readonly requireExp: boolean;
    };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_ENDPOINT = 'https://intlpartnersmgt.intl.tencentcloudapi.com';

type Env = Readonly<Record<string, string | undefined>>;

/** Parses and validates the environment. Throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const upstreamCredentials = credentials(env);
  const persisted = persistedDocuments(env, nodeEnv);
  if (nodeEnv === 'production' && upstreamCredentials === undefined) {
    // Serving the demo simulator by accident in production would hand clients made-up budgets.
    throw new ConfigError(
      'NODE_ENV=production requires TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY; the built-in simulator is for development only.',
    );
  }
  return {
    port: integer(env, 'PORT', 4000, { min: 0, max: 65535 }),
    nodeEnv,
    credentials: upstreamCredentials,
    endpoint: url(env, 'TENCENTCLOUD_ENDPOINT', DEFAULT_ENDPOINT),
    upstream: {
      rates: rateLimits(env),
      throttleMarginMs: integer(env, 'UPSTREAM_THROTTLE_MARGIN_MS', 50, { min: 0, max: 10_000 }),
      timeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
      maxAttempts: integer(env, 'UPSTREAM_MAX_ATTEMPTS', 3, { min: 1, max: 10 }),
      retryBaseDelayMs: integer(env, 'UPSTREAM_RETRY_BASE_DELAY_MS', 250, { min: 0, max: 60_000 }),
      uinDenylistTtlMs: integer(env, 'UIN_DENYLIST_TTL_MS', 600_000, { min: 0, max: 86_400_000 }),
    },
    limits: {
      maxUinsPerQuery: integer(env, 'MAX_UINS_PER_QUERY', 1000, { min: 1, max: 100_000 }),
      maxUinsPerRequest: integer(env, 'MAX_UINS_PER_REQUEST', 1000, { min: 1, max: 100_000 }),
      requestDeadlineMs: integer(env, 'REQUEST_DEADLINE_MS', 20_000, { min: 100, max: 600_000 }),
      maxQueuedCalls: integer(env, 'MAX_QUEUED_CALLS', 500, { min: 1, max: 1_000_000 }),
      maxQueuedUins: integer(env, 'MAX_QUEUED_UINS', 20_000, { min: 1, max: 10_000_000 }),
      maxAliases: integer(env, 'MAX_ALIASES', 100, { min: 1, max: 10_000 }),
      maxDepth: integer(env, 'MAX_DEPTH', 8, { min: 1, max: 100 }),
      maxTokens: integer(env, 'MAX_TOKENS', 5000, { min: 100, max: 1_000_000 }),
      maxDirectives: integer(env, 'MAX_DIRECTIVES', 10, { min: 1, max: 1000 }),
      maxCost: integer(env, 'MAX_COST', 10_000, { min: 1, max: 10_000_000 }),
      maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 102_400, { min: 1024, max: 100 * 1024 * 1024 }),
    },
    // GraphiQL only where arbitrary documents run.
    graphiql: boolean(env, 'GRAPHIQL', nodeEnv !== 'production') && !persisted?.only,
    introspection: boolean(env, 'INTROSPECTION', nodeEnv !== 'production'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    logBufferBytes: integer(env, 'LOG_BUFFER_BYTES', 1 << 20, { min: 65_536, max: 1 << 30 }),
    auth: auth(env, nodeEnv),
    cache: {
      quotaTtlMs: integer(env, 'QUOTA_CACHE_TTL_MS', 30_000, { min: 0, max: 86_400_000 }),
      poolTtlMs: integer(env, 'POOL_CACHE_TTL_MS', 10_000, { min: 0, max: 86_400_000 }),
      profileTtlMs: integer(env, 'PROFILE_CACHE_TTL_MS', 300_000, { min: 0, max: 86_400_000 }),
      directoryTtlMs: integer(env, 'DIRECTORY_CACHE_TTL_MS', 60_000, { min: 0, max: 86_400_000 }),
      directoryMembership: boolean(env, 'DIRECTORY_MEMBERSHIP', true),
      responseCacheEntries: integer(env, 'RESPONSE_CACHE_ENTRIES', 1000, { min: 0, max: 100_000 }),
    },
    redis: redis(env),
    bookSweepCallsPerSecond: integer(env, 'BOOK_SWEEP_CALLS_PER_SECOND', 1, { min: 0, max: Math.min(rateLimits(env).QueryVoucherAmountByUin ?? 5, rateLimits(env).DescribeCustomerInfo ?? 20) }),
    callerWeights: callerWeights(env),
    subscriptions: {
      watchRefreshMs: integer(env, 'WATCH_REFRESH_MS', 10_000, { min: 100, max: 3_600_000 }),
      watchMaxUins: integer(env, 'WATCH_MAX_UINS', 500, { min: 1, max: 100_000 }),
      maxPerCaller: integer(env, 'MAX_SUBSCRIPTIONS_PER_CALLER', 100, { min: 1, max: 100_000 }),
      maxUinsPerSubscription: integer(env, 'MAX_UINS_PER_SUBSCRIPTION', 100, { min: 1, max: 10_000 }),
    },
    callers: {
      trustNameHeader: boolean(env, 'TRUST_CLIENT_NAME_HEADER', false),
      maxLanes: integer(env, 'CALLER_MAX_LANES', 1000, { min: 1, max: 100_000 }),
      probationMs: integer(env, 'CALLER_PROBATION_MS', 10_000, { min: 0, max: 3_600_000 }),
    },
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', 5000, { min: 0, max: 120_000 }),
    persistedDocuments: persisted,
    tracing: tracing(env),
    interactive: {
      burst: integer(env, 'INTERACTIVE_BURST_UINS', 100, { min: 1, max: 100_000 }),
      perSecond: integer(env, 'INTERACTIVE_UINS_PER_SECOND', 20, { min: 0, max: 100_000 }),
    },
  };
}

function callerWeights(env: Env): Record<string, number> {
  const raw = nonEmpty(env.CALLER_WEIGHTS);
  const weights: Record<string, number> = {};
  if (raw === undefined) return weights;
  for (const part of raw.split(',')) {
    const match = /^\s*([\w.:@-]{1,64})\s*=\s*(\d+)\s*$/.exec(part);
    const value = Number(match?.[2]);
    if (!match?.[1] || !Number.isInteger(value) || value < 1 || value > 100) {
      throw new ConfigError(`CALLER_WEIGHTS must be a comma-separated list of caller=n (n from 1 to 100, callers of letters, digits and . : @ _ -), got "${raw}".`);
    }
    weights[match[1]] = value;
  }
  return weights;
}

function rateLimits(env: Env): Record<string, number> {
  const rates = { ...DEFAULT_RATE_LIMITS };
  const raw = nonEmpty(env.UPSTREAM_RATE_LIMITS);
  if (raw === undefined) return rates;
  for (const part of raw.split(',')) {
    const match = /^\s*([A-Za-z]+)\s*=\s*(\d+)\s*$/.exec(part);
    const action = match?.[1];
    const value = Number(match?.[2]);
    if (!action || !(action in DEFAULT_RATE_LIMITS) || !Number.isInteger(value) || value < 1 || value > 1000) {
      throw new ConfigError(
        `UPSTREAM_RATE_LIMITS must be a comma-separated list of Action=n (n from 1 to 1000, actions: ${Object.keys(DEFAULT_RATE_LIMITS).join(', ')}), got "${raw}".`,
      );
    }
    rates[action] = value;
  }
  return rates;
}

function tracing(env: Env): TracingConfig | undefined {
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const traces = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (boolean(env, 'OTEL_SDK_DISABLED', false) || nonEmpty(env.OTEL_TRACES_EXPORTER) === 'none' || (base === undefined && traces === undefined)) return undefined;
  const exporter = nonEmpty(env.OTEL_TRACES_EXPORTER) ?? 'otlp';
  if (exporter !== 'otlp') throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none, got "${exporter}".`);
  const protocol = oneOf(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', ['http/protobuf', 'http/json'] as const, oneOf(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json'] as const, 'http/protobuf'));
  const tracesUrl = traces ?? `${(base as string).replace(/\/+$/, '')}/v1/traces`;
  const named = traces === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
  url({ [named]: tracesUrl }, named, tracesUrl, { allowPath: true });
  const sampler = oneOf(env, 'OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const ratio = Number(nonEmpty(env.OTEL_TRACES_SAMPLER_ARG) ?? '1');
  if (!(ratio >= 0 && ratio <= 1)) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got "${env.OTEL_TRACES_SAMPLER_ARG}".`);
  return {
    url: tracesUrl,
    protocol,
    headers: { ...otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...otlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'voucher-gateway',
    sampler: { name: sampler, ratio },
    batch: {
      scheduledDelayMillis: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, { min: 1, max: 3_600_000 }),
      exportTimeoutMillis: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, { min: 1, max: 3_600_000 }),
      maxQueueSize: integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, { min: 1, max: 1_000_000 }),
      maxExportBatchSize: integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, { min: 1, max: 1_000_000 }),
    },
  };
}

/** `key=value,…` (values percent-decoded), as the OpenTelemetry specification defines the headers variables. */
function otlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of nonEmpty(raw)?.split(',') ?? []) {
    const at = part.indexOf('=');
    if (at < 1) throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value.');
    headers[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return headers;
}

function redis(env: Env): RedisConfig | undefined {
  const raw = nonEmpty(env.REDIS_URL);
  if (raw === undefined) return undefined;
  const cluster = boolean(env, 'REDIS_CLUSTER', false);
  const urls = raw.split(',').map((part) => part.trim());
  if (urls.length > 1 && !cluster) throw new ConfigError('REDIS_URL names several nodes: set REDIS_CLUSTER=true for a Redis Cluster, or name one server.');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL (with REDIS_CLUSTER=true, several, comma-separated).');
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got protocol "${parsed.protocol}".`);
    }
  }
  return {
    url: raw,
    cluster,
    keyPrefix: env.REDIS_KEY_PREFIX ?? 'voucher-gateway:',
    fallbackRatePerSecond: integer(env, 'REDIS_FALLBACK_RATE_PER_SECOND', 1, { min: 1, max: 1000 }),
  };
}

function auth(env: Env, nodeEnv: string): AuthConfig {
  const secret = nonEmpty(env.JWT_SECRET);
  const jwksUrl = nonEmpty(env.JWT_JWKS_URL) === undefined ? undefined : url(env, 'JWT_JWKS_URL', '', { allowPath: true });
  const issuer = nonEmpty(env.JWT_ISSUER);
  const audience = nonEmpty(env.JWT_AUDIENCE);
  let mode: 'jwt' | 'none';
  if (nonEmpty(env.AUTH_MODE) !== undefined) {
    mode = oneOf(env, 'AUTH_MODE', ['jwt', 'none'] as const, 'none');
  } else if (secret !== undefined || jwksUrl !== undefined) {
    mode = 'jwt';
  } else if (nodeEnv === 'production') {
    throw new ConfigError(
      'NODE_ENV=production requires caller authentication: set AUTH_MODE=jwt with JWT_SECRET (HS256) or JWT_JWKS_URL, ' +
        'or AUTH_MODE=none explicitly when the gateway sits behind an authenticating router.',
    );
  } else {
    mode = 'none';
  }
  if (mode === 'none') return { mode };
  if (secret === undefined && jwksUrl === undefined) {
    throw new ConfigError('AUTH_MODE=jwt needs JWT_SECRET (HS256 shared secret) or JWT_JWKS_URL.');
  }
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('Set JWT_SECRET or JWT_JWKS_URL, not both.');
  }
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret).');
  }
  const piiScope = nonEmpty(env.JWT_PII_SCOPE) ?? 'customers:pii';
  if (/\s/.test(piiScope)) throw new ConfigError(`JWT_PII_SCOPE must be one scope without spaces, got "${piiScope}".`);
  return {
    mode,
    piiScope,
    requireExp: boolean(env, 'JWT_REQUIRE_EXP', nodeEnv === 'production'),
    ...(secret !== undefined ? { secret } : {}),
    ...(jwksUrl !== undefined ? { jwksUrl } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(audience !== undefined ? { audience } : {}),
  };
}

function credentials(env: Env): UpstreamCredentials | undefined {
  const secretId = nonEmpty(env.TENCENTCLOUD_SECRET_ID);
  const secretKey = nonEmpty(env.TENCENTCLOUD_SECRET_KEY);
  const sessionToken = nonEmpty(env.TENCENTCLOUD_SESSION_TOKEN);
  if (secretId === undefined && secretKey === undefined) {
    if (sessionToken !== undefined) {
      throw new ConfigError(
        'TENCENTCLOUD_SESSION_TOKEN is set but TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not; set all three or none.',
      );
    }
    return undefined;
  }
  if (secretId === undefined) {
    throw new ConfigError('TENCENTCLOUD_SECRET_KEY is set but TENCENTCLOUD_SECRET_ID is not; set both or neither.');
  }
  if (secretKey === undefined) {
    throw new ConfigError('TENCENTCLOUD_SECRET_ID is set but TENCENTCLOUD_SECRET_KEY is not; set both or neither.');
  }
  return sessionToken === undefined ? { secretId, secretKey } : { secretId, secretKey, sessionToken };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new ConfigError(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}".`);
  }
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be a whole number from ${range.min} to ${range.max}, got ${raw}.`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}".`);
}

function url(env: Env, name: string, fallback: string, options: { allowPath?: boolean } = {}): string {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}".`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}".`);
  }
  if (options.allowPath) return parsed.href;
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search) {
    throw new ConfigError(`${name} must be a base URL without path or query (requests go to "/"), got "${raw}".`);
  }
  return parsed.origin;
}

function oneOf<const T extends readonly string[]>(env: Env, name: string, allowed: T, fallback: T[number]): T[number] {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}".`);
  }
  return raw;
}

function persistedDocuments(env: Env, nodeEnv: string): Config['persistedDocuments'] {
  const raw = nonEmpty(env.PERSISTED_DOCUMENTS);
  const paths = raw === undefined ? [] : raw.split(',').map((path) => path.trim()).filter((path) => path.length > 0);
  if (paths.length === 0) {
    if (boolean(env, 'PERSISTED_DOCUMENTS_ONLY', false)) throw new ConfigError('PERSISTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS (one or more manifest files, comma-separated).');
    return undefined;
  }
  return {
    paths,
    only: boolean(env, 'PERSISTED_DOCUMENTS_ONLY', nodeEnv === 'production'),
    getMaxAgeSeconds: integer(env, 'PERSISTED_GET_MAX_AGE_S', 10, { min: 0, max: 86_400 }),
  };
}
