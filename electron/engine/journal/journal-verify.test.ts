import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCheckpoint, signCheckpoint } from './checkpoints.js';
import { exportBundle } from './journal-bundle.js';
import { journalPaths } from './journal-paths.js';
import { tempHome, writeSession } from './journal-test-helpers.js';
import { verifyBundleFile, verifySession, type VerifyResult } from './journal-verify.js';
import { FileKeyStore, signingKeyFromPrivatePem } from './key-store.js';

const SID = 'sess-tamper';
let home: string;
let cleanup: () => void;
let journal: string;

function lines(): string[] {
  return readFileSync(journal, 'utf8').split('\n').slice(0, -1);
}
function rewrite(ls: string[]): void {
  writeFileSync(journal, ls.map((l) => `${l}\n`).join(''));
}
function errors(r: VerifyResult) {
  return r.findings.filter((f) => f.severity === 'error');
}
function lineOfSeq(seq: number): number {
  return lines().findIndex((l) => l.startsWith(`{"seq":${seq},`));
}

beforeEach(async () => {
  ({ home, cleanup } = tempHome());
  journal = journalPaths(SID, home).journal;
  await writeSession(home, SID, 60);
});
afterEach(() => cleanup());

describe('verify', () => {
  it('accepts an untouched, closed journal', () => {
    const r = verifySession(SID, { home });
    expect(r.ok).toBe(true);
    expect(r.lastSeq).toBe(60);
    expect(r.checkpoints.final).toBe(true);
    expect(r.checkpoints.lastSignedSeq).toBe(60);
    expect(r.findings).toEqual([]);
  });

  it('locates a flipped byte as a modified event', () => {
    const buf = readFileSync(journal);
    const ls = lines();
    const idx = lineOfSeq(23);
    const offset = ls.slice(0, idx).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + ls[idx]!.indexOf('"data":') + 12;
    buf[offset] = buf[offset]! ^ 0x01;
    writeFileSync(journal, buf);
    const r = verifySession(SID, { home });
    expect(r.ok).toBe(false);
    expect(errors(r)[0]).toMatchObject({ kind: 'modified', seq: 23, line: idx + 1 });
  });

  it('locates a deleted event as missing', () => {
    const ls = lines();
    ls.splice(lineOfSeq(31), 1);
    rewrite(ls);
    const r = verifySession(SID, { home });
    expect(errors(r).map((f) => [f.kind, f.seq])).toEqual([['missing', 31]]);
  });

  it('locates two swapped events as reordered', () => {
    const ls = lines();
    const a = lineOfSeq(12);
    const b = lineOfSeq(40);
    [ls[a], ls[b]] = [ls[b]!, ls[a]!];
    rewrite(ls);
    const r = verifySession(SID, { home });
    const errs = errors(r);
    expect(errs.every((f) => f.kind === 'reordered')).toBe(true);
    expect(errs.map((f) => f.seq).sort((x, y) => x! - y!)).toEqual([12, 40]);
    expect(errs.find((f) => f.seq === 40)?.line).toBe(a + 1);
  });

  it('reports truncation before the last checkpoint', () => {
    const ls = lines();
    rewrite(ls.slice(0, lineOfSeq(45)));
    const r = verifySession(SID, { home });
    expect(r.ok).toBe(false);
    expect(errors(r).map((f) => [f.kind, f.seq])).toContainEqual(['truncated', 45]);
  });

  it('reports truncation after the last periodic checkpoint of a closed journal (final checkpoint)', () => {
    const ls = lines();
    rewrite(ls.slice(0, -1));
    const r = verifySession(SID, { home });
    expect(errors(r).map((f) => [f.kind, f.seq])).toEqual([['truncated', 60]]);
  });

  it('cannot detect truncation of events no checkpoint covers yet, and says so', async () => {
    const { JournalWriter } = await import('./journal-writer.js');
    const w = JournalWriter.open({ home, sessionId: 'open-one', checkpointEvery: 5, checkpointIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) w.append('terminal.output', { data: `x${i}` });
    await w.flush();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) w.append('terminal.output', { data: `y${i}` });
    await w.flush();
    const before = verifySession('open-one', { home });
    expect(before.ok).toBe(true);
    const signed = before.checkpoints.lastSignedSeq;
    expect(signed).toBeLessThan(before.lastSeq);
    expect(before.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['unsigned-tail', 'not-closed']));
    const p = journalPaths('open-one', home).journal;
    const kept = readFileSync(p, 'utf8').split('\n').slice(0, signed + 1);
    writeFileSync(p, kept.map((l) => `${l}\n`).join(''));
    expect(verifySession('open-one', { home }).ok).toBe(true);
    await w.close();
  });

  it('rejects a forged checkpoint signed by another key', () => {
    const forger = signingKeyFromPrivatePem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const cpPath = journalPaths(SID, home).checkpoints;
    const forged = signCheckpoint(forger, { sessionId: SID, seq: 60, headHash: 'f'.repeat(64), time: 0, final: true });
    writeFileSync(cpPath, readFileSync(cpPath, 'utf8') + encodeCheckpoint(forged));
    const r = verifySession(SID, { home });
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toMatchObject({ kind: 'signature-invalid', seq: 60 });
  });

  it('rejects an edited checkpoint (signature no longer matches)', () => {
    const cpPath = journalPaths(SID, home).checkpoints;
    const cps = readFileSync(cpPath, 'utf8').split('\n');
    cps[0] = cps[0]!.replace(/"seq":(\d+)/, (_m, n: string) => `"seq":${Number(n) + 1}`);
    writeFileSync(cpPath, cps.join('\n'));
    const r = verifySession(SID, { home });
    expect(errors(r)[0]).toMatchObject({ kind: 'signature-invalid', line: 1 });
  });

  it('detects a rewritten chain (hashes recomputed) through the signed checkpoints', async () => {
    const { encodeRecord, genesisHash } = await import('./journal-record.js');
    const recs = lines().map((l) => JSON.parse(l) as { seq: number; time: number; kind: string; data: unknown });
    let prev = genesisHash(SID);
    const out = recs.map((r) => {
      const data = r.seq === 33 ? { data: 'rm -rf / was never typed' } : r.data;
      const e = encodeRecord(r.seq, r.time, r.kind, data, prev);
      prev = e.hash;
      return e.line;
    });
    writeFileSync(journal, out.join(''));
    const r = verifySession(SID, { home });
    expect(r.ok).toBe(false);
    const first = errors(r)[0]!;
    expect(first.kind).toBe('modified');
    expect(first.seq).toBeLessThanOrEqual(33);
    expect(first.message).toMatch(/seq \d+ and seq \d+ was rewritten/);
  });

  it('reports a torn final line as a warning, intact up to the last event', () => {
    const size = readFileSync(journal).length;
    writeFileSync(journal, readFileSync(journal, 'utf8') + '{"seq":61,"time":17');
    const r = verifySession(SID, { home });
    expect(r.findings.find((f) => f.kind === 'torn-tail')).toMatchObject({ severity: 'warning', seq: 61 });
    expect(r.tornTailBytes).toBeGreaterThan(0);
    truncateSync(journal, size);
  });

  it('verifies an exported bundle on "another machine" given only the public key', () => {
    const bundlePath = `${home}/bundle.jsonl`;
    writeFileSync(bundlePath, exportBundle(SID, { home }));
    const pub = new FileKeyStore(home).publicKeyPem()!;
    const other = tempHome();
    try {
      const ok = verifyBundleFile(bundlePath, { home: other.home, publicKeyPem: pub });
      expect(ok.ok).toBe(true);
      expect(ok.lastSeq).toBe(60);
      expect(ok.findings).toEqual([]);
      expect(ok.checkpoints).toMatchObject({ valid: ok.checkpoints.total, lastSignedSeq: 60, final: true });
      // Without the key, the other machine's own (absent) key cannot vouch for it.
      expect(verifyBundleFile(bundlePath, { home: other.home }).ok).toBe(false);
      // Tampering inside the bundle is located like in a session.
      const b = readFileSync(bundlePath, 'utf8').replace('"data":"line 9\\r\\n"', '"data":"line 8\\r\\n"');
      writeFileSync(bundlePath, b);
      const bad = verifyBundleFile(bundlePath, { home: other.home, publicKeyPem: pub });
      expect(errors(bad)[0]).toMatchObject({ kind: 'modified' });
    } finally {
      other.cleanup();
    }
  });
});
