import { createHash } from 'node:crypto';

/**
 * The key space of one upstream account in a shared Redis: `<prefix><account>:`, where `<account>` is
 * a stable hash of the SecretId and the endpoint. Every shared key (budget, caches, denylist,
 * directory pages, the deployment's UIN queues) lives under it, so two gateways for two reseller
 * accounts on one Redis and one prefix share nothing but the server. The SecretId is an identifier,
 * not a secret, but hashing it keeps key names short and uniform; the SecretKey is never part of it.
 */
export function accountKeyPrefix(prefix: string, account: { readonly secretId: string; readonly endpoint: string }, options: { readonly cluster?: boolean } = {}): string {
  const digest = createHash('sha256').update(`${account.secretId}\n${new URL(account.endpoint).origin}`).digest('base64url');
  // On a Redis Cluster the account is a hash tag: every key of one account in one slot (so a script
  // may touch several), the accounts spread over the masters. On one server the keys stay as they
  // were, so a rolling upgrade never splits a deployment's window between two key formats.
  return options.cluster ? `${prefix}{${digest.slice(0, 16)}}:` : `${prefix}${digest.slice(0, 16)}:`;
}
