import { InvalidArgumentError } from 'commander';
import { errorMessage } from '../engine/errors.js';
import { splitAuthority } from '../engine/egress/host-normalise.js';
import type { NetworkRule } from '../engine/egress/network-rules.js';
import { RuleSet } from '../engine/egress/network-rules.js';
import type { CredentialBinding, CredentialProvider } from '../engine/egress/credential-broker.js';
import { PROVIDERS } from '../engine/egress/credential-broker.js';
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
  const usage = `${flag} ${JSON.stringify(v)}: expected a preset (${PRESET_NAMES.join(', ')}) or host[:port], e.g. api.example.com or *.example.com:8443`;
  const text = v.trim();
  // host:port or [v6]:port when a port is given; the host itself is judged by the rule compiler
  // below, exactly as a policy file's rule would be (IDN, IPv6, `*.` patterns).
  const hasPort = /^(\[[^\]]+\]|[^:[\]]+):\d+$/.test(text);
  const withPort = hasPort ? splitAuthority(text) : null;
  if (hasPort && !withPort) throw new InvalidArgumentError(usage);
  const host = withPort ? withPort.host : text.replace(/^\[(.*)\]$/, '$1');
  const ports = withPort ? [withPort.port] : decision === 'deny' ? undefined : [443, 80];
  const rule: NetworkRule = { host, ...(ports ? { ports } : {}), decision, source: { file: flag } };
  try {
    RuleSet.compile([rule], 'deny');
  } catch (e) {
    throw new InvalidArgumentError(`${usage} (${errorMessage(e)})`);
  }
  return rule;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--credential anthropic|openai|google`: the provider's key is read from this (host) process's
 * environment and held by the egress proxy; the sandbox gets a placeholder and a base URL on the
 * proxy. A host `<PROVIDER>_BASE_URL` (a company gateway, say) becomes the upstream.
 */
export function credentialBindings(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CredentialBinding[] {
  return names.map((name) => {
    if (!(name in PROVIDERS)) {
      throw new InvalidArgumentError(
        `--credential ${JSON.stringify(name)}: expected one of ${Object.keys(PROVIDERS).join(', ')}`,
      );
    }
    const provider = name as CredentialProvider;
    const info = PROVIDERS[provider];
    const keyVar = info.keyEnv.find((k) => env[k]);
    if (!keyVar)
      throw new InvalidArgumentError(
        `--credential ${name}: set ${info.keyEnv.join(' or ')} in Paddock's environment (it stays on the host)`,
      );
    const base = info.baseEnv.map((k) => env[k]).find(Boolean);
    return { provider, secret: env[keyVar]!, ...(base ? { upstream: base } : {}) };
  });
}
