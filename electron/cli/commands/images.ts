import type { Command } from 'commander';
import { AGENTS } from '../../engine/sandbox/image-recipe.js';

// Registration only; the work is loaded when a command runs (keeps `paddock` start-up light).
export function registerImages(program: Command): void {
  const images = program
    .command('images')
    .description("Build and list Paddock's sandbox images (built locally, no registry).");

  images
    .command('build')
    .description(
      'Build the default agent image (and an agent layer with --agent) unless the current recipe is already built.',
    )
    .option('--agent <name>', `also build the layer for one agent CLI (${AGENTS.join(', ')})`)
    .option('--force', 'rebuild every step even if the images exist')
    .option('--verbose', 'stream the build output')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { agent?: string; force?: boolean; verbose?: boolean; json?: boolean }) => {
      await (await import('./images-actions.js')).buildImages(flags);
    });

  images
    .command('list')
    .description("List Paddock's images and whether the current recipe's images are present.")
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await (await import('./images-actions.js')).listImages(flags);
    });

  images
    .command('prune')
    .description("Remove Paddock's images that the current recipe no longer builds (never ones a container uses).")
    .option('--dry-run', 'only say what would be removed')
    .option('--json', 'print JSON')
    .action(async (flags: { dryRun?: boolean; json?: boolean }) => {
      await (await import('./images-actions.js')).pruneImages(flags);
    });
}
