import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import type { LayerFile } from './policy-compose.js';
import { policyCacheDir, readPolicyCache, writePolicyCache } from './policy-cache.js';
import { repoKey } from './repo-key.js';
import { DEFAULT_MANAGED_PATH } from './policy-types.js';
import type { EffectivePolicyResult, LayerName, LoadedLayer } from './policy-types.js';

export interface LoadPolicyOptions {
  /** The repository; its `.paddock/policy.yaml` is the project layer. */
  repo?: string | null;
  /** Paddock's data dir; `policy.yaml` in it is the user layer (default: `paddockHome()`). */
  home?: string;
  /** Managed policy file; default `$PADDOCK_MANAGED_POLICY` or /etc/paddock/policy.yaml; `null` = none. */
  managedPath?: string | null;
  /** A managed policy bundled in the installer's resources, used when the system one does not exist. */
  bundledManagedPath?: string;
  /** ed25519 public key (PEM text or a path) for the managed policy's signature. */
  managedPublicKey?: string;
  /** Built-in defaults file (default: resources/policy/default-policy.yaml in the package). */
  defaultsPath?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Unsaved text to use instead of a layer's file (the UI's editor checks a draft with this).
   * The layer then counts as present at `policyLayerPath(...)`, whether or not that file exists.
   */
  drafts?: Partial<Record<'user' | 'project', string>>;
  /**
   * Resolve with the bash grammar loaded, ready for `createCommandEngine` (default true). A
   * session start passes false: a policy from the cache then needs no grammar, and the gate
   * loads it when it needs it.
   */
  commandParser?: boolean;
  /** Use and fill the verified-policy cache in the data dir (default true; ADR 0006). */
  cache?: boolean;
  /**
   * A policy preset (policy-presets.ts) applied as the `preset` layer, between the user and the
   * project layer. An unknown name is BAD_INPUT listing the presets there are.
   */
  preset?: string | null;
  /** Where the built-in presets are (default resources/policy/presets; tests point elsewhere). */
  builtInPresetsDir?: string;
}

/** Find resources/policy/default-policy.yaml from source (electron/engine/policy) or compiled (out/node/engine/policy). */
export function defaultPolicyPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources', 'policy', 'default-policy.yaml');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new PaddockError('INTERNAL', 'cannot find resources/policy/default-policy.yaml; reinstall Paddock');
    dir = up;
  }
}

function firstExisting(...files: string[]): string | null {
  return files.find((f) => existsSync(f)) ?? null;
}

/** The file of the user layer (`dir` = the data dir) or project layer (`dir` = the repo): `.yaml`, or an existing `.yml`. */
export function policyLayerPath(layer: 'user' | 'project', dir: string): string {
  const base = layer === 'user' ? dir : join(dir, '.paddock');
  return firstExisting(join(base, 'policy.yaml'), join(base, 'policy.yml')) ?? join(base, 'policy.yaml');
}

/** The managed policy file the loader would read, or null when there is none. */
export function managedPolicyPath(options: Pick<LoadPolicyOptions, 'managedPath' | 'bundledManagedPath' | 'env'> = {}): string | null {
  const env = options.env ?? process.env;
  let managedPath = options.managedPath === undefined ? (env.PADDOCK_MANAGED_POLICY ?? DEFAULT_MANAGED_PATH) : options.managedPath;
  if ((!managedPath || !existsSync(managedPath)) && options.managedPath === undefined && options.bundledManagedPath) managedPath = options.bundledManagedPath;
  return managedPath && existsSync(managedPath) ? managedPath : null;
}

function readLayer(layer: LayerName, file: string): LayerFile {
  try {
    return { layer, file, bytes: readFileSync(file) };
  } catch (e) {
    throw new PaddockError('POLICY_INVALID', `cannot read the ${layer} policy ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Is `dir` inside `root` (or the same)? */
function within(dir: string, root: string): boolean {
  const r = relative(root, dir);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Load the effective policy: built-in defaults < user < preset (if one is picked) < project (tighten only) < managed
 * (ceilings, forced values, optional ed25519 signature). Any problem throws a PaddockError
 * naming file:line:col; a policy that fails to load must stop the session from starting.
 *
 * Every layer file is read on every load. When there is no managed policy and the exact same
 * bytes were fully loaded before (by the same build of Paddock), the verified result comes from
 * the cache in the data dir (ADR 0006); otherwise the full load runs (policy-compose.ts).
 */
export async function loadEffectivePolicy(options: LoadPolicyOptions = {}): Promise<EffectivePolicyResult> {
  const env = options.env ?? process.env;
  const home = options.home ?? paddockHome(env);
  const lower: LayerFile[] = [readLayer('default', options.defaultsPath ?? defaultPolicyPath())];
  const userFile = join(home, 'policy.yaml');
  const drafts = options.drafts ?? {};
  const draftLayer = (layer: 'user' | 'project', file: string, text: string): LayerFile => ({ layer, file, bytes: Buffer.from(text, 'utf8') });
  const user = drafts.user !== undefined ? policyLayerPath('user', home) : firstExisting(userFile, join(home, 'policy.yml'));
  if (user) lower.push(drafts.user !== undefined ? draftLayer('user', user, drafts.user) : readLayer('user', user));
  if (options.preset) {
    const { resolvePolicyPreset } = await import('./policy-presets.js'); // YAML: loaded only when a preset is picked
    lower.push(readLayer('preset', resolvePolicyPreset(options.preset, { home, ...(options.builtInPresetsDir ? { builtInDir: options.builtInPresetsDir } : {}) }).file));
  }
  if (drafts.project !== undefined && !options.repo) throw new PaddockError('BAD_INPUT', 'a project policy draft needs the repository it belongs to');
  const project = !options.repo ? null : drafts.project !== undefined ? policyLayerPath('project', options.repo) : firstExisting(join(options.repo, '.paddock', 'policy.yaml'), join(options.repo, '.paddock', 'policy.yml'));
  if (project) lower.push(drafts.project !== undefined ? draftLayer('project', project, drafts.project) : readLayer('project', project));
  const managedPath = managedPolicyPath(options);
  let managed: LayerFile | null = null;
  if (managedPath) managed = readLayer('managed', managedPath);
  else if (options.managedPath) throw new PaddockError('POLICY_INVALID', `the managed policy ${options.managedPath} does not exist`);

  // The cache is for what the user controls anyway; a managed policy is enforced by a full load,
  // every time. A data dir inside the repo (writable from the sandbox) is not trusted either.
  const cacheable = options.cache !== false && !options.drafts && !managed && !(options.repo && within(policyCacheDir(home), options.repo));
  const layers: LoadedLayer[] = lower.map((l) => ({ layer: l.layer, file: l.file, sha256: createHash('sha256').update(l.bytes.toString('utf8')).digest('hex') }));
  const repo = options.repo ? repoKey(options.repo) : null;
  const cached = cacheable ? readPolicyCache(home, layers, repo) : null;
  if (cached) {
    if (options.commandParser !== false) await (await import('./shell-parser.js')).initPolicyEngine();
    return cached;
  }
  const { composePolicy } = await import('./policy-compose.js');
  const result = await composePolicy(lower, managed, { userFile, managedPublicKey: options.managedPublicKey, env, repo: options.repo ?? null });
  if (cacheable) writePolicyCache(home, result, repo);
  return result;
}
