import type { Command } from 'commander';
import { parsePositive } from '../parse.js';

export interface ServeFlags {
  port?: number;
  ui?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the Paddock UI and its API on 127.0.0.1 (HTTP + WebSocket); the printed URL carries a random token every request needs. Use an SSH tunnel to reach it from another machine.',
    )
    .option('--port <n>', 'port to listen on (default: a free one)', parsePositive)
    .option('--ui <dir>', 'the built renderer (default: out/renderer in the Paddock package; build it with `npx electron-vite build`)')
    .action(async (flags: ServeFlags) => {
      const { serve } = await import('./serve-actions.js');
      await serve(flags);
    });
}
