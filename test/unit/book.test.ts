import { describe, expect, it } from 'vitest';
import { createLocalBookStore } from '../../src/book/local-book.js';
import { compareCodePoints } from '../../src/book/sorted-index.js';
import { decodeNumber, encodeNumber, indexMember, parseMember } from '../../src/book/lex-keys.js';
import { describeBookCases } from './book-cases.js';

describeBookCases('in process', async () => createLocalBookStore());

describe("the Redis book's member encoding", () => {
  const numbers = [-Infinity, -1e300, -5, -0.5, -1e-300, 0, 1e-300, 0.25, 1, 3, 1e9, 1e300, Infinity];
  it('number keys sort as the numbers do, and decode to them', () => {
    const encoded = numbers.map(encodeNumber);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encoded.map(decodeNumber)).toEqual(numbers);
    expect(encodeNumber(-0)).toBe(encodeNumber(0));
  });
  it('members keep the key order, ties by UIN, and parse back', () => {
    const members = [indexMember(1, 900), indexMember(1, 1000), indexMember(2, 5), indexMember('ab', 7), indexMember('abc', 1)];
    expect([members[0], members[1], members[2]]).toEqual([...members.slice(0, 3)].sort());
    expect(indexMember('ab', 7) < indexMember('abc', 1)).toBe(true);
    expect(parseMember(members[1] as string, true)).toEqual({ key: 1, uin: 1000 });
    expect(parseMember(members[3] as string, false)).toEqual({ key: 'ab', uin: 7 });
  });
  it('code point order matches the order of UTF-8 bytes', () => {
    const names = ['\u{1F600}', '\uFF21', 'z', '\u00e9', 'a\u{10000}', 'a\uFFFF'];
    const byBytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...names].sort(compareCodePoints)).toEqual(byBytes);
  });
});
