#!/usr/bin/env node
// Runs `paddock serve` for the e2e tests: the bundled CLI when it has the command, otherwise the
// tsc output in out/node (before `serve` is wired into electron/cli/main.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const help = spawnSync(process.execPath, [`${root}bin/paddock.js`, '--help'], { encoding: 'utf8' });
if (/^\s+serve\b/m.test(help.stdout ?? '')) {
  process.argv = [process.argv[0], `${root}bin/paddock.js`, 'serve', ...args];
  await import(`${root}out/cli/main.js`);
} else {
  const { Command } = await import('commander');
  const { registerServe } = await import(`${root}out/node/cli/commands/serve.js`);
  const program = new Command('paddock');
  registerServe(program);
  await program.parseAsync(['node', 'paddock', 'serve', ...args]);
}
