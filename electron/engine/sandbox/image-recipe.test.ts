import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_DOCKERFILE, IMAGE_DOCKERFILE, fillTemplate } from './image-dockerfiles.js';
import {
  AGENTS,
  AGENT_RECIPES,
  IMAGE_RECIPE,
  agentRecipeHash,
  agentTag,
  baseTag,
  folderDigest,
  helpersDir,
  imageTag,
  isAgentName,
  recipeHash,
  recipeHashes,
} from './image-recipe.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-recipe-'));
  writeFileSync(join(dir, 'gate.sh'), '#!/bin/sh\necho gate\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('recipe', () => {
  it('is Debian bookworm minbase with the tools and the uid-1000 agent user', () => {
    expect(IMAGE_RECIPE.suite).toBe('bookworm');
    expect(IMAGE_RECIPE.variant).toBe('minbase');
    for (const p of ['bash', 'git', 'ca-certificates', 'curl', 'nodejs', 'npm']) expect(IMAGE_RECIPE.packages).toContain(p);
    expect(IMAGE_RECIPE.user).toEqual({ name: 'agent', uid: 1000, gid: 1000, home: '/home/agent' });
  });

  it('pins an exact version for every agent package', () => {
    for (const a of AGENTS) {
      for (const p of AGENT_RECIPES[a].packages) expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(isAgentName('claude')).toBe(true);
    expect(isAgentName('aider')).toBe(false);
  });

  it('names images by the first 12 hex of a sha256', () => {
    const h = recipeHashes(dir);
    expect(h.base).toMatch(/^[0-9a-f]{12}$/);
    expect(h.image).toMatch(/^[0-9a-f]{12}$/);
    expect(h.image).not.toBe(h.base);
    expect(imageTag(h.image)).toBe(`paddock/agent:${h.image}`);
    expect(baseTag(h.base)).toBe(`paddock/base:${h.base}`);
    expect(agentTag('claude', 'abc')).toBe('paddock/agent-claude:abc');
    expect(recipeHash(dir)).toBe(h.image);
  });

  it('is stable for the same inputs', () => {
    expect(recipeHashes(dir)).toEqual(recipeHashes(dir));
  });

  it('changes when a helper file changes (content, name, executable bit), base stays', () => {
    const before = recipeHashes(dir);
    writeFileSync(join(dir, 'gate.sh'), '#!/bin/sh\necho gate v2\n');
    const content = recipeHashes(dir);
    expect(content.image).not.toBe(before.image);
    expect(content.base).toBe(before.base);
    chmodSync(join(dir, 'gate.sh'), 0o755);
    const mode = recipeHashes(dir);
    expect(mode.image).not.toBe(content.image);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x'), '');
    expect(recipeHashes(dir).image).not.toBe(mode.image);
  });

  it('does not depend on the Debian mirror', () => {
    const before = recipeHash(dir);
    const env = { ...process.env, PADDOCK_DEBIAN_SOURCES: '/elsewhere/sources' };
    const saved = process.env.PADDOCK_DEBIAN_SOURCES;
    process.env.PADDOCK_DEBIAN_SOURCES = env.PADDOCK_DEBIAN_SOURCES;
    try {
      expect(recipeHash(dir)).toBe(before);
    } finally {
      if (saved === undefined) delete process.env.PADDOCK_DEBIAN_SOURCES;
      else process.env.PADDOCK_DEBIAN_SOURCES = saved;
    }
  });

  it('gives each agent its own layer hash, derived from the default image hash', () => {
    const h = recipeHash(dir);
    const all = AGENTS.map((a) => agentRecipeHash(a, h));
    expect(new Set(all).size).toBe(AGENTS.length);
    expect(agentRecipeHash('claude', '000000000000')).not.toBe(agentRecipeHash('claude', h));
  });

  it('hashes an empty or missing helpers folder without failing', () => {
    expect(folderDigest(join(dir, 'missing'))).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(helpersDir())).toBe(true);
  });
});

describe('Dockerfile templates', () => {
  it('fill every placeholder and refuse unknown ones', () => {
    expect(() => fillTemplate('FROM {{NOPE}}', {})).toThrow(/NOPE/);
    const out = fillTemplate(IMAGE_DOCKERFILE, {
      BASE: 'b', PACKAGES: 'p', USER: 'agent', UID: 1000, GID: 1000, HOME: '/home/agent', HELPERS: '/opt/h', AGENTS: '/opt/a', RECIPE: 'r',
    });
    expect(out).not.toMatch(/\{\{/);
    expect(out).toMatch(/^FROM b$/m);
    // apt lists are removed in the same RUN that fills them, so no layer keeps them.
    expect(out).toMatch(/apt-get update[^]*rm -rf \/var\/lib\/apt\/lists\/\*/);
  });

  it('agent layers never chmod after COPY (that would duplicate the layer)', () => {
    expect(AGENT_DOCKERFILE).not.toMatch(/chmod -R/);
  });
});
