import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyCacheDir } from './policy-cache.js';
import { loadEffectivePolicy } from './policy-loader.js';
import type { LoadPolicyOptions } from './policy-loader.js';
import type { EffectivePolicyResult } from './policy-types.js';

let dir: string;
let home: string;
let repo: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-policy-cache-'));
  home = join(dir, 'home');
  repo = join(dir, 'repo');
  for (const d of [home, join(repo, '.paddock')]) mkdirSync(d, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (o: LoadPolicyOptions = {}) => loadEffectivePolicy({ home, repo, managedPath: null, env: {}, ...o });
const entries = (h = home) => (existsSync(policyCacheDir(h)) ? readdirSync(policyCacheDir(h)).filter((f) => f.endsWith('.json')) : []);
const entryPath = (h = home) => join(policyCacheDir(h), entries(h)[0]!);

/** Rewrite the one cache entry's result (keeping its checksum right unless told otherwise). */
function editEntry(edit: (r: EffectivePolicyResult) => void, opts: { fixChecksum?: boolean; h?: string } = {}): void {
  const file = entryPath(opts.h);
  const entry = JSON.parse(readFileSync(file, 'utf8')) as { result: string; sha256: string };
  const r = JSON.parse(entry.result) as EffectivePolicyResult;
  edit(r);
  entry.result = JSON.stringify(r);
  if (opts.fixChecksum !== false) entry.sha256 = createHash('sha256').update(entry.result).digest('hex');
  writeFileSync(file, JSON.stringify(entry));
}
const marker = (r: EffectivePolicyResult) => r.policy.paths.protected.push('served-from-the-cache/**');

describe('the verified-policy cache', () => {
  it('a second load of the same files is the cached result, equal to the full load', async () => {
    writeFileSync(join(home, 'policy.yaml'), 'version: 1\nnetwork:\n  presets: [npm]\n');
    const full = await load();
    expect(entries()).toHaveLength(1);
    const again = await load();
    expect(again).toEqual(full);
    editEntry(marker);
    expect((await load()).policy.paths.protected).toContain('served-from-the-cache/**');
  });

  it('is keyed by the repository too: one repo\'s approvals never reach another through the cache', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(home, 'policy.yaml'), `version: 1\nprojects:\n  ${repo}:\n    commands:\n      approved:\n        - id: push-main\n          command: git push origin main\n`);
    const mine = await load();
    expect(mine.policy.commands.approved.map((a) => a.id)).toEqual(['push-main']);
    await load(); // now cached for this repo
    const theirs = await load({ repo: other });
    expect(theirs.policy.commands.approved).toEqual([]);
    expect(theirs.policy.repo).not.toBe(mine.policy.repo);
    expect(entries()).toHaveLength(2);
    expect((await load()).policy.commands.approved.map((a) => a.id)).toEqual(['push-main']);
  });

  it('any change to a layer file (or a new layer) is a full load', async () => {
    await load();
    editEntry(marker);
    writeFileSync(join(home, 'policy.yaml'), 'version: 1\npaths:\n  protected: [extra/**]\n');
    const r = await load();
    expect(r.policy.paths.protected).toContain('extra/**');
    expect(r.policy.paths.protected).not.toContain('served-from-the-cache/**');
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), 'version: 1\nnetwork:\n  default: deny\n');
    const p = await load();
    expect(p.layers.map((l) => l.layer)).toEqual(['default', 'user', 'project']);
    expect(p.policy.network.default).toBe('deny');
  });

  it('a torn, corrupted or reshaped entry is ignored: full load', async () => {
    const full = await load();
    editEntry(marker, { fixChecksum: false }); // checksum no longer matches
    expect(await load()).toEqual(full);
    writeFileSync(entryPath(), '{"format":1,'); // torn
    expect(await load()).toEqual(full);
    editEntry((r) => {
      (r.policy.paths as { protected: unknown }).protected = 'not a list';
    });
    expect(await load()).toEqual(full);
    editEntry((r) => {
      r.layers[0]!.sha256 = '0'.repeat(64); // made from other bytes
    });
    expect(await load()).toEqual(full);
  });

  it('a policy that does not load is never cached, and keeps failing', async () => {
    writeFileSync(join(home, 'policy.yaml'), 'version: 1\ncommands:\n  default: sometimes\n');
    await expect(load()).rejects.toThrow(/policy\.yaml:3:12/);
    expect(entries()).toHaveLength(0);
    await expect(load()).rejects.toThrow(/policy\.yaml:3:12/);
  });

  it('a managed policy is never served from the cache', async () => {
    const managed = join(dir, 'managed.yaml');
    writeFileSync(managed, 'version: 1\nceilings:\n  network_default: deny\n');
    const r = await load({ managedPath: managed });
    expect(r.policy.network.default).toBe('deny');
    expect(entries()).toHaveLength(0);
    // An entry for the unmanaged layers (planted or left over) is not used while a managed policy exists.
    await load();
    editEntry((x) => (x.policy.network.default = 'allow'));
    expect((await load({ managedPath: managed })).policy.network.default).toBe('deny');
  });

  it('a data dir inside the repo (writable from the sandbox) is not trusted', async () => {
    const inner = join(repo, 'data');
    mkdirSync(inner);
    const full = await load({ home: inner });
    expect(entries(inner)).toHaveLength(0);
    expect(await load({ home: inner })).toEqual(full);
  });

  it('cache: false neither reads nor writes it', async () => {
    await load({ cache: false });
    expect(entries()).toHaveLength(0);
  });
});
