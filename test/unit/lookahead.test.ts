import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { lookahead, type LookaheadField } from '../../src/schema/lookahead.js';

const schema = buildSchema(`
  type Query { customers: [Customer!]! connection: Connection! }
  type Connection { edges: [Edge!]! nodes: [Customer!]! }
  type Edge { node: Customer! }
  type Customer { uin: String! voucherQuota(maxAge: Int): Int profile(maxAge: Int): Int vouchers(status: Status, maxAge: Int): Int }
  enum Status { USED UNUSED }
`);
const LOADED = new Set(['voucherQuota', 'profile', 'vouchers']);

/** What `lookahead` sees from the root field of `document`, resolved for real by graphql-js. */
function look(document: string, variables: Record<string, unknown> = {}, path: string[] = []): LookaheadField[] {
  let found: LookaheadField[] = [];
  const capture = (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
    found = lookahead(info, 'Customer', [path], LOADED);
    return path.length === 0 ? [] : { edges: [], nodes: [] };
  };
  const result = execute({ schema, document: parse(document), variableValues: variables, rootValue: { customers: capture, connection: capture } });
  expect((result as { errors?: unknown }).errors).toBeUndefined();
  return found;
}

describe('lookahead', () => {
  it('finds the loaded fields the items select, with their arguments, each distinct pair once', () => {
    expect(look('{ customers { uin voucherQuota a: voucherQuota b: voucherQuota(maxAge: 0) profile } }')).toEqual([
      { name: 'voucherQuota', args: {} },
      { name: 'voucherQuota', args: { maxAge: 0 } },
      { name: 'profile', args: {} },
    ]);
  });

  it('follows fragment spreads and inline fragments, and takes arguments from variables', () => {
    const document = `query ($age: Int, $status: Status) {
      customers { ...Quota ... on Customer { vouchers(status: $status) } ... @defer { profile } }
    }
    fragment Quota on Customer { voucherQuota(maxAge: $age) }`;
    expect(look(document, { age: 30, status: 'USED' })).toEqual([
      { name: 'voucherQuota', args: { maxAge: 30 } },
      { name: 'vouchers', args: { status: 'USED' } },
      { name: 'profile', args: {} },
    ]);
  });

  it('drops what @skip and @include exclude', () => {
    const document = `query ($skip: Boolean!) {
      customers { voucherQuota @skip(if: $skip) profile @include(if: false) ... @include(if: false) { vouchers } }
    }`;
    expect(look(document, { skip: true })).toEqual([]);
    expect(look(document, { skip: false })).toEqual([{ name: 'voucherQuota', args: {} }]);
  });

  it('walks a path down a connection, and finds nothing where the items select no loaded field', () => {
    const document = '{ connection { edges { node { voucherQuota } } nodes { uin } } }';
    expect(look(document, {}, ['edges', 'node'])).toEqual([{ name: 'voucherQuota', args: {} }]);
    expect(look(document, {}, ['nodes'])).toEqual([]);
  });
});
