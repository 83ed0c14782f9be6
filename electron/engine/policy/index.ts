// The policy engine's public surface: load the layered policy, judge command lines.
// Async once (`initPolicyEngine`, done by `loadEffectivePolicy`), then pure and synchronous.
export { initPolicyEngine, isPolicyEngineReady } from './shell-parser.js';
export { loadEffectivePolicy, defaultPolicyPath } from './policy-loader.js';
export type { LoadPolicyOptions } from './policy-loader.js';
export { createCommandEngine } from './command-engine.js';
export type { CommandEngine, CommandEngineOptions, CommandVerdict, PartVerdict, RuleRef, EvalContext } from './command-engine.js';
export { analyseCommandLine } from './shell-analyse.js';
export type { ShellPart } from './shell-analyse.js';
export { policyJsonSchema, PolicyFileSchema } from './policy-schema.js';
export type { CommandDecision, NetworkDecision, PolicyFile } from './policy-schema.js';
export { ENGINE_SOURCE, commandStrictness, stricterCommand, layerNames } from './policy-types.js';
export type { EffectivePolicy, EffectivePolicyResult, Provenance, ProvenanceEntry, SourceRef, LayerName, PolicyWarning } from './policy-types.js';
export { hostWithin } from './policy-managed.js';
export { networkRulesFromPolicy } from './policy-network.js';
export type { EgressRuleData } from './policy-network.js';
export { formatExplain } from './policy-explain.js';
export { createPathJudge } from './policy-paths.js';
export type { PathJudge } from './policy-paths.js';
export { policyLayerPath, managedPolicyPath } from './policy-loader.js';
export { checkLayerDraft, managedLocks, readLayerSource, saveLayer } from './policy-edit.js';
export type { EditableLayer, LayerSource, PolicyLock } from './policy-edit.js';
export { createMcpJudge, splitMcpToolName } from './mcp-rules.js';
export type { McpJudge, McpVerdict } from './mcp-rules.js';
export { approvalArgv, quoteArgv } from './policy-projects.js';
export { repoKey } from './repo-key.js';
export { listPolicyPresets, resolvePolicyPreset, PRESET_NAME } from './policy-presets.js';
export type { PolicyPresetInfo } from './policy-presets.js';
