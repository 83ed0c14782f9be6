import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin/paddock.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A temp PADDOCK_HOME per test file so sessions never mix with the user's. */
export function tempHome(prefix = 'paddock-home-'): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 170_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface LiveCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  waitFor: (re: RegExp, ms?: number) => Promise<void>;
  exit: Promise<number | null>;
}

/** Start the CLI in the background; wait for output with waitFor (no sleeps). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, command: string[] = [process.execPath, CLI]): LiveCli {
  const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  const poke = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), poke()));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), poke()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = (re: RegExp, ms = 60_000) =>
    new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for ${re}; stdout=${out.slice(-500)} stderr=${err.slice(-500)}`)), ms);
      const check = () => {
        if (re.test(out) || re.test(err)) {
          clearTimeout(t);
          res();
        } else waiters.push(check);
      };
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exit };
}

/** The JSON summary `paddock run --json` prints as its last stderr line. */
export function summary(stderr: string): { session: string; exitCode: number | null; reason: string; message: string | null } {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ReturnType<typeof summary>;
}

export function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Paddock containers of a session (all states). */
export function sessionContainers(sessionId: string): string[] {
  return docker(['ps', '-aq', '--filter', `label=paddock.session=${sessionId}`]).split('\n').filter(Boolean);
}

/**
 * "The internet" of a CLI egress test: an HTTP server (`serverJs`, run with `node -e` as uid
 * 1000 in the project's agent image, listening on :8080 and printing "up") on an internal
 * network the test creates. Nothing else is contacted. `close` removes both.
 */
export function startTestInternet(name: string, serverJs: string): { ip: string; close: () => void } {
  const netName = `paddock-test-${name}-${process.pid}`;
  docker(['network', 'create', '--internal', '--label', 'paddock.test=1', netName]);
  let server = '';
  const close = () => {
    if (server) docker(['rm', '-f', server]);
    docker(['network', 'rm', netName]);
  };
  try {
    const image = JSON.parse(docker(['images', '--filter', 'label=paddock.kind=agent', '--format', '{{json .}}']).split('\n')[0]!) as { Repository: string; Tag: string };
    server = docker(['run', '-d', '--rm', '--label', 'paddock.test=1', '--network', netName, '--user', '1000', `${image.Repository}:${image.Tag}`, 'node', '-e', serverJs]);
    const ip = docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${netName}").IPAddress}}`, server]);
    for (let i = 0; i < 50 && !docker(['logs', server]).includes('up'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    if (!docker(['logs', server]).includes('up')) throw new Error(`the test internet server did not come up: ${docker(['logs', server])}`);
    return { ip, close };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * `paddock run <runArgs> -- bash -c <program>` inside a real pty (`script`), started at 31 rows
 * × 101 columns. `resize()` then changes the pty to 22 × 88 and sends SIGWINCH, as the kernel
 * would on a window resize. `cleanup()` kills what is left and removes the driver's files.
 */
export function startInResizablePty(
  name: string,
  runArgs: string[],
  program: string,
  env: NodeJS.ProcessEnv,
): { live: LiveCli; resize: () => void; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `paddock-${name}-pty-`));
  const go = join(dir, 'go');
  const driver = join(dir, 'driver.sh');
  writeFileSync(
    driver,
    [
      'stty cols 101 rows 31',
      `${process.execPath} ${CLI} run ${runArgs.join(' ')} -- bash -c '${program.replaceAll("'", "'\\''")}' < /dev/tty &`,
      'pid=$!',
      `while ! [ -e ${go} ]; do sleep 0.1; done`,
      'stty cols 88 rows 22',
      'kill -WINCH $pid',
      'wait $pid',
    ].join('\n'),
  );
  const live = startCli(['-qfec', `sh ${driver}`, '/dev/null'], env, ['script']);
  return {
    live,
    resize: () => writeFileSync(go, ''),
    cleanup: () => {
      if (live.child.exitCode === null) live.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
