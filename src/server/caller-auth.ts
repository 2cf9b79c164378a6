import { createInlineSigningKeyProvider, createRemoteJwksSigningKeyProvider, extractFromHeader, useJWT } from '@graphql-yoga/plugin-jwt';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { AuthConfig } from '../config.js';
import { ERROR_CODES } from '../error-codes.js';

/** The verified token as `@graphql-yoga/plugin-jwt` puts it on the server context (its public contract). */
export interface VerifiedCaller {
  readonly payload: Record<string, unknown>;
}

/**
 * Optional JWT verification of callers (`@graphql-yoga/plugin-jwt`): HS256 with a shared secret, or
 * RS256/ES256 keys from a JWKS URL. Applies to `/graphql` only; `/health`, `/ready` and `/metrics`
 * stay open.
 *
 * The JWT plugin only verifies (`reject` off) and, when a token is valid, puts its payload on the
 * context as `jwt`, which is its documented contract. The decision is ours, made before the document
 * is even parsed, so an unauthenticated caller costs zero upstream calls and learns nothing about the
 * schema: no `jwt` on the context means HTTP 401 with `extensions.code: UNAUTHENTICATED`, whether the
 * token was missing, undecodable, forged or expired.
 */
export function useCallerAuth(auth: AuthConfig): Plugin[] {
  if (auth.mode === 'none') return [];
  const jwt = useJWT({
    signingKeyProviders: [
      auth.secret !== undefined
        ? createInlineSigningKeyProvider(auth.secret)
        : createRemoteJwksSigningKeyProvider({ jwksUri: auth.jwksUrl as string, cache: true, rateLimit: true, timeout: 5000 }),
    ],
    tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
    tokenVerification: {
      algorithms: auth.secret !== undefined ? ['HS256'] : ['RS256', 'ES256'],
      ...(auth.issuer !== undefined ? { issuer: auth.issuer } : {}),
      ...(auth.audience !== undefined ? { audience: auth.audience } : {}),
    },
    reject: { missingToken: false, invalidToken: false },
    extendContext: 'jwt',
  }) as Plugin;
  return [jwt, useRequireCaller(auth.requireExp)];
}

/** The caller verified by the JWT plugin, if any. */
export function verifiedCaller(context: unknown): VerifiedCaller | undefined {
  const jwt = (context as { jwt?: unknown } | null)?.jwt as { payload?: unknown } | undefined;
  return jwt && typeof jwt.payload === 'object' && jwt.payload !== null ? (jwt as VerifiedCaller) : undefined;
}

/** Whether the token grants `scope`: an OAuth 2 `scope` string (space-separated) or an `scp` list. */
export function hasScope(caller: VerifiedCaller | undefined, scope: string): boolean {
  if (!caller) return false;
  const { scope: text, scp } = caller.payload as { scope?: unknown; scp?: unknown };
  if (typeof text === 'string' && text.split(/\s+/).includes(scope)) return true;
  return Array.isArray(scp) && scp.includes(scope);
}

/** No verified caller (or, with `requireExp`, one whose token never expires): HTTP 401 before any work. */
function useRequireCaller(requireExp: boolean): Plugin {
  return {
    onParams({ context, setResult }) {
      const caller = verifiedCaller(context);
      if (caller && (!requireExp || typeof caller.payload.exp === 'number')) return;
      setResult({
        errors: [
          createGraphQLError('A valid Bearer token is required.', {
            extensions: { code: ERROR_CODES.unauthenticated, http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
          }),
        ],
      });
    },
  };
}
