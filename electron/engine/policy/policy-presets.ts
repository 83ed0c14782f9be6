import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { PaddockError } from '../errors.js';
import { defaultPolicyPath } from './policy-loader.js';

/**
 * Policy presets: named policy files a user picks for one session (`paddock run --preset`, the
 * new-session form). The preset is the `preset` layer, between the user layer and the project
 * layer; being the user's own choice it may loosen what the defaults and the user policy set,
 * while the project layer may still only tighten relative to it and the managed layer still caps it.
 *
 * Built-in presets live in resources/policy/presets/<name>.yaml; user presets in
 * $PADDOCK_HOME/presets/<name>.yaml, which shadow a built-in preset of the same name.
 */

export const PRESET_NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

export interface PolicyPresetInfo {
  name: string;
  file: string;
  source: 'built-in' | 'user';
  /** The file's top-level `description`, or '' (also when the file does not parse: loading it will say why). */
  description: string;
}

/** resources/policy/presets, next to the built-in default policy. */
export function builtInPresetsDir(): string {
  return join(dirname(defaultPolicyPath()), 'presets');
}

export function userPresetsDir(home: string): string {
  return join(home, 'presets');
}

function presetsIn(dir: string, source: PolicyPresetInfo['source']): PolicyPresetInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && PRESET_NAME.test(f.slice(0, -5)))
    .map((f) => ({ name: f.slice(0, -5), file: join(dir, f), source, description: describe(join(dir, f)) }));
}

function describe(file: string): string {
  try {
    const d: unknown = parse(readFileSync(file, 'utf8'));
    const text = d && typeof d === 'object' ? (d as { description?: unknown }).description : undefined;
    return typeof text === 'string' ? text.trim().split('\n')[0]! : '';
  } catch {
    return '';
  }
}

/** Every preset the user can pick, by name; a user preset replaces a built-in one of the same name. */
export function listPolicyPresets(opts: { home: string; builtInDir?: string }): PolicyPresetInfo[] {
  const byName = new Map<string, PolicyPresetInfo>();
  for (const p of presetsIn(opts.builtInDir ?? builtInPresetsDir(), 'built-in')) byName.set(p.name, p);
  for (const p of presetsIn(userPresetsDir(opts.home), 'user')) byName.set(p.name, p);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The file of preset `name`; BAD_INPUT (listing the presets there are) for a bad or unknown name. */
export function resolvePolicyPreset(name: string, opts: { home: string; builtInDir?: string }): PolicyPresetInfo {
  const all = listPolicyPresets(opts);
  const available = all.length ? all.map((p) => p.name).join(', ') : '(none)';
  if (!PRESET_NAME.test(name)) {
    throw new PaddockError('BAD_INPUT', `"${name}" is not a policy preset name (lowercase letters, digits and "-", up to 41 characters); available presets: ${available}`);
  }
  const found = all.find((p) => p.name === name);
  if (!found) {
    throw new PaddockError('BAD_INPUT', `unknown policy preset "${name}"; available presets: ${available} (add your own as ${join(userPresetsDir(opts.home), `${name}.yaml`)})`);
  }
  return found;
}
