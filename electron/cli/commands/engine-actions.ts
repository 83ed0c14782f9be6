import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '../../engine/errors.js';
import { paddockHome } from '../../engine/paths.js';
import { processAlive as alive } from '../../engine/process-alive.js';
import type { CliIO } from '../cli-io.js';
import { enginePaths, readBuildId } from '../engine/engine-paths.js';
import type { EngineStatus } from '../engine/engine-protocol.js';
import { engineRequest } from '../engine/engine-request.js';
import { packageRoot } from '../package-root.js';

const homeOf = (io: CliIO) => resolve(io.cwd, paddockHome(io.env));


/** The pid in the engine's lock file, when that process is alive. */
function lockHolder(lock: string): number | null {
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    return Number.isInteger(pid) && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

const describeIdle = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

function describe(s: EngineStatus): string {
  return [
    `engine: running (pid ${s.pid}${s.stopping ? ', stopping' : ''})`,
    `socket: ${s.socket}`,
    `build: ${s.buildId}`,
    `started: ${s.startedAt}`,
    `idle exit: ${s.idleExitMs == null ? 'none (runs until stopped)' : `after ${describeIdle(s.idleExitMs)} without a run`}`,
    `live sessions: ${s.sessions.length}${s.sessions.length ? ` (${s.sessions.join(', ')})` : ''}`,
  ].join('\n');
}

export async function engineStatus(io: CliIO, json: boolean): Promise<number> {
  const home = homeOf(io);
  const paths = enginePaths(home);
  const s = await engineRequest(paths.socket, 'status', 5000);
  if (s) {
    io.stdout.write(json ? `${JSON.stringify({ running: true, ...s })}\n` : `${describe(s)}\n`);
    return 0;
  }
  const pid = lockHolder(paths.lock);
  const why = pid ? `an engine process (pid ${pid}) holds ${paths.lock} but does not answer on ${paths.socket}` : `no engine runs for ${home}`;
  io.stdout.write(json ? `${JSON.stringify({ running: false, home, ...(pid ? { pid } : {}), message: why })}\n` : `engine: not running (${why})\n`);
  return 1;
}

/** Start `paddock engine run` in the background for this data directory (log: engine.log); it is not waited for. */
export function spawnEngine(env: NodeJS.ProcessEnv, home: string, idleMs?: number): ChildProcess {
  const paths = enginePaths(home);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 }); // a first run: the data directory may not exist yet
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'paddock.js'), 'engine', 'run', ...(idleMs === undefined ? [] : ['--idle', `${idleMs}ms`])], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...env, PADDOCK_HOME: home },
      cwd: home,
    });
    child.on('error', () => {}); // reported through the log and the caller's wait
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

export async function engineStart(io: CliIO, idleMs?: number): Promise<number> {
  const home = homeOf(io);
  const paths = enginePaths(home);
  const say = (m: string) => io.stderr.write(`paddock: ${m}\n`);
  const running = await engineRequest(paths.socket, 'status', 5000);
  if (running) {
    say(`an engine already runs for ${home} (pid ${running.pid}); nothing to do`);
    return 0;
  }
  if (!readBuildId()) throw new PaddockError('WARM_ENGINE', 'the CLI is not bundled (out/cli/build-id is missing); run `npm run build:node` first');
  const child = spawnEngine(io.env, home, idleMs);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await engineRequest(paths.socket, 'status', 5000).catch(() => null);
    if (s && s.pid === child.pid) {
      say(`engine started (pid ${s.pid}), listening on ${s.socket}; log: ${paths.log}${idleMs === undefined ? '' : `; it stops after ${describeIdle(idleMs)} without a run`}`);
      say('`paddock run` now hands its sessions to it (PADDOCK_NO_ENGINE=1 runs one in-process); `paddock engine stop` stops it');
      return 0;
    }
    if (exited !== undefined || Date.now() > deadline) {
      const tail = existsSync(paths.log) ? readFileSync(paths.log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
      if (exited === undefined) child.kill('SIGTERM');
      throw new PaddockError(
        'WARM_ENGINE',
        `the engine did not come up (${exited === undefined ? 'no answer within 30 s' : `it exited with ${String(exited)}`}); see ${paths.log}${tail ? `:\n${tail}` : ''}`,
      );
    }
    await sleep(25);
  }
}

export async function engineStop(io: CliIO): Promise<number> {
  const home = homeOf(io);
  const paths = enginePaths(home);
  const say = (m: string) => io.stderr.write(`paddock: ${m}\n`);
  const before = await engineRequest(paths.socket, 'status', 5000).catch(() => null);
  const pid = before?.pid ?? lockHolder(paths.lock);
  if (!pid) {
    say(`no engine runs for ${home}; nothing to stop`);
    return 0;
  }
  if (before) {
    if (before.sessions.length) say(`stopping ${before.sessions.length} live session(s): ${before.sessions.join(', ')}`);
    // The engine answers once its sessions have ended and their journals are closed.
    await engineRequest(paths.socket, 'stop', 120_000);
  } else {
    say(`the engine (pid ${pid}) does not answer on its socket; sending it SIGTERM`);
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline)
      throw new PaddockError('WARM_ENGINE', `the engine (pid ${pid}) is still running 30 s after it was told to stop; see ${paths.log}`);
    await sleep(25);
  }
  say(`engine stopped (pid ${pid})`);
  return 0;
}

/** `paddock engine run`: the engine itself, in the foreground, until SIGINT/SIGTERM/SIGHUP or `engine stop`. */
export async function engineRun(idleMs?: number): Promise<void> {
  const home = resolve(paddockHome());
  const buildId = readBuildId();
  if (!buildId) throw new PaddockError('WARM_ENGINE', 'the CLI is not bundled (out/cli/build-id is missing); run `npm run build:node` first');
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} paddock-engine: ${m}\n`);
  const stopSignal = new Promise<string>((res) => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => res(sig));
  });
  // Load what a session needs now: faster first run, and a later rebuild of out/cli (which
  // deletes old chunks) cannot pull a module from under a running engine.
  await Promise.all([import('./run.js'), import('./run-session.js'), import('../../engine/sessions/agent-session.js')]);
  // Containers and sessions whose owner died (an engine killed mid-session, say) are reaped now,
  // as every in-process `paddock run` does at its start.
  const { Supervisor } = await import('../../engine/sessions/supervisor.js');
  const reap = async () => {
    const recovery = new Supervisor({ home, log });
    try {
      await recovery.runner();
    } finally {
      await recovery.close();
    }
  };
  await reap().catch((e: unknown) => log(`could not reap orphans now: ${e instanceof Error ? e.message : String(e)}`));
  const { runEngine } = await import('../engine/engine-server.js');
  await runEngine({ home, buildId, log, stopSignal, reap, ...(idleMs === undefined ? {} : { idleExitMs: idleMs }) });
  // Stopped: its sessions have ended and their journals are closed. Nothing may keep the
  // process alive after that (a library's idle handle, say): `engine stop` waits for it to go.
  setTimeout(() => process.exit(0), 2000).unref();
}
