import { lstat, mkdir, readdir, rmdir, stat, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PaddockError } from '../errors.js';
import { pathMatcher } from '../policy/glob.js';

/**
 * Paths inside the repo that the agent may read but never change, when no policy says otherwise.
 * A trailing `/` marks a directory (created empty when missing, so the agent cannot create it).
 */
export const DEFAULT_PROTECTED_PATHS = ['.git/hooks/', '.git/config', '.paddock/', '.claude/', '.codex/', '.gemini/', '.vscode/', '.idea/'];

/** Files that are masked with an empty read-only file unless the policy allows them. */
export const DEFAULT_SECRET_PATTERNS = ['.env', '.env.*', '*.pem', '*.key', '*.p12', 'id_{rsa,dsa,ecdsa,ed25519}', 'id_{ecdsa,ed25519}_sk'];

/** Directories the secret scan does not descend into (large and not where secrets live). */
const SCAN_SKIP = new Set(['.git', 'node_modules']);
const MAX_SCAN_ENTRIES = 200_000;
const MAX_MASKS = 256;

export interface WorkspaceOptions {
  protectedPaths?: readonly string[];
  secretPatterns?: readonly string[];
  /** Paths (relative, exact) the policy allows the agent to read despite a secret pattern. */
  allowedSecrets?: readonly string[];
  /** An empty 0444 file used as the source of every mask. */
  emptyFile: string;
}

export interface PreparedWorkspace {
  repo: string;
  /** Relative paths mounted read-only over themselves. */
  protected: string[];
  /** Relative paths masked with the empty file. */
  masked: string[];
  /** Directories Paddock created in the repo so they could be mounted read-only; removed afterwards. */
  placeholders: string[];
  /** Whether `.git` is a directory (then it is mounted on itself so it cannot be renamed away). */
  gitDir: boolean;
}

/** Check the repo path and say exactly what is wrong with it. */
export async function checkRepo(path: string): Promise<string> {
  const repo = resolve(path);
  const st = await stat(repo).catch(() => null);
  if (!st) throw new PaddockError('REPO_NOT_FOUND', `repo path ${repo} does not exist; pass --repo with an existing directory`);
  if (!st.isDirectory()) throw new PaddockError('REPO_NOT_DIRECTORY', `repo path ${repo} is a file, not a directory; pass the folder that holds the project`);
  return repo;
}

export async function prepareWorkspace(repoPath: string, opts: WorkspaceOptions): Promise<PreparedWorkspace> {
  const repo = await checkRepo(repoPath);
  await ensureEmptyFile(opts.emptyFile);
  const gitSt = await lstat(join(repo, '.git')).catch(() => null);
  const out: PreparedWorkspace = { repo, protected: [], masked: [], placeholders: [], gitDir: !!gitSt?.isDirectory() && !gitSt.isSymbolicLink() };

  try {
    await protectPaths(repo, opts.protectedPaths ?? DEFAULT_PROTECTED_PATHS, out);
  } catch (e) {
    await releaseWorkspace(out);
    throw e;
  }

  const allowed = new Set((opts.allowedSecrets ?? []).map((p) => p.replace(/^\/+/, '')));
  // The policy's own matcher, so the mounts hide exactly what the gate's path rules call masked.
  const matcher = pathMatcher(opts.secretPatterns ?? DEFAULT_SECRET_PATTERNS, { workspace: repo, home: '/nonexistent-home' });
  out.masked = (await findFiles(repo, (rel) => matcher.matches(join(repo, rel)) && !allowed.has(rel))).sort();
  if (out.masked.length > MAX_MASKS) {
    await releaseWorkspace(out);
    throw new PaddockError(
      'BAD_INPUT',
      `${out.masked.length} files in ${repo} match secret patterns (more than ${MAX_MASKS} can be masked), e.g. ${out.masked.slice(0, 3).join(', ')}; list the ones that are not secret as allowed secrets in the policy`,
    );
  }
  return out;
}

/** Remove the placeholder directories Paddock created, if they are still empty. */
export async function releaseWorkspace(ws: Pick<PreparedWorkspace, 'repo' | 'placeholders'>): Promise<void> {
  await Promise.all(ws.placeholders.map((rel) => rmdir(join(ws.repo, rel)).catch(() => {})));
}

async function ensureEmptyFile(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isFile() && st.size === 0) return;
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
  await chmod(path, 0o444);
}

async function findFiles(root: string, want: (rel: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  let seen = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (++seen > MAX_SCAN_ENTRIES) {
        throw new PaddockError('BAD_INPUT', `${root} has more than ${MAX_SCAN_ENTRIES} entries; Paddock cannot scan it for secret files quickly. Point --repo at the project folder.`);
      }
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SCAN_SKIP.has(e.name)) await walk(join(dir, e.name), rel);
      } else if (e.isFile() && want(rel)) found.push(rel);
    }
  };
  await walk(root, '');
  return found;
}

/**
 * Create an empty placeholder directory; false when another session on the same repo created
 * it first (it is then that session's to remove, and this one mounts it as it finds it).
 */
async function createPlaceholder(repo: string, rel: string): Promise<boolean> {
  try {
    await mkdir(join(repo, rel));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const st = await lstat(join(repo, rel));
    if (!st.isDirectory() || st.isSymbolicLink())
      throw new PaddockError('BAD_INPUT', `protected path ${join(repo, rel)} appeared while the session was starting and is not a directory; Paddock will not mount it.`);
    return false;
  }
}

async function protectPaths(repo: string, paths: readonly string[], out: PreparedWorkspace): Promise<void> {
  for (const rel of paths) {
    const isDir = rel.endsWith('/');
    const clean = rel.replace(/^\/+|\/+$/g, '');
    const st = await lstat(join(repo, clean)).catch(() => null);
    if (st?.isSymbolicLink()) {
      throw new PaddockError('BAD_INPUT', `protected path ${join(repo, clean)} is a symbolic link; Paddock will not mount through it. Replace it with a real file or directory.`);
    }
    if (st) {
      out.protected.push(clean);
    } else if (isDir && !clean.includes('/')) {
      // A missing top-level protected dir would let the agent create it (e.g. .vscode/settings.json
      // that the host IDE runs). Create an empty one to mount read-only; removed after the session.
      if (await createPlaceholder(repo, clean)) out.placeholders.push(clean);
      out.protected.push(clean);
    }
    // Missing nested paths (.git/hooks without .git) are covered by the `.git` handling below.
  }
  const git = await lstat(join(repo, '.git')).catch(() => null);
  if (!git) {
    // Without this, the agent could `git init` and plant .git/hooks that the host's git would run.
    if (await createPlaceholder(repo, '.git')) out.placeholders.push('.git');
    out.protected.push('.git');
  } else if (git.isSymbolicLink()) {
    throw new PaddockError('BAD_INPUT', `${join(repo, '.git')} is a symbolic link; Paddock will not mount through it (it could expose host paths outside the repo).`);
  } else if (!git.isDirectory()) {
    out.protected.push('.git'); // a worktree/submodule gitfile: the agent must not repoint it
  } else if (!(await lstat(join(repo, '.git', 'HEAD')).catch(() => null))) {
    // Not a repository (no HEAD): another session's placeholder, or an empty .git. Read-only as a
    // whole, for the same reason as the placeholder: nothing may build a repository there.
    if (!out.protected.includes('.git')) out.protected.push('.git');
    out.gitDir = false; // mounted read-only, not on itself read-write
  }
}
