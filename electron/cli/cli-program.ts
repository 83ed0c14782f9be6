import { Command, CommanderError } from 'commander';
import { errorMessage, isPaddockError } from '../engine/errors.js';
import { trace } from '../engine/trace.js';
import type { CliIO } from './cli-io.js';

type Register = (program: Command, io: CliIO) => void;

/**
 * Each command family's module, loaded only when that command runs (every one for --help), so a
 * short `paddock run` does not pay for the policy engine, the replay terminal, and so on.
 */
export const families: Array<{ commands: string[]; load: () => Promise<Register> }> = [
  { commands: ['run'], load: async () => (await import('./commands/run.js')).registerRun },
  { commands: ['sessions'], load: async () => (await import('./commands/sessions.js')).registerSessions },
  { commands: ['doctor'], load: async () => (await import('./commands/doctor.js')).registerDoctor },
  { commands: ['images'], load: async () => (await import('./commands/images.js')).registerImages },
  { commands: ['policy'], load: async () => (await import('./commands/policy.js')).registerPolicy },
  { commands: ['verify', 'replay', 'export'], load: async () => (await import('./commands/journal.js')).registerJournal },
  { commands: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  { commands: ['engine'], load: async () => (await import('./commands/engine.js')).registerEngine },
];

/** commander's own colour rule (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE), on the given environment. */
function useColor(env: NodeJS.ProcessEnv): boolean | undefined {
  if (env.NO_COLOR || env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined) return true;
  return undefined;
}

/**
 * Parse and run one `paddock` command line on a front end's IO: the in-process CLI and the warm
 * engine (one call per client) go through here, so a bad flag or a failing command gives the
 * same message and exit code either way. `only` restricts the families (the engine runs `run`).
 * Resolves to the exit code (undefined: the command set none, exit 0) and whether the command
 * failed (commander's exits and errors: the in-process CLI then exits at once, as it always has).
 */
export async function runCli(argv: readonly string[], io: CliIO, only?: readonly string[]): Promise<{ exitCode: number | undefined; failed: boolean }> {
  // commander calls the exit override (subcommands inherit it) only for what it has reported
  // itself: a bad flag (its message printed), --help, --version. Any other CommanderError — an
  // InvalidArgumentError thrown by an action, say — was printed by nobody and must not vanish.
  let reported: CommanderError | undefined;
  const program = new Command('paddock')
    .description('Supervise AI coding agents in hardened local containers.')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander types these as number, but treats undefined as "not a terminal" (its own default).
      getOutHelpWidth: () => (io.stdoutIsTTY ? io.size()?.cols : undefined) as number,
      getErrHelpWidth: () => (io.stderrIsTTY ? io.size()?.cols : undefined) as number,
      getOutHasColors: () => useColor(io.env) ?? io.stdoutHasColors,
      getErrHasColors: () => useColor(io.env) ?? io.stderrHasColors,
    })
    .exitOverride((err) => {
      reported = err;
      throw err;
    });

  const wanted = argv[2];
  const allowed = only ? families.filter((f) => f.commands.some((c) => only.includes(c))) : families;
  const family = allowed.find((f) => wanted !== undefined && f.commands.includes(wanted));
  for (const f of family ? [family] : allowed) (await f.load())(program, io);

  try {
    await program.parseAsync(argv);
    trace('command done');
    return { exitCode: io.exitCode, failed: false };
  } catch (e) {
    if (e instanceof CommanderError && e === reported) return { exitCode: e.exitCode, failed: true };
    const code = isPaddockError(e) ? ` [${e.code}]` : '';
    io.stderr.write(`paddock: ${errorMessage(e)}${code}\n`);
    if (io.env.PADDOCK_DEBUG && e instanceof Error) io.stderr.write(`${e.stack}\n`);
    return { exitCode: isPaddockError(e) ? 125 : e instanceof CommanderError ? e.exitCode || 1 : 1, failed: true };
  }
}
