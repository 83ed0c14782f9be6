import type { Command } from 'commander';
import type { SessionRecord } from '../../engine/sessions/session-store.js';
import { dataPaths } from '../../engine/paths.js';

export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('List past and running sessions (newest first).')
    .option('--json', 'print JSON')
    .option('-n, --limit <n>', 'show at most n sessions', (v) => Number(v), 50)
    .option('--rebuild', 'rebuild the index from the session journals (they are the record; the index is a cache)')
    .action(async (flags: { json?: boolean; limit: number; rebuild?: boolean }) => {
      const { SessionStore } = await import('../../engine/sessions/session-store.js');
      if (flags.rebuild) {
        const { rebuildIndex } = await import('../../engine/journal/journal-summary.js');
        const { recordFromSummary } = await import('../../engine/sessions/index-rebuild.js');
        const n = await new SessionStore(dataPaths().index).rebuild(rebuildIndex().map(recordFromSummary));
        process.stderr.write(`paddock: rebuilt the sessions index from ${n} journal(s)\n`);
      }
      const sessions = (await new SessionStore(dataPaths().index).list()).slice(0, flags.limit);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
        return;
      }
      if (sessions.length === 0) {
        process.stdout.write('no sessions yet; start one with `paddock run --repo <dir>`\n');
        return;
      }
      process.stdout.write(formatTable(sessions));
    });
}

export function formatTable(sessions: SessionRecord[]): string {
  const rows = sessions.map((s) => [
    s.id,
    s.state,
    s.exitCode === null ? '-' : String(s.exitCode),
    duration(s),
    s.agent,
    s.repo,
    s.command.join(' ').slice(0, 40),
  ]);
  const head = ['SESSION', 'STATE', 'EXIT', 'DURATION', 'AGENT', 'REPO', 'COMMAND'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[head, ...rows].map(line).join('\n')}\n`;
}

function duration(s: SessionRecord): string {
  const end = s.endedAt ? Date.parse(s.endedAt) : Date.now();
  const secs = Math.max(0, Math.round((end - Date.parse(s.startedAt)) / 1000));
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m${String(secs % 60).padStart(2, '0')}s`;
  return `${Math.floor(secs / 3600)}h${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}m`;
}
