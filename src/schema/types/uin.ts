import { GraphQLError, Kind, print, type ValueNode } from 'graphql';
import { ERROR_CODES } from '../../error-codes.js';
import { builder } from '../builder.js';

/**
 * Tencent Cloud UINs are 12-digit numbers: above GraphQL `Int` (2^31 - 1), safely below 2^53.
 * Input accepts a decimal string or an integer literal; output is always a decimal string, so no
 * client ever rounds one through a float.
 */
export const UIN = builder.scalarType('UIN', {
  description: 'A Tencent Cloud account ID (UIN). Input: decimal string or integer literal. Output: decimal string.',
  serialize: (value) => String(value),
  parseValue: (value) => parseUin(value),
  parseLiteral: (node) => parseUin(literalValue(node), () => print(node)),
});

/** `shown` names the value in the error: the literal's source text, or (default) the JSON value. Made only for the error. */
export function parseUin(value: unknown, shown?: () => string): number {
  if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) {
    const uin = Number(value);
    if (Number.isSafeInteger(uin)) return uin;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  throw new GraphQLError(
    `UIN must be a positive whole number up to ${Number.MAX_SAFE_INTEGER}, as a decimal string or integer; got ${shown?.() ?? describe(value)}.`,
    { extensions: { code: ERROR_CODES.badUserInput } },
  );
}

function literalValue(node: ValueNode): unknown {
  switch (node.kind) {
    // Literal digits stay a string here, so a value beyond 2^53 is seen, not rounded away.
    case Kind.INT:
    case Kind.STRING:
    case Kind.FLOAT:
      return node.value;
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return typeof value;
}
