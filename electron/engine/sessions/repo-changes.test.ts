import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffSection, headFromFiles, repoChanges, repoFileDiff, repoHead, safeRelativePath } from './repo-changes.js';
import { RepoSnapshot } from './repo-snapshot.js';

let repo: string;
const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { encoding: 'utf8' });

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-git-'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'a.txt'), 'one\n');
  writeFileSync(join(repo, 'b.txt'), 'bee\n');
  git('add', '.');
  git('commit', '-qm', 'start');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('repo changes', () => {
  it('reports commits, edits, deletions and new files since the start commit', async () => {
    const start = await repoHead(repo);
    expect(start).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(join(repo, 'a.txt'), 'two\n');
    git('commit', '-qam', 'agent commit');
    git('rm', '-q', 'b.txt');
    writeFileSync(join(repo, 'new.txt'), 'new\n');
    const c = await repoChanges(repo, start!);
    expect(c?.head).not.toBe(start);
    expect(c?.paths).toEqual([
      { status: 'M', path: 'a.txt' },
      { status: 'D', path: 'b.txt' },
      { status: '?', path: 'new.txt' },
    ]);
    expect(c?.diff).toContain('-one\n+two');
    expect(c?.truncated).toBe(false);
  });

  it('stays inside the folder when the repo is a subfolder of a checkout', async () => {
    const start = (await repoHead(repo))!;
    execFileSync('mkdir', [join(repo, 'sub')]);
    writeFileSync(join(repo, 'sub', 'in.txt'), 'in\n');
    writeFileSync(join(repo, 'a.txt'), 'outside change\n');
    const c = await repoChanges(join(repo, 'sub'), start);
    expect(c?.paths).toEqual([{ status: '?', path: 'in.txt' }]);
    expect(c?.diff).toBe('');
  });

  it('nothing changed: no paths, an empty diff, the same head', async () => {
    const start = (await repoHead(repo))!;
    expect(await repoChanges(repo, start)).toEqual({ since: start, head: start, paths: [], diff: '', truncated: false });
  });

  it('bounds the diff', async () => {
    const start = (await repoHead(repo))!;
    writeFileSync(join(repo, 'a.txt'), 'x'.repeat(10_000));
    const c = await repoChanges(repo, start, 1000);
    expect(c?.truncated).toBe(true);
    expect(c?.diff).toMatch(/diff truncated at 1000 bytes$/);
  });

  it('is null outside git', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'paddock-nogit-'));
    try {
      expect(await repoHead(plain)).toBeNull();
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe('one file at a time (the live files panel)', () => {
  it('diffs a tracked file against the start commit, and an untracked one whole', async () => {
    const since = (await repoHead(repo))!;
    writeFileSync(join(repo, 'a.txt'), 'one\ntwo\n');
    writeFileSync(join(repo, 'new.txt'), 'fresh\n');
    expect((await repoFileDiff(repo, since, 'a.txt')).diff).toMatch(/^\+two$/m);
    const fresh = (await repoFileDiff(repo, since, 'new.txt')).diff;
    expect(fresh).toMatch(/^\+fresh$/m);
    expect(fresh).toMatch(/^new file mode/m);
    const whole = (await repoChanges(repo, since))!.diff;
    expect(diffSection(whole, 'a.txt')).toMatch(/^diff --git a\/a.txt b\/a.txt\n[\s\S]*\+two\n$/);
    expect(diffSection(whole, 'b.txt')).toBe('');
  });

  it('never takes a path outside the repo', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a\\..\\..\\x', 'C:/x', 'a\0b']) expect(safeRelativePath(bad), bad).toBeNull();
    expect(safeRelativePath('src/a..b.ts')).toBe('src/a..b.ts');
  });

  it('a snapshot (repo outside git) sees added, modified and deleted files and diffs them', async () => {
    rmSync(join(repo, '.git'), { recursive: true, force: true });
    const snap = await RepoSnapshot.take(repo);
    writeFileSync(join(repo, 'a.txt'), 'one\nmore\n');
    writeFileSync(join(repo, 'c.txt'), 'sea\n');
    rmSync(join(repo, 'b.txt'));
    const c = await snap.changes();
    expect(c.paths).toEqual([
      { path: 'a.txt', status: 'M' },
      { path: 'b.txt', status: 'D' },
      { path: 'c.txt', status: 'A' },
    ]);
    expect(c.since).toBe('snapshot');
    expect((await snap.diff('a.txt')).diff).toMatch(/^--- a\/a.txt\n\+\+\+ b\/a.txt\n@@ .* @@\n one\n\+more$/m);
    expect((await snap.diff('b.txt')).diff).toMatch(/^-bee$/m);
    expect(diffSection(c.diff, 'c.txt')).toMatch(/^diff --git a\/c.txt b\/c.txt\n[\s\S]*^\+sea$/m);
  });
});

// repoHead reads HEAD from the git directory's files; it must say exactly what git says, and
// hand the layouts it does not know to git (headFromFiles: undefined).
describe('repoHead without starting git', () => {
  const revParse = (dir: string): string | null => {
    try {
      return execFileSync('git', ['-C', dir, 'rev-parse', '--verify', '-q', 'HEAD'], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  };
  const same = async (dir: string, fromFiles: 'files' | 'git' = 'files') => {
    const expected = revParse(dir);
    expect(await repoHead(dir)).toBe(expected);
    if (fromFiles === 'files') expect(headFromFiles(dir)).toBe(expected);
    else expect(headFromFiles(dir)).toBeUndefined();
    return expected;
  };

  it('a branch as a loose ref, and as a packed ref', async () => {
    expect(await same(repo)).toMatch(/^[0-9a-f]{40}$/);
    git('pack-refs', '--all', '--prune');
    expect(existsSync(join(repo, '.git', 'refs', 'heads', 'main'))).toBe(false);
    expect(await same(repo)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a detached HEAD, a subfolder, and a new branch with no commit yet', async () => {
    writeFileSync(join(repo, 'a.txt'), 'second\n');
    git('commit', '-qam', 'second');
    git('checkout', '-q', '--detach', 'HEAD~1');
    mkdirSync(join(repo, 'sub', 'deeper'), { recursive: true });
    expect(await same(join(repo, 'sub', 'deeper'))).toBe(revParse(repo));
    git('checkout', '-q', '--orphan', 'empty');
    expect(await same(repo)).toBeNull();
  });

  it('a linked worktree (.git is a file), and a HEAD-less .git placeholder that git looks past', async () => {
    const wt = `${repo}-wt`;
    try {
      git('worktree', 'add', '-q', '-b', 'side', wt);
      writeFileSync(join(wt, 'a.txt'), 'side\n');
      execFileSync('git', ['-C', wt, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'side']);
      expect(await same(wt)).not.toBe(revParse(repo));
      mkdirSync(join(repo, 'sub', '.git'), { recursive: true }); // another session's placeholder
      expect(await same(join(repo, 'sub'))).toBe(revParse(repo));
    } finally {
      rmSync(wt, { recursive: true, force: true });
    }
  });

  it('not a repository: null', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'paddock-nogit-'));
    try {
      expect(revParse(outside)).toBeNull();
      expect(await same(outside)).toBeNull();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('what it does not know goes to git: a symbolic ref to a symbolic ref, and GIT_* in the environment', async () => {
    git('symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    git('symbolic-ref', 'HEAD', 'refs/heads/alias');
    expect(await same(repo, 'git')).toMatch(/^[0-9a-f]{40}$/);
    git('symbolic-ref', 'HEAD', 'refs/heads/main');
    process.env.GIT_CEILING_DIRECTORIES = repo;
    try {
      await same(join(repo), 'git');
    } finally {
      delete process.env.GIT_CEILING_DIRECTORIES;
    }
  });
});
