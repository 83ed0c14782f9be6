import { execFile, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

const GIT_CONFIG = ['-c', 'core.fsmonitor=false', '-c', 'core.quotepath=off'];
const GIT_ENV = { GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };

/**
 * Git run on the host over a repo the agent has written to. Everything that could make git run
 * repo-supplied code is off: no fsmonitor, no external diff or textconv (the config and
 * .git/info are read-only inside the sandbox, so filter drivers cannot be added from there).
 */
function git(repo: string, args: string[], maxBuffer = 64 * 1024 * 1024) {
  return run('git', ['-C', repo, '-c', `safe.directory=${repo}`, ...GIT_CONFIG, ...args], {
    maxBuffer,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
  });
}

/**
 * The commit the repo is at, or null (not a git repo, no commits, no git). Read from the git
 * directory's own files, as git finds them, without starting git: forking a process as large as
 * the engine blocks its event loop for milliseconds, on every session start. Layouts this reader
 * does not know (reftable, symbolic refs to symbolic refs, git's discovery variables such as
 * GIT_DIR in the environment) are left to `git rev-parse`.
 */
export async function repoHead(repo: string): Promise<string | null> {
  let fromFiles: string | null | undefined;
  try {
    fromFiles = headFromFiles(repo);
  } catch {
    fromFiles = undefined; // unreadable: git says what it makes of it
  }
  if (fromFiles !== undefined) return fromFiles;
  try {
    return (await git(repo, ['rev-parse', '--verify', '-q', 'HEAD'])).stdout.trim() || null;
  } catch {
    return null;
  }
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Git's variables that change where it finds a repository or what HEAD means. */
const GIT_DISCOVERY_ENV = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_NAMESPACE', 'GIT_OBJECT_DIRECTORY', 'GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_DEFAULT_REF_FORMAT',
];

/** HEAD's commit from the files (null: not a repo or no commit yet), or undefined: ask git. */
export function headFromFiles(repo: string): string | null | undefined {
  if (GIT_DISCOVERY_ENV.some((k) => process.env[k] !== undefined)) return undefined;
  // A few small local files, read synchronously: quicker than a thread-pool round trip each.
  let dir = resolve(repo);
  const dev = statSync(dir).dev;
  for (;;) {
    const dotGit = join(dir, '.git');
    const st = statSync(dotGit, { throwIfNoEntry: false });
    let gitDir: string | null = null;
    if (st?.isFile()) {
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return undefined;
      gitDir = resolve(dir, m[1]!.trim());
      if (!isGitDir(gitDir)) return undefined;
    } else if (st?.isDirectory() && isGitDir(dotGit)) gitDir = dotGit;
    if (gitDir) return refFromFiles(gitDir);
    const up = dirname(dir);
    if (up === dir) return null; // the root: not in a repository
    if (statSync(up).dev !== dev) return null; // git stops at a file system boundary too
    dir = up;
  }
}

const readOrNull = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** What git accepts as a repository: a HEAD, and objects/ and refs/ (here or in its common dir). */
function isGitDir(d: string): boolean {
  if (!statSync(join(d, 'HEAD'), { throwIfNoEntry: false })?.isFile()) return false;
  const common = commonDir(d);
  return !!statSync(join(common, 'objects'), { throwIfNoEntry: false })?.isDirectory() && !!statSync(join(common, 'refs'), { throwIfNoEntry: false })?.isDirectory();
}

function commonDir(gitDir: string): string {
  const c = readOrNull(join(gitDir, 'commondir'));
  if (c === null) return gitDir;
  const p = c.trim();
  return isAbsolute(p) ? p : resolve(gitDir, p);
}

function refFromFiles(gitDir: string): string | null | undefined {
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (OBJECT_ID.test(head)) return head; // detached
  const m = /^ref: (refs\/\S+)$/.exec(head);
  if (!m) return undefined;
  const name = m[1]!;
  const common = commonDir(gitDir);
  if (statSync(join(common, 'reftable'), { throwIfNoEntry: false })) return undefined;
  // Branches live in the common dir; per-worktree refs (refs/worktree, refs/bisect…) do not.
  const perWorktree = /^refs\/(?:worktree|bisect|rewritten)\//.test(name);
  const loose = readOrNull(join(perWorktree ? gitDir : common, name));
  if (loose !== null) {
    const v = loose.trim();
    return OBJECT_ID.test(v) ? v : undefined; // a symbolic ref to another: let git follow it
  }
  if (perWorktree) return undefined;
  for (const line of (readOrNull(join(common, 'packed-refs')) ?? '').split('\n')) {
    if (line.endsWith(` ${name}`)) {
      const id = line.slice(0, line.indexOf(' '));
      return OBJECT_ID.test(id) ? id : undefined;
    }
  }
  return null; // an unborn branch: no commit yet
}

export interface RepoChanges {
  since: string;
  head: string | null;
  /** Every path that differs from `since` (committed since, staged, unstaged, or untracked). */
  paths: Array<{ path: string; status: string }>;
  /** `git diff <since>` of tracked files (untracked files are listed in `paths`). */
  diff: string;
  truncated: boolean;
}

/** What follows a diff cut at `maxBytes`. */
const truncatedNote = (maxBytes: number): string => `\n… diff truncated at ${maxBytes} bytes`;

/**
 * The three git runs `repoChanges` needs, in parallel, under one shell: the engine forks once
 * (a fork of a large process blocks its event loop for milliseconds), the shell forks git.
 * Each writes to its own descriptor: 3 the changed paths, 4 the untracked ones, 5 the diff.
 */
const CHANGES_SCRIPT = `repo=$1 since=$2
g() { git -C "$repo" -c "safe.directory=$repo" ${GIT_CONFIG.join(' ')} "$@"; }
g diff --relative --no-ext-diff --no-textconv --name-status -z "$since" >&3 & n=$!
g ls-files --others --exclude-standard -z >&4 & u=$!
g diff --relative --no-ext-diff --no-textconv --no-color "$since" >&5 & d=$!
s=0
wait $n || s=1
wait $u || s=1
wait $d || s=1
exit $s`;

/** Everything a stream gives, keeping at most `max` bytes (the rest is read and dropped). */
function collect(stream: Readable, max = Infinity): Promise<{ data: Buffer; over: boolean }> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let over = false;
    stream.on('data', (c: Buffer) => {
      if (kept >= max) return void (over = true);
      const take = c.length <= max - kept ? c : ((over = true), c.subarray(0, max - kept));
      chunks.push(take);
      kept += take.length;
    });
    stream.on('error', rej);
    stream.on('end', () => res({ data: Buffer.concat(chunks), over }));
  });
}

/**
 * What changed in the repo since `since`, for the record at the end of a session. Limited to the
 * repo folder even when it is a subfolder of a larger checkout (`--relative`, ls-files from there).
 */
export async function repoChanges(repo: string, since: string, maxDiffBytes = 2 * 1024 * 1024): Promise<RepoChanges | null> {
  try {
    const child = spawn('sh', ['-c', CHANGES_SCRIPT, 'sh', repo, since], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...GIT_ENV },
    });
    const exited = new Promise<number | null>((res, rej) => {
      child.on('error', rej);
      child.on('close', (code) => res(code));
    });
    const out = child.stdio as unknown as Readable[];
    const [code, head, names, untracked, diff] = await Promise.all([
      exited,
      repoHead(repo),
      collect(out[3]!),
      collect(out[4]!),
      collect(out[5]!, maxDiffBytes),
    ]);
    if (code !== 0) return null;
    const paths: RepoChanges['paths'] = [];
    const f = names.data.toString('utf8').split('\0');
    for (let i = 0; i + 1 < f.length; ) {
      const status = f[i]!;
      // Renames and copies carry two paths: old, new.
      const n = /^[RC]/.test(status) ? 2 : 1;
      paths.push({ status: status.slice(0, 1), path: f[i + n]! });
      i += 1 + n;
    }
    for (const p of untracked.data.toString('utf8').split('\0').filter(Boolean)) paths.push({ status: '?', path: p });
    const text = diff.data.toString('utf8');
    return {
      since,
      head,
      paths,
      diff: diff.over ? text + truncatedNote(maxDiffBytes) : text,
      truncated: diff.over,
    };
  } catch {
    return null;
  }
}

/** A changed path as the UI may ask for it: relative, inside the repo, no `..` (else null). */
export function safeRelativePath(path: string): string | null {
  if (!path || path.startsWith('/') || path.includes('\0') || /^[A-Za-z]:/.test(path)) return null;
  return path.split(/[\\/]/).some((p) => p === '..') ? null : path;
}

/**
 * The diff of one changed path since `since` (the working tree as it is now). An untracked file
 * is shown whole, against an empty file. The caller checks the path is one of `repoChanges`'.
 */
export async function repoFileDiff(repo: string, since: string, path: string, maxBytes = 512 * 1024): Promise<{ diff: string; truncated: boolean }> {
  const tracked = await git(repo, ['diff', '--relative', '--no-ext-diff', '--no-textconv', '--no-color', since, '--', path]);
  let diff = tracked.stdout;
  if (!diff) {
    // `git diff --no-index` exits 1 when the files differ: that is its normal answer here.
    diff = await git(repo, ['diff', '--no-index', '--no-ext-diff', '--no-textconv', '--no-color', '--', '/dev/null', path]).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    );
  }
  return cap(diff, maxBytes);
}

/** The section of a whole `git diff` output that is about one path (for sessions that have ended). */
export function diffSection(diff: string, path: string): string {
  const sections = diff.split(/^(?=diff --git )/m);
  return sections.find((s) => s.startsWith(`diff --git a/${path} b/`) || s.startsWith(`diff --git a/`) && s.split('\n', 1)[0]!.endsWith(` b/${path}`)) ?? '';
}

export function cap(text: string, maxBytes: number): { diff: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= maxBytes) return { diff: text, truncated: false };
  return { diff: text.slice(0, maxBytes) + truncatedNote(maxBytes), truncated: true };
}
