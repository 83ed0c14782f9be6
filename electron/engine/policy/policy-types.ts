import type {
  AgentSettingsSchema,
  Ceilings,
  CommandDecision,
  CommandRule,
  McpRule,
  NetworkDecision,
  NetworkRule,
  WritableMount,
} from './policy-schema.js';
import type { z } from 'zod';

export const DEFAULT_MANAGED_PATH = '/etc/paddock/policy.yaml';
export const DEFAULT_MANAGED_PUBKEY = '/etc/paddock/policy.pub';

/** Lowest to highest. `preset` is a policy preset the user picked for a session (policy-presets.ts). */
export const layerNames = ['default', 'user', 'preset', 'project', 'managed'] as const;
export type LayerName = (typeof layerNames)[number];

/** Where a value came from: a layer's file and the position of the node that set it. */
export interface SourceRef {
  layer: LayerName | 'engine';
  file: string;
  line: number;
  col: number;
}

/** Decisions made by the engine itself (shell structure checks, built-in fallbacks). */
export const ENGINE_SOURCE: SourceRef = { layer: 'engine', file: '<paddock engine>', line: 0, col: 0 };

export interface ProvenanceEntry extends SourceRef {
  /** Set when a value was changed on its way in (e.g. clamped by a managed ceiling). */
  note?: string;
}

/** Dotted key (`commands.default`, `commands.rules.git-push-force`, `paths.protected[.git/hooks/**]`) → origin. */
export type Provenance = Record<string, ProvenanceEntry>;

export interface EffectiveCommandRule extends CommandRule {
  enabled: boolean;
  source: SourceRef;
}

/** An `always for this project` approval of the session's repository (user layer, `projects.<repo>.commands.approved`). */
export interface EffectiveApproval {
  id: string;
  command: string;
  /** The command's argv after unwrapping, as the engine compares it. */
  argv: string[];
  justification?: string;
  source: SourceRef;
}

export interface EffectiveMcpRule extends McpRule {
  enabled: boolean;
  source: SourceRef;
}

export interface EffectiveNetworkRule extends NetworkRule {
  source: SourceRef;
}

export type AgentSettings = z.infer<typeof AgentSettingsSchema>;

/** The merged policy every part of Paddock reads. Plain data (JSON-serialisable). */
export interface EffectivePolicy {
  commands: {
    default: CommandDecision;
    test_runners: string[];
    rules: EffectiveCommandRule[];
    /** Approvals for the repository the policy was loaded for (empty without one). */
    approved: EffectiveApproval[];
  };
  paths: { protected: string[]; masked: string[]; allowed_secrets: string[]; writable_mounts: WritableMount[] };
  network: { default: NetworkDecision; presets: string[]; rules: EffectiveNetworkRule[] };
  mcp: { default: CommandDecision; rules: EffectiveMcpRule[] };
  approvals: { timeout_seconds: number; unattended: 'deny' | 'allow' };
  agents: { default: string; allowed: string[]; settings: Record<string, AgentSettings> };
  telemetry: { enabled: boolean; endpoint: string | null; headers: Record<string, string>; log_prompts: boolean };
  /** How Paddock itself runs on this machine (not a repository's to decide). */
  engine: { autostart: boolean };
  ceilings: Ceilings;
  /** The repository whose `projects` section was applied (absolute, symlinks resolved), or null. */
  repo: string | null;
}

export interface PolicyWarning {
  message: string;
  source: SourceRef;
}

export interface LoadedLayer {
  layer: LayerName;
  file: string;
  sha256: string;
  /** Managed layer only: whether an ed25519 signature was verified. */
  signed?: boolean;
}

export interface EffectivePolicyResult {
  policy: EffectivePolicy;
  provenance: Provenance;
  /** sha256 over the layers' names, paths and contents, lowest first. */
  fingerprint: string;
  layers: LoadedLayer[];
  warnings: PolicyWarning[];
}

const commandRank: Record<CommandDecision, number> = { allow: 0, ask: 1, forbid: 2 };
const networkRank: Record<NetworkDecision, number> = { allow: 0, ask: 1, deny: 2 };

export function commandStrictness(d: CommandDecision): number {
  return commandRank[d];
}
export function networkStrictness(d: NetworkDecision): number {
  return networkRank[d];
}
export function stricterCommand(a: CommandDecision, b: CommandDecision): CommandDecision {
  return commandRank[a] >= commandRank[b] ? a : b;
}
