import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, docker, runCli, sessionContainers, startCli, startInResizablePty, summary, tempHome } from '../helpers/paddock-cli.js';

// Session lifecycle with the real CLI and engine: exit codes, signals, orphans, bad input.
let repo: string;
const home = tempHome();
const env = { PADDOCK_HOME: home.home };

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-life-'));
  writeFileSync(join(repo, 'README.md'), 'hi\n');
});
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

function containerOf(sessionLine: string): string {
  return docker(['ps', '-q', '--filter', `label=paddock.session=${sessionLine}`]);
}

async function runningSession(live: ReturnType<typeof startCli>): Promise<string> {
  await live.waitFor(/session (\S+) started/);
  return /session (\S+) started/.exec(live.stderr())![1]!;
}

describe('exit codes and output', () => {
  it('propagates the exit code and streams stdout and stderr apart', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'echo out; echo err >&2; exit 7'], env);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toMatch(/^err$/m);
    expect(r.stderr).toMatch(/session \S+ ended \(exit 7\)/);
  });

  it('passes stdin through and delivers EOF', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--', 'wc', '-l'], env, 'a\nb\nc\n');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('3');
  });

  it('records the session in the index', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'], env);
    const s = summary(r.stderr);
    const list = runCli(['sessions', '--json'], env);
    const rec = (JSON.parse(list.stdout) as Array<{ id: string; state: string; exitCode: number; imageDigest: string }>).find((x) => x.id === s.session);
    expect(rec).toMatchObject({ state: 'ended', exitCode: 0 });
    expect(rec?.imageDigest).toMatch(/^sha256:/);
    expect(runCli(['sessions'], env).stdout).toContain(s.session);
  });
});

describe('signals', () => {
  it('Ctrl-C (SIGINT) reaches the program without a terminal', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', "trap 'echo got-int; exit 42' INT; echo ready; while :; do sleep 0.1; done"], env);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGINT');
    expect(await live.exit).toBe(42);
    expect(live.stdout()).toContain('got-int');
  });

  it('Ctrl-C typed in a real terminal reaches the program (raw mode through a pty)', async () => {
    // util-linux `script` gives paddock a real pty; \x03 typed there must arrive in the sandbox.
    const inner = `${process.execPath} ${CLI} run --repo ${repo} -v -- bash -c "trap 'echo got-int; exit 42' INT; echo ready; while :; do sleep 0.1; done"`;
    const live = startCli(['-qfec', inner, '/dev/null'], env, ['script']);
    await live.waitFor(/ready/);
    live.child.stdin!.write('\x03');
    expect(await live.exit).toBe(42);
    expect(live.stdout()).toContain('got-int');
  });

  it('the sandbox terminal takes the size of ours, and follows a resize (SIGWINCH)', async () => {
    // Inside a real pty (script): set a size, start paddock with the pty as its terminal, then
    // change the size and send SIGWINCH as the kernel would on a window resize.
    const program = `trap 'echo resized $(stty size)' WINCH; while [ "$(stty size)" = "0 0" ]; do sleep 0.05; done; echo started $(stty size); while :; do sleep 0.1; done`;
    const { live, resize, cleanup } = startInResizablePty('resize', ['--repo', repo], program, env);
    try {
      await live.waitFor(/started 31 101/);
      resize();
      await live.waitFor(/resized 22 88/);
      live.child.stdin!.write('\x03'); // Ctrl-C ends the program, then paddock and the driver
      expect(await live.exit).toBe(130); // 128 + SIGINT, passed up by paddock and the driver
      expect(live.stdout()).toMatch(/session \S+ ended \(exit 130\)/);
    } finally {
      cleanup();
    }
  });

  it('SIGTERM to paddock stops the sandboxed program and cleans up', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done"], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGTERM');
    expect(await live.exit).toBe(3);
    expect(sessionContainers(id)).toEqual([]);
  });
});

describe('crashes and outside interference', () => {
  it('after kill -9 of paddock, the next start reaps the orphan container and its placeholders', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'seq 1 20000; echo ready; sleep 300'], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    expect(readdirSync(repo)).toContain('.claude'); // placeholder while running
    live.child.kill('SIGKILL');
    await live.exit;
    expect(containerOf(id)).not.toBe('');
    const r = runCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'true'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`reaped 1 orphaned session(s): ${id}`);
    expect(sessionContainers(id)).toEqual([]);
    expect(readdirSync(repo)).not.toContain('.claude');
    const rec = (JSON.parse(runCli(['sessions', '--json'], env).stdout) as Array<{ id: string; state: string }>).find((s) => s.id === id);
    expect(rec?.state).toBe('interrupted');
    // The journal of the killed session verifies up to its last event.
    const v = runCli(['verify', id], env);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^OK: session/);
  });

  it('after kill -9 during an egress session, the next start also removes its session network and firewall rules', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--allow', 'registry.npmjs.org', '--cmd', 'echo ready; sleep 300'], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    live.child.kill('SIGKILL');
    await live.exit;
    const networks = () => docker(['network', 'ls', '-q', '--filter', `label=paddock.session=${id}`]);
    // The gateway firewall's rules (this suite runs as root) name their session in the comment.
    const fwRules = () => execFileSync('iptables', ['-S', 'INPUT'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`session=${id};`));
    expect(networks()).not.toBe('');
    expect(fwRules()).toHaveLength(3);
    const r = runCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'true'], env);
    expect(r.stderr).toContain(id);
    expect(sessionContainers(id)).toEqual([]);
    expect(networks()).toBe('');
    expect(fwRules()).toEqual([]);
  });

  it('a container killed from outside is reported as such, and removed', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--json', '--cmd', 'echo ready; sleep 300'], env);
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    docker(['kill', containerOf(id)]);
    expect(await live.exit).toBe(137);
    expect(summary(live.stderr()).reason).toBe('killed');
    expect(live.stderr()).toMatch(/killed from outside Paddock/);
    expect(sessionContainers(id)).toEqual([]);
  });

  it('an engine that stops answering mid-session gives a clear error; the orphan is reaped later', async () => {
    // The engine is reached through a loopback relay this test owns, then cut.
    const sockets = new Set<Socket>();
    const relay = createServer((c) => {
      const up = connect('/var/run/docker.sock');
      sockets.add(c).add(up);
      c.pipe(up).pipe(c);
      c.on('error', () => {});
      up.on('error', () => {});
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as { port: number }).port;
    const live = startCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'echo ready; sleep 300'], { ...env, DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    const id = await runningSession(live);
    await live.waitFor(/^ready$/m);
    relay.close();
    for (const s of sockets) s.destroy();
    expect(await live.exit).toBe(125);
    expect(live.stderr()).toMatch(/engine stopped answering/);
    expect(live.stderr().trim().split('\n').filter((l) => /engine stopped/.test(l))).toHaveLength(1);
    const r = runCli(['run', '--repo', repo, '--no-tty', '-v', '--cmd', 'true'], env);
    expect(r.stderr).toContain(id);
    expect(sessionContainers(id)).toEqual([]);
  });
});

describe('bad input', () => {
  it('a repo that does not exist', () => {
    const r = runCli(['run', '--repo', join(repo, 'missing'), '--cmd', 'true'], env);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('a file instead of a directory', () => {
    const r = runCli(['run', '--repo', join(repo, 'README.md'), '--cmd', 'true'], env);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/is a file, not a directory/);
  });

  it('an image that does not exist (pull goes only to a loopback port with nothing there)', () => {
    const before = readdirSync(repo).sort();
    const r = runCli(['run', '--repo', repo, '--image', '127.0.0.1:9/paddock-test/missing:nope', '--cmd', 'true'], env);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/IMAGE_NOT_FOUND/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(repo).sort()).toEqual(before);
  });

  it('both --cmd and a command is refused', () => {
    const r = runCli(['run', '--repo', repo, '--cmd', 'true', '--', 'false'], env);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/either --cmd/);
  });
});
