import { PaddockError } from '../errors.js';
import type { NetworkRule } from './network-rules.js';

/**
 * Presets users switch on by name. A preset is nothing but named allow rules (HTTPS only unless
 * a toolchain needs more); the policy can still deny inside them, since deny > allow.
 */
const PRESET_HOSTS: Record<string, readonly (string | [host: string, ports: number[]])[]> = {
  npm: ['registry.npmjs.org', 'registry.yarnpkg.com'],
  pypi: ['pypi.org', 'files.pythonhosted.org'],
  crates: ['crates.io', 'index.crates.io', 'static.crates.io'],
  go: ['proxy.golang.org', 'sum.golang.org', 'index.golang.org'],
  github: [
    'github.com',
    'api.github.com',
    'codeload.github.com',
    'objects.githubusercontent.com',
    'raw.githubusercontent.com',
    ['github.com', [22]],
    ['ssh.github.com', [443]],
  ],
  anthropic: ['api.anthropic.com', 'statsig.anthropic.com'],
  openai: ['api.openai.com', 'auth.openai.com'],
  google: ['generativelanguage.googleapis.com', 'cloudcode-pa.googleapis.com', 'oauth2.googleapis.com'],
};

export const PRESET_NAMES: readonly string[] = Object.freeze(Object.keys(PRESET_HOSTS));

export function presetRules(name: string): NetworkRule[] {
  const hosts = PRESET_HOSTS[name === 'go-modules' ? 'go' : name];
  if (!hosts) {
    throw new PaddockError(
      'BAD_INPUT',
      `unknown egress preset ${JSON.stringify(name)}; known presets: ${PRESET_NAMES.join(', ')}`,
    );
  }
  return hosts.map((h) => {
    const [host, ports] = typeof h === 'string' ? [h, [443]] : h;
    return { host, ports: [...ports], decision: 'allow', source: { file: `preset:${name}` } };
  });
}

/** Rules for several presets, in order. */
export function presetsRules(names: readonly string[]): NetworkRule[] {
  return names.flatMap((n) => presetRules(n));
}
