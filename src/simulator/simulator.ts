import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { UpstreamCredentials } from '../config.js';
import { DEFAULT_RATE_LIMITS } from '../config.js';
import { ACTIONS, API_VERSION, MAX_UINS_PER_CALL, SERVICE, VOUCHER_STATUSES, type Action } from '../upstream/client.js';
import { parseAuthorization, signTc3 } from '../upstream/sign.js';
import { createDemoData, mulberry32, type DemoData } from './demo-data.js';

/**
 * A real HTTP server speaking the `intlpartnersmgt` 2022-09-28 protocol (../shared/UPSTREAM.md):
 * TC3 signature verification, the documented error envelopes, a sliding-window 5/s limit per action
 * and deterministic demo data. The gateway's default upstream when no credentials are configured,
 * and the test bed for batching, throttling and fault handling.
 */
export interface SimulatorOptions {
  /** Defaults to 0: any free port. */
  readonly port?: number;
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  readonly credentials?: UpstreamCredentials;
  /**
   * Requests per action accepted in any sliding `rateWindowMs`: one number for all actions, or per
   * action. Default: Tencent's table (5 for the voucher actions, 20 for the customer directory).
   */
  readonly ratePerSecond?: number | Readonly<Record<string, number>>;
  /** Default 1000. */
  readonly rateWindowMs?: number;
  /** Delay before each answer, in milliseconds: fixed, or uniformly drawn from `[min, max]`. Default 0. */
  readonly latencyMs?: number | readonly [min: number, max: number];
  /**
   * What `QueryVoucherAmountByUin` does with a UIN that is not the caller's customer:
   * `fail-call` answers the whole call with `UnauthorizedOperation.UinNoAuth` (the default, and the
   * harder case for a gateway); `omit` leaves it out of `Data`.
   */
  readonly unknownUinMode?: 'fail-call' | 'omit';
  /** Clock skew accepted on `X-TC-Timestamp`, seconds. Default 300. */
  readonly maxClockSkewSeconds?: number;
  readonly data?: DemoData;
  /** Seed of the latency jitter. */
  readonly seed?: number;
  /**
   * Balances that change by themselves: every `everyMs`, `customers` customers picked at random spend
   * `amount` (never below 0), so subscriptions and the book show live changes. Default: off.
   */
  readonly spending?: { readonly everyMs: number; readonly customers: number; readonly amount: number } | undefined;
}

export type Fault =
  | { readonly type: 'error'; readonly code: string; readonly message?: string }
  | { readonly type: 'http-status'; readonly status: number }
  /** Answers normally, `ms` later than the configured latency. */
  | { readonly type: 'delay'; readonly ms: number }
  | { readonly type: 'hang' }
  | { readonly type: 'reset' }
  | { readonly type: 'malformed-json' }
  | { readonly type: 'truncated-json' };

export interface FaultRule {
  readonly fault: Fault;
  /** Only requests for this action; default any. */
  readonly action?: Action;
  /** How many arrivals it applies to; default 1. `Infinity` until cleared. */
  readonly times?: number;
}

export interface SimulatorCall {
  readonly action: string;
  /** Milliseconds on the simulator's monotonic clock. */
  readonly arrivedAt: number;
  /** The UIN list as received (`ClientUins`, or `CustomerUin` for `DescribeCustomerInfo`). */
  readonly uins?: readonly number[];
  /** `Status` as received, for `QueryVoucherListByUin`. */
  readonly status?: string;
  /** `ok`, or the error code answered, or `fault:<type>`. */
  readonly outcome: string;
  /** The TC3 signature the request carried, so tests can look for it where it must never appear. */
  readonly signature?: string;
}

export interface SimulatorStats {
  readonly calls: readonly SimulatorCall[];
  /** Answers with `RequestLimitExceeded`. */
  readonly rateLimited: number;
  readonly byOutcome: Readonly<Record<string, number>>;
}

export interface Simulator {
  readonly url: string;
  readonly credentials: UpstreamCredentials;
  readonly data: DemoData;
  stats(): SimulatorStats;
  /** Calls accepted for `action` (what the upstream budget was spent on). */
  callsOf(action: Action): SimulatorCall[];
  resetStats(): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Demo credentials of the simulator; not secret, printed by `npm run simulator`. */
export const SIMULATOR_CREDENTIALS: UpstreamCredentials = {
  secretId: 'AKIDvoucherGatewaySimulatorDemoKey01',
  secretKey: 'voucherGatewaySimulatorDemoSecret01',
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const credentials = options.credentials ?? SIMULATOR_CREDENTIALS;
  const data = options.data ?? createDemoData();
  const rateOf = (action: string): number =>
    typeof options.ratePerSecond === 'number' ? options.ratePerSecond : (options.ratePerSecond?.[action] ?? DEFAULT_RATE_LIMITS[action] ?? 5);
  const rateWindowMs = options.rateWindowMs ?? 1000;
  const unknownUinMode = options.unknownUinMode ?? 'fail-call';
  const maxSkew = options.maxClockSkewSeconds ?? 300;
  const random = mulberry32(options.seed ?? 1);
  const spending = options.spending && startSpending(data, options.spending, random);
  const latency = (): number => {
    const { latencyMs = 0 } = options;
    if (typeof latencyMs === 'number') return latencyMs;
    const [min, max] = latencyMs;
    return min + random() * (max - min);
  };

  let calls: SimulatorCall[] = [];
  const faults = createFaults();
  const takeFault = faults.take;
  const admit = createRateWindow(rateOf, rateWindowMs);
  const { later, clearAll: clearTimers } = createTimers();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const arrivedAt = performance.now();
    const rawBody = await readBody(req);
    const action = header(req, 'x-tc-action') ?? '';
    const requestId = randomUUID();
    const signature = parseAuthorization(header(req, 'authorization') ?? '')?.signature;
    const record = (call: SimulatorCall) => calls.push({ ...call, ...(signature ? { signature } : {}) });

    const answer = (outcome: string, payload: Record<string, unknown>, uins?: readonly number[], status?: string) => {
      record({ action, arrivedAt, outcome, ...(uins ? { uins } : {}), ...(status ? { status } : {}) });
      const body = JSON.stringify({ Response: { ...payload, RequestId: requestId } });
      later(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      }, latency() + extraDelay);
    };
    const fail = (code: string, message: string, uins?: readonly number[], status?: string) => answer(code, { Error: { Code: code, Message: message } }, uins, status);

    if (req.method !== 'POST' || (req.url ?? '/') !== '/') {
      record({ action, arrivedAt, outcome: 'http:404' });
      res.writeHead(404).end();
      return;
    }

    const fault = takeFault(action);
    const extraDelay = fault?.type === 'delay' ? fault.ms : 0;
    if (fault && fault.type !== 'delay') {
      record({ action, arrivedAt, outcome: fault.type === 'error' ? fault.code : `fault:${fault.type}` });
      applyFault(fault, req, res, requestId, later, latency);
      return;
    }

    // The envelope, the signature and the rate limit, in the upstream's order; then the action.
    const refused = checkEnvelope(req, action) ?? verifySignature(req, rawBody, credentials, maxSkew) ?? (admit(`${credentials.secretId}:${action}`, action, arrivedAt) ? undefined : { code: 'RequestLimitExceeded', message: `Requests to ${action} exceeded ${rateOf(action)} per second.` });
    if (refused) return fail(refused.code, refused.message);
    const params = parseParams(rawBody);
    if ('code' in params) return fail(params.code, params.message);
    const reply = answerAction(action as Action, params.params, data, unknownUinMode);
    if ('error' in reply) return fail(reply.error.code, reply.error.message, reply.uins, reply.status);
    return answer('ok', reply.payload, reply.uins, reply.status);
  };

  const server = await serve(handle, options.port ?? 0, options.host ?? '127.0.0.1');

  const tally = () => {
    const byOutcome: Record<string, number> = {};
    for (const call of calls) byOutcome[call.outcome] = (byOutcome[call.outcome] ?? 0) + 1;
    return byOutcome;
  };

  return {
    url: server.url,
    credentials,
    data,
    stats: () => {
      const byOutcome = tally();
      return { calls: [...calls], rateLimited: byOutcome.RequestLimitExceeded ?? 0, byOutcome };
    },
    callsOf: (action) => calls.filter((call) => call.action === action && call.outcome !== 'RequestLimitExceeded'),
    resetStats: () => {
      calls = [];
    },
    injectFault: faults.inject,
    clearFaults: faults.clear,
    close: async () => {
      if (spending) clearInterval(spending);
      clearTimers();
      await server.close();
    },
  };
}

/** The request's envelope as the upstream checks it first: content type, action, version. */
function checkEnvelope(req: IncomingMessage, action: string): { code: string; message: string } | undefined {
  const contentType = header(req, 'content-type') ?? '';
  if (!/^application\/json(;\s*charset=utf-8)?$/i.test(contentType)) return { code: 'InvalidParameter', message: `Content-Type must be application/json, got "${contentType}".` };
  if (!(ACTIONS as readonly string[]).includes(action)) return { code: 'InvalidAction', message: `The action "${action}" is not supported by ${SERVICE}.` };
  if (header(req, 'x-tc-version') !== API_VERSION) return { code: 'InvalidParameterValue', message: `X-TC-Version must be ${API_VERSION}.` };
  return undefined;
}

function parseParams(rawBody: Buffer): { params: Record<string, unknown> } | { code: string; message: string } {
  let params: unknown;
  try {
    params = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { code: 'InvalidParameter', message: 'The request body is not valid JSON.' };
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return { code: 'InvalidParameter', message: 'The request body must be a JSON object.' };
  return { params: params as Record<string, unknown> };
}

/** Replies sent later (latency, faults), all cancelled at close. */
function createTimers() {
  const timers = new Set<NodeJS.Timeout>();
  return {
    later(fn: () => void, ms: number): void {
      if (ms <= 0) return fn();
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    },
    clearAll(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** Injected faults, each for its next `times` calls (of its action, or any). */
function createFaults() {
  let faults: { rule: FaultRule; remaining: number }[] = [];
  return {
    take(action: string): Fault | undefined {
      const entry = faults.find(({ rule }) => rule.action === undefined || rule.action === action);
      if (!entry) return undefined;
      entry.remaining -= 1;
      if (entry.remaining <= 0) faults = faults.filter((other) => other !== entry);
      return entry.rule.fault;
    },
    inject(rule: FaultRule): void {
      faults.push({ rule, remaining: rule.times ?? 1 });
    },
    clear(): void {
      faults = [];
    },
  };
}

/** Sliding window over accepted arrivals, per (SecretId, action), as Tencent counts them. */
function createRateWindow(rateOf: (action: string) => number, windowMs: number) {
  const accepted = new Map<string, number[]>();
  return (key: string, action: string, arrivedAt: number): boolean => {
    const window = (accepted.get(key) ?? []).filter((time) => arrivedAt - time < windowMs);
    const ok = window.length < rateOf(action);
    if (ok) window.push(arrivedAt);
    accepted.set(key, window);
    return ok;
  };
}

/** An HTTP server on `host:port` whose `close` also ends kept-alive sockets. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port: number, host: string) {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** What the simulator answers an action's well-formed, signed, admitted request: its payload, or an error. */
type ActionReply = ({ readonly payload: Record<string, unknown> } | { readonly error: { readonly code: string; readonly message: string } }) & {
  readonly uins?: readonly number[] | undefined;
  readonly status?: string | undefined;
};

const refuse = (code: string, message: string, uins?: readonly number[], status?: string): ActionReply => ({ error: { code, message }, uins, status });

function answerAction(action: Action, params: Record<string, unknown>, data: DemoData, unknownUinMode: SimulatorOptions['unknownUinMode']): ActionReply {
  if (action === 'QueryVoucherPool') {
    const unknown = Object.keys(params)[0];
    if (unknown !== undefined) return refuse('UnknownParameter', `The parameter ${unknown} is not recognized.`);
    const { pool } = data;
    return { payload: { AgentName: pool.agentName, AccountType: pool.accountType, TotalQuota: pool.totalQuota, RemainingQuota: pool.remainingQuota, IssuedNum: pool.issuedNum } };
  }
  if (action === 'DescribeCustomerUin') return answerDirectory(params, data);
  return answerPerCustomer(action, params, data, unknownUinMode);
}

function answerDirectory(params: Record<string, unknown>, data: DemoData): ActionReply {
  const unknown = Object.keys(params).find((key) => key !== 'Page' && key !== 'PageSize');
  if (unknown !== undefined) return refuse('UnknownParameter', `The parameter ${unknown} is not recognized.`);
  const { Page: page, PageSize: pageSize } = params;
  if (page === undefined) return refuse('MissingParameter', 'The parameter Page is missing.');
  if (pageSize === undefined) return refuse('MissingParameter', 'The parameter PageSize is missing.');
  if (!Number.isInteger(page) || (page as number) < 1) return refuse('InvalidParameterValue', 'Page must be an integer of at least 1.');
  if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > 1000) {
    return refuse('InvalidParameterValue', 'PageSize must be an integer from 1 to 1000.');
  }
  const start = ((page as number) - 1) * (pageSize as number);
  const uins = data.customerUins.slice(start, start + (pageSize as number));
  // Total is a string, as the SDK models it.
  return { payload: { Data: uins.map((uin) => ({ CustomerUin: String(uin) })), Total: String(data.customerUins.length) } };
}

/** QueryVoucherAmountByUin, QueryVoucherListByUin and DescribeCustomerInfo: 1 to 20 UINs each. */
function answerPerCustomer(action: Action, params: Record<string, unknown>, data: DemoData, unknownUinMode: SimulatorOptions['unknownUinMode']): ActionReply {
  const listName = action === 'DescribeCustomerInfo' ? 'CustomerUin' : 'ClientUins';
  const allowed = action === 'QueryVoucherListByUin' ? [listName, 'Status'] : [listName];
  const unknown = Object.keys(params).find((key) => !allowed.includes(key));
  if (unknown !== undefined) return refuse('UnknownParameter', `The parameter ${unknown} is not recognized.`);
  const clientUins = params[listName];
  if (clientUins === undefined) return refuse('MissingParameter', `The parameter ${listName} is missing.`);
  if (!Array.isArray(clientUins) || clientUins.length < 1 || clientUins.length > MAX_UINS_PER_CALL) {
    return refuse('InvalidParameterValue', `${listName} must hold 1 to ${MAX_UINS_PER_CALL} UINs.`);
  }
  if (!clientUins.every((uin) => Number.isSafeInteger(uin) && uin > 0)) return refuse('InvalidParameterValue', `${listName} must be positive integers.`);
  const status = params.Status;
  if (status !== undefined && !(VOUCHER_STATUSES as readonly unknown[]).includes(status)) {
    return refuse('InvalidParameterValue', `Status must be one of ${VOUCHER_STATUSES.join(', ')}.`);
  }
  const uins = clientUins as number[];
  const statusName = typeof status === 'string' ? status : undefined;
  if (unknownUinMode === 'fail-call' && uins.some((uin) => !data.customers.has(uin))) {
    return refuse('UnauthorizedOperation.UinNoAuth', 'The UIN is not a customer of the caller.', uins, statusName);
  }
  const known = [...new Set(uins)].flatMap((uin) => {
    const customer = data.customers.get(uin);
    return customer ? [customer] : [];
  });
  // The order of `Data` is not documented; answer in reverse so that clients cannot rely on it.
  known.reverse();
  if (action === 'QueryVoucherAmountByUin') {
    return { payload: { Data: known.map((customer) => ({ ClientUin: customer.uin, TotalAmount: customer.totalAmount, RemainAmount: customer.remainAmount })) }, uins };
  }
  // CustomerUin is a string here, as the SDK models it.
  if (action === 'DescribeCustomerInfo') return { payload: { Data: known.map((customer) => ({ CustomerUin: String(customer.uin), ...customer.profile })) }, uins };
  const lists = known.map((customer) => {
    const vouchers = customer.vouchers.filter((voucher) => status === undefined || voucher.VoucherStatus === status);
    return { ClientUin: customer.uin, TotalCount: vouchers.length, Data: vouchers };
  });
  return { payload: { Data: lists }, uins, status: statusName };
}

function verifySignature(
  req: IncomingMessage,
  body: Buffer,
  credentials: UpstreamCredentials,
  maxSkewSeconds: number,
): { code: string; message: string } | undefined {
  const authorization = header(req, 'authorization');
  if (!authorization) return { code: 'AuthFailure.SignatureFailure', message: 'The Authorization header is missing.' };
  const parsed = parseAuthorization(authorization);
  if (!parsed) return { code: 'AuthFailure.SignatureFailure', message: 'The Authorization header is malformed.' };
  if (parsed.secretId !== credentials.secretId) {
    return { code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found.' };
  }
  const timestamp = Number(header(req, 'x-tc-timestamp'));
  if (!Number.isInteger(timestamp)) return { code: 'AuthFailure.SignatureFailure', message: 'X-TC-Timestamp is missing.' };
  if (Math.abs(Date.now() / 1000 - timestamp) > maxSkewSeconds) {
    return { code: 'AuthFailure.SignatureExpire', message: 'The signature has expired.' };
  }
  if (credentials.sessionToken !== undefined && header(req, 'x-tc-token') !== credentials.sessionToken) {
    return { code: 'AuthFailure.TokenFailure', message: 'The token is invalid.' };
  }
  if (parsed.service !== SERVICE || parsed.signedHeaders !== 'content-type;host') {
    return { code: 'AuthFailure.SignatureFailure', message: 'The credential scope or signed headers are wrong.' };
  }
  // The official Node SDK signs the URL's hostname without port; verify the same way.
  const hostname = new URL(`http://${header(req, 'host') ?? ''}`).hostname;
  const expected = signTc3({
    secretId: credentials.secretId,
    secretKey: credentials.secretKey,
    service: SERVICE,
    host: hostname,
    contentType: header(req, 'content-type') ?? '',
    payload: body,
    timestamp,
  });
  if (parsed.date !== new Date(timestamp * 1000).toISOString().slice(0, 10) || !sameHex(expected.signature, parsed.signature)) {
    return { code: 'AuthFailure.SignatureFailure', message: 'The provided credentials could not be validated.' };
  }
  return undefined;
}

function applyFault(
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  later: (fn: () => void, ms: number) => void,
  latency: () => number,
): void {
  const json = (body: string) => later(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body), latency());
  switch (fault.type) {
    case 'error':
      return json(JSON.stringify({ Response: { Error: { Code: fault.code, Message: fault.message ?? fault.code }, RequestId: requestId } }));
    case 'http-status':
      return later(() => res.writeHead(fault.status, { 'Content-Type': 'text/html' }).end('<html>upstream trouble</html>'), latency());
    case 'delay':
      return; // handled by the caller: the answer is normal, only late
    case 'hang':
      return; // never answers; the socket is destroyed by close()
    case 'reset':
      req.socket.destroy();
      return;
    case 'malformed-json':
      return json('<html>not json</html>');
    case 'truncated-json':
      return json(`{"Response": {"Data": [{"ClientUin": 2000000`);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A few customers spend a little every few seconds (`SimulatorOptions.spending`). */
function startSpending(data: DemoData, spending: NonNullable<SimulatorOptions['spending']>, random: () => number): NodeJS.Timeout {
  const timer = setInterval(() => {
    for (let i = 0; i < spending.customers; i++) {
      const customer = data.customers.get(data.customerUins[Math.floor(random() * data.customerUins.length)] as number) as { remainAmount: number } | undefined;
      if (customer) customer.remainAmount = Math.max(0, Math.round((customer.remainAmount - spending.amount) * 100) / 100);
    }
  }, spending.everyMs);
  timer.unref();
  return timer;
}
