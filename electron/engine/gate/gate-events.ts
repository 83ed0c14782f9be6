/** Event kinds the gate adds to the session record (the journal's report renders these names). */

/** Tool names under which agents run a shell command line (Claude `Bash`, Codex `exec_command` / `local_shell`, the shell gate). */
export const SHELL_TOOLS: ReadonlySet<string> = new Set(['Bash', 'shell', 'exec_command', 'local_shell']);

/** `tool.request`: the agent wants to run a command or use a tool. */
export interface ToolRequestEvent {
  agent: string;
  tool: string;
  /** One line: the command line, or `Write path`, or the tool name. */
  command: string;
  input: unknown;
  cwd: string;
}

/** `policy.decision`: what the gate answered, and why. */
export interface PolicyDecisionEvent {
  command: string;
  /** Final answer to the agent. */
  decision: 'allow' | 'deny';
  /** What the policy said before any approval. */
  policy: 'allow' | 'ask' | 'forbid';
  /** `rule-id (file:line)`. */
  rule: string;
  justification: string;
  /** The part of the command line that decided. */
  part: string | null;
  /** Set when a human (or an unattended provider) answered. */
  by?: string;
  reason: string;
  durationMs: number;
}

/** `tool.result`: what a tool call returned (PostToolUse), for the record. */
export interface ToolResultEvent {
  agent: string;
  tool: string;
  command: string;
  ok: boolean;
  /** The first 4 KiB of the result. */
  output: string;
}

/** `user.prompt`: a prompt the user gave the agent. */
export interface UserPromptEvent {
  agent: string;
  prompt: string;
}

/** `mcp.call`: an MCP tool call (`mcp__server__tool`). */
export interface McpCallEvent {
  agent: string;
  server: string;
  tool: string;
  input: unknown;
}

declare module '../sessions/session-events.js' {
  interface SessionEventMap {
    'tool.request': ToolRequestEvent;
    'policy.decision': PolicyDecisionEvent;
    'tool.result': ToolResultEvent;
    'user.prompt': UserPromptEvent;
    'mcp.call': McpCallEvent;
  }
}
