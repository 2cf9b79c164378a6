import { readFileSync } from 'node:fs';

/**
 * The Lua scripts under `./lua/`, one file each, named for what they do and their key count
 * (BullMQ's convention: `take-slot-1.lua` takes one key). Each file opens with its KEYS, ARGV and
 * output. Read once at start-up; ioredis runs them by SHA (`defineCommand`), loading on a miss.
 */
export function luaScript(name: string): { lua: string; numberOfKeys: number } {
  const numberOfKeys = Number(/-(\d+)$/.exec(name)?.[1]);
  if (!Number.isInteger(numberOfKeys)) throw new TypeError(`a Lua script name ends with its key count, e.g. take-slot-1; got ${name}`);
  return { lua: readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'), numberOfKeys };
}
