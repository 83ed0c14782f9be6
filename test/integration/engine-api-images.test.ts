// images.build through the EngineApi on the real engine: the cached default image answers "up to
// date" without rebuilding, and its progress reaches every front end as engine.progress events.
// (A forced rebuild of the default image takes minutes and other tests share it: not done here.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/contract/index.js';
import { EngineApi } from '../../electron/engine/api/engine-api.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { imageId } from '../../electron/engine/sandbox/image-builder.js';
import { currentTags } from '../../electron/engine/sandbox/image-list.js';
import { AGENTS } from '../../electron/engine/sandbox/image-recipe.js';
import { tempHome } from '../helpers/paddock-cli.js';

const home = tempHome('paddock-api-images-');
let api: EngineApi;
const progress: Array<EventPayload<'engine.progress'>> = [];

beforeAll(async () => {
  api = await EngineApi.open({ home: home.home });
  api.subscribe(
    (name, payload) =>
      name === 'engine.progress' && progress.push(payload as EventPayload<'engine.progress'>),
  );
});
afterAll(async () => {
  await api.close();
  home.cleanup();
});

describe('images.build on the real engine', () => {
  it('the cached default image is up to date: nothing is built, and the progress says so', async () => {
    const tag = currentTags().image;
    const { docker } = await connectEngine();
    const before = await imageId(docker, tag);
    expect(before, 'global setup builds the default image').toBeTruthy();

    // Two clicks at once share one build.
    const [a, b] = await Promise.all([api.handlers['images.build']({}), api.handlers['images.build']({})]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ tag, id: before, built: false });
    expect(progress.map((p) => p.message)).toEqual([
      `checking ${tag}`,
      `${tag} is up to date (nothing to build)`,
    ]);
    expect(progress.every((p) => typeof p.time === 'number' && p.time > 0)).toBe(true);
    expect(await imageId(docker, tag)).toBe(before);

    const status = await api.handlers['engine.status']({});
    expect(status.defaultImage).toEqual({ tag, built: true });
    expect(status.agentImages.map((i) => i.agent)).toEqual([...AGENTS]);
    expect(status.agentImages.map((i) => i.tag)).toEqual(AGENTS.map((x) => currentTags().agents[x]));
  });

  it('an unknown agent is refused before anything runs', async () => {
    progress.length = 0;
    await expect(api.handlers['images.build']({ agent: 'nope' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('claude, codex, gemini, opencode') as string,
    });
    expect(progress).toEqual([]);
  });
});
