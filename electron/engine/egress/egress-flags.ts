// `--allow`, `--deny` and `--credential` values (the CLI's flags, the UI's `sessions.start`) →
// network rules and credential bindings. Pure; a bad value is a BAD_INPUT that names the value
// and says what was expected. Front ends name the field: the CLI through commander (an
// argParser), the engine API as `allow[i]`.
import { PaddockError, errorMessage } from '../errors.js';
import type { CredentialBinding, CredentialProvider } from './credential-broker.js';
import { PROVIDERS } from './credential-broker.js';
import { splitAuthority } from './host-normalise.js';
import type { NetworkRule } from './network-rules.js';
import { RuleSet } from './network-rules.js';
import { PRESET_NAMES, presetRules } from './presets.js';

/**
 * One `--allow` value: a preset name (its rules), or a host pattern with an optional port
 * (default 443 and 80): `npm`, `api.example.com`, `*.example.com:8443`, `[fd00::1]:8080`.
 */
export function allowValue(value: string): NetworkRule[] {
  return PRESET_NAMES.includes(value) ? presetRules(value) : [hostRule(value, 'allow')];
}

/** One `--deny` value: a host pattern, on every port unless one is given. */
export function denyValue(value: string): NetworkRule {
  return hostRule(value, 'deny');
}

/** The `--allow` values' rules; a bad value's BAD_INPUT starts with `--allow`. */
export function allowRules(values: readonly string[]): NetworkRule[] {
  return values.flatMap((v) => named('--allow', () => allowValue(v)));
}

/** The `--deny` values' rules; a bad value's BAD_INPUT starts with `--deny`. */
export function denyRules(values: readonly string[]): NetworkRule[] {
  return values.map((v) => named('--deny', () => denyValue(v)));
}

/**
 * A host rule from `host`, `host:port` or `[v6]:port`. The host itself is judged by the rule
 * compiler, exactly as a policy file's rule would be (IDN, IPv6, `*.` patterns). Its source is
 * the flag (`--allow`/`--deny`), which explanations and the journal show.
 */
export function hostRule(value: string, decision: 'allow' | 'deny'): NetworkRule {
  const expected = `${JSON.stringify(value)} is not ${decision === 'allow' ? `a preset (${PRESET_NAMES.join(', ')}) or ` : ''}host[:port]; use e.g. api.example.com or *.example.com:8443`;
  const text = value.trim();
  const hasPort = /^(\[[^\]]+\]|[^:[\]]+):\d+$/.test(text);
  const withPort = hasPort ? splitAuthority(text) : null;
  if (hasPort && !withPort) throw new PaddockError('BAD_INPUT', `${expected} (the port is not 1-65535)`);
  const host = withPort ? withPort.host : text.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new PaddockError('BAD_INPUT', `${expected} (it is empty)`);
  const ports = withPort ? [withPort.port] : decision === 'deny' ? undefined : [443, 80];
  const flag = decision === 'allow' ? '--allow' : '--deny';
  const rule: NetworkRule = { host, ...(ports ? { ports } : {}), decision, source: { file: flag } };
  try {
    RuleSet.compile([rule], 'deny');
  } catch (e) {
    throw new PaddockError('BAD_INPUT', `${expected} (${errorMessage(e).replace(/^network rule \([^)]*\): /, '')})`);
  }
  return rule;
}

/** One `--credential` value: a provider name (anthropic, openai, google). */
export function credentialProvider(name: string): CredentialProvider {
  if (!Object.hasOwn(PROVIDERS, name))
    throw new PaddockError('BAD_INPUT', `${JSON.stringify(name)} is not a provider; use one of ${Object.keys(PROVIDERS).join(', ')}`);
  return name as CredentialProvider;
}

/**
 * `--credential anthropic|openai|google`: the provider's key is read from `env` (the front end's
 * environment: the warm engine passes its client's, never its own) and held by the egress proxy;
 * the sandbox gets a placeholder and a base URL on the proxy. A `<PROVIDER>_BASE_URL` there (a
 * company gateway, say) becomes the upstream. A missing key is a BAD_INPUT naming the variable.
 */
export function credentialBindings(names: readonly string[], env: NodeJS.ProcessEnv): CredentialBinding[] {
  return names.map((name) => {
    const provider = named('--credential', () => credentialProvider(name));
    const info = PROVIDERS[provider];
    const keyVar = info.keyEnv.find((k) => env[k]);
    if (!keyVar)
      throw new PaddockError(
        'BAD_INPUT',
        `--credential ${name}: set ${info.keyEnv.join(' or ')} in Paddock's environment (the key stays on the host)`,
      );
    const base = info.baseEnv.map((k) => env[k]).find(Boolean);
    return { provider, secret: env[keyVar]!, ...(base ? { upstream: base } : {}) };
  });
}

/** Run `parse`, prefixing a BAD_INPUT's message with the flag: `--allow "x y" is not …`. */
function named<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new PaddockError('BAD_INPUT', `${flag} ${errorMessage(e)}`, { cause: e });
  }
}
