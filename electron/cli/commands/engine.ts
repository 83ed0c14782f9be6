import type { Command } from 'commander';
import type { CliIO } from '../cli-io.js';
import { parseDuration } from '../parse.js';

export function registerEngine(program: Command, io: CliIO): void {
  const engine = program
    .command('engine')
    .description(
      'A warm engine process for this PADDOCK_HOME: `paddock run` hands its session to it when it runs (much faster start); set PADDOCK_NO_ENGINE=1 to run in-process.',
    );
  engine
    .command('start')
    .description('start the engine in the background (log: $PADDOCK_HOME/engine.log) and wait until it answers')
    .option('--idle <duration>', 'stop by itself after this long without a run (e.g. 30m, 2h); default: run until stopped', parseDuration)
    .action(async (flags: { idle?: number }) => {
      const { engineStart } = await import('./engine-actions.js');
      io.exitCode = await engineStart(io, flags.idle);
    });
  engine
    .command('status')
    .description('whether an engine runs for this PADDOCK_HOME: pid, socket, build, live sessions (exit 1 when none)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: { json?: boolean }) => {
      const { engineStatus } = await import('./engine-actions.js');
      io.exitCode = await engineStatus(io, !!flags.json);
    });
  engine
    .command('stop')
    .description('stop the engine: its live sessions are stopped first (journaled), then it exits')
    .action(async () => {
      const { engineStop } = await import('./engine-actions.js');
      io.exitCode = await engineStop(io);
    });
  engine
    .command('run')
    .description('run the engine in the foreground (what `engine start` runs); SIGINT/SIGTERM stop it as `engine stop` does')
    .option('--idle <duration>', 'stop by itself after this long without a run', parseDuration)
    .action(async (flags: { idle?: number }) => {
      const { engineRun } = await import('./engine-actions.js');
      await engineRun(flags.idle);
    });
}
