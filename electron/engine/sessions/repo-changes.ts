import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Git run on the host over a repo the agent has written to. Everything that could make git run
 * repo-supplied code is off: no fsmonitor, no external diff or textconv (the config and
 * .git/info are read-only inside the sandbox, so filter drivers cannot be added from there).
 */
function git(repo: string, args: string[], maxBuffer = 64 * 1024 * 1024) {
  return run(
    'git',
    ['-C', repo, '-c', `safe.directory=${repo}`, '-c', 'core.fsmonitor=false', '-c', 'core.quotepath=off', ...args],
    { maxBuffer, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' } },
  );
}

/** The commit the repo is at, or null (not a git repo, no commits, no git). */
export async function repoHead(repo: string): Promise<string | null> {
  try {
    return (await git(repo, ['rev-parse', '--verify', '-q', 'HEAD'])).stdout.trim() || null;
  } catch {
    return null;
  }
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

/**
 * What changed in the repo since `since`, for the record at the end of a session. Limited to the
 * repo folder even when it is a subfolder of a larger checkout (`--relative`, ls-files from there).
 */
export async function repoChanges(repo: string, since: string, maxDiffBytes = 2 * 1024 * 1024): Promise<RepoChanges | null> {
  try {
    const [head, names, untracked] = await Promise.all([
      repoHead(repo),
      git(repo, ['diff', '--relative', '--no-ext-diff', '--no-textconv', '--name-status', '-z', since]),
      git(repo, ['ls-files', '--others', '--exclude-standard', '-z']),
    ]);
    // No tracked path differs: the diff is empty, and one git process fewer ends the session.
    const diff = names.stdout
      ? await git(repo, ['diff', '--relative', '--no-ext-diff', '--no-textconv', '--no-color', since], 256 * 1024 * 1024)
      : { stdout: '' };
    const paths: RepoChanges['paths'] = [];
    const f = names.stdout.split('\0');
    for (let i = 0; i + 1 < f.length; ) {
      const status = f[i]!;
      // Renames and copies carry two paths: old, new.
      const n = /^[RC]/.test(status) ? 2 : 1;
      paths.push({ status: status.slice(0, 1), path: f[i + n]! });
      i += 1 + n;
    }
    for (const p of untracked.stdout.split('\0').filter(Boolean)) paths.push({ status: '?', path: p });
    const truncated = Buffer.byteLength(diff.stdout) > maxDiffBytes;
    return { since, head, paths, diff: truncated ? `${diff.stdout.slice(0, maxDiffBytes)}\n… diff truncated at ${maxDiffBytes} bytes` : diff.stdout, truncated };
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
  return { diff: `${text.slice(0, maxBytes)}\n… diff truncated at ${maxBytes} bytes`, truncated: true };
}
