import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { CredentialBinding } from '../egress/credential-broker.js';
import type { NetworkRule } from '../egress/network-rules.js';
import { presetsRules } from '../egress/presets.js';
import { networkRulesFromPolicy } from '../policy/policy-network.js';
import type { EffectivePolicy } from '../policy/policy-types.js';
import type { WorkspaceOptions } from '../sandbox/workspace.js';
import type { EgressOptions } from './session-egress.js';

/**
 * The sandbox's path rules from the effective policy. A protected entry `dir/**` protects that
 * directory (created empty if missing, so the agent cannot create it); a plain entry protects
 * that file when it exists. Entries with other wildcards cannot be mounted one by one: they
 * are enforced by the gate on the agent's write tools, and listed in `unmountable`.
 */
export function workspaceFromPolicy(
  policy: Pick<EffectivePolicy, 'paths'>,
): Omit<WorkspaceOptions, 'emptyFile'> & { unmountable: string[] } {
  const protectedPaths: string[] = [];
  const unmountable: string[] = [];
  for (const p of policy.paths.protected) {
    const dir = /^(.*?)\/\*\*$/.exec(p)?.[1];
    const path = dir ?? p;
    if (/[*?{[]/.test(path)) unmountable.push(p);
    else protectedPaths.push(dir !== undefined ? `${path}/` : path);
  }
  return {
    protectedPaths,
    secretPatterns: [...policy.paths.masked],
    allowedSecrets: [...policy.paths.allowed_secrets],
    unmountable,
  };
}

/**
 * The session's egress from the policy plus command-line rules, or undefined when nothing may
 * leave (then the sandbox gets no network at all, which is stricter than a proxy denying all).
 */
export function egressFromPolicy(
  policy: Pick<EffectivePolicy, 'network'>,
  opts: {
    extraRules?: readonly NetworkRule[];
    force?: boolean;
    decider: ApprovalDecider | null;
    askTimeoutMs?: number;
    credentials?: readonly CredentialBinding[];
  },
): EgressOptions | undefined {
  const net = networkRulesFromPolicy(policy);
  const rules: NetworkRule[] = [...(opts.extraRules ?? []), ...presetsRules(net.presets), ...net.rules];
  const opens = rules.some((r) => r.decision !== 'deny') || (net.default !== 'deny' && opts.decider !== null);
  if (!opens && !opts.force && !opts.credentials?.length) return undefined;
  // Nobody to ask means unattended: an "ask" default becomes deny.
  const defaultDecision = net.default === 'ask' && !opts.decider ? 'deny' : net.default;
  return {
    rules,
    defaultDecision,
    decider: opts.decider,
    ...(opts.askTimeoutMs ? { askTimeoutMs: opts.askTimeoutMs } : {}),
    ...(opts.credentials?.length ? { credentials: opts.credentials } : {}),
  };
}
