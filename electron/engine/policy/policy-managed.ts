import { createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { PaddockError } from '../errors.js';
import { warn } from './policy-merge.js';
import type { MergeState } from './policy-merge.js';
import { commandStrictness, networkStrictness } from './policy-types.js';
import type { LayerName, SourceRef } from './policy-types.js';
import type { Ceilings } from './policy-schema.js';

import { DEFAULT_MANAGED_PATH, DEFAULT_MANAGED_PUBKEY } from './policy-types.js';

export { DEFAULT_MANAGED_PATH, DEFAULT_MANAGED_PUBKEY };

/**
 * Verify `<file>.sig` (ed25519, base64 or raw 64 bytes) over the exact bytes of the managed
 * policy. With a public key configured, a missing or bad signature refuses the policy; a
 * signature without a key to check it is refused too (it cannot be verified). Returns whether
 * the file was signed.
 */
export function verifyManagedSignature(file: string, bytes: Buffer, publicKey: string | null): boolean {
  const sigPath = `${file}.sig`;
  const hasSig = existsSync(sigPath);
  if (!publicKey) {
    if (hasSig) {
      throw new PaddockError('POLICY_SIGNATURE', `${file} is signed (${sigPath}) but no public key is configured to verify it; install the key at ${DEFAULT_MANAGED_PUBKEY} or set PADDOCK_MANAGED_POLICY_PUBKEY`);
    }
    return false;
  }
  if (!hasSig) {
    throw new PaddockError('POLICY_SIGNATURE', `${file} must be signed: a managed-policy public key is configured but ${sigPath} does not exist; ask your administrator for the signed policy`);
  }
  const rawSig = readFileSync(sigPath);
  const sig = rawSig.length === 64 ? rawSig : Buffer.from(rawSig.toString('utf8').trim(), 'base64');
  let ok = false;
  try {
    const key = createPublicKey(publicKey.includes('-----BEGIN') ? publicKey : readFileSync(publicKey, 'utf8'));
    ok = key.asymmetricKeyType === 'ed25519' && verify(null, bytes, key, sig);
  } catch (e) {
    throw new PaddockError('POLICY_SIGNATURE', `cannot check the signature of ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!ok) {
    throw new PaddockError('POLICY_SIGNATURE', `${file}: the ed25519 signature in ${sigPath} does not match the policy; the managed policy is refused (it was modified, or signed with another key)`);
  }
  return true;
}

/** The public key to check managed policies with: option, env, or the system path if present. */
export function managedPublicKey(option: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (option) return option;
  if (env.PADDOCK_MANAGED_POLICY_PUBKEY) return env.PADDOCK_MANAGED_POLICY_PUBKEY;
  return existsSync(DEFAULT_MANAGED_PUBKEY) ? DEFAULT_MANAGED_PUBKEY : null;
}

const lowerLayers: ReadonlySet<LayerName | 'engine'> = new Set(['default', 'user', 'preset', 'project', 'engine']);

/** Clamp lower layers' values to the managed ceilings; each change is a warning and a provenance note. */
export function applyCeilings(st: MergeState, at: (ceiling: keyof Ceilings) => SourceRef): void {
  const { policy: p, provenance: prov } = st;
  const c = p.ceilings;
  const clamp = (key: string, ceiling: keyof Ceilings, what: string, apply: () => void): void => {
    apply();
    prov[key] = { ...at(ceiling), note: `clamped by the managed ceiling ${ceiling}` };
    warn(st, at(ceiling), `${key} ${what}`);
  };
  if (c.commands_default && commandStrictness(p.commands.default) < commandStrictness(c.commands_default)) {
    const v = c.commands_default;
    clamp('commands.default', 'commands_default', `raised to "${v}" (managed ceiling commands_default)`, () => (p.commands.default = v));
  }
  if (c.mcp_default && commandStrictness(p.mcp.default) < commandStrictness(c.mcp_default)) {
    const v = c.mcp_default;
    clamp('mcp.default', 'mcp_default', `raised to "${v}" (managed ceiling mcp_default)`, () => (p.mcp.default = v));
  }
  if (c.network_default && networkStrictness(p.network.default) < networkStrictness(c.network_default)) {
    const v = c.network_default;
    clamp('network.default', 'network_default', `raised to "${v}" (managed ceiling network_default)`, () => (p.network.default = v));
  }
  if (c.unattended === 'deny' && p.approvals.unattended !== 'deny') {
    clamp('approvals.unattended', 'unattended', 'set to "deny" (managed ceiling unattended)', () => (p.approvals.unattended = 'deny'));
  }
  const max = c.max_approval_timeout_seconds;
  if (max !== undefined && p.approvals.timeout_seconds > max) {
    clamp('approvals.timeout_seconds', 'max_approval_timeout_seconds', `lowered to ${max}s (managed ceiling)`, () => (p.approvals.timeout_seconds = max));
  }
  const hosts = c.network_allow_hosts;
  if (hosts) {
    p.network.rules = p.network.rules.filter((r) => {
      if (r.decision !== 'allow' || !lowerLayers.has(r.source.layer) || hosts.some((h) => hostWithin(r.host, h))) return true;
      warn(st, r.source, `network allow rule for ${r.host} is outside the managed ceiling network_allow_hosts and is ignored`);
      return false;
    });
    const presets = p.network.presets.filter((name) => prov[`network.presets[${name}]`]?.layer === 'managed');
    for (const name of p.network.presets.filter((n) => !presets.includes(n))) {
      warn(st, prov[`network.presets[${name}]`] ?? at('network_allow_hosts'), `network preset "${name}" is ignored: the managed policy limits allowed hosts`);
      delete prov[`network.presets[${name}]`];
    }
    p.network.presets = presets;
  }
}

/** Is host pattern `h` inside ceiling pattern `c`? (`a.example.com` and `*.x.example.com` are inside `*.example.com`.) */
export function hostWithin(h: string, c: string): boolean {
  if (!c.startsWith('*.')) return h === c;
  const suffix = c.slice(1); // ".example.com"
  const bare = h.startsWith('*.') ? h.slice(1) : `.${h}`;
  return bare.endsWith(suffix) && (bare !== suffix || h.startsWith('*.'));
}
