import type { Command as CommandT } from 'commander';
import { Command, CommanderError } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { errorMessage, isPaddockError } from '../engine/errors.js';
import { trace } from '../engine/trace.js';

type Register = (program: CommandT) => void;

/**
 * Each command family's module, loaded only when that command runs (every one for --help), so a
 * short `paddock run` does not pay for the policy engine, the replay terminal, and so on.
 */
const families: Array<{ commands: string[]; load: () => Promise<Register> }> = [
  { commands: ['run'], load: async () => (await import('./commands/run.js')).registerRun },
  { commands: ['sessions'], load: async () => (await import('./commands/sessions.js')).registerSessions },
  { commands: ['doctor'], load: async () => (await import('./commands/doctor.js')).registerDoctor },
  { commands: ['images'], load: async () => (await import('./commands/images.js')).registerImages },
  { commands: ['policy'], load: async () => (await import('./commands/policy.js')).registerPolicy },
  { commands: ['verify', 'replay', 'export'], load: async () => (await import('./commands/journal.js')).registerJournal },
  { commands: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
];

trace('main loaded');
const program = new Command('paddock')
  .description('Supervise AI coding agents in hardened local containers.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

const wanted = process.argv[2];
// Short-lived commands compile the 1.3 MB bash grammar (policy engine) with V8's baseline wasm
// compiler only: optimising it costs ~1.2 s of CPU that a one-shot command never earns back
// (and stalls the event loop meanwhile). The long-running `serve` keeps the optimising tier.
if (wanted !== 'serve') setFlagsFromString('--liftoff-only');
const family = families.find((f) => wanted !== undefined && f.commands.includes(wanted));
for (const f of family ? [family] : families) (await f.load())(program);

try {
  await program.parseAsync(process.argv);
  trace('command done');
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const code = isPaddockError(e) ? ` [${e.code}]` : '';
  process.stderr.write(`paddock: ${errorMessage(e)}${code}\n`);
  if (process.env.PADDOCK_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(isPaddockError(e) ? 125 : 1);
}
