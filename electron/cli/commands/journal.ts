import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PaddockError } from '../../engine/errors.js';
import { exportSession, type ExportFormat } from '../../engine/journal/journal-export.js';
import { journalPaths } from '../../engine/journal/journal-paths.js';
import { verifyTarget, type VerifyResult } from '../../engine/journal/journal-verify.js';
import { FileKeyStore } from '../../engine/journal/key-store.js';
import { ReplayIndex } from '../../engine/journal/replay-index.js';
import { playSession } from '../../engine/journal/replay-player.js';
import { dataPaths, paddockHome } from '../../engine/paths.js';

/** `paddock verify`, `paddock replay`, `paddock export` (and `paddock verify --print-key`). */
export function registerJournal(program: Command): void {
  program
    .command('verify')
    .description("Check a session's journal (or an exported bundle): hash chain, order, signed checkpoints.")
    .argument(
      '[session|bundle]',
      'session id (or unique prefix), or a bundle file from `paddock export --format jsonl`',
    )
    .option('--public-key <file>', 'PEM public key to trust (default: this install’s key)')
    .option(
      '--key-id <id>',
      "trust a bundle's embedded key if its id starts with this (compare it out of band)",
    )
    .option('--print-key', 'print this install’s public key (share it so others can verify your bundles)')
    .option('--json', 'print the full result as JSON')
    .action(
      (
        target: string | undefined,
        flags: { publicKey?: string; keyId?: string; printKey?: boolean; json?: boolean },
      ) => {
        if (flags.printKey) {
          const pem = new FileKeyStore(paddockHome()).publicKeyPem();
          if (!pem)
            throw new PaddockError(
              'JOURNAL_KEY_UNAVAILABLE',
              'This install has no journal signing key yet; it is created with the first session.',
            );
          process.stdout.write(pem);
          return;
        }
        if (!target)
          throw new PaddockError(
            'BAD_INPUT',
            'Name a session or a bundle file: `paddock verify <session|bundle>`.',
          );
        const publicKeyPem = flags.publicKey ? readFileSync(flags.publicKey, 'utf8') : undefined;
        const isFile = existsSync(target);
        const r = verifyTarget(isFile ? target : resolveSession(target), {
          publicKeyPem,
          trustedKeyId: flags.keyId,
        });
        process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : formatVerify(r));
        if (!r.ok) process.exitCode = 1;
      },
    );

  program
    .command('replay')
    .description(
      'Replay a session in this terminal (space pause, a/d/n/f jump to next approval/denial/network/file change, q quit).',
    )
    .argument('<session>', 'session id or unique prefix')
    .option('--speed <x>', 'playback speed factor', (v) => Number(v), 1)
    .option('--at <time>', 'start at this offset: seconds, or 1m30s / 90s / 01:30')
    .option('--max-idle <seconds>', 'cap pauses between outputs', (v) => Number(v), 2)
    .action(async (session: string, flags: { speed: number; at?: string; maxIdle: number }) => {
      const id = resolveSession(session);
      const index = await ReplayIndex.open(id);
      const tty = process.stdin.isTTY === true;
      if (tty) process.stdin.setRawMode(true);
      process.stdin.resume();
      try {
        await playSession(index, {
          speed: flags.speed,
          atMs: flags.at ? parseOffset(flags.at) : undefined,
          maxIdleMs: flags.maxIdle * 1000,
          out: process.stdout,
          keys: tty ? process.stdin : undefined,
        });
      } finally {
        if (tty) process.stdin.setRawMode(false);
        process.stdin.pause();
      }
    });

  program
    .command('export')
    .description(
      'Export a session: asciicast (cast), verifiable JSONL bundle (jsonl) or HTML audit report (html).',
    )
    .argument('<session>', 'session id or unique prefix')
    .requiredOption('--format <format>', 'cast | jsonl | html')
    .option('-o, --output <file>', 'write to this file (default: stdout)')
    .action((session: string, flags: { format: string; output?: string }) => {
      if (!['cast', 'jsonl', 'html'].includes(flags.format))
        throw new PaddockError(
          'BAD_INPUT',
          `Unknown export format "${flags.format}"; use cast, jsonl or html.`,
        );
      const out = exportSession(resolveSession(session), flags.format as ExportFormat);
      if (flags.output) {
        writeFileSync(flags.output, out);
        process.stderr.write(`wrote ${flags.output} (${out.length} bytes)\n`);
      } else process.stdout.write(out);
    });
}

/** A session id, or the unique session whose id starts with `prefix`. */
export function resolveSession(prefix: string): string {
  const home = paddockHome();
  if (existsSync(journalPaths(prefix, home).journal)) return prefix;
  const dir = dataPaths(home).sessions;
  const hits = existsSync(dir)
    ? readdirSync(dir).filter((d) => d.startsWith(prefix) && existsSync(journalPaths(d, home).journal))
    : [];
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1)
    throw new PaddockError(
      'BAD_INPUT',
      `"${prefix}" matches ${hits.length} sessions (${hits.slice(0, 3).join(', ')}…); give more of the id.`,
    );
  throw new PaddockError(
    'SESSION_NOT_FOUND',
    `No journal for session "${prefix}" in ${dir}. \`paddock sessions\` lists them.`,
  );
}

/** Seconds (`90`, `90.5`), `1m30s`, `2h`, or `mm:ss` / `hh:mm:ss` → milliseconds. */
export function parseOffset(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const colon = /^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(s);
  if (colon) return ((Number(colon[1] ?? 0) * 60 + Number(colon[2])) * 60 + Number(colon[3])) * 1000;
  const units = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  if (units && s !== '')
    return ((Number(units[1] ?? 0) * 60 + Number(units[2] ?? 0)) * 60 + Number(units[3] ?? 0)) * 1000;
  throw new PaddockError('BAD_INPUT', `--at "${s}" is not a time; use seconds (90), 1m30s or 01:30.`);
}

export function formatVerify(r: VerifyResult): string {
  const head = r.ok ? 'OK' : 'FAILED';
  const lines = [
    `${head}: ${r.source} ${r.sessionId} — ${r.events} events (seq 1..${r.lastSeq}), ${r.checkpoints.valid}/${r.checkpoints.total} checkpoints valid, signed up to seq ${r.checkpoints.lastSignedSeq}${r.checkpoints.final ? ' (closed)' : ''}, key ${r.keyId ?? 'none'}`,
  ];
  for (const f of r.findings)
    lines.push(
      `  ${f.severity === 'error' ? 'ERROR' : 'warn '} ${f.kind}${f.seq !== undefined ? ` @seq ${f.seq}` : ''}${f.line !== undefined ? ` line ${f.line}` : ''}: ${f.message}`,
    );
  return `${lines.join('\n')}\n`;
}
