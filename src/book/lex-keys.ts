import type { KeyBounds, SortKey } from './sorted-index.js';

/**
 * Book index members for Redis sorted sets read by `ZRANGEBYLEX` (every score 0): `<key><uin>`, where a
 * number key is 16 hex digits that sort as the number does (IEEE 754 bits, the sign flipped for
 * positives, every bit for negatives) and a name key is the case-folded name and a NUL; the UIN is 16
 * decimal digits. The set's own order is then the key's, ties by UIN ascending, and a range of keys is
 * a range of members. Redis compares bytes, so names sort by code point (as `SortedIndex` does).
 */
const UIN_DIGITS = 16;
const scratch = Buffer.alloc(8);

export const uinMember = (uin: number): string => String(uin).padStart(UIN_DIGITS, '0');

export function encodeNumber(value: number): string {
  scratch.writeDoubleBE(value === 0 ? 0 : value);
  const negative = ((scratch[0] as number) & 0x80) !== 0;
  for (let i = 0; i < 8; i++) scratch[i] = negative ? ~(scratch[i] as number) & 0xff : i === 0 ? (scratch[0] as number) | 0x80 : (scratch[i] as number);
  return scratch.toString('hex');
}

export function decodeNumber(hex: string): number {
  scratch.write(hex, 'hex');
  const negative = ((scratch[0] as number) & 0x80) === 0;
  for (let i = 0; i < 8; i++) scratch[i] = negative ? ~(scratch[i] as number) & 0xff : i === 0 ? (scratch[0] as number) & 0x7f : (scratch[i] as number);
  return scratch.readDoubleBE(0);
}

const keyPart = (key: SortKey): string => (typeof key === 'number' ? encodeNumber(key) : `${key}\0`);

export const indexMember = (key: SortKey, uin: number): string => keyPart(key) + uinMember(uin);

export function parseMember(member: string, numeric: boolean): { uin: number; key: SortKey } {
  const key = member.slice(0, -UIN_DIGITS);
  return { uin: Number(member.slice(-UIN_DIGITS)), key: numeric ? decodeNumber(key) : key.slice(0, -1) };
}

/** `ZRANGEBYLEX` bounds of a range of number keys (`~` sorts above every UIN digit). */
export function lexBounds(bounds: KeyBounds): [string, string] {
  const { lower, upper } = bounds;
  const low = !lower ? '-' : lower.inclusive ? `[${keyPart(lower.key)}` : `(${keyPart(lower.key)}~`;
  const high = !upper ? '+' : upper.inclusive ? `(${keyPart(upper.key)}~` : `(${keyPart(upper.key)}`;
  return [low, high];
}
