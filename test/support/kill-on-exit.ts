import type { ChildProcess } from 'node:child_process';

/** Children SIGKILLed when this (test or benchmark) process exits: one listener for all of them. */
const children = new Set<ChildProcess>();
let listening = false;

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (listening) return;
  listening = true;
  process.once('exit', () => {
    for (const running of children) running.kill('SIGKILL');
  });
}
