import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { BookFilter, BookQuery } from '../book/book.js';
import type { SortKey } from '../book/sorted-index.js';
import { ERROR_CODES } from '../error-codes.js';

/**
 * Cursors of pages read from the book: the last row's sort key and UIN (so the next page starts
 * right after it, whatever changed in between, on any replica), and a signature of the order and
 * filter, so a cursor is never applied to another query.
 */
export function querySignature(order: BookQuery['order'], filter: BookFilter): string {
  return createHash('sha256').update(JSON.stringify([order ?? null, filter])).digest('base64url').slice(0, 12);
}

export function bookCursor(row: { readonly key: SortKey | null; readonly uin: number }, signature: string): string {
  return Buffer.from(JSON.stringify({ k: row.key, u: row.uin, s: signature })).toString('base64url');
}

export function parseBookCursor(cursor: string, signature: string): { key: SortKey | null; uin: number } {
  let parsed: { k?: unknown; u?: unknown; s?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const key = parsed?.k;
  if (!parsed || parsed.s !== signature || !Number.isSafeInteger(parsed.u) || !(key === null || typeof key === 'number' || typeof key === 'string')) {
    throw new GraphQLError('after is not a cursor of this allCustomers query (same orderBy and where); pass pageInfo.endCursor of an earlier page.', {
      extensions: { code: ERROR_CODES.badUserInput },
    });
  }
  return { key, uin: parsed.u as number };
}
