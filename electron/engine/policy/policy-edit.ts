import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  realpathSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import {
  defaultPolicyPath,
  loadEffectivePolicy,
  managedPolicyPath,
  policyLayerPath,
} from './policy-loader.js';
import type { LoadPolicyOptions } from './policy-loader.js';
import type { PolicyFile } from './policy-schema.js';
import { readPolicySource } from './policy-source.js';
import type { PolicySource, YamlPath } from './policy-source.js';
import type { EffectivePolicyResult } from './policy-types.js';

/**
 * Editing the user and project layers from the UI: read a layer's file, check a draft with the
 * real loader (the whole stack must still load; a project layer must still only tighten; a value
 * the managed layer sets cannot be changed), and write it atomically only when all of that holds.
 */

export type EditableLayer = 'user' | 'project';

/** A value set by the managed policy: lower layers cannot change it. */
export interface PolicyLock {
  /** `commands.default`, `commands.rules.<id>`, `network.rules.<id or host:port>`, `telemetry.headers.<name>` … */
  key: string;
  file: string;
  line: number;
  col: number;
  /** Why it is locked, in words. */
  reason: string;
}

export interface LayerSource {
  layer: EditableLayer;
  path: string;
  exists: boolean;
  text: string;
  /** sha256 of the file as read (null when it does not exist): pass it back to `savePolicyLayer`. */
  sha256: string | null;
  managedFile: string | null;
  locks: PolicyLock[];
}

interface Setting {
  key: string;
  path: YamlPath;
  value: unknown;
}

/** Every value a layer file sets, keyed as the merge keys them (rules by id, maps by name). */
export function layerSettings(d: PolicyFile): Setting[] {
  const out: Setting[] = [];
  const scalar = (path: [string, string], value: unknown) =>
    value !== undefined && out.push({ key: path.join('.'), path, value });
  scalar(['commands', 'default'], d.commands?.default);
  scalar(['network', 'default'], d.network?.default);
  scalar(['approvals', 'timeout_seconds'], d.approvals?.timeout_seconds);
  scalar(['approvals', 'unattended'], d.approvals?.unattended);
  scalar(['agents', 'default'], d.agents?.default);
  scalar(['agents', 'allowed'], d.agents?.allowed);
  scalar(['telemetry', 'enabled'], d.telemetry?.enabled);
  scalar(['telemetry', 'endpoint'], d.telemetry?.endpoint);
  scalar(['telemetry', 'log_prompts'], d.telemetry?.log_prompts);
  for (const [k, v] of Object.entries(d.telemetry?.headers ?? {}))
    out.push({ key: `telemetry.headers.${k}`, path: ['telemetry', 'headers', k], value: v });
  for (const [k, v] of Object.entries(d.agents?.settings ?? {}))
    out.push({ key: `agents.settings.${k}`, path: ['agents', 'settings', k], value: v });
  d.commands?.rules?.forEach((r, i) =>
    out.push({ key: `commands.rules.${r.id}`, path: ['commands', 'rules', i], value: r }),
  );
  d.network?.rules?.forEach((r, i) =>
    out.push({
      key: `network.rules.${r.id ?? `${r.host}:${String(r.port ?? '*')}`}`,
      path: ['network', 'rules', i],
      value: r,
    }),
  );
  return out;
}

function readManaged(opts: LoadPolicyOptions): PolicySource | null {
  const file = managedPolicyPath(opts);
  return file ? readPolicySource('managed', file, readFileSync(file, 'utf8')) : null;
}

/** What the managed layer locks: every value it sets, and with `ceilings.lock_rules` the built-in rules too. */
export function managedLocks(opts: LoadPolicyOptions = {}): {
  managedFile: string | null;
  locks: PolicyLock[];
} {
  const managed = readManaged(opts);
  if (!managed) return { managedFile: null, locks: [] };
  const locks: PolicyLock[] = layerSettings(managed.data).map((s) => {
    const at = managed.at(s.path);
    return { key: s.key, file: at.file, line: at.line, col: at.col, reason: `set by the managed policy` };
  });
  if (managed.data.ceilings?.lock_rules) {
    const at = managed.at(['ceilings', 'lock_rules']);
    const defaults = readPolicySource(
      'default',
      opts.defaultsPath ?? defaultPolicyPath(),
      readFileSync(opts.defaultsPath ?? defaultPolicyPath(), 'utf8'),
    );
    for (const r of defaults.data.commands?.rules ?? []) {
      const key = `commands.rules.${r.id}`;
      if (!locks.some((l) => l.key === key))
        locks.push({
          key,
          file: at.file,
          line: at.line,
          col: at.col,
          reason: 'a built-in rule, locked by the managed ceiling lock_rules',
        });
    }
  }
  return { managedFile: managed.file, locks };
}

function layerDir(layer: EditableLayer, opts: LoadPolicyOptions): string {
  if (layer === 'user') return opts.home ?? paddockHome(opts.env);
  if (!opts.repo)
    throw new PaddockError('BAD_INPUT', 'the project policy belongs to a repository: name the repository');
  if (!existsSync(opts.repo) || !statSync(opts.repo).isDirectory())
    throw new PaddockError(
      'REPO_NOT_FOUND',
      `${opts.repo} is not a directory; name the repository whose .paddock/policy.yaml to edit`,
    );
  return opts.repo;
}

/** A repo is untrusted: its `.paddock` may be a symlink to somewhere else on the host. Write only inside it. */
function assertInsideRepo(dir: string, repo: string): void {
  const real = realpathSync(dir);
  const root = realpathSync(repo);
  if (lstatSync(dir).isSymbolicLink() || (real !== root && !real.startsWith(`${root}${sep}`))) {
    throw new PaddockError(
      'POLICY_INVALID',
      `${dir} is a link to ${real}, outside the repository: Paddock does not write the project policy there. Replace the link with a folder.`,
    );
  }
}

const sha = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The raw file of one editable layer, and what the managed layer locks. */
export function readLayerSource(layer: EditableLayer, opts: LoadPolicyOptions): LayerSource {
  const path = policyLayerPath(layer, layerDir(layer, opts));
  const exists = existsSync(path);
  const bytes = exists ? readFileSync(path) : null;
  let managed: ReturnType<typeof managedLocks>;
  try {
    managed = managedLocks(opts);
  } catch {
    // A broken managed policy stops every load (the explain view says why); the file can still be read.
    managed = { managedFile: managedPolicyPath(opts), locks: [] };
  }
  return {
    layer,
    path,
    exists,
    text: bytes ? bytes.toString('utf8') : '',
    sha256: bytes ? sha(bytes) : null,
    ...managed,
  };
}

/**
 * Check a draft of one layer: it parses, the whole stack loads with it (project tighten-only,
 * examples, managed signature and ceilings), and it changes no value the managed layer locks
 * (values that were already in the file are left to the loader, which lets the managed value win).
 * Throws the loader's PaddockError (file:line:col) or POLICY_LOCKED.
 */
export async function checkLayerDraft(
  layer: EditableLayer,
  text: string,
  opts: LoadPolicyOptions,
): Promise<EffectivePolicyResult> {
  const path = policyLayerPath(layer, layerDir(layer, opts));
  const result = await loadEffectivePolicy({ ...opts, drafts: { [layer]: text } });
  const draft = readPolicySource(layer, path, text);
  const { locks } = managedLocks(opts);
  if (locks.length > 0) {
    let before = new Map<string, string>();
    try {
      if (existsSync(path))
        before = new Map(
          layerSettings(readPolicySource(layer, path, readFileSync(path, 'utf8')).data).map((s) => [
            s.key,
            JSON.stringify(s.value),
          ]),
        );
    } catch {
      /* the file on disk does not load: every locked value in the draft counts as a change */
    }
    for (const s of layerSettings(draft.data)) {
      const lock = locks.find((l) => l.key === s.key);
      if (!lock || before.get(s.key) === JSON.stringify(s.value)) continue;
      const at = draft.at(s.path);
      throw new PaddockError(
        'POLICY_LOCKED',
        `${at.file}:${at.line}:${at.col}: ${s.key} is locked: ${lock.reason} (${lock.file}:${lock.line}:${lock.col}). Remove this entry; only your administrator can change it.`,
      );
    }
  }
  return result;
}

/**
 * Save a layer: `checkLayerDraft`, then, only when it passes and the file is still the one the
 * editor read (`baseSha256`, null = "did not exist"), write it atomically (temp file, fsync, rename).
 */
export async function saveLayer(
  layer: EditableLayer,
  text: string,
  baseSha256: string | null | undefined,
  opts: LoadPolicyOptions,
): Promise<{ path: string; sha256: string }> {
  const path = policyLayerPath(layer, layerDir(layer, opts));
  await checkLayerDraft(layer, text, opts);
  const current = existsSync(path) ? sha(readFileSync(path)) : null;
  if (baseSha256 !== undefined && baseSha256 !== current) {
    throw new PaddockError(
      'POLICY_CONFLICT',
      `${path} changed on disk since it was opened (an approval "always for this project" or another editor wrote it); reload it, then make your change again`,
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  if (layer === 'project') assertInsideRepo(dirname(path), opts.repo!);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o644;
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new PaddockError('INTERNAL', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  return { path, sha256: sha(text) };
}
