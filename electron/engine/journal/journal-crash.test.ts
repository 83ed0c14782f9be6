import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from './journal-test-helpers.js';
import { verifySession } from './journal-verify.js';
import { JournalWriter } from './journal-writer.js';

/**
 * Crash test: a child process appends heavily (group commits written in 4 KB write() calls so a
 * kill can land between them) and is SIGKILLed at a
 * random moment, over 100 times. After every kill the journal must verify (no error) up to its
 * last event, keep every event the child had seen acknowledged as durable, and report any
 * torn tail; reopening recovers the tail and records it.
 */
const ROUNDS = 110;
let home: string;
let cleanup: () => void;
let child: string;

const CHILD = `
import { JournalWriter } from './writer.mjs';
const [home, sid] = process.argv.slice(2);
const w = JournalWriter.open({ home, sessionId: sid, checkpointEvery: 5000, checkpointIntervalMs: 30, maxBatchBytes: 1 << 20, flushIntervalMs: 1, writeChunkBytes: 4096 });
let i = 0;
for (;;) {
  for (let k = 0; k < 1500; k++) {
    i++;
    if (i % 7 === 0) w.append('policy.decision', { command: 'npm test ' + i, decision: i % 2 ? 'allow' : 'ask' });
    else w.append('terminal.output', { data: 'out '.repeat(i % 90) + i + '\\r\\n' });
  }
  await w.flush();
  process.stdout.write('durable ' + w.lastSeq + '\\n');
}
`;

beforeAll(async () => {
  ({ home, cleanup } = tempHome());
  await build({ entryPoints: [join(import.meta.dirname, 'journal-writer.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(home, 'writer.mjs'), logLevel: 'silent' });
  child = join(home, 'child.mjs');
  writeFileSync(child, CHILD);
});
afterAll(() => cleanup());

function runAndKill(sid: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, join(home, 'data'), sid], { stdio: ['ignore', 'pipe', 'pipe'] });
    let durable = 0;
    let err = '';
    let armed = false;
    p.stdout.setEncoding('utf8').on('data', (s: string) => {
      for (const m of s.matchAll(/durable (\d+)/g)) durable = Math.max(durable, Number(m[1]));
      if (!armed) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    });
    p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(durable) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('crash: kill -9 while writing', () => {
  it(`verifies after each of ${ROUNDS} kills and recovers torn tails`, { timeout: 120_000 }, async () => {
    let torn = 0;
    let tornCheckpoints = 0;
    const sessions = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      const sid = `crash-${Math.floor(i / 5)}`;
      sessions.add(sid);
      const acknowledged = await runAndKill(sid, Math.floor(Math.random() * 30));
      const r = verifySession(sid, { home: join(home, 'data') });
      const errs = r.findings.filter((f) => f.severity === 'error');
      expect(errs, `round ${i}: ${errs.map((f) => f.message).join('; ')}`).toEqual([]);
      expect(r.lastSeq).toBeGreaterThanOrEqual(acknowledged);
      if (r.tornTailBytes > 0) {
        torn++;
        expect(r.findings.find((f) => f.kind === 'torn-tail' && f.seq === r.lastSeq + 1)).toBeDefined();
      }
      if (r.findings.some((f) => f.kind === 'torn-tail' && f.seq === undefined)) tornCheckpoints++;
    }
    // Recover the last round of each session too, then count the recovery records.
    let recovered = 0;
    for (const sid of sessions) {
      await JournalWriter.open({ home: join(home, 'data'), sessionId: sid }).close();
      const r = verifySession(sid, { home: join(home, 'data') });
      expect(r.ok).toBe(true);
      expect(r.checkpoints.final).toBe(true);
      recovered += r.findings.filter((f) => f.kind === 'recovered').length;
    }
    expect(recovered).toBe(torn);
    console.log(`crash test: ${ROUNDS} kills, ${torn} torn journal tails recovered, ${tornCheckpoints} torn checkpoint lines`);
  });
});
