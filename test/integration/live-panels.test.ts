// The live session's side panels and controls over the real engine: a session reaches "the
// internet" (a container on a network this test creates) through the egress proxy, once allowed
// and once denied, writes files in its repo, and is paused and resumed; the network feed, the
// changed files (git, and a snapshot for a repo outside git) and their diffs come back from the
// contract's procedures, live and after the end.
import type Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../electron/contract/index.js';
import { EngineApi } from '../../electron/engine/api/engine-api.js';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { fixedProvider } from '../../electron/engine/approvals/approval-providers.js';
import type { ApprovalDecider } from '../../electron/engine/egress/approval-decider.js';
import { sessionGateExtras } from '../../electron/engine/gate/session-gate.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { Supervisor } from '../../electron/engine/sessions/supervisor.js';
import { ensureDefaultImage } from '../../electron/engine/sandbox/image-builder.js';
import { tempHome } from '../helpers/paddock-cli.js';
import { TEST_LABELS, containerIp } from './egress-kit.js';

const tag = randomBytes(4).toString('hex');
const home = tempHome('paddock-panels-');
let docker: Docker;
let api: EngineApi;
let netName: string;
let netId: string;
let host: Docker.Container;
let hostIp: string;
const repos: string[] = [];
const seen: Array<{ name: EventName; payload: EventPayload<EventName> }> = [];

/** A repo the sandbox user can write to; in git with one commit unless `git` is false. */
function makeRepo(git: boolean): string {
  const repo = mkdtempSync(join(tmpdir(), 'paddock-panels-repo-'));
  repos.push(repo);
  writeFileSync(join(repo, 'README.md'), '# demo\nline two\n');
  writeFileSync(join(repo, 'old.txt'), 'to be deleted\n');
  if (git) {
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['commit', '-q', '-m', 'init']]) execFileSync('git', args, { cwd: repo, env, stdio: 'ignore' });
  }
  if (process.getuid?.() === 0) chownTree(repo, 1000, 1000);
  return repo;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

beforeAll(async () => {
  ({ docker } = await connectEngine());
  const image = (await ensureDefaultImage(docker)).tag;
  netName = `paddock-test-panels-${tag}`;
  netId = (await docker.createNetwork({ Name: netName, Internal: true, Labels: TEST_LABELS })).id;
  // "The internet": one HTTP server on a network only this test uses.
  host = await docker.createContainer({
    Image: image,
    name: `paddock-test-panels-host-${tag}`,
    Labels: TEST_LABELS,
    User: '1000:1000',
    Cmd: ['node', '-e', "require('http').createServer((q, s) => s.end('hello from the test host ' + q.url)).listen(8080, () => console.log('up'))"],
    HostConfig: { NetworkMode: netName, ReadonlyRootfs: true, CapDrop: ['ALL'] },
  });
  await host.start();
  hostIp = await containerIp(docker, host.id, netName);
  api = await EngineApi.open({ home: home.home });
  api.subscribe((name, payload) => seen.push({ name, payload }));
});

afterAll(async () => {
  await api?.close();
  await host?.remove({ force: true }).catch(() => {});
  if (netId) await docker.getNetwork(netId).remove().catch(() => {});
  for (const r of repos) rmSync(r, { recursive: true, force: true });
  home.cleanup();
});

const text = (id: string) =>
  seen
    .filter((e) => e.name === 'terminal.data' && (e.payload as EventPayload<'terminal.data'>).id === id)
    .map((e) => (e.payload as EventPayload<'terminal.data'>).data)
    .join('');

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const state = async (id: string) => (await api.handlers['sessions.get']({ id })).state;
const paused = async (containerId: string) => (await docker.getContainer(containerId).inspect()).State.Paused;

describe('live session panels on the real engine', () => {
  it('network feed, changed files with diffs, pause and resume, live and after the end', async () => {
    const repo = makeRepo(true);
    const script = [
      `curl -sS -m 20 http://${hostIp}:8080/allowed; echo`,
      `curl -sS -m 20 -o /dev/null -w 'denied:%{http_code}\\n' http://${hostIp}:8081/denied`,
      'echo "written by the session" > notes.txt',
      'echo "line three" >> README.md',
      'rm old.txt',
      "printf 'ready> '; read line; echo \"got:$line\"",
    ].join('; ');
    const s = await api.handlers['sessions.start']({ repo, command: script, allow: [`${hostIp}:8080`] });
    // :8081 matches no rule: in the UI's "ask" mode it waits in the inbox; the test denies it.
    await until(async () => (await api.handlers['approvals.list']({ sessionId: s.id })).length === 1, 'the network ask');
    const [ask] = await api.handlers['approvals.list']({ sessionId: s.id });
    expect(ask!.subject).toMatchObject({ kind: 'network', method: 'GET', host: hostIp, port: 8081 });
    await api.handlers['approvals.answer']({ id: ask!.id, choice: 'deny', reason: 'not this one' });
    await until(() => text(s.id).includes('ready> '), 'the prompt');
    expect(text(s.id)).toContain('hello from the test host /allowed');
    expect(text(s.id)).toContain('denied:403');

    const feed = await api.handlers['sessions.network']({ id: s.id });
    const allowed = feed.entries.find((e) => e.port === 8080);
    const denied = feed.entries.find((e) => e.port === 8081);
    expect(allowed).toMatchObject({ decision: 'allow', asked: false, method: 'GET', host: hostIp, reason: 'rule' });
    expect(allowed!.rule).toContain('--allow');
    expect(allowed!.bytesDown).toBeGreaterThan(0);
    expect(denied).toMatchObject({ decision: 'deny', asked: true, method: 'GET', host: hostIp, bytesDown: 0, selfCheck: false });
    // The proxy's start-up self-check (a CONNECT from the host to itself) is told apart from the sandbox's traffic.
    expect(feed.entries.filter((e) => !e.selfCheck), JSON.stringify(feed.entries)).toHaveLength(2);
    expect(feed.entries.filter((e) => e.selfCheck).every((e) => e.decision === 'deny' && e.method === 'CONNECT')).toBe(true);

    const files = await api.handlers['sessions.files']({ id: s.id });
    expect(files).toMatchObject({ basis: 'git', live: true });
    expect(files.since).toMatch(/^[0-9a-f]{40}$/);
    expect(files.paths).toEqual(expect.arrayContaining([{ path: 'README.md', status: 'M' }, { path: 'old.txt', status: 'D' }, { path: 'notes.txt', status: '?' }]));
    expect((await api.handlers['sessions.fileDiff']({ id: s.id, path: 'README.md' })).diff).toMatch(/^\+line three$/m);
    expect((await api.handlers['sessions.fileDiff']({ id: s.id, path: 'notes.txt' })).diff).toMatch(/^\+written by the session$/m);
    // Only changed paths, and never outside the repo.
    await expect(api.handlers['sessions.fileDiff']({ id: s.id, path: '../../etc/passwd' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(api.handlers['sessions.fileDiff']({ id: s.id, path: '.git/config' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await api.handlers['sessions.commands']({ id: s.id })).entries).toEqual([]); // the line itself is not judged (absolute /bin/sh), and nothing in it runs through sh -c / bash -c

    // Pause: the container is frozen, the session says so, and the journal records who did it.
    const containerId = (await api.handlers['replay.events']({ id: s.id, from: 0, to: Number.MAX_SAFE_INTEGER, kinds: ['session.started'] })).events[0]!.data as { containerId: string };
    await api.handlers['sessions.pause']({ id: s.id });
    expect(await paused(containerId.containerId)).toBe(true);
    expect(await state(s.id)).toBe('paused');
    await expect(api.handlers['sessions.pause']({ id: s.id })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    // Input sent while paused waits; the program reads it after the resume.
    await api.handlers['sessions.input']({ id: s.id, data: 'after-pause\r' });
    await api.handlers['sessions.resume']({ id: s.id });
    expect(await paused(containerId.containerId)).toBe(false);
    await until(async () => (await state(s.id)) !== 'running', 'the end');
    expect(text(s.id)).toContain('got:after-pause');
    const rec = await api.handlers['replay.events']({ id: s.id, from: 0, to: Number.MAX_SAFE_INTEGER, kinds: ['session.paused', 'session.resumed'] });
    expect(rec.events.map((e) => [e.kind, e.summary])).toEqual([
      ['session.paused', 'paused by the user, from the Paddock UI'],
      ['session.resumed', 'resumed by the user, from the Paddock UI'],
    ]);
    expect(seen.some((e) => e.name === 'sessions.activity' && (e.payload as EventPayload<'sessions.activity'>).kind === 'session.paused')).toBe(true);

    // After the end: the same files, from the record made at the end.
    const after = await api.handlers['sessions.files']({ id: s.id });
    expect(after).toMatchObject({ basis: 'git', live: false, since: files.since });
    expect(after.paths).toEqual(files.paths);
    expect((await api.handlers['sessions.fileDiff']({ id: s.id, path: 'README.md' })).diff).toMatch(/^\+line three$/m);
    expect((await api.handlers['sessions.network']({ id: s.id })).entries).toHaveLength(feed.entries.length);
  });

  it('a repo outside git: changes against a snapshot taken at the start, live and recorded', async () => {
    const repo = makeRepo(false);
    const script = "echo changed >> README.md; echo new > added.txt; rm old.txt; printf 'ready> '; read line";
    const s = await api.handlers['sessions.start']({ repo, command: script });
    await until(() => text(s.id).includes('ready> '), 'the prompt');
    const live = await api.handlers['sessions.files']({ id: s.id });
    expect(live).toMatchObject({ basis: 'snapshot', live: true, since: null });
    expect(live.paths).toEqual([
      { path: 'README.md', status: 'M' },
      { path: 'added.txt', status: 'A' },
      { path: 'old.txt', status: 'D' },
    ]);
    const diff = (await api.handlers['sessions.fileDiff']({ id: s.id, path: 'README.md' })).diff;
    expect(diff).toMatch(/^--- a\/README.md$/m);
    expect(diff).toMatch(/^\+changed$/m);
    expect(diff).toMatch(/^ line two$/m);
    await api.handlers['sessions.input']({ id: s.id, data: 'x\r' });
    await until(async () => (await state(s.id)) !== 'running', 'the end');
    const recorded = await api.handlers['sessions.files']({ id: s.id });
    expect(recorded).toMatchObject({ basis: 'snapshot', live: false });
    expect(recorded.paths).toEqual(live.paths);
    expect((await api.handlers['sessions.fileDiff']({ id: s.id, path: 'old.txt' })).diff).toMatch(/^-to be deleted$/m);
  });

  it('stops a paused session', async () => {
    const repo = makeRepo(true);
    const s = await api.handlers['sessions.start']({ repo, command: 'echo up; sleep 600' });
    await until(() => text(s.id).includes('up'), 'output');
    await api.handlers['sessions.pause']({ id: s.id });
    expect((await api.handlers['sessions.list']({})).find((x) => x.id === s.id)?.state).toBe('paused');
    await api.handlers['sessions.stop']({ id: s.id });
    await until(async () => (await state(s.id)) === 'ended', 'the stop');
    expect(await api.handlers['sessions.get']({ id: s.id })).toMatchObject({ state: 'ended', endReason: 'aborted' });
    await expect(api.handlers['sessions.resume']({ id: s.id })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('an agent whose asks a human answers gets asked about a host no rule matches (policy network.default: ask); without one it is denied', async () => {
    const repo = makeRepo(true);
    const supervisor = new Supervisor({ home: home.home });
    const image = (await ensureDefaultImage(docker)).tag;
    const script = `curl -sS -m 20 -o /dev/null -w 'code:%{http_code}\\n' http://${hostIp}:8081/unmatched`;
    const asked: string[] = [];
    const decider: ApprovalDecider = { decide: (r) => (asked.push(`${r.host}:${r.port}`), Promise.resolve('deny')) };
    const run = async (human: boolean) => {
      let out = '';
      // Output is taken from the session's own sink, wired before the program starts (a listener
      // added after start() resolves can miss a fast program's output).
      const sink = new PassThrough().on('data', (b: Buffer) => (out += b.toString()));
      const s = await supervisor.start({
        repo,
        command: ['/bin/bash', '-c', script],
        tty: false,
        output: { stdout: sink, stderr: sink },
        agentSetup: () =>
          Promise.resolve({
            run: { agent: 'aider', image, command: ['/bin/bash', '-c', script] },
            egress: (base) => base ?? { rules: [], defaultDecision: 'deny', decider: null },
            ...(human ? { decider } : {}),
          }),
      });
      s.sandbox.stream.end();
      await s.done;
      return { id: s.id, out };
    };
    const withHuman = await run(true);
    expect(asked).toEqual([`${hostIp}:8081`]);
    expect(withHuman.out).toContain('code:403');
    const feed = (await api.handlers['sessions.network']({ id: withHuman.id })).entries.filter((e) => !e.selfCheck);
    expect(feed).toMatchObject([{ decision: 'deny', asked: true, port: 8081 }]);
    const unattended = await run(false);
    expect(asked).toHaveLength(1); // nobody was asked
    expect(unattended.out).toContain('code:403');
    expect((await api.handlers['sessions.network']({ id: unattended.id })).entries.filter((e) => !e.selfCheck)).toMatchObject([{ decision: 'deny', asked: false }]);
    await supervisor.close();
  });

  it('commands judged by the real shell gate come back with decision and rule (journaled by another engine process)', async () => {
    // An agent without hooks (the shell gate), as `paddock run` would run it, in the same data
    // directory: the panel reads what the gate decided from the journal.
    const repo = makeRepo(true);
    const supervisor = new Supervisor({ home: home.home });
    const image = (await ensureDefaultImage(docker)).tag;
    const script = ["sh -c 'echo fine'", "bash -c 'git push --force origin main'", "sh -c 'frobnicate'"].join('; ');
    const s = await supervisor.start({
      repo,
      command: ['/bin/bash', '-c', script],
      tty: false,
      network: 'egress',
      agentSetup: ({ policy, repo: r, events }) => {
        const broker = new ApprovalBroker({ provider: fixedProvider('deny'), events });
        const extras = sessionGateExtras({ agent: 'aider', repo: r, policy: policy.policy, broker, events, scratchDir: join(home.home, 'scratch') });
        return Promise.resolve({ run: { agent: 'aider', image, command: ['/bin/bash', '-c', script], extras }, egress: (base) => base ?? { rules: [], defaultDecision: 'deny', decider: null } });
      },
    });
    s.sandbox.stream.end();
    await s.done;
    await supervisor.close();
    const entries = (await api.handlers['sessions.commands']({ id: s.id })).entries;
    expect(entries.map((e) => [e.command, e.decision, e.policy])).toEqual([
      ['echo fine', 'allow', 'allow'],
      ['git push --force origin main', 'deny', 'forbid'],
      ['frobnicate', 'deny', 'ask'],
    ]);
    expect(entries[1]!.rule).toMatch(/\(.*policy.*:\d+/);
    expect(entries[2]!.by).toMatch(/unattended/);
    expect(entries.every((e) => e.outcome === null)).toBe(true); // the shell gate reports no tool results
  });

  it('refuses bad agent and network choices, naming the field', async () => {
    const repo = makeRepo(true);
    await expect(api.handlers['sessions.start']({ repo, allow: ['https://example.test/path'] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^allow\[0\]: /) as unknown });
    await expect(api.handlers['sessions.start']({ repo, network: 'none', allow: ['npm'] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^allow: /) as unknown });
    await expect(api.handlers['sessions.start']({ repo, agent: 'claude', command: 'ls' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^command: /) as unknown });
    const options = await api.handlers['sessions.startOptions']({});
    expect(options.agents).toEqual(['claude', 'codex', 'gemini', 'opencode']);
    expect(options.presets.find((p) => p.name === 'npm')?.hosts).toContain('registry.npmjs.org');
    expect(options.policyPresets.map((p) => p.name)).toEqual(expect.arrayContaining(['read-only', 'strict']));
    await expect(api.handlers['sessions.start']({ repo, preset: 'nope' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^unknown policy preset "nope"; available presets: .*strict/) as unknown });
  });
});
