import type Docker from 'dockerode';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaddockError } from '../../electron/engine/errors.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import {
  type BuildProgress,
  DEFAULT_IMAGE_ALIAS,
  ensureAgentImage,
  ensureDefaultImage,
  resolveImage,
} from '../../electron/engine/sandbox/image-builder.js';
import { AGENT_RECIPES, agentRecipeHash, agentTag, baseTag, imageTag, recipeHashes } from '../../electron/engine/sandbox/image-recipe.js';
import { tempHome } from '../helpers/paddock-cli.js';

// The default image and agent layers, against the real engine. No registry is reachable here,
// so every build below succeeding is itself the proof that nothing is pulled.
let docker: Docker;
const home = tempHome('paddock-images-');
const saved = process.env.PADDOCK_HOME;
const calls: string[] = [];
/** Builds this file replaced (forced rebuild): removed at the end if nothing uses them any more. */
const replaced: string[] = [];

/** Record every Engine API call this client makes (the real client, only observed). */
function observe(d: Docker): void {
  const modem = d.modem as unknown as { dial: (o: { method?: string; path?: string; options?: unknown }, cb: unknown) => unknown };
  const dial = modem.dial.bind(modem);
  modem.dial = (o, cb) => {
    calls.push(`${o.method ?? 'GET'} ${o.path ?? ''} ${JSON.stringify(o.options ?? {})}`);
    return dial(o, cb);
  };
}

/** Run a command in a throw-away container of `image` (no network, labelled, always removed). */
async function runIn(image: string, script: string): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({
    Image: image,
    Cmd: ['bash', '-c', script],
    Labels: { 'paddock.test': '1' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    return { code: StatusCode, out: demux(logs) };
  } finally {
    await c.remove({ force: true });
  }
}

/** Strip the 8-byte stream headers of a non-TTY log buffer. */
function demux(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out;
}

beforeAll(async () => {
  process.env.PADDOCK_HOME = home.home;
  docker = (await connectEngine()).docker;
  observe(docker);
});
afterAll(async () => {
  for (const id of replaced) await docker.getImage(id).remove().catch(() => undefined);
  if (saved === undefined) delete process.env.PADDOCK_HOME;
  else process.env.PADDOCK_HOME = saved;
  home.cleanup();
});

describe('default image', () => {
  it('builds from scratch with no registry: Debian rootfs imported, layers built, nothing pulled', { timeout: 900_000 }, async () => {
    const events: BuildProgress[] = [];
    const before = calls.length;
    for (const t of [imageTag(recipeHashes().image), baseTag(recipeHashes().base)]) {
      const prev = await docker.getImage(t).inspect().catch(() => null);
      if (prev) replaced.push(prev.Id);
    }
    const img = await ensureDefaultImage(docker, { force: true, onProgress: (e) => events.push(e) });
    expect(img.built).toBe(true);
    expect(img.tag).toBe(imageTag(recipeHashes().image));

    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((s) => `${s.index}/${s.count}`)).toEqual(['1/2', '2/2']);
    expect(events.some((e) => e.type === 'log' && /mmdebstrap/.test(e.line))).toBe(true);

    const mine = calls.slice(before);
    expect(mine.some((c) => c.includes('fromSrc'))).toBe(true); // docker import of the rootfs
    expect(mine.some((c) => c.startsWith('POST /build'))).toBe(true);
    expect(mine.filter((c) => c.includes('fromImage') || c.includes('/auth') || c.includes('/distribution'))).toEqual([]);

    const base = await docker.getImage(baseTag(recipeHashes().base)).inspect();
    expect(base.Config.Labels?.['paddock.kind']).toBe('base');
    expect(base.RepoDigests ?? []).toEqual([]);
    const info = await docker.getImage(img.tag).inspect();
    expect(info.Id).toBe(img.id);
    expect(info.Config.Labels).toMatchObject({ 'paddock.kind': 'agent', 'paddock.recipe': recipeHashes().image });
  });

  it('is cached: a second ensureDefaultImage builds nothing and returns the same id', async () => {
    const first = await ensureDefaultImage(docker);
    const events: BuildProgress[] = [];
    const before = calls.length;
    const second = await ensureDefaultImage(docker, { onProgress: (e) => events.push(e) });
    expect(second).toEqual({ tag: first.tag, id: first.id, built: false });
    expect(events).toEqual([]);
    expect(calls.slice(before).filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  it('has bash, git, curl, node, npm and CA certificates, the uid-1000 agent user and the helpers dir', async () => {
    const img = await ensureDefaultImage(docker);
    const r = await runIn(
      img.tag,
      [
        'set -e',
        'for c in bash git curl node npm; do command -v $c; done',
        'node --version',
        'test -s /etc/ssl/certs/ca-certificates.crt && echo certs-ok',
        'echo "uid=$(id -u agent) gid=$(id -g agent) home=$(getent passwd agent | cut -d: -f6) me=$(id -u)"',
        'test -d /opt/paddock/helpers && ls /opt/paddock/helpers',
        'echo "apt-lists=$(find /var/lib/apt/lists -type f | wc -l)"',
      ].join('\n'),
    );
    expect(r.code, r.out).toBe(0);
    for (const c of ['bash', 'git', 'curl', 'node', 'npm']) expect(r.out).toMatch(new RegExp(`^/usr/bin/${c}$`, 'm'));
    expect(r.out).toMatch(/^v\d+\./m);
    expect(r.out).toContain('certs-ok');
    expect(r.out).toContain('uid=1000 gid=1000 home=/home/agent me=1000');
    expect(r.out).toMatch(/^README\.md$/m);
    expect(r.out).toContain('apt-lists=0');
  });

  it("resolveImage: no name or the alias means the default image; a local tag resolves without a pull", async () => {
    const img = await ensureDefaultImage(docker);
    expect(await resolveImage(docker, undefined)).toEqual({ tag: img.tag, id: img.id, digest: null });
    expect(await resolveImage(docker, DEFAULT_IMAGE_ALIAS)).toEqual({ tag: img.tag, id: img.id, digest: null });
    const before = calls.length;
    const local = await resolveImage(docker, img.tag);
    expect(local).toMatchObject({ tag: img.tag, id: img.id });
    expect(calls.slice(before).filter((c) => c.includes('fromImage'))).toEqual([]);
  });
});

describe('failed builds', () => {
  it('a base build whose mirror fails leaves no tag behind and the current image untouched', { timeout: 300_000 }, async () => {
    const before = await ensureDefaultImage(docker);
    const sources = join(home.home, 'broken.sources');
    // Loopback port 9 (discard): nothing listens, apt fails at once. No traffic leaves the host.
    writeFileSync(sources, 'Types: deb\nURIs: http://127.0.0.1:9/debian\nSuites: bookworm\nComponents: main\n');
    const err = await ensureDefaultImage(docker, { force: true, env: { ...process.env, PADDOCK_DEBIAN_SOURCES: sources } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PaddockError);
    expect((err as PaddockError).code).toBe('IMAGE_BUILD_FAILED');
    expect((err as PaddockError).message).toMatch(/mmdebstrap failed/);
    const partial = await docker.listImages({ filters: { reference: ['paddock/base:*-partial-*'] } });
    expect(partial).toEqual([]);
    expect((await docker.getImage(before.tag).inspect()).Id).toBe(before.id);
    expect(await ensureDefaultImage(docker)).toEqual({ ...before, built: false });
  });
});

describe('agent layers', () => {
  it('claude: the CLI from npm runs inside the container, and the layer is cached', { timeout: 900_000 }, async () => {
    const img = await ensureAgentImage(docker, 'claude');
    expect(img.tag).toBe(agentTag('claude', agentRecipeHash('claude', recipeHashes().image)));
    const r = await runIn(img.tag, 'id -u; command -v claude; claude --version');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^1000$/m);
    expect(r.out).toContain('/usr/local/bin/claude');
    expect(r.out).toContain(AGENT_RECIPES.claude.packages[0]!.version);
    const again = await ensureAgentImage(docker, 'claude');
    expect(again).toEqual({ tag: img.tag, id: img.id, built: false });
  });

  it('two builds of the same layer at once: one builds, the other waits and reuses it', { timeout: 900_000 }, async () => {
    const tag = agentTag('codex', agentRecipeHash('codex', recipeHashes().image));
    await docker.getImage(tag).remove().catch(() => undefined);
    const waits: string[] = [];
    const [a, b] = await Promise.all([
      ensureAgentImage(docker, 'codex', { onProgress: (e) => e.type === 'wait' && waits.push(e.line) }),
      ensureAgentImage(docker, 'codex', { onProgress: (e) => e.type === 'wait' && waits.push(e.line) }),
    ]);
    expect([a.built, b.built].sort()).toEqual([false, true]);
    expect(waits).toHaveLength(1);
    expect(a.id).toBe(b.id);
    const r = await runIn(tag, 'codex --version');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(AGENT_RECIPES.codex.packages[0]!.version);
  });
});
