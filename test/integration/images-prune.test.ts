import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { currentTags, listPaddockImages, prunePaddockImages } from '../../electron/engine/sandbox/image-list.js';
import { buildContext } from '../../electron/engine/sandbox/image-steps.js';
import { runCli } from '../helpers/paddock-cli.js';

// Old Paddock images are made here from the current default image (a LABEL on top, no pull),
// so the test only ever removes images it made itself; other images on the engine are left alone.
const mark = `prunetest-${randomBytes(4).toString('hex')}`;
const oldTag = `paddock/agent:${mark}-old`;
const usedTag = `paddock/agent:${mark}-used`;
let docker: Docker;
let holder: Docker.Container | undefined;

async function oldImage(tag: string, recipe: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paddock-prune-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${currentTags().image}\nLABEL paddock.kind=agent paddock.recipe=${recipe}\n`);
    await buildContext(docker, dir, tag, { log: () => {} });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  await oldImage(oldTag, `${mark}-a`);
  await oldImage(usedTag, `${mark}-b`);
  // A created (never started) container keeps its image in use.
  holder = await docker.createContainer({ Image: usedTag, Cmd: ['true'], Labels: { 'paddock.test': '1' }, HostConfig: { NetworkMode: 'none' } });
}, 300_000);

afterAll(async () => {
  await holder?.remove({ force: true }).catch(() => undefined);
  for (const t of [oldTag, usedTag]) await docker.getImage(t).remove().catch(() => undefined);
});

const mine = (r: { tag: string }) => r.tag.includes(mark);

describe('paddock images prune', () => {
  it('lists the old images as not current', async () => {
    const rows = (await listPaddockImages(docker)).filter(mine);
    expect(rows.map((r) => [r.tag, r.current]).sort()).toEqual([
      [oldTag, false],
      [usedTag, false],
    ]);
  });

  it('--dry-run names old images and never the current ones, and removes nothing', () => {
    const r = runCli(['images', 'prune', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { dryRun: boolean; images: { tag: string; outcome: string }[] };
    expect(out.dryRun).toBe(true);
    const tags = out.images.map((i) => i.tag);
    expect(tags).toEqual(expect.arrayContaining([oldTag, usedTag]));
    const cur = currentTags();
    for (const t of [cur.base, cur.image, ...Object.values(cur.agents)]) expect(tags).not.toContain(t);
    expect(out.images.filter(mine).every((i) => i.outcome === 'would remove')).toBe(true);
  });

  it('removes an unused old image and keeps one a container uses, saying why', async () => {
    const rows = await prunePaddockImages(docker, { only: mine });
    const byTag = Object.fromEntries(rows.map((r) => [r.tag, r.outcome]));
    expect(byTag[oldTag]).toBe('removed');
    expect(byTag[usedTag]).toMatch(/^kept: a container uses it/);
    const left = (await listPaddockImages(docker)).filter(mine).map((r) => r.tag);
    expect(left).toEqual([usedTag]);
    // The current default image is untouched.
    expect((await listPaddockImages(docker)).some((r) => r.tag === currentTags().image)).toBe(true);
  });
});
