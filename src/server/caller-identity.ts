import type { AuthConfig } from '../config.js';
import { verifiedCaller } from './caller-auth.js';

/**
 * Who is asking, for fair shares of the budget, metrics and request logs. With `AUTH_MODE=jwt` the
 * verified token's `azp` (OAuth authorized party), else `client_id`, else `sub`; otherwise the
 * `apollographql-client-name` header (Apollo's client-awareness convention: Apollo Client sends it and
 * the router forwards it); else `anonymous`. An unverified header is a label, not an identity: it can
 * only move a caller between fair-share lanes, never past authentication or the PII scope.
 */
export function identifyCaller(request: Request, context: unknown, auth: AuthConfig, trustNameHeader = false): CallerIdentity {
  let caller = callers.get(request);
  if (caller === undefined) {
    const verified = auth.mode === 'jwt' ? fromToken(context) : undefined;
    const header = clean(request.headers.get('apollographql-client-name'));
    caller = verified !== undefined ? { name: verified, verified: true } : header !== undefined ? { name: header, verified: trustNameHeader } : { name: ANONYMOUS, verified: false };
    callers.set(request, caller);
  }
  return caller;
}

/**
 * A caller's name, and whether it can be believed: from a verified token, or from the header of a
 * router trusted to set it (`TRUST_CLIENT_NAME_HEADER`). An unverified name is a label only
 * (`caller-lanes.ts` decides what it may cost).
 */
export interface CallerIdentity {
  readonly name: string;
  readonly verified: boolean;
}

/** The caller named by `identifyCaller` for this request, if the request got that far. */
export function callerOf(request: Request): string | undefined {
  return callers.get(request)?.name;
}

export const ANONYMOUS = 'anonymous';

const callers = new WeakMap<Request, CallerIdentity>();

function fromToken(context: unknown): string | undefined {
  const payload = verifiedCaller(context)?.payload;
  if (!payload) return undefined;
  for (const claim of ['azp', 'client_id', 'sub']) {
    const value = clean(payload[claim]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Short, printable names only: anything else is not a usable label. */
function clean(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.:@/-]{1,64}$/.test(value) ? value : undefined;
}
