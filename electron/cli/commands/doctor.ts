import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the container engine, images and data directory; say what to do about each problem.')
    .option('--fix', 'start/install an engine (Linux + apt + root) and build the default image')
    .option('--json', 'print JSON')
    .action(async (flags: { fix?: boolean; json?: boolean }) => {
      await (await import('./doctor-actions.js')).doctor(flags);
    });
}
