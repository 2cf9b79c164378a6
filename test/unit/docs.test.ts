import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * The docs a newcomer reads: a short front page, and every relative link and every repository path
 * the docs name exists (anchors included, so a moved section cannot leave a dead link behind).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const DOCS = ['README.md', ...readdirSync(`${ROOT}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchorsOf = (file: string) => new Set([...read(file).matchAll(/^#+\s+(.+)$/gm)].map((match) => slug((match[1] as string).replace(/`/g, ''))));
const dirOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '');
const normalise = (path: string) => {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
};

describe('the docs', () => {
  it('the README is a front page of at most 12 KB that opens with the two commands', () => {
    const readme = read('README.md');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
    expect(readme).toMatch(/^# Voucher Gateway\n\n```sh\nnpm ci && npm start\n```\n```sh\nnpm ci && npm run verify\n```/);
  });

  it.each(DOCS)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const match of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] as string;
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : normalise(dirOf(file) + path);
      if (!existsSync(`${ROOT}${resolved}`)) broken.push(target);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every repository path it names in backticks exists', (file) => {
    const missing = [...read(file).matchAll(/`((?:src|test|bench|scripts|docs|operations)\/[\w./-]+)`/g)]
      .map((match) => (match[1] as string).replace(/[.,:]$/, ''))
      .filter((path) => !path.includes('*') && !existsSync(`${ROOT}${path}`));
    expect(missing).toEqual([]);
  });

  it("the README's example queries are valid against the committed schema", () => {
    const schema = buildSchema(read('schema.graphql').replace(/^extend schema[^\n]*\n(\s+@[^\n]*\n)*/m, ''), { assumeValidSDL: true });
    const queries = [...read('README.md').matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    expect(queries.length).toBe(3);
    for (const query of queries) expect(validate(schema, parse(query)).map((error) => error.message)).toEqual([]);
  });
});
