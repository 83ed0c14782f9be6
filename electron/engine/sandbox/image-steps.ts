import type Docker from 'dockerode';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PaddockError, errorMessage } from '../errors.js';

/** Progress of an image build: one `step` event per step, then its log lines. */
export type BuildProgress =
  | { type: 'step'; index: number; count: number; name: string }
  | { type: 'log'; index: number; line: string }
  | { type: 'wait'; line: string };

export type LogFn = (line: string) => void;

/** Split a byte stream into lines for `log`; keeps the last `keep` lines for error messages. */
export function lineSink(log: LogFn, keep = 30): { push: (chunk: Buffer | string) => void; flush: () => void; tail: string[] } {
  let buf = '';
  const tail: string[] = [];
  const emit = (l: string) => {
    const line = l.replace(/\r/g, '').trimEnd();
    if (!line) return;
    tail.push(line);
    if (tail.length > keep) tail.shift();
    log(line);
  };
  return {
    tail,
    push(chunk) {
      buf += chunk.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      parts.forEach(emit);
    },
    flush() {
      emit(buf);
      buf = '';
    },
  };
}

/** Run a host command, streaming its output to `log`; rejects with the last lines on failure. */
export function runLogged(cmd: string, args: string[], log: LogFn, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSink(log);
    child.stdout.on('data', out.push);
    child.stderr.on('data', out.push);
    child.on('error', (e) => reject(new PaddockError('IMAGE_BUILD_FAILED', `${what}: cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      out.flush();
      if (code === 0) return resolve();
      const last = out.tail.slice(-8).join('\n  ');
      reject(new PaddockError('IMAGE_BUILD_FAILED', `${what} failed (${cmd} exited ${code ?? signal}):\n  ${last}`));
    });
  });
}

function hasCommand(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error;
}

/** mmdebstrap on PATH, installing it from apt when we are root on Linux; otherwise a clear error. */
export async function ensureMmdebstrap(log: LogFn): Promise<void> {
  if (hasCommand('mmdebstrap')) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform === 'linux' && root && hasCommand('apt-get')) {
    log('mmdebstrap is missing; installing it with apt-get');
    try {
      await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'mmdebstrap'], log, 'apt-get install mmdebstrap');
    } catch {
      await runLogged('apt-get', ['update'], log, 'apt-get update');
      await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'mmdebstrap'], log, 'apt-get install mmdebstrap');
    }
    if (hasCommand('mmdebstrap')) return;
  }
  throw new PaddockError(
    'IMAGE_BUILD_FAILED',
    'building the default image needs mmdebstrap, which is not installed' +
      (process.platform === 'linux' ? ' (install it: `sudo apt-get install mmdebstrap`)' : ' (it runs on Linux only)') +
      ', or run with --image NAME to use an image of your own.',
  );
}

type DockerEvent = { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } };

/** Wait for a build/import/pull response stream, logging its lines; rejects on an error event. */
export function followStream(docker: Docker, stream: NodeJS.ReadableStream, log: LogFn): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = lineSink(log);
    let failure: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        sink.flush();
        if (err) return reject(err);
        if (failure) return reject(new Error(failure));
        resolve();
      },
      (ev: DockerEvent) => {
        if (ev.error) failure = ev.errorDetail?.message ?? ev.error;
        else if (ev.stream) sink.push(ev.stream);
        else if (ev.status) sink.push(`${ev.status}\n`);
      },
    );
  });
}

/**
 * mmdebstrap's tarball on stdout streamed straight into the engine (`docker import`). The import
 * goes to a throw-away tag first and is tagged for real only when mmdebstrap and the import both
 * succeeded, so a failed bootstrap never leaves a half rootfs under the real tag.
 */
export async function importBase(
  docker: Docker,
  opts: { tag: string; suite: string; variant: string; options: readonly string[]; sourcesPath: string; changes: string[]; log: LogFn },
): Promise<string> {
  const [repo, final] = opts.tag.split(':') as [string, string];
  const partial = `${final}-partial-${process.pid}`;
  const args = [`--variant=${opts.variant}`, '--format=tar', ...opts.options, opts.suite, '-', opts.sourcesPath];
  opts.log(`mmdebstrap ${args.join(' ')}`);
  const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const err = lineSink(opts.log);
  child.stderr.on('data', err.push);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code) => {
      err.flush();
      resolve(code);
    });
  });
  let imported = false;
  try {
    const res = await docker.importImage(child.stdout, { repo, tag: partial, changes: opts.changes });
    await followStream(docker, res, opts.log);
    imported = true;
  } catch (e) {
    child.kill('SIGTERM');
    await exited;
    await removeQuietly(docker, `${repo}:${partial}`);
    throw new PaddockError('IMAGE_BUILD_FAILED', `importing the Debian rootfs into the engine failed: ${errorMessage(e)}`);
  }
  const code = await exited;
  if (code !== 0 || !imported) {
    await removeQuietly(docker, `${repo}:${partial}`);
    throw new PaddockError(
      'IMAGE_BUILD_FAILED',
      `mmdebstrap failed (exit ${code}); last lines:\n  ${err.tail.slice(-8).join('\n  ')}\n` +
        'Check that the apt sources it used are reachable, or set PADDOCK_DEBIAN_SOURCES.',
    );
  }
  const img = docker.getImage(`${repo}:${partial}`);
  await img.tag({ repo, tag: final });
  await removeQuietly(docker, `${repo}:${partial}`);
  const info = await docker.getImage(opts.tag).inspect();
  return info.Id;
}

/** Untag/remove an image, ignoring "not found". */
export async function removeQuietly(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ noprune: false });
  } catch {
    /* not there */
  }
}

/**
 * `docker build` of a prepared context folder with the classic builder (no registry, no pull).
 * The folder is sent as a tar made by the system's tar (keeps hard links, so big native binaries
 * that npm hard-linked are sent once). The tag exists only if the build succeeded.
 */
export async function buildContext(
  docker: Docker,
  contextDir: string,
  tag: string,
  opts: { nocache?: boolean; log: LogFn },
): Promise<string> {
  if (!existsSync(contextDir)) throw new PaddockError('INTERNAL', `build context ${contextDir} is missing`);
  const tar = spawn('tar', ['-C', contextDir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tarErr = lineSink(opts.log);
  tar.stderr.on('data', tarErr.push);
  try {
    const res = await docker.buildImage(tar.stdout, {
      t: tag,
      rm: true,
      forcerm: true,
      nocache: opts.nocache ?? false,
      version: '1',
    });
    await followStream(docker, res, opts.log);
  } catch (e) {
    tar.kill('SIGTERM');
    throw new PaddockError('IMAGE_BUILD_FAILED', `building ${tag} failed: ${errorMessage(e)}`);
  }
  const info = await docker.getImage(tag).inspect();
  return info.Id;
}

/** `chmod -R a+rX,go-w` in Node: world-readable, only the owner may write (symlinks untouched). */
export function normalizeModes(root: string): void {
  const st = lstatSync(root);
  if (st.isSymbolicLink()) return;
  const exec = st.isDirectory() || (st.mode & 0o111) !== 0;
  const mode = ((st.mode & 0o755) | 0o444 | (exec ? 0o111 : 0)) & ~0o022;
  if ((st.mode & 0o7777) !== mode) chmodSync(root, mode);
  if (st.isDirectory()) for (const n of readdirSync(root)) normalizeModes(join(root, n));
}
