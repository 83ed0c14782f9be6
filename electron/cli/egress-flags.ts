import { InvalidArgumentError } from 'commander';
import type { NetworkRule } from '../engine/egress/network-rules.js';
import { PRESET_NAMES, presetRules } from '../engine/egress/presets.js';

/**
 * `--allow npm`, `--allow api.example.com`, `--allow '*.example.com:8443'`: a preset name, or a
 * host pattern with an optional port (default 443 and 80).
 */
export function allowRules(values: readonly string[]): NetworkRule[] {
  return values.flatMap((v) =>
    PRESET_NAMES.includes(v) ? presetRules(v) : [hostRule(v, 'allow', '--allow')],
  );
}

export function denyRules(values: readonly string[]): NetworkRule[] {
  return values.map((v) => hostRule(v, 'deny', '--deny'));
}

function hostRule(v: string, decision: 'allow' | 'deny', flag: string): NetworkRule {
  const m = /^(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(v.trim());
  if (!m || (m[3] && (Number(m[3]) < 1 || Number(m[3]) > 65535))) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(v)}: expected a preset (${PRESET_NAMES.join(', ')}) or host[:port], e.g. api.example.com or *.example.com:8443`,
    );
  }
  const host = `${m[1] ?? ''}${m[2]!.replace(/^\[|\]$/g, '')}`;
  const ports = m[3] ? [Number(m[3])] : decision === 'deny' ? undefined : [443, 80];
  return { host, ...(ports ? { ports } : {}), decision, source: { file: flag } };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
