import type Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataPaths } from '../paths.js';
import type { BuildProgress } from './image-builder.js';
import { ensureAgentImage, ensureDefaultImage } from './image-builder.js';
import { withBuildLock } from './image-lock.js';
import { agentRecipeHash, agentTag, imageTag, recipeHashes } from './image-recipe.js';

// "Is the tag there already, else build under the lock", without building anything: the engine is
// a fake that knows one tag. Any other image it is asked about is an engine error, so a call that
// went on to build would fail before its first step.
let home: string;
let savedHome: string | undefined;
beforeEach(() => {
  savedHome = process.env.PADDOCK_HOME;
  home = mkdtempSync(join(tmpdir(), 'paddock-image-builder-'));
  process.env.PADDOCK_HOME = home;
});
afterEach(() => {
  if (savedHome === undefined) delete process.env.PADDOCK_HOME;
  else process.env.PADDOCK_HOME = savedHome;
  rmSync(home, { recursive: true, force: true });
});

/** An engine where `tag` is missing until `present()` is called. */
function engineWith(tag: string) {
  let id: string | null = null;
  const docker = {
    getImage: (ref: string) => ({
      inspect: () =>
        ref === tag && id ? Promise.resolve({ Id: id }) : Promise.reject(Object.assign(new Error(`no ${ref}`), { statusCode: ref === tag ? 404 : 500 })),
    }),
  } as unknown as Docker;
  return { docker, present: () => void (id = `sha256:${tag.length}`), id: () => id };
}

const cases = [
  { name: 'the default image', tag: () => imageTag(recipeHashes().image), ensure: (d: Docker, onProgress: (e: BuildProgress) => void) => ensureDefaultImage(d, { onProgress }) },
  {
    name: 'an agent image',
    tag: () => agentTag('claude', agentRecipeHash('claude', recipeHashes().image)),
    ensure: (d: Docker, onProgress: (e: BuildProgress) => void) => ensureAgentImage(d, 'claude', { onProgress }),
  },
];

describe.each(cases)('$name', ({ tag, ensure }) => {
  it('an existing tag is returned as it is, without waiting for the build lock', async () => {
    const eng = engineWith(tag());
    eng.present();
    const events: BuildProgress[] = [];
    let release!: () => void;
    const held = withBuildLock(dataPaths().imageCache, () => new Promise<void>((r) => (release = r)));
    try {
      expect(await ensure(eng.docker, (e) => events.push(e))).toEqual({ tag: tag(), id: eng.id(), built: false });
      expect(events).toEqual([]);
    } finally {
      release?.();
      await held;
    }
  });

  it('a tag another process built while this one waited for the lock is taken as it is', async () => {
    const eng = engineWith(tag());
    let release!: () => void;
    let holding!: () => void;
    const acquired = new Promise<void>((r) => (holding = r));
    const held = withBuildLock(dataPaths().imageCache, () => (holding(), new Promise<void>((r) => (release = r))));
    await acquired;
    const events: BuildProgress[] = [];
    const result = ensure(eng.docker, (e) => events.push(e));
    while (!events.some((e) => e.type === 'wait')) await new Promise((r) => setTimeout(r, 10));
    eng.present(); // the other build is done
    release();
    await held;
    expect(await result).toEqual({ tag: tag(), id: eng.id(), built: false });
    expect(events.map((e) => e.type)).toEqual(['wait']);
  });
});
