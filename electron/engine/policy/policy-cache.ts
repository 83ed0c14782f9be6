import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EffectivePolicyResult, LoadedLayer } from './policy-types.js';

/**
 * The verified effective policy, cached by a fingerprint of everything it was made from, so an
 * unchanged policy skips YAML, zod and the example checks (and the bash grammar they need).
 * ADR 0006 says why this is safe: only a full load writes an entry; an entry is used only for
 * exactly the bytes it was made from; a managed policy is never served from the cache; any
 * problem reading an entry means a full load (never a looser policy).
 */
const FORMAT = 1;
const KEEP = 16;

/** sha256 over the layers' names, paths and contents, lowest first (EffectivePolicyResult.fingerprint). */
export function policyFingerprint(layers: readonly Pick<LoadedLayer, 'layer' | 'file' | 'sha256'>[]): string {
  const fp = createHash('sha256');
  for (const l of layers) fp.update(`${l.layer}\0${l.file}\0${l.sha256}\n`);
  return fp.digest('hex');
}

/** The code that merges and checks layers: a rebuilt or upgraded Paddock never reads an older entry. */
function codeIdentity(): string {
  const self = fileURLToPath(import.meta.url);
  const st = statSync(self);
  return `${FORMAT}\0${self}\0${st.size}\0${st.mtimeMs}`;
}

/**
 * The cache key: code identity + every layer's name, path and content hash + the repository the
 * policy is for (the user layer's `projects.<repo>` section makes the result depend on it).
 */
export function policyCacheKey(layers: readonly Pick<LoadedLayer, 'layer' | 'file' | 'sha256'>[], repo: string | null = null): string {
  return createHash('sha256').update(codeIdentity()).update('\n').update(policyFingerprint(layers)).update(`\nrepo\0${repo ?? ''}`).digest('hex');
}

export function policyCacheDir(home: string): string {
  return join(home, 'cache', 'policy');
}

interface Entry {
  format: number;
  key: string;
  /** sha256 of `result` as written: a torn or corrupted entry is not used. */
  sha256: string;
  result: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
const objects = (v: unknown): boolean => Array.isArray(v) && v.every(isObj);

/** The shape every consumer relies on (paths, network, commands, approvals, telemetry, engine); anything else is a miss. */
function wellFormed(r: unknown, layers: readonly LoadedLayer[]): r is EffectivePolicyResult {
  if (!isObj(r) || !isObj(r.policy) || !isObj(r.provenance) || !objects(r.warnings) || !objects(r.layers)) return false;
  const p = r.policy;
  const { commands: c, paths: pa, network: n, approvals: a, agents: ag, telemetry: t, engine: e } = p;
  if (!isObj(c) || !isObj(pa) || !isObj(n) || !isObj(a) || !isObj(ag) || !isObj(t) || !isObj(e) || !isObj(p.ceilings)) return false;
  if (typeof c.default !== 'string' || !strings(c.test_runners) || !objects(c.rules)) return false;
  if (!strings(pa.protected) || !strings(pa.masked) || !strings(pa.allowed_secrets) || !objects(pa.writable_mounts)) return false;
  if (typeof n.default !== 'string' || !strings(n.presets) || !objects(n.rules)) return false;
  if (typeof a.timeout_seconds !== 'number' || typeof a.unattended !== 'string') return false;
  if (typeof ag.default !== 'string' || !strings(ag.allowed) || !isObj(ag.settings)) return false;
  if (typeof t.enabled !== 'boolean' || !isObj(t.headers) || typeof t.log_prompts !== 'boolean') return false;
  if (typeof e.autostart !== 'boolean') return false;
  // The layers it was made from are exactly the layers being loaded.
  const got = r.layers as LoadedLayer[];
  return got.length === layers.length && got.every((l, i) => l.layer === layers[i]!.layer && l.file === layers[i]!.file && l.sha256 === layers[i]!.sha256 && l.signed === undefined);
}

/** The cached result for these exact layers, or null (absent, unreadable, torn, other code, other layers). */
export function readPolicyCache(home: string, layers: readonly LoadedLayer[], repo: string | null = null): EffectivePolicyResult | null {
  try {
    const key = policyCacheKey(layers, repo);
    const entry = JSON.parse(readFileSync(join(policyCacheDir(home), `${key}.json`), 'utf8')) as Entry;
    if (!isObj(entry) || entry.format !== FORMAT || entry.key !== key || typeof entry.result !== 'string') return null;
    if (createHash('sha256').update(entry.result).digest('hex') !== entry.sha256) return null;
    const result: unknown = JSON.parse(entry.result);
    if (!wellFormed(result, layers)) return null;
    // Recomputed, not taken from the file.
    return { ...result, layers: layers.map((l) => ({ ...l })), fingerprint: policyFingerprint(layers) };
  } catch {
    return null;
  }
}

/** Store a fully loaded result (atomically: temp file, then rename). Failing to cache is not an error. */
export function writePolicyCache(home: string, result: EffectivePolicyResult, repo: string | null = null): void {
  try {
    const dir = policyCacheDir(home);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = policyCacheKey(result.layers, repo);
    const text = JSON.stringify(result);
    const entry: Entry = { format: FORMAT, key, sha256: createHash('sha256').update(text).digest('hex'), result: text };
    const tmp = join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, join(dir, `${key}.json`));
    prune(dir);
  } catch {
    /* the next load is a full one */
  }
}

/** Keep the newest entries (one per policy combination in use: repos with their own policy files). */
function prune(dir: string): void {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(KEEP)) unlinkSync(join(dir, f));
}
