import { createInlineSigningKeyProvider, createRemoteJwksSigningKeyProvider, extractFromHeader, useJWT } from '@graphql-yoga/plugin-jwt';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { AuthConfig } from '../config.js';
import { ERROR_CODES } from '../error-codes.js';

/**
 * Optional JWT verification of callers (`@graphql-yoga/plugin-jwt`): HS256 with a shared secret, or
 * RS256/ES256 keys from a JWKS URL. Applies to `/graphql` only; `/health`, `/ready` and `/metrics`
 * stay open. Rejection happens while the request is parsed, so it costs zero upstream calls.
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
    reject: { missingToken: true, invalidToken: true },
  }) as Plugin;
  return [jwt, useUnauthenticatedErrors()];
}

/**
 * The JWT plugin answers a missing or unverifiable token with 401 but an undecodable one with 400,
 * and without an error code. Callers get one shape: HTTP 401, `extensions.code: UNAUTHENTICATED`.
 */
function useUnauthenticatedErrors(): Plugin {
  const messages = new Set(['Unauthenticated', 'Invalid authentication token provided']);
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.some((error) => messages.has(error.message))) return;
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
