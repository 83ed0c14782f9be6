import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { RepoChanges } from './repo-changes.js';
import { cap } from './repo-changes.js';

const run = promisify(execFile);

/** Directories never walked: the VCS and dependency trees (their churn is not the agent's work to review). */
const SKIP = new Set(['.git', 'node_modules']);

export interface SnapshotLimits {
  maxFiles: number;
  /** Files up to this size keep their content, so their diff can be shown; larger ones only a hash. */
  maxFileBytes: number;
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: SnapshotLimits = { maxFiles: 20_000, maxFileBytes: 256 * 1024, maxTotalBytes: 32 * 1024 * 1024 };

interface Entry {
  hash: string;
  /** The content at the start (null when over the limits). */
  content: Buffer | null;
}

/**
 * What a repo that is not in git looked like when its session started: every file's hash and,
 * within limits, its content. Changes and diffs are computed against it while the session runs
 * and at its end (the journal records them as `file.changes`, as for git repos).
 */
export class RepoSnapshot {
  private constructor(
    readonly repo: string,
    private readonly files: Map<string, Entry>,
    /** Stopped at maxFiles: files beyond it are not compared. */
    readonly truncated: boolean,
    private readonly limits: SnapshotLimits,
  ) {}

  static async take(repo: string, limits: Partial<SnapshotLimits> = {}): Promise<RepoSnapshot> {
    const l = { ...DEFAULT_LIMITS, ...limits };
    const files = new Map<string, Entry>();
    let total = 0;
    const walk = await walkFiles(repo, l.maxFiles);
    for (const path of walk.paths) {
      const data = await fileBytes(join(repo, path));
      if (!data) continue;
      const keep = data.length <= l.maxFileBytes && total + data.length <= l.maxTotalBytes;
      if (keep) total += data.length;
      files.set(path, { hash: sha(data), content: keep ? data : null });
    }
    return new RepoSnapshot(repo, files, walk.truncated, l);
  }

  /** Added (A), modified (M) and deleted (D) files since the snapshot, sorted by path. */
  async changes(): Promise<RepoChanges> {
    const walk = await walkFiles(this.repo, this.limits.maxFiles);
    const paths: RepoChanges['paths'] = [];
    const seen = new Set<string>();
    for (const path of walk.paths) {
      seen.add(path);
      const before = this.files.get(path);
      const data = await fileBytes(join(this.repo, path));
      if (!data) continue;
      if (!before) paths.push({ path, status: 'A' });
      else if (before.hash !== sha(data)) paths.push({ path, status: 'M' });
    }
    if (!walk.truncated && !this.truncated) for (const path of this.files.keys()) if (!seen.has(path)) paths.push({ path, status: 'D' });
    paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const parts: string[] = [];
    for (const p of paths.slice(0, 200)) parts.push((await this.diff(p.path)).diff);
    const diff = cap(parts.join(''), 2 * 1024 * 1024);
    return { since: 'snapshot', head: null, paths, diff: diff.diff, truncated: diff.truncated || walk.truncated || this.truncated };
  }

  /** A unified diff of one file against the snapshot (git's diff engine, outside any repo). */
  async diff(path: string, maxBytes = 512 * 1024): Promise<{ diff: string; truncated: boolean }> {
    const before = this.files.get(path);
    const now = await fileBytes(join(this.repo, path));
    if (before && !before.content) return { diff: `${path}: larger than ${this.limits.maxFileBytes} bytes at the start; its content was not kept, so no diff can be shown\n`, truncated: false };
    const dir = await mkdtemp(join(tmpdir(), 'paddock-diff-'));
    try {
      const a = join(dir, 'a', path);
      const b = join(dir, 'b', path);
      await mkdir(dirname(a), { recursive: true });
      await mkdir(dirname(b), { recursive: true });
      if (before?.content) await writeFile(a, before.content);
      if (now) await writeFile(b, now);
      const args = ['diff', '--no-index', '--no-ext-diff', '--no-textconv', '--no-color', '--', before ? relative(dir, a) : '/dev/null', now ? relative(dir, b) : '/dev/null'];
      const out = await run('git', args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
      // git names them by the temp tree (a/a/<path>, b/b/<path>, and a/b/… for an added file): show the repo's path.
      let named = out;
      for (const [from, to] of [['a/a/', 'a/'], ['b/b/', 'b/'], ['a/b/', 'a/'], ['b/a/', 'b/']]) named = named.split(`${from}${path}`).join(`${to}${path}`);
      return cap(named, maxBytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function walkFiles(repo: string, max: number): Promise<{ paths: string[]; truncated: boolean }> {
  const paths: string[] = [];
  const queue = [''];
  while (queue.length) {
    const rel = queue.shift()!;
    const entries = await readdir(join(repo, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) queue.push(p);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (paths.length >= max) return { paths, truncated: true };
        paths.push(p);
      }
    }
  }
  return { paths, truncated: false };
}

/** A file's bytes, or a symlink's target (never followed), or null if it is gone. */
async function fileBytes(path: string): Promise<Buffer | null> {
  try {
    const s = await lstat(path);
    if (s.isSymbolicLink()) return Buffer.from(`symlink -> ${await readlink(path)}`);
    if (!s.isFile()) return null;
    // Very large files are compared by size and time only (never read whole into memory).
    return s.size > 16 * 1024 * 1024 ? Buffer.from(`large file: ${s.size} bytes, modified ${s.mtimeMs}`) : await readFile(path);
  } catch {
    return null;
  }
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
