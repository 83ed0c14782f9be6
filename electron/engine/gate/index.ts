// The approvals gate: a per-session server the sandbox's agents ask before acting, and the
// adapters that wire each agent's hooks to it.
export { startGateServer } from './gate-server.js';
export type { GateServerHandle, GateServerOptions } from './gate-server.js';
export { createGateJudge } from './gate-judge.js';
export type { GateJudge, GateJudgeDeps, GateVerdict } from './gate-judge.js';
export { parseGateRequest } from './gate-protocol.js';
export type { GateRequest, GateResponse } from './gate-protocol.js';
export { claudeDenyRules, claudeHookAnswer, claudeManagedSettings } from './claude-adapter.js';
export { codexFiles, codexRules } from './codex-adapter.js';
export { sessionGateExtras, GATE_ENV_DIR, HELPERS } from './session-gate.js';
export type { SessionGateOptions } from './session-gate.js';
export type { McpCallEvent, PolicyDecisionEvent, ToolRequestEvent, ToolResultEvent, UserPromptEvent } from './gate-events.js';
