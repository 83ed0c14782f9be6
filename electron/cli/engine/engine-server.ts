import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { PaddockError, errorMessage } from '../../engine/errors.js';
import { withLockFile } from '../../engine/lock-file.js';
import { runCli } from '../cli-program.js';
import { ConnectionIO } from './connection-io.js';
import { envDifferences } from './engine-env.js';
import { enginePaths } from './engine-paths.js';
import type { EngineStatus, Hello } from './engine-protocol.js';
import { Frame, FrameDecoder, PROTOCOL_VERSION, encodeJson } from './engine-protocol.js';

export interface EngineOptions {
  home: string;
  buildId: string;
  log: (message: string) => void;
  /** Resolves when the engine has been told to stop by a signal of its own process. */
  stopSignal: Promise<string>;
  /** Reap orphans (dead owners' containers and records); run after every session, one at a time. */
  reap: () => Promise<void>;
  /** Stop by itself after this long with no run (ms); undefined: run until stopped. */
  idleExitMs?: number;
}

const STOPPED = 'the session was stopped because the Paddock engine was stopped (`paddock engine stop`)';
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * The warm engine (ADR 0008): one per PADDOCK_HOME (a lock file), listening on a unix socket
 * in a 0700 directory. Each connection is one `paddock run` of a thin client, run in this
 * process on the client's terminal (ConnectionIO); `status` and `stop` are the other requests.
 * Resolves when the engine has stopped: its sessions stopped (aborted, journaled) and finished.
 */
export async function runEngine(opts: EngineOptions): Promise<void> {
  const home = resolve(opts.home);
  const paths = enginePaths(home);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  await withLockFile(paths.lock, () => serve(opts, home, paths), {
    timeoutMs: 0,
    onTimeout: (owner) =>
      new PaddockError('WARM_ENGINE', `an engine already runs for ${home} (pid ${owner?.pid ?? '?'}); \`paddock engine status\` shows it`),
  });
}

async function serve(opts: EngineOptions, home: string, paths: ReturnType<typeof enginePaths>): Promise<void> {
  // We hold the lock, so a socket file left here belongs to an engine that died: stale.
  if (existsSync(paths.socket)) unlinkSync(paths.socket);
  const runs = new Map<Socket, { conn: ConnectionIO; done: Promise<void> }>();
  const sessions = new Map<string, (reason: string) => Promise<void>>();
  const startedAt = new Date().toISOString();
  let stopping = false;
  const status = (): EngineStatus => ({
    pid: process.pid,
    socket: paths.socket,
    buildId: opts.buildId,
    home,
    startedAt,
    sessions: [...sessions.keys()],
    stopping,
    idleExitMs: opts.idleExitMs ?? null,
  });

  // An engine started for the user's convenience (autostart) goes away when nobody uses it.
  let idleTimer: NodeJS.Timeout | null = null;
  const idle = (): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (opts.idleExitMs === undefined || runs.size > 0 || stopping) return;
    idleTimer = setTimeout(() => void stop(`no run for ${Math.round(opts.idleExitMs! / 1000)} s`), opts.idleExitMs);
  };

  // Sessions here skip the reaping of an in-process start (it is not on their start path): the
  // engine reaps after each one ends instead, so orphans of crashed in-process runs still go.
  let reaping: Promise<void> | null = null;
  let reapAgain = false;
  const reapSoon = (): void => {
    if (reaping) {
      reapAgain = true;
      return;
    }
    reaping = opts
      .reap()
      .catch((e: unknown) => opts.log(`reaping orphans failed: ${errorMessage(e)}`))
      .finally(() => {
        reaping = null;
        if (reapAgain && !stopping) {
          reapAgain = false;
          reapSoon();
        }
      });
  };

  let stopDone: Promise<void> | null = null;
  let server: Server | null = null;
  const stop = (why: string): Promise<void> => {
    stopDone ??= (async () => {
      stopping = true;
      if (idleTimer) clearTimeout(idleTimer);
      opts.log(`stopping (${why}); ${sessions.size} live session(s)`);
      server?.close();
      // Every run is let go: a started session is stopped as the UI's Stop does (aborted and
      // journaled), one still starting is stopped as soon as its program starts.
      for (const { conn } of runs.values()) conn.abandonWith(STOPPED);
      await Promise.all([...runs.values()].map((r) => r.done));
      await reaping;
      try {
        unlinkSync(paths.socket);
      } catch {
        /* already gone */
      }
      opts.log('stopped');
    })();
    return stopDone;
  };

  const handle = (socket: Socket) => {
    const decoder = new FrameDecoder();
    let conn: ConnectionIO | null = null;
    const hello = setTimeout(() => socket.destroy(), 10_000);
    hello.unref();
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(hello);
      conn?.abandonWith('the session was stopped because its terminal went away (the client of the Paddock engine disconnected)');
    });
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        opts.log(`a client sent a bad frame (${errorMessage(e)}); connection closed`);
        socket.destroy();
        return;
      }
      for (const f of frames) {
        if (conn) {
          const unhandled = conn.receive(f.type, f.payload);
          // A signal nobody handles ends the in-process CLI (the default action): end the run as if.
          if (unhandled) {
            conn.abandonWith(`the session was stopped because its terminal got ${unhandled}`);
            socket.end(encodeJson(Frame.exit, { code: 128 + SIGNAL_NUMBERS[unhandled]!, signal: unhandled }));
          }
          continue;
        }
        if (f.type !== Frame.hello) {
          socket.destroy();
          return;
        }
        clearTimeout(hello);
        let h: Hello;
        try {
          h = JSON.parse(f.payload.toString('utf8')) as Hello;
        } catch {
          socket.destroy();
          return;
        }
        conn = accept(socket, h);
        if (!conn) return;
      }
    });
  };

  const decline = (socket: Socket, reason: string) => {
    socket.end(encodeJson(Frame.decline, { reason }));
    return null;
  };

  const accept = (socket: Socket, h: Hello): ConnectionIO | null => {
    if (h.protocol !== PROTOCOL_VERSION) return decline(socket, `the engine speaks protocol ${PROTOCOL_VERSION}, the client ${String(h.protocol)}`);
    if (h.op === 'status') {
      socket.end(encodeJson(Frame.status, status()));
      return null;
    }
    if (h.op === 'stop') {
      void stop('`paddock engine stop`').then(() => socket.end(encodeJson(Frame.status, status())));
      return null;
    }
    if (h.op !== 'run') return decline(socket, `unknown request ${String(h.op)}`);
    if (stopping) return decline(socket, 'the engine is stopping');
    if (h.buildId !== opts.buildId)
      return decline(socket, `the engine runs another build (${opts.buildId}, the client is ${String(h.buildId)}); restart it: paddock engine stop && paddock engine start`);
    if (h.uid !== process.getuid?.() || h.gid !== process.getgid?.())
      return decline(socket, 'the client runs as another user or group than the engine');
    if (h.umask !== process.umask()) return decline(socket, 'the client has another umask than the engine');
    if (!Array.isArray(h.argv) || h.argv[2] !== 'run' || typeof h.cwd !== 'string' || !h.env)
      return decline(socket, 'the engine only runs `paddock run`');
    const differs = envDifferences(h.env, h.cwd, process.env, home);
    if (differs.length)
      return decline(socket, `the client's environment differs from the engine's in ${differs.join(', ')} (these change what a session does)`);

    let sessionIds: string[] = [];
    const conn = new ConnectionIO(socket, h, {
      started: (id, stopSession) => {
        sessionIds.push(id);
        sessions.set(id, stopSession);
      },
      ended: (id) => {
        sessionIds = sessionIds.filter((s) => s !== id);
        sessions.delete(id);
      },
    });
    socket.write(encodeJson(Frame.accept, {}));
    if (idleTimer) clearTimeout(idleTimer);
    const done = runCli(h.argv, conn.io, ['run'])
      .then(
        ({ exitCode }) => exitCode ?? 0,
        (e: unknown) => {
          conn.io.stderr.write(`paddock: ${errorMessage(e)}\n`);
          return 1;
        },
      )
      .then((code) => {
        for (const id of sessionIds) sessions.delete(id);
        if (!socket.destroyed && !socket.writableEnded) socket.end(encodeJson(Frame.exit, { code }));
      })
      .finally(() => {
        runs.delete(socket);
        reapSoon();
        idle();
      });
    runs.set(socket, { conn, done });
    return conn;
  };

  server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(paths.socket, () => ok());
  });
  chmodSync(paths.socket, 0o600);
  opts.log(`listening on ${paths.socket} (pid ${process.pid}, build ${opts.buildId})${opts.idleExitMs === undefined ? '' : `; stops after ${Math.round(opts.idleExitMs / 1000)} s without a run`}`);
  idle();
  void opts.stopSignal.then((sig) => stop(sig));
  await new Promise<void>((ok) => server.once('close', ok));
  await stop('server closed');
}
