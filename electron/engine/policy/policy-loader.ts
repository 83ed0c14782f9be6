import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import { applyCeilings, DEFAULT_MANAGED_PATH, managedPublicKey, verifyManagedSignature } from './policy-managed.js';
import { applyLayer, emptyState } from './policy-merge.js';
import { applyProjectSection, repoKey } from './policy-projects.js';
import { readPolicySource } from './policy-source.js';
import type { PolicySource } from './policy-source.js';
import { assertProjectTightens } from './policy-tighten.js';
import type { EffectivePolicyResult, LayerName, LoadedLayer } from './policy-types.js';
import { initPolicyEngine } from './shell-parser.js';

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

function read(layer: LayerName, file: string, bytes?: Buffer): PolicySource {
  let text: string;
  try {
    text = (bytes ?? readFileSync(file)).toString('utf8');
  } catch (e) {
    throw new PaddockError('POLICY_INVALID', `cannot read the ${layer} policy ${file}: ${(e as Error).message}`, { cause: e });
  }
  return readPolicySource(layer, file, text);
}

/**
 * Load the effective policy: built-in defaults < user < project (tighten only) < managed
 * (ceilings, forced values, optional ed25519 signature). Any problem throws a PaddockError
 * naming file:line:col; a policy that fails to load must stop the session from starting.
 */
export async function loadEffectivePolicy(options: LoadPolicyOptions = {}): Promise<EffectivePolicyResult> {
  await initPolicyEngine();
  const env = options.env ?? process.env;
  const home = options.home ?? paddockHome(env);
  const sources: PolicySource[] = [read('default', options.defaultsPath ?? defaultPolicyPath())];
  const userFile = join(home, 'policy.yaml');
  const user = firstExisting(userFile, join(home, 'policy.yml'));
  if (user) sources.push(read('user', user));
  const project = options.repo ? firstExisting(join(options.repo, '.paddock', 'policy.yaml'), join(options.repo, '.paddock', 'policy.yml')) : null;
  if (project) sources.push(read('project', project));
  let managedPath = options.managedPath === undefined ? (env.PADDOCK_MANAGED_POLICY ?? DEFAULT_MANAGED_PATH) : options.managedPath;
  if ((!managedPath || !existsSync(managedPath)) && options.managedPath === undefined && options.bundledManagedPath) managedPath = options.bundledManagedPath;
  let managed: PolicySource | null = null;
  let signed = false;
  if (managedPath && existsSync(managedPath)) {
    const bytes = readFileSync(managedPath);
    signed = verifyManagedSignature(managedPath, bytes, managedPublicKey(options.managedPublicKey, env));
    managed = read('managed', managedPath, bytes);
  } else if (options.managedPath) {
    throw new PaddockError('POLICY_INVALID', `the managed policy ${options.managedPath} does not exist`);
  }

  const st = emptyState();
  const locked = new Set<string>();
  if (managed?.data.ceilings?.lock_rules) {
    for (const r of sources[0]!.data.commands?.rules ?? []) locked.add(r.id);
    for (const r of managed.data.commands?.rules ?? []) locked.add(r.id);
    for (const r of sources[0]!.data.mcp?.rules ?? []) locked.add(`mcp:${r.id}`);
    for (const r of managed.data.mcp?.rules ?? []) locked.add(`mcp:${r.id}`);
  }
  for (const src of sources) {
    if (src.layer === 'project') assertProjectTightens(src, st.policy, userFile);
    applyLayer(st, src, src.layer === 'default' ? new Set() : locked);
    if (src.layer === 'user' && options.repo) applyProjectSection(st, src, options.repo);
  }
  if (options.repo) st.policy.repo = repoKey(options.repo);
  if (managed) {
    applyLayer(st, managed);
    if (managed.data.ceilings) applyCeilings(st, (key) => managed.at(['ceilings', key]));
  }
  const all = managed ? [...sources, managed] : sources;
  const layers: LoadedLayer[] = all.map((s) => ({ layer: s.layer, file: s.file, sha256: s.sha256, ...(s.layer === 'managed' ? { signed } : {}) }));
  const fp = createHash('sha256');
  for (const l of layers) fp.update(`${l.layer}\0${l.file}\0${l.sha256}\n`);
  return { policy: st.policy, provenance: st.provenance, fingerprint: fp.digest('hex'), layers, warnings: st.warnings };
}
