// The approvals gate: a per-session server the sandbox's agents ask before acting, and the
// adapters that wire each agent's hooks to it.
export { startGateServer } from './gate-server.js';
export type { GateServerHandle, GateServerOptions } from './gate-server.js';
export { createGateJudge } from './gate-judge.js';
export type { GateJudge, GateJudgeDeps, GateVerdict } from './gate-judge.js';
export { parseGateRequest } from './gate-protocol.js';
export type { GateRequest, GateResponse } from './gate-protocol.js';
export { claudeDenyRules, claudeHookAnswer, claudeManagedSettings } from './claude-adapter.js';
export { codexFiles, codexPromptRules, codexRules } from './codex-adapter.js';
export { sessionGateExtras, sessionJudge, GATE_ENV_DIR, HELPERS } from './session-gate.js';
export { driveCodexAppServer } from './codex-app-server.js';
export type { CodexAppServerOptions, CodexAppServerResult } from './codex-app-server.js';
export { answerCodexRequest, fileChangeItem } from './codex-approvals.js';
export { JsonLinesRpc, RpcError } from './codex-rpc.js';
export type { SessionGateOptions } from './session-gate.js';
export type { McpCallEvent, PolicyDecisionEvent, ToolRequestEvent, ToolResultEvent, UserPromptEvent } from './gate-events.js';
