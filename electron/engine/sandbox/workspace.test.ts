import { mkdtemp, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRepo, prepareWorkspace, releaseWorkspace } from './workspace.js';

let dir: string;
let repo: string;
let emptyFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-ws-'));
  repo = join(dir, 'repo');
  emptyFile = join(dir, 'data', 'empty');
  await mkdir(join(repo, '.git', 'hooks'), { recursive: true });
  await writeFile(join(repo, '.git', 'config'), '[core]\n');
  await writeFile(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await mkdir(join(repo, 'app', 'node_modules', 'x'), { recursive: true });
  await writeFile(join(repo, '.env'), 'TOKEN=1');
  await writeFile(join(repo, 'app', '.env.local'), 'TOKEN=2');
  await writeFile(join(repo, 'app', 'server.pem'), 'pem');
  await writeFile(join(repo, 'app', 'id_utils.ts'), 'code');
  await writeFile(join(repo, 'app', 'node_modules', 'x', '.env'), 'skipped');
  await mkdir(join(repo, '.vscode'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('prepareWorkspace', () => {
  it('finds secrets, protects existing paths and creates placeholders for missing ones', async () => {
    const ws = await prepareWorkspace(repo, { emptyFile });
    expect(ws.masked).toEqual(['.env', 'app/.env.local', 'app/server.pem']);
    expect(ws.protected).toEqual(expect.arrayContaining(['.git/hooks', '.git/config', '.vscode', '.claude', '.paddock']));
    expect(ws.placeholders).toEqual(expect.arrayContaining(['.claude', '.codex', '.gemini', '.paddock', '.idea']));
    expect(ws.placeholders).not.toContain('.vscode');
    expect(ws.gitDir).toBe(true);
    expect((await stat(emptyFile)).size).toBe(0);
    await releaseWorkspace(ws);
    const left = await readdir(repo);
    expect(left.sort()).toEqual(['.env', '.git', '.vscode', 'app']);
  });

  it('honours allowed secrets and custom patterns', async () => {
    const ws = await prepareWorkspace(repo, { emptyFile, allowedSecrets: ['.env'], secretPatterns: ['*.pem'] });
    expect(ws.masked).toEqual(['app/server.pem']);
    await releaseWorkspace(ws);
  });

  it('creates a .git placeholder when the repo has none, and removes it after', async () => {
    await rm(join(repo, '.git'), { recursive: true });
    const ws = await prepareWorkspace(repo, { emptyFile });
    expect(ws.gitDir).toBe(false);
    expect(ws.placeholders).toContain('.git');
    await releaseWorkspace(ws);
    expect(await readdir(repo)).not.toContain('.git');
  });

  it('two sessions starting at once on one repo both get their protected paths; each placeholder has one owner', async () => {
    await rm(join(repo, '.git'), { recursive: true });
    for (let round = 0; round < 20; round++) {
      const [a, b] = await Promise.all([prepareWorkspace(repo, { emptyFile }), prepareWorkspace(repo, { emptyFile })]);
      for (const ws of [a, b]) {
        expect(ws.protected).toEqual(expect.arrayContaining(['.git', '.claude', '.paddock', '.idea']));
        expect(ws.protected.filter((p) => p === '.git')).toHaveLength(1);
        expect(ws.gitDir).toBe(false); // '.git' is mounted read-only once, not also on itself
      }
      // Every placeholder was created by exactly one of the two (the other found it made).
      for (const p of ['.git', '.claude', '.codex', '.gemini', '.paddock', '.idea'])
        expect(Number(a.placeholders.includes(p)) + Number(b.placeholders.includes(p))).toBe(1);
      await Promise.all([releaseWorkspace(a), releaseWorkspace(b)]);
      expect((await readdir(repo)).sort()).toEqual(['.env', '.vscode', 'app']);
    }
  });

  it('refuses a protected path that is a symlink', async () => {
    await symlink('/etc', join(repo, '.claude'));
    await expect(prepareWorkspace(repo, { emptyFile })).rejects.toThrow(/symbolic link/);
    expect((await readdir(repo)).sort()).toEqual(['.claude', '.env', '.git', '.vscode', 'app']);
  });

  it('says clearly when the repo is missing or a file', async () => {
    await expect(checkRepo(join(dir, 'nope'))).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
    await expect(checkRepo(join(repo, '.env'))).rejects.toMatchObject({ code: 'REPO_NOT_DIRECTORY' });
  });
});
