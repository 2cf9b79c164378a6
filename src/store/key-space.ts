import { createHash } from 'node:crypto';

/**
 * The key space of one upstream account in a shared Redis: `<prefix><account>:`, where `<account>` is
 * a stable hash of the SecretId and the endpoint. Every shared key (budget, caches, denylist,
 * directory pages, the deployment's UIN queues) lives under it, so two gateways for two reseller
 * accounts on one Redis and one prefix share nothing but the server. The SecretId is an identifier,
 * not a secret, but hashing it keeps key names short and uniform; the SecretKey is never part of it.
 */
export function accountKeyPrefix(prefix: string, account: { readonly secretId: string; readonly endpoint: string }): string {
  const digest = createHash('sha256').update(`${account.secretId}\n${new URL(account.endpoint).origin}`).digest('base64url');
  return `${prefix}${digest.slice(0, 16)}:`;
}
