// The contract's implementation over the real engine: what `paddock serve` and the desktop app
// call. Sessions with a terminal, batched UTF-8-safe output, input, stop, replay and export.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../electron/contract/index.js';
import { EngineApi } from '../../electron/engine/api/engine-api.js';
import { tempHome } from '../helpers/paddock-cli.js';

const home = tempHome('paddock-api-');
let repo: string;
let api: EngineApi;
const seen: Array<{ name: EventName; payload: EventPayload<EventName> }> = [];

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-api-repo-'));
  api = await EngineApi.open({ home: home.home });
  api.subscribe((name, payload) => seen.push({ name, payload }));
});
afterAll(async () => {
  await api.close();
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

const data = (id: string) => seen.filter((e) => e.name === 'terminal.data' && (e.payload as EventPayload<'terminal.data'>).id === id).map((e) => e.payload as EventPayload<'terminal.data'>);
const text = (id: string) => data(id).map((d) => d.data).join('');

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ended = (id: string) => async () => (await api.handlers['sessions.get']({ id })).state !== 'running';

describe('EngineApi on the real engine', () => {
  it('runs a session: batched output, input, end, replay and export', async () => {
    // ~600 KB of output, multi-byte characters included, then a prompt that waits for input.
    const script = "head -c 300000 /dev/zero | tr '\\0' x; i=0; while [ $i -lt 2000 ]; do printf 'é😀€'; i=$((i+1)); done; echo; printf 'ready> '; read line; echo \"in:$line\"; echo the-end";
    const s = await api.handlers['sessions.start']({ repo, command: script, cols: 120, rows: 40 });
    expect(s).toMatchObject({ state: 'running', attached: true, agent: 'command', command: ['/bin/sh', '-c', script] });
    await until(() => text(s.id).includes('ready> '), 'the prompt');
    await api.handlers['sessions.input']({ id: s.id, data: 'hello\r' });
    await until(ended(s.id), 'the end of the session');
    const out = text(s.id);
    expect(out).toContain('in:hello');
    expect(out).toContain('é😀€'.repeat(2000));
    expect(out).not.toContain('\ufffd');
    const batches = data(s.id);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1));
    for (const b of batches) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(200 * 1024);
    // The backlog a late viewer gets is the same output (under 1 MB here).
    const backlog = await api.handlers['sessions.output']({ id: s.id });
    expect(backlog).toEqual({ data: out, seq: batches.length, attached: false });

    const after = await api.handlers['sessions.get']({ id: s.id });
    expect(after).toMatchObject({ state: 'ended', exitCode: 0, attached: false, journaled: true });
    expect(seen.some((e) => e.name === 'sessions.changed' && (e.payload as { id: string }).id === s.id)).toBe(true);
    expect(seen.some((e) => e.name === 'sessions.activity' && (e.payload as EventPayload<'sessions.activity'>).summary === 'ended: exit 0 (exited)')).toBe(true);

    const rec = await api.handlers['replay.events']({ id: s.id, from: 0, to: Number.MAX_SAFE_INTEGER, notable: true });
    const kinds = rec.events.map((e) => e.kind);
    expect(kinds).toContain('session.started');
    expect(kinds).toContain('session.ended');
    expect(kinds).not.toContain('terminal.output');
    const start = rec.events.find((e) => e.kind === 'session.created')!;
    const atStart = await api.handlers['replay.screenAt']({ id: s.id, t: start.time });
    expect(atStart.lines.join('\n')).not.toContain('the-end');
    const atEnd = await api.handlers['replay.screenAt']({ id: s.id, t: rec.endTime });
    expect(atEnd).toMatchObject({ cols: 120, rows: 40 });
    expect(atEnd.lines.join('\n')).toContain('in:hello');
    expect(atEnd.lines.join('\n')).toContain('the-end');
    const hits = await api.handlers['replay.search']({ id: s.id, query: 'in:hello' });
    expect(hits.some((h) => h.kind === 'terminal.output')).toBe(true);

    const html = await api.handlers['export.session']({ id: s.id, format: 'html' });
    expect(html).toMatchObject({ filename: `paddock-${s.id}.html`, mime: 'text/html' });
    expect(html.content).toContain(s.id);
    const cast = await api.handlers['export.session']({ id: s.id, format: 'cast' });
    expect(JSON.parse(cast.content.split('\n')[0]!)).toMatchObject({ version: 2 });
    expect(cast.content).toContain('in:hello');
  });

  it('stops a running session on request', async () => {
    const s = await api.handlers['sessions.start']({ repo, command: 'echo started; sleep 600' });
    await until(() => text(s.id).includes('started'), 'output');
    expect(api.attachedCount()).toBe(1);
    await api.handlers['sessions.stop']({ id: s.id });
    await until(ended(s.id), 'the stop');
    expect(await api.handlers['sessions.get']({ id: s.id })).toMatchObject({ state: 'ended', endReason: 'aborted', attached: false });
    expect(api.attachedCount()).toBe(0);
    await expect(api.handlers['sessions.input']({ id: s.id, data: 'x' })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('approvals: an ask of the shell gate waits in the inbox; allow once runs it, deny sends the reason; who answered is journaled', async () => {
    const changed = () => seen.filter((e) => e.name === 'approvals.changed').length;
    const before = changed();
    const line = `bash -c "node -e 'console.log(String(6*7))'"; echo "rc1=$?"; bash -c "node -e 'console.log(String(7*8))'"; echo "rc2=$?"`;
    const s = await api.handlers['sessions.start']({ repo, command: line });
    await until(async () => (await api.handlers['approvals.list']({})).length === 1, 'the first approval request');
    const [first] = await api.handlers['approvals.list']({ sessionId: s.id });
    expect(first).toMatchObject({ sessionId: s.id, agent: 'command', repo, subject: { kind: 'command', command: "node -e 'console.log(String(6*7))'" } });
    expect(first!.subject.kind === 'command' && first!.subject.parts.map((p) => p.decision)).toEqual(['ask']);
    expect(first!.rule).toMatch(/commands\.default/);
    expect(first!.expiresAt - first!.createdAt).toBe(300_000);
    expect(await api.handlers['approvals.list']({ sessionId: 'another-session' })).toEqual([]);
    expect(changed()).toBeGreaterThan(before);
    await api.handlers['approvals.answer']({ id: first!.id, choice: 'allow-once' });
    await expect(api.handlers['approvals.answer']({ id: first!.id, choice: 'deny' })).rejects.toMatchObject({ code: 'APPROVAL_ANSWERED' });
    await expect(api.handlers['approvals.answer']({ id: 'no-such-request', choice: 'deny' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    await until(() => text(s.id).includes('rc1='), 'the first command');
    await until(async () => (await api.handlers['approvals.list']({})).length === 1, 'the second approval request');
    const [second] = await api.handlers['approvals.list']({});
    expect(second!.id).not.toBe(first!.id);
    await api.handlers['approvals.answer']({ id: second!.id, choice: 'deny', reason: 'no node today' });
    await until(ended(s.id), 'the end of the session');
    const out = text(s.id);
    expect(out).toMatch(/^42\r?$/m);
    expect(out).toContain('rc1=0');
    expect(out).toMatch(/paddock: denied: .*no node today/);
    expect(out).toContain('rc2=126');
    expect(await api.handlers['approvals.list']({})).toEqual([]);
    const rec = await api.handlers['replay.events']({ id: s.id, from: 0, to: Number.MAX_SAFE_INTEGER, kinds: ['approval.request', 'approval.answer'] });
    const answers = rec.events.filter((e) => e.kind === 'approval.answer').map((e) => e.data as { choice: string; by: string; decision: string });
    expect(rec.events.filter((e) => e.kind === 'approval.request')).toHaveLength(2);
    expect(answers.map((a) => [a.choice, a.decision])).toEqual([
      ['allow-once', 'allow'],
      ['deny', 'deny'],
    ]);
    for (const a of answers) expect(a.by).toMatch(/^web:.+/);
    // The list counts them: live in this engine, and from the journal in a fresh one.
    const listed = (await api.handlers['sessions.list']({})).find((x) => x.id === s.id);
    expect(listed?.counts).toEqual({ approvals: 2, denials: 1 });
    const other = await EngineApi.open({ home: home.home });
    try {
      expect((await other.handlers['sessions.get']({ id: s.id })).counts).toEqual({ approvals: 2, denials: 1 });
    } finally {
      await other.close();
    }
  });

  it('approvals deny: unattended, the ask is denied at once and nothing waits in the inbox', async () => {
    const s = await api.handlers['sessions.start']({ repo, command: `bash -c "node -e 'console.log(6*7)'"; echo "rc=$?"`, approvals: 'deny' });
    await until(ended(s.id), 'the end of the session');
    expect(text(s.id)).toMatch(/paddock: denied: .*unattended/);
    expect(text(s.id)).toContain('rc=126');
    expect(await api.handlers['approvals.list']({})).toEqual([]);
  });

  it('says what is wrong with a repo that does not exist', async () => {
    await expect(api.handlers['sessions.start']({ repo: join(repo, 'missing') })).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
  });
});
