import { Command, CommanderError } from 'commander';
import { errorMessage, isPaddockError } from '../engine/errors.js';
import { registerDoctor } from './commands/doctor.js';
import { registerImages } from './commands/images.js';
import { registerRun } from './commands/run.js';
import { registerSessions } from './commands/sessions.js';

const program = new Command('paddock')
  .description('Supervise AI coding agents in hardened local containers.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerDoctor(program);
registerImages(program);
registerRun(program);
registerSessions(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const code = isPaddockError(e) ? ` [${e.code}]` : '';
  process.stderr.write(`paddock: ${errorMessage(e)}${code}\n`);
  if (process.env.PADDOCK_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(isPaddockError(e) ? 125 : 1);
}
