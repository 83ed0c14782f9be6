import type Docker from 'dockerode';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaddockError, errorMessage } from '../errors.js';
import { dataPaths } from '../paths.js';
import { resolveDebianSources } from './apt-sources.js';
import { agentDockerfile, stageAgent } from './agent-layer.js';
import { IMAGE_DOCKERFILE, fillTemplate } from './image-dockerfiles.js';
import { withBuildLock } from './image-lock.js';
import {
  AGENT_RECIPES,
  IMAGE_RECIPE,
  type AgentName,
  type RecipeHashes,
  agentRecipeHash,
  agentTag,
  baseTag,
  helpersDir,
  imageTag,
  recipeHashes,
} from './image-recipe.js';
import { type BuildProgress, type LogFn, buildContext, ensureMmdebstrap, followStream, importBase, normalizeModes } from './image-steps.js';

export type { BuildProgress } from './image-steps.js';

/** The name that means "Paddock's own default image" wherever an image can be named. */
export const DEFAULT_IMAGE_ALIAS = 'paddock-default';

export interface EnsureImageOptions {
  onProgress?: (e: BuildProgress) => void;
  /** Rebuild every step of the chain, ignoring existing tags and the build cache. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface EnsuredImage {
  tag: string;
  id: string;
  built: boolean;
}

export async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw new PaddockError('ENGINE_LOST', `cannot inspect image ${ref}: ${errorMessage(e)}`, { cause: e });
  }
}

/** A build in steps; the plan is fixed before the first step so progress can say "2/3". */
class Plan {
  private index = 0;
  constructor(
    private readonly names: string[],
    private readonly onProgress?: (e: BuildProgress) => void,
  ) {}
  step(): LogFn {
    const index = ++this.index;
    this.onProgress?.({ type: 'step', index, count: this.names.length, name: this.names[index - 1] ?? '?' });
    return (line) => this.onProgress?.({ type: 'log', index, line });
  }
}

function scratchDir(kind: string): string {
  const root = join(dataPaths().imageCache, 'tmp');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${kind}-${process.pid}-`));
}

function lockOpts(opts: EnsureImageOptions) {
  return {
    onWait: (o: { pid: number } | null) =>
      opts.onProgress?.({ type: 'wait', line: `waiting for another image build (pid ${o?.pid ?? '?'}) to finish` }),
  };
}

async function buildBase(docker: Docker, hashes: RecipeHashes, log: LogFn, env: NodeJS.ProcessEnv): Promise<void> {
  const sources = resolveDebianSources(IMAGE_RECIPE.suite, env);
  await ensureMmdebstrap(log);
  log(`apt sources from ${sources.origin}`);
  const dir = scratchDir('base');
  try {
    const sourcesPath = join(dir, 'paddock.sources');
    writeFileSync(sourcesPath, sources.text);
    await importBase(docker, {
      tag: baseTag(hashes.base),
      suite: IMAGE_RECIPE.suite,
      variant: IMAGE_RECIPE.variant,
      options: IMAGE_RECIPE.mmdebstrapOptions,
      sourcesPath,
      changes: [
        `LABEL paddock.kind=base paddock.recipe=${hashes.base}`,
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'CMD ["bash"]',
      ],
      log,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildImageLayers(docker: Docker, hashes: RecipeHashes, log: LogFn, nocache: boolean): Promise<string> {
  const { user, packages, helpersTarget, agentsRoot } = IMAGE_RECIPE;
  const dir = scratchDir('image');
  try {
    const helpers = helpersDir();
    mkdirSync(join(dir, 'helpers'), { recursive: true });
    if (existsSync(helpers)) cpSync(helpers, join(dir, 'helpers'), { recursive: true });
    const dockerfile = fillTemplate(IMAGE_DOCKERFILE, {
      BASE: baseTag(hashes.base),
      PACKAGES: packages.join(' '),
      USER: user.name,
      UID: user.uid,
      GID: user.gid,
      HOME: user.home,
      HELPERS: helpersTarget,
      AGENTS: agentsRoot,
      RECIPE: hashes.image,
    });
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    return await buildContext(docker, dir, imageTag(hashes.image), { nocache, log });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface DefaultPlan {
  base: boolean;
  layers: boolean;
  names: string[];
}

/** The default image's steps that still need doing (all of them when forced). */
async function defaultPlan(docker: Docker, hashes: RecipeHashes, force: boolean): Promise<DefaultPlan> {
  const base = force || !(await imageId(docker, baseTag(hashes.base)));
  const layers = force || !(await imageId(docker, imageTag(hashes.image)));
  const names: string[] = [];
  if (base) names.push(`Debian ${IMAGE_RECIPE.suite} base (mmdebstrap → import)`);
  if (layers) names.push('agent image layers (packages, user, helpers)');
  return { base, layers, names };
}

async function runDefaultSteps(docker: Docker, hashes: RecipeHashes, todo: DefaultPlan, plan: Plan, opts: EnsureImageOptions): Promise<string> {
  if (todo.base) await buildBase(docker, hashes, plan.step(), opts.env ?? process.env);
  if (todo.layers) return buildImageLayers(docker, hashes, plan.step(), opts.force ?? false);
  const id = await imageId(docker, imageTag(hashes.image));
  if (!id) throw new PaddockError('IMAGE_BUILD_FAILED', `${imageTag(hashes.image)} vanished during the build`);
  return id;
}

/**
 * `tag` as it is when it exists (unless forced); otherwise `build` runs under the data dir's build
 * lock. A tag that another process built while this one waited for the lock is taken as it is.
 */
async function existingOrBuild(docker: Docker, tag: string, opts: EnsureImageOptions, build: () => Promise<EnsuredImage>): Promise<EnsuredImage> {
  const existing = async () => {
    const id = opts.force ? null : await imageId(docker, tag);
    return id ? { tag, id, built: false } : null;
  };
  return (await existing()) ?? withBuildLock(dataPaths().imageCache, async () => (await existing()) ?? build(), lockOpts(opts));
}

/**
 * Paddock's default agent image, built locally without any registry when its recipe's tag is
 * missing. Returns built:false (and does nothing) when the tag already exists.
 */
export async function ensureDefaultImage(docker: Docker, opts: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const hashes = recipeHashes();
  const tag = imageTag(hashes.image);
  return existingOrBuild(docker, tag, opts, async () => {
    const todo = await defaultPlan(docker, hashes, opts.force ?? false);
    const id = await runDefaultSteps(docker, hashes, todo, new Plan(todo.names, opts.onProgress), opts);
    return { tag, id, built: true };
  });
}

/**
 * The default image plus one agent's CLI (installed from npm by the host's npm, copied in as a
 * layer). Tag `paddock/agent-<agent>:<hash>`, hash = default image hash + packages + versions.
 */
export async function ensureAgentImage(docker: Docker, agent: AgentName, opts: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const recipe = AGENT_RECIPES[agent];
  if (!recipe) throw new PaddockError('BAD_INPUT', `unknown agent "${String(agent)}"; known: ${Object.keys(AGENT_RECIPES).join(', ')}`);
  const hashes = recipeHashes();
  const hash = agentRecipeHash(agent, hashes.image);
  const tag = agentTag(agent, hash);
  return existingOrBuild(docker, tag, opts, async () => {
    const force = opts.force ?? false;
    const todo = await defaultPlan(docker, hashes, force);
    const npmStep = `npm install ${recipe.packages.map((p) => `${p.name}@${p.version}`).join(' ')}`;
    const plan = new Plan([...todo.names, npmStep, `${agent} layer`], opts.onProgress);
    await runDefaultSteps(docker, hashes, todo, plan, opts);
    const dir = scratchDir(`agent-${agent}`);
    try {
      await stageAgent(agent, dir, plan.step());
      writeFileSync(join(dir, 'Dockerfile'), agentDockerfile(agent, dir, imageTag(hashes.image), hash));
      normalizeModes(join(dir, 'pkg'));
      const id = await buildContext(docker, dir, tag, { nocache: force, log: plan.step() });
      return { tag, id, built: true };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export interface ResolvedImage {
  tag: string;
  id: string;
  /** Registry digest (repo@sha256:...) when the image came from a registry; null for local builds. */
  digest: string | null;
}

/**
 * The image a session runs: undefined or 'paddock-default' → the default image (built when
 * missing); any other name → the local image, else pulled through the engine.
 */
export async function resolveImage(docker: Docker, name: string | undefined, opts: EnsureImageOptions = {}): Promise<ResolvedImage> {
  if (name === undefined || name === DEFAULT_IMAGE_ALIAS) {
    const img = await ensureDefaultImage(docker, opts);
    return { tag: img.tag, id: img.id, digest: null };
  }
  const local = await inspectOrNull(docker, name);
  if (local) return local;
  try {
    const stream = await docker.pull(name);
    await followStream(docker, stream, (line) => opts.onProgress?.({ type: 'log', index: 0, line }));
  } catch (e) {
    throw new PaddockError(
      'IMAGE_NOT_FOUND',
      `image "${name}" is not present locally and could not be pulled (${errorMessage(e).split('\n')[0]}). ` +
        `Check the name, pull it yourself (docker pull ${name}), or leave out --image to use Paddock's default image.`,
      { cause: e },
    );
  }
  const pulled = await inspectOrNull(docker, name);
  if (!pulled) throw new PaddockError('IMAGE_NOT_FOUND', `image "${name}" was pulled but cannot be found by that name afterwards.`);
  return pulled;
}

async function inspectOrNull(docker: Docker, name: string): Promise<ResolvedImage | null> {
  try {
    const info = await docker.getImage(name).inspect();
    return { tag: name, id: info.Id, digest: info.RepoDigests?.[0] ?? null };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw new PaddockError('ENGINE_LOST', `cannot inspect image ${name}: ${errorMessage(e)}`, { cause: e });
  }
}
