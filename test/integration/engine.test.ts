import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, docker, runCli, sessionContainers, startCli, startInResizablePty, summary, tempHome } from '../helpers/paddock-cli.js';
import type { LiveCli } from '../helpers/paddock-cli.js';
import { processAlive as alive } from '../../electron/engine/process-alive.js';
import { startScriptedModel } from './agent-scripted-model.js';

// The warm engine (`paddock engine start`) and the thin client in bin/paddock.js, for real: an
// engine process on a temp PADDOCK_HOME, clients that hand their `paddock run` to it over its
// socket, and the ways that can go wrong. A session "went through the engine" when its record's
// owner is the engine's pid. Every engine this file starts is stopped (or killed) at the end.
const home = tempHome('paddock-engine-');
// The engine runs with TERM=xterm; the pty test's client has another terminal type, which its
// session gets (TERM is the client's, not compared).
const env = { PADDOCK_HOME: home.home, TERM: 'xterm' };
let repo: string;
const pids = new Set<number>();


function startEngine(e: NodeJS.ProcessEnv = env): number {
  const r = runCli(['engine', 'start'], e);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/engine started \(pid \d+\), listening on .*engine\/sock/);
  const s = JSON.parse(runCli(['engine', 'status', '--json'], e).stdout) as { running: boolean; pid: number; sessions: string[] };
  expect(s.running).toBe(true);
  pids.add(s.pid);
  return s.pid;
}

type Rec = { id: string; state: string; endReason: string | null; message: string | null; owner: { pid: number } };
const record = (id: string, h = home.home): Rec | undefined =>
  (JSON.parse(readFileSync(join(h, 'sessions.json'), 'utf8')) as { sessions: Rec[] }).sessions.find((s) => s.id === id);

async function runningSession(live: LiveCli): Promise<string> {
  await live.waitFor(/session (\S+) started/);
  return /session (\S+) started/.exec(live.stderr())![1]!;
}

/** Poll (a guard, not a timing assertion) until `check` holds. */
async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

let engine = 0;
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-engine-repo-'));
  writeFileSync(join(repo, 'README.md'), 'hi\n');
  engine = startEngine();
});
afterAll(() => {
  runCli(['engine', 'stop'], env);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  // Containers of this home's sessions only (a killed engine's orphans, should a test fail).
  try {
    const index = join(home.home, 'sessions.json');
    for (const s of existsSync(index) ? (JSON.parse(readFileSync(index, 'utf8')) as { sessions: Rec[] }).sessions : [])
      for (const c of sessionContainers(s.id)) docker(['rm', '-f', c]);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    home.cleanup();
  }
});

describe('paddock run through the warm engine', () => {
  it('output, exit code and the --json summary are the same as in-process, and the engine ran it', () => {
    const args = ['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo out; echo err >&2; exit 7'];
    const viaEngine = runCli(args, env);
    const inProcess = runCli(args, { ...env, PADDOCK_NO_ENGINE: '1' });
    for (const r of [viaEngine, inProcess]) {
      expect(r.code).toBe(7);
      expect(r.stdout).toBe('out\n');
      expect(r.stderr).toMatch(/^err$/m);
      expect(summary(r.stderr)).toMatchObject({ exitCode: 7, reason: 'exited' });
    }
    expect(record(summary(viaEngine.stderr).session)?.owner.pid).toBe(engine);
    expect(record(summary(inProcess.stderr).session)?.owner.pid).not.toBe(engine);
    const strip = (s: string) => s.replace(/\d{8}-\d{6}-[0-9a-f]{6}/g, 'ID').split('\n').slice(0, -2).join('\n');
    expect(strip(viaEngine.stderr)).toBe(strip(inProcess.stderr));
  });

  it('stdin is piped to the program, and its EOF ends it (--cmd cat)', () => {
    const input = 'line one\nline two\n'.repeat(2000);
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'cat'], env, input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(input);
    expect(record(summary(r.stderr).session)?.owner.pid).toBe(engine);
  });

  it('SIGTERM to the client reaches the sandboxed program', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done"], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGTERM');
    expect(await live.exit).toBe(3);
    expect(live.stdout()).toContain('got-term');
    expect(record(id)?.owner.pid).toBe(engine);
    expect(sessionContainers(id)).toEqual([]);
  });

  it('two sessions side by side: signals, input and output stay with their own client', async () => {
    const a = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', "trap 'echo A-term; exit 3' TERM; echo A-ready; while :; do sleep 0.1; done"], env);
    // Another repo: two sessions on one repo at once race on its placeholder directories (a
    // limit of the workspace code, in-process too).
    const repoB = mkdtempSync(join(tmpdir(), 'paddock-engine-repo-b-'));
    const b = startCli(['run', '--repo', repoB, '--no-tty', '-v', '--cmd', 'echo B-ready; read x; echo B-got:$x'], env);
    try {
      const [ida, idb] = [await runningSession(a), await runningSession(b)];
      await a.waitFor(/^A-ready$/m);
      await b.waitFor(/^B-ready$/m);
      const live = (JSON.parse(runCli(['engine', 'status', '--json'], env).stdout) as { sessions: string[] }).sessions;
      expect([...live].sort()).toEqual([ida, idb].sort());
      a.child.kill('SIGTERM');
      expect(await a.exit).toBe(3);
      expect((JSON.parse(runCli(['engine', 'status', '--json'], env).stdout) as { sessions: string[] }).sessions).toEqual([idb]);
      b.child.stdin!.write('hello\n');
      expect(await b.exit).toBe(0);
      expect(a.stdout()).toBe('A-ready\nA-term\n');
      expect(b.stdout()).toBe('B-ready\nB-got:hello\n');
      expect([record(ida)?.owner.pid, record(idb)?.owner.pid]).toEqual([engine, engine]);
    } finally {
      for (const c of [a, b]) if (c.child.exitCode === null) c.child.kill('SIGKILL');
      rmSync(repoB, { recursive: true, force: true });
    }
  });

  it('--timeout stops the session as in-process', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--timeout', '1s', '--cmd', 'sleep 60'], env);
    expect(summary(r.stderr)).toMatchObject({ reason: 'timeout' });
    expect(r.stderr).toContain('the session reached its time limit');
    expect(record(summary(r.stderr).session)?.owner.pid).toBe(engine);
  });

  it('a bad flag gives the same message and exit code through the engine as in-process', () => {
    const traced = runCli(['run', '--repo', repo, '--bogus'], { ...env, PADDOCK_TRACE: '1' });
    expect(traced.stderr).toContain('engine client: run accepted'); // it did go to the engine
    const viaEngine = runCli(['run', '--repo', repo, '--bogus'], env);
    const inProcess = runCli(['run', '--repo', repo, '--bogus'], { ...env, PADDOCK_NO_ENGINE: '1' });
    expect(viaEngine.code).toBe(1);
    expect(viaEngine.stderr).toMatch(/^error: unknown option '--bogus'/);
    expect([viaEngine.code, viaEngine.stdout, viaEngine.stderr]).toEqual([inProcess.code, inProcess.stdout, inProcess.stderr]);
    // A Paddock error: the one-line `paddock:` message and 125.
    const bad = ['run', '--repo', join(repo, 'missing'), '--cmd', 'true'];
    const e1 = runCli(bad, env);
    const e2 = runCli(bad, { ...env, PADDOCK_NO_ENGINE: '1' });
    expect(e1.code).toBe(125);
    expect([e1.code, e1.stderr]).toEqual([e2.code, e2.stderr]);
  });

  it('a bad --allow, --deny or --credential value, or a missing provider key, is reported the same way through the engine as in-process', () => {
    const cases: Array<{ flags: string[]; code: number; first: string }> = [
      { flags: ['--allow', 'bad host!!'], code: 1, first: `error: option '--allow <host|preset>' argument 'bad host!!' is invalid. "bad host!!" is not a preset (npm, pypi, crates, go, github, anthropic, openai, google) or host[:port]; use e.g. api.example.com or *.example.com:8443 (host "bad host!!" is not a valid host name or IP address)` },
      { flags: ['--deny', ''], code: 1, first: `error: option '--deny <host>' argument '' is invalid. "" is not host[:port]; use e.g. api.example.com or *.example.com:8443 (it is empty)` },
      { flags: ['--credential', 'nope'], code: 1, first: `error: option '--credential <provider>' argument 'nope' is invalid. "nope" is not a provider; use one of anthropic, openai, google` },
      // The key is looked up in the client's environment (the engine's equals it here: no key in either).
      { flags: ['--credential', 'anthropic'], code: 125, first: "paddock: --credential anthropic: set ANTHROPIC_API_KEY in Paddock's environment (the key stays on the host) [BAD_INPUT]" },
    ];
    expect(process.env.ANTHROPIC_API_KEY ?? '').toBe(''); // the missing-key case needs it unset
    for (const { flags, code, first } of cases) {
      const args = ['run', '--repo', repo, ...flags, '--cmd', 'true'];
      const traced = runCli(args, { ...env, PADDOCK_TRACE: '1' });
      expect(traced.stderr, flags.join(' ')).toContain('engine client: run accepted'); // it did go to the engine
      const viaEngine = runCli(args, env);
      const inProcess = runCli(args, { ...env, PADDOCK_NO_ENGINE: '1' });
      expect(viaEngine.stderr.split('\n')[0], flags.join(' ')).toBe(first);
      expect(viaEngine.code, flags.join(' ')).toBe(code);
      expect([viaEngine.code, viaEngine.stdout, viaEngine.stderr]).toEqual([inProcess.code, inProcess.stdout, inProcess.stderr]);
    }
  });

  it('a real terminal: its own TERM, raw mode, the size, a resize, and the exit code (under a pty)', async () => {
    // `script` gives the client a pty. Raw mode is proven by "abc" typed without Enter reaching
    // the sandbox (a cooked terminal would hold it back until a newline).
    const program = `echo term:$TERM; while [ "$(stty size)" = "0 0" ]; do sleep 0.05; done; echo started $(stty size); while [ "$(stty size)" != "22 88" ]; do sleep 0.05; done; echo resized $(stty size); read -r -n 3 x; echo; echo got:$x; exit 4`;
    const { live, resize, cleanup } = startInResizablePty('engine', ['--repo', repo, '--json'], program, { ...env, TERM: 'vt220' });
    try {
      await live.waitFor(/term:vt220/);
      await live.waitFor(/started 31 101/);
      resize();
      await live.waitFor(/resized 22 88/);
      live.child.stdin!.write('abc');
      await live.waitFor(/got:abc/);
      expect(await live.exit).toBe(4);
      const id = /"session":"([^"]+)"/.exec(live.stdout())?.[1];
      expect(record(id!)?.owner.pid).toBe(engine);
    } finally {
      cleanup();
    }
  });

  it('an egress session: the proxy decides, -v shows the decision, the session network is removed', () => {
    // "The internet" is a container on an internal network this test creates; nothing else is contacted.
    const net = `paddock-test-engine-net-${process.pid}`;
    docker(['network', 'create', '--internal', '--label', 'paddock.test=1', net]);
    let server = '';
    try {
      const image = JSON.parse(docker(['images', '--filter', 'label=paddock.kind=agent', '--format', '{{json .}}']).split('\n')[0]!) as { Repository: string; Tag: string };
      const js = "require('http').createServer((q, s) => s.end('hello via ' + q.url)).listen(8080, () => console.log('up'))";
      server = docker(['run', '-d', '--rm', '--label', 'paddock.test=1', '--network', net, '--user', '1000', `${image.Repository}:${image.Tag}`, 'node', '-e', js]);
      const ip = docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, server]);
      for (let i = 0; i < 50 && !docker(['logs', server]).includes('up'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '-v', '--allow', `${ip}:8080`, '--cmd', `curl -sS --max-time 10 http://${ip}:8080/through-the-engine`], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hello via /through-the-engine');
      expect(r.stderr).toMatch(new RegExp(`allow.*${ip.replaceAll('.', '\\.')}`));
      const id = summary(r.stderr).session;
      expect(record(id)?.owner.pid).toBe(engine);
      expect(docker(['network', 'ls', '-q', '--filter', `label=paddock.session=${id}`])).toBe('');
    } finally {
      if (server) docker(['rm', '-f', server]);
      docker(['network', 'rm', net]);
    }
  });

  it('an agent session with approvals on the terminal (a pty): the prompt and the answer go through the engine', async () => {
    // The real Claude Code CLI behind the gate; the model is a scripted endpoint on loopback. Its
    // key and URL are part of the environment the engine compares, so this uses an engine of its own.
    const once = `node -e "require('fs').writeFileSync('engine-once.txt','ran')"`;
    const model = await startScriptedModel([once]);
    const home2 = tempHome('paddock-engine-agent-');
    const agentRepo = mkdtempSync(join(tmpdir(), 'paddock-engine-agent-repo-'));
    writeFileSync(join(agentRepo, 'README.md'), '# demo\n');
    for (const p of [agentRepo, join(agentRepo, 'README.md')]) chownSync(p, 1000, 1000);
    const env2 = { PADDOCK_HOME: home2.home, TERM: 'xterm', ANTHROPIC_API_KEY: 'host-only-test-key', ANTHROPIC_BASE_URL: model.url };
    let live: LiveCli | null = null;
    try {
      const engine2 = startEngine(env2);
      const args = ['run', '--repo', agentRepo, '--json', '--agent', 'claude', '--credential', 'anthropic', '--', '-p', 'Run the steps.', '--output-format', 'text'];
      const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
      live = startCli([], { ...env2, COLUMNS: '200', LINES: '50' }, ['script', '-qfec', [process.execPath, CLI, ...args].map(q).join(' '), '/dev/null']);
      await live.waitFor(/Paddock: approval needed/, 240_000);
      await live.waitFor(/\[o\] allow once/, 10_000);
      live.child.stdin!.write('o');
      await live.waitFor(/allowed \(allow-once\)/, 60_000);
      expect(await live.exit).toBe(0);
      expect(readFileSync(join(agentRepo, 'engine-once.txt'), 'utf8')).toBe('ran');
      const id = /"session":"([^"]+)"/.exec(live.stdout())?.[1];
      expect(record(id!, home2.home)?.owner.pid).toBe(engine2);
      const answers = readFileSync(join(home2.home, 'sessions', id!, 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind":"approval.answer"'))
        .map((l) => (JSON.parse(l) as { data: { choice: string; by: string } }).data);
      expect(answers.map((a) => a.choice)).toEqual(['allow-once']);
      expect(answers[0]!.by).toMatch(/^tty:/);
    } finally {
      if (live && live.child.exitCode === null) live.child.kill('SIGKILL');
      runCli(['engine', 'stop'], env2);
      await model.close();
      rmSync(agentRepo, { recursive: true, force: true });
      if (existsSync(home2.home)) home2.cleanup();
    }
  });

  it('a client of another build runs its session in-process (and says why with -v)', () => {
    // A copy of the package whose bundle has another build id: bin/ copied, out/cli linked.
    const pkg = mkdtempSync(join(tmpdir(), 'paddock-other-build-'));
    try {
      mkdirSync(join(pkg, 'bin'));
      mkdirSync(join(pkg, 'out', 'cli'), { recursive: true });
      for (const f of ['paddock.js', 'engine-client.js']) copyFileSync(join(ROOT, 'bin', f), join(pkg, 'bin', f));
      for (const f of readdirSync(join(ROOT, 'out', 'cli')).filter((n) => n !== 'build-id')) symlinkSync(join(ROOT, 'out', 'cli', f), join(pkg, 'out', 'cli', f));
      writeFileSync(join(pkg, 'out', 'cli', 'build-id'), 'another-build\n');
      const r = spawnSync(process.execPath, [join(pkg, 'bin', 'paddock.js'), 'run', '-v', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo x'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('x\n');
      expect(r.stderr).toMatch(/paddock: running this session in-process: the engine declined: the engine runs another build/);
      expect(record(summary(r.stderr).session)?.owner.pid).not.toBe(engine);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('a client whose environment differs in what Paddock reads runs in-process, naming the variable but not its value', () => {
    const r = runCli(['run', '-v', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo y'], { ...env, ANTHROPIC_API_KEY: 'sk-test-not-for-the-engine' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('y\n');
    expect(r.stderr).toMatch(/the engine declined: the client's environment differs from the engine's in ANTHROPIC_API_KEY/);
    expect(r.stderr).not.toContain('sk-test');
    expect(record(summary(r.stderr).session)?.owner.pid).not.toBe(engine);
    // Without -v the fallback is silent.
    const quiet = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'true'], { ...env, ANTHROPIC_API_KEY: 'x' });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('in-process');
  });

  it('one engine per PADDOCK_HOME', () => {
    const again = runCli(['engine', 'start'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`an engine already runs for ${home.home} (pid ${engine}); nothing to do`);
    const second = runCli(['engine', 'run'], env);
    expect(second.code).toBe(125);
    expect(second.stderr).toMatch(/paddock: an engine already runs for .* \(pid \d+\).*\[WARM_ENGINE\]/);
  });

  it('starts on a PADDOCK_HOME that does not exist yet (a first run), and stops', () => {
    const fresh = { ...env, PADDOCK_HOME: join(home.home, 'not-yet', 'home') };
    startEngine(fresh);
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], fresh);
    expect(r.code, r.stderr).toBe(0);
    const stop = runCli(['engine', 'stop'], fresh);
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(runCli(['engine', 'status', '--json'], fresh).stdout)).toMatchObject({ running: false });
  });
});

// An interactive in-process run with no engine there starts one for the next runs (ADR 0010);
// every other test here runs with PADDOCK_ENGINE_AUTOSTART=0 (vitest.config.ts).
describe('engine autostart and idle exit', () => {
  const autoHome = tempHome('paddock-engine-auto-');
  // CI runners set CI, which turns autostart off (ADR 0010); these runs stand for a person's.
  const autoEnv = { PADDOCK_HOME: autoHome.home, TERM: 'xterm', PADDOCK_ENGINE_AUTOSTART: '', CI: '' };
  /** `paddock run` on a terminal (script gives it a pty for stdin and stdout). */
  const runInPty = (cmd: string) => {
    const r = spawnSync('script', ['-qfec', `${process.execPath} ${CLI} run --repo ${repo} -- bash -c '${cmd}'`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, ...autoEnv },
      encoding: 'utf8',
      timeout: 170_000,
    });
    return { code: r.status, out: r.stdout };
  };
  const status = (e: NodeJS.ProcessEnv) => JSON.parse(runCli(['engine', 'status', '--json'], e).stdout) as { running: boolean; pid?: number; idleExitMs?: number | null };
  afterAll(() => {
    runCli(['engine', 'stop'], autoEnv);
    autoHome.cleanup();
  });

  it('an interactive run starts a warm engine (30 min idle exit) that the next run goes through', async () => {
    const first = runInPty('echo first; exit 3');
    expect(first.code, first.out).toBe(3);
    expect(first.out).toContain('started a warm engine');
    expect(first.out).toContain('PADDOCK_ENGINE_AUTOSTART=0 turns this off');
    await until('the autostarted engine to answer', () => status(autoEnv).running);
    const s = status(autoEnv);
    pids.add(s.pid!);
    expect(s.idleExitMs).toBe(30 * 60_000);
    const second = runInPty('echo second; exit 4');
    expect(second.code, second.out).toBe(4);
    expect(second.out).not.toContain('started a warm engine');
    const id = /session (\S+) ended/.exec(second.out)?.[1];
    expect(record(id!, autoHome.home)?.owner.pid).toBe(s.pid);
  });

  it('a script (no terminal), CI, PADDOCK_ENGINE_AUTOSTART=0 or a managed policy with engine.autostart: false starts none', () => {
    const none = tempHome('paddock-engine-noauto-');
    try {
      const e = { ...autoEnv, PADDOCK_HOME: none.home };
      expect(runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'true'], e).stderr).not.toContain('warm engine');
      const managed = join(none.home, 'managed-policy.yaml');
      writeFileSync(managed, 'version: 1\nengine:\n  autostart: false\n');
      for (const off of [{ PADDOCK_ENGINE_AUTOSTART: '0' }, { CI: 'true' }, { PADDOCK_MANAGED_POLICY: managed }]) {
        const r = spawnSync('script', ['-qfec', `${process.execPath} ${CLI} run --repo ${repo} -- true`, '/dev/null'], {
          env: { ...process.env, ...e, ...off },
          encoding: 'utf8',
        });
        expect(r.status, r.stdout).toBe(0);
        expect(r.stdout, JSON.stringify(off)).not.toContain('warm engine');
      }
      expect(status(e).running).toBe(false);
    } finally {
      none.cleanup();
    }
  });

  it('an engine started with --idle stops by itself once no run has come for that long', async () => {
    const idleHome = tempHome('paddock-engine-idle-');
    const e = { ...env, PADDOCK_HOME: idleHome.home };
    try {
      const started = runCli(['engine', 'start', '--idle', '2s'], e);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stderr).toContain('it stops after 2 s without a run');
      const pid = status(e).pid!;
      pids.add(pid);
      const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], e);
      expect(record(summary(r.stderr).session, idleHome.home)?.owner.pid).toBe(pid);
      await until('the idle engine to stop', () => !alive(pid));
      expect(readFileSync(join(idleHome.home, 'engine.log'), 'utf8')).toMatch(/stopping \(no run for 2 s\); 0 live session/);
      expect(existsSync(join(idleHome.home, 'engine', 'sock'))).toBe(false);
    } finally {
      runCli(['engine', 'stop'], e);
      idleHome.cleanup();
    }
  });
});

// bin/paddock, the npm bin on Linux and macOS: a `paddock run` that an engine will take starts its
// client without NODE_EXTRA_CA_CERTS (Node parses that bundle at every start; the client speaks no
// TLS) and hands the engine the variable as the user has it. Observable through Node itself: a
// bundle that cannot be read makes every Node that starts with it print one warning.
describe('the launcher (bin/paddock) and NODE_EXTRA_CA_CERTS', () => {
  const LAUNCHER = join(ROOT, 'bin', 'paddock');
  const caHome = tempHome('paddock-engine-ca-');
  const caEnv = { PADDOCK_HOME: caHome.home, TERM: 'xterm', NODE_EXTRA_CA_CERTS: join(caHome.home, 'no-such-bundle.pem') };
  const WARNING = /Ignoring extra certs from `[^`]*no-such-bundle\.pem`/g;
  const launch = (args: string[], e: NodeJS.ProcessEnv = caEnv) => {
    const r = spawnSync(LAUNCHER, args, { cwd: ROOT, env: { ...process.env, ...e }, encoding: 'utf8', timeout: 170_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
  let caEngine = 0;
  beforeAll(() => {
    caEngine = startEngine(caEnv);
  });
  afterAll(() => {
    runCli(['engine', 'stop'], caEnv);
    caHome.cleanup();
  });

  it('the engine takes the run of a client started without the bundle: no Node of the client read it, the engine saw it set', () => {
    const r = launch(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo z; exit 6']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stdout).toBe('z\n');
    expect(r.stderr.match(WARNING)).toBeNull();
    // The engine compares NODE_EXTRA_CA_CERTS: it ran the session, so the client handed it over.
    expect(record(summary(r.stderr).session, caHome.home)?.owner.pid).toBe(caEngine);
  });

  it('when the engine declines, the session runs in a Node restarted with the bundle (one warning), exit code kept', () => {
    const r = launch(['run', '-v', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo w; exit 5'], { ...caEnv, TZ: 'UTC' });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toBe('w\n');
    expect(r.stderr).toMatch(/running this session in-process: the engine declined: .* in TZ/);
    expect(r.stderr.match(WARNING)).toHaveLength(1);
    expect(record(summary(r.stderr).session, caHome.home)?.owner.pid).not.toBe(caEngine);
  });

  it('SIGTERM to the launched process reaches the program of a session restarted in-process', async () => {
    const live = startCli(
      ['run', '--repo', repo, '--no-tty', '-v', '--cmd', "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done"],
      { ...caEnv, TZ: 'UTC' },
      [LAUNCHER],
    );
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGTERM');
    expect(await live.exit).toBe(3);
    expect(live.stdout()).toContain('got-term');
    expect(record(id, caHome.home)?.owner.pid).not.toBe(caEngine);
    expect(sessionContainers(id)).toEqual([]);
  });

  it('with no engine there, nothing changes: one Node, started with the bundle', () => {
    const none = tempHome('paddock-engine-none-');
    try {
      const r = launch(['run', '--repo', repo, '--no-tty', '--cmd', 'exit 4'], { ...caEnv, PADDOCK_HOME: none.home, PADDOCK_TRACE: '1' });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr.match(WARNING)).toHaveLength(1);
      expect(r.stderr).not.toContain('started without NODE_EXTRA_CA_CERTS');
      expect(r.stderr).not.toContain('restarting Node');
    } finally {
      none.cleanup();
    }
  });

  it('runs through npm-style links (relative and absolute) to the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-bin-link-'));
    try {
      mkdirSync(join(dir, '.bin'));
      symlinkSync(join('..', 'pkg', 'bin', 'paddock'), join(dir, '.bin', 'paddock')); // as node_modules/.bin/paddock
      symlinkSync(ROOT, join(dir, 'pkg'));
      symlinkSync(LAUNCHER, join(dir, 'abs'));
      for (const link of [join(dir, '.bin', 'paddock'), join(dir, 'abs')]) {
        const r = spawnSync(link, ['--version'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('when one side goes away', () => {
  it('a client killed mid-session: the engine stops its session (aborted, journaled) and removes the container', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'echo ready; sleep 300'], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGKILL');
    await live.exit;
    await until('the session to end', () => record(id)?.state === 'ended');
    expect(sessionContainers(id)).toEqual([]);
    expect(record(id)).toMatchObject({ endReason: 'aborted', owner: { pid: engine } });
    expect(record(id)?.message).toContain('its terminal went away');
    const v = runCli(['verify', id], env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^OK: session/);
  });

  it('the engine reaps the orphan of a crashed in-process run after its next session, off that session start path', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'echo ready; sleep 300'], { ...env, PADDOCK_NO_ENGINE: '1' });
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGKILL');
    await live.exit;
    expect(sessionContainers(id)).not.toEqual([]);
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], env);
    expect(r.code).toBe(0);
    expect(record(summary(r.stderr).session)?.owner.pid).toBe(engine);
    await until('the engine to reap the orphan', () => sessionContainers(id).length === 0);
    await until('the orphan to be marked interrupted', () => record(id)?.state === 'interrupted');
    expect(readFileSync(join(home.home, 'engine.log'), 'utf8')).toContain(`reaped 1 orphaned session(s): ${id}`);
  });

  it('`engine stop` stops a live session first (journaled), then the engine', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'echo ready; sleep 300'], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    const status = JSON.parse(runCli(['engine', 'status', '--json'], env).stdout) as { sessions: string[] };
    expect(status.sessions).toEqual([id]);
    const stop = runCli(['engine', 'stop'], env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toContain(`stopping 1 live session(s): ${id}`);
    expect(stop.stderr).toContain(`engine stopped (pid ${engine})`);
    expect(await live.exit).toBe(137);
    expect(live.stderr()).toContain('the Paddock engine was stopped');
    expect(sessionContainers(id)).toEqual([]);
    expect(record(id)).toMatchObject({ state: 'ended', endReason: 'aborted' });
    expect(alive(engine)).toBe(false);
    expect(runCli(['verify', id], env).code).toBe(0);
    const none = runCli(['engine', 'status'], env);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('engine: not running');
    // With no engine, `paddock run` runs in-process as always.
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], env);
    expect(r.code).toBe(0);
    expect(record(summary(r.stderr).session)?.owner.pid).not.toBe(engine);
  });

  it('an engine killed mid-session: the client says so and exits 125; the next run (stale socket) or engine start reaps the container', async () => {
    const killMidSession = async (): Promise<string> => {
      if (!alive(engine)) engine = startEngine();
      const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'echo ready; sleep 300'], env);
      const id = await runningSession(live);
      await live.waitFor(/^ready$/m);
      process.kill(engine, 'SIGKILL');
      expect(await live.exit).toBe(125);
      expect(live.stderr()).toMatch(/^paddock: the engine stopped mid-session/m);
      expect(sessionContainers(id)).not.toEqual([]); // the orphan, until the next start
      return id;
    };
    // 1. The socket file is left behind: the next `paddock run` finds it stale, runs in-process
    //    and, as every start does, reaps the orphan.
    const first = await killMidSession();
    const r1 = runCli(['run', '-v', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], env);
    expect(r1.code).toBe(0);
    expect(r1.stderr).toMatch(/running this session in-process: the engine socket does not answer \(ECONNREFUSED\); it is stale/);
    expect(r1.stderr).toContain(`reaped 1 orphaned session(s): ${first}`);
    expect(sessionContainers(first)).toEqual([]);
    expect(record(first)?.state).toBe('interrupted');
    // 2. The next engine start reaps, and replaces the stale socket.
    const second = await killMidSession();
    engine = startEngine();
    expect(sessionContainers(second)).toEqual([]);
    expect(record(second)?.state).toBe('interrupted');
    expect(readFileSync(join(home.home, 'engine.log'), 'utf8')).toContain(`reaped 1 orphaned session(s): ${second}`);
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], env);
    expect(r.code).toBe(0);
    expect(record(summary(r.stderr).session)?.owner.pid).toBe(engine);
  });
});
