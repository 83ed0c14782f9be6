import { PaddockError } from '../../engine/errors.js';
import { connectEngine } from '../../engine/sandbox/docker-client.js';
import {
  type BuildProgress,
  type EnsuredImage,
  ensureAgentImage,
  ensureDefaultImage,
} from '../../engine/sandbox/image-builder.js';
import { currentTags, listPaddockImages, prunePaddockImages } from '../../engine/sandbox/image-list.js';
import { AGENTS, isAgentName } from '../../engine/sandbox/image-recipe.js';

function progressPrinter(verbose: boolean): (e: BuildProgress) => void {
  const t0 = Date.now();
  return (e) => {
    const at = `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    if (e.type === 'step') process.stderr.write(`paddock: [${e.index}/${e.count}] ${e.name} (${at})\n`);
    else if (e.type === 'wait') process.stderr.write(`paddock: ${e.line}\n`);
    else if (verbose) process.stderr.write(`  ${e.line}\n`);
  };
}

function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

export async function buildImages(flags: {
  agent?: string;
  force?: boolean;
  verbose?: boolean;
  json?: boolean;
}): Promise<void> {
  if (flags.agent !== undefined && !isAgentName(flags.agent)) {
    throw new PaddockError('BAD_INPUT', `unknown agent "${flags.agent}"; choose one of ${AGENTS.join(', ')}`);
  }
  const { docker } = await connectEngine();
  const opts = { force: flags.force ?? false, onProgress: progressPrinter(flags.verbose ?? false) };
  const t0 = Date.now();
  const res: EnsuredImage = flags.agent
    ? await ensureAgentImage(docker, flags.agent, opts)
    : await ensureDefaultImage(docker, opts);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...res, seconds: Number(secs) })}\n`);
  } else {
    process.stderr.write(`paddock: ${res.built ? `built in ${secs}s` : 'up to date (nothing to build)'}\n`);
    process.stdout.write(`${res.tag}\n`);
  }
}

export async function listImages(flags: { json?: boolean }): Promise<void> {
  const { docker } = await connectEngine();
  const rows = await listPaddockImages(docker);
  const cur = currentTags();
  const present = new Set(rows.map((r) => r.tag));
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ current: cur, defaultPresent: present.has(cur.image), images: rows }, null, 2)}\n`,
    );
    return;
  }
  const table = [['TAG', 'KIND', 'RECIPE', 'SIZE', 'CREATED', 'CURRENT']];
  for (const r of rows) {
    table.push([
      r.tag,
      r.kind,
      r.recipe,
      size(r.size),
      r.created.toISOString().replace('T', ' ').slice(0, 19),
      r.current ? 'yes' : 'old',
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  const state = present.has(cur.image) ? 'present' : 'missing — run `paddock images build`';
  process.stdout.write(`\ncurrent default image ${cur.image}: ${state}\n`);
}

export async function pruneImages(flags: { dryRun?: boolean; json?: boolean }): Promise<void> {
  const { docker } = await connectEngine();
  const rows = await prunePaddockImages(docker, { dryRun: flags.dryRun ?? false });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ dryRun: flags.dryRun ?? false, images: rows }, null, 2)}\n`);
    return;
  }
  for (const r of rows) process.stdout.write(`${r.outcome.padEnd(14)} ${r.tag} (${r.kind}, ${size(r.size)})\n`);
  const freed = rows.filter((r) => r.outcome === 'removed' || r.outcome === 'would remove');
  process.stderr.write(
    rows.length === 0
      ? 'paddock: nothing to prune; every Paddock image is one the current recipe builds\n'
      : `paddock: ${flags.dryRun ? 'would remove' : 'removed'} ${freed.length} of ${rows.length} old image tag(s)\n`,
  );
}
