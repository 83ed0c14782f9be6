import type { EffectivePolicy } from '../policy/index.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import type { GateJudge } from './gate-judge.js';
import './gate-events.js';

/**
 * Claude Code adapter. The gate's address and token go into *managed* settings
 * (`/etc/claude-code/managed-settings.json`, bind-mounted read-only from the host), which no
 * user, project or local settings file can override, and which the agent cannot edit:
 * - PreToolUse, matcher `*`: an `http` hook to the gate with `onFailure: "block"` — every tool
 *   call (Bash, Write/Edit, WebFetch, mcp__*) is judged; a gate that fails or times out blocks;
 * - PostToolUse and UserPromptSubmit: `http` hooks for the record (tool results, prompts);
 * - `allowManagedHooksOnly` and `allowManagedPermissionRulesOnly`: hooks and permission rules
 *   from other settings files are ignored, so the agent cannot add an allow rule for itself;
 * - `permissions.defaultMode: "dontAsk"` and bypass mode disabled: only the hook's explicit
 *   allow lets a tool run; unconditional forbid rules are also native `Bash(prefix:*)` denies.
 */
export interface ClaudeSettingsInput {
  gateUrl: string;
  token: string;
  /** Approval timeout; the PreToolUse hook waits a little longer than this. */
  approvalTimeoutSeconds: number;
  policy?: Pick<EffectivePolicy, 'commands'> & Partial<Pick<EffectivePolicy, 'mcp'>>;
}

export function claudeManagedSettings(input: ClaudeSettingsInput): Record<string, unknown> {
  const hook = (path: string, timeout: number, onFailure: 'block' | 'continue') => ({
    type: 'http',
    url: `${input.gateUrl}/v1/claude/${path}`,
    headers: { Authorization: `Bearer ${input.token}` },
    timeout,
    onFailure,
  });
  return {
    permissions: {
      defaultMode: 'dontAsk',
      disableBypassPermissionsMode: 'disable',
      deny: input.policy ? claudeDenyRules(input.policy) : [],
    },
    allowManagedHooksOnly: true,
    allowManagedPermissionRulesOnly: true,
    hooks: {
      PreToolUse: [{ matcher: '*', hooks: [hook('pre-tool-use', input.approvalTimeoutSeconds + 30, 'block')] }],
      PostToolUse: [{ matcher: '*', hooks: [hook('post-tool-use', 10, 'continue')] }],
      UserPromptSubmit: [{ hooks: [hook('user-prompt-submit', 10, 'continue')] }],
    },
  };
}

/** Unconditional forbid rules as Claude `Bash(prefix:*)` denies (defence in depth; the gate judges everything). */
export function claudeDenyRules(policy: Pick<EffectivePolicy, 'commands'> & Partial<Pick<EffectivePolicy, 'mcp'>>): string[] {
  const out: string[] = [];
  // MCP forbid rules naming servers and tools literally: `mcp__server__tool`, or `mcp__server` for every tool.
  for (const r of policy.mcp?.rules ?? []) {
    if (!r.enabled || r.decision !== 'forbid' || r.server.includes('*')) continue;
    for (const server of r.server.split('|')) {
      const tool = r.tool ?? '*';
      if (tool === '*') out.push(`mcp__${server}`);
      else if (!tool.includes('*')) for (const t of tool.split('|')) out.push(`mcp__${server}__${t}`);
    }
  }
  for (const r of policy.commands.rules) {
    if (!r.enabled || r.decision !== 'forbid') continue;
    if (r.flags_any || r.flags_none || r.args_any || r.args_regex || r.args_max !== undefined || r.paths_outside || r.paths_within || r.piped_from) continue;
    for (const prefix of expandPattern(r.pattern)) out.push(`Bash(${prefix}:*)`);
  }
  return [...new Set(out)].slice(0, 500);
}

/** `git push|pull` → ['git push', 'git pull']; a `*` token ends the prefix. */
export function expandPattern(pattern: string): string[] {
  let acc = [''];
  for (const tok of pattern.trim().split(/\s+/)) {
    if (tok === '*') break;
    const alts = tok.split('|');
    acc = acc.flatMap((a) => alts.map((t) => (a ? `${a} ${t}` : t)));
    if (acc.length > 32) return [];
  }
  return acc.filter((a) => a && !/[()]/.test(a));
}

interface HookDeps {
  judge: GateJudge;
  events: SessionEventSink;
  sessionId: string;
  agent: string;
  dialect: 'claude' | 'codex';
  signal: AbortSignal;
}

function obj(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
}

/** Codex gives shell commands as argv (`["bash","-lc","…"]`); Claude as a string. */
export function commandText(input: unknown): unknown {
  const o = obj(input);
  const c = o.command;
  if (!Array.isArray(c)) return input;
  const argv = c.map(String);
  const line = argv.length === 3 && /(^|\/)(ba|z|da)?sh$/.test(argv[0]!) && /^-l?c$/.test(argv[1]!) ? argv[2]! : argv.map(shQuote).join(' ');
  return { ...o, command: line };
}

function shQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** One hook call (input as the agent sent it) → the agent's expected output. */
export async function claudeHookAnswer(event: string, input: unknown, deps: HookDeps): Promise<unknown> {
  const o = obj(input);
  const cwd = typeof o.cwd === 'string' && o.cwd.startsWith('/') ? o.cwd : undefined;
  const tool = typeof o.tool_name === 'string' ? o.tool_name : '';
  if (event === 'pre-tool-use') {
    if (!tool) return preToolUse('deny', 'Paddock gate: the hook input had no tool_name');
    const v = await deps.judge.tool(tool, commandText(o.tool_input), cwd, deps.signal);
    // Codex rejects a bare allow (it wants updatedInput); no objection is expressed as no output there.
    if (deps.dialect === 'codex' && v.decision === 'allow') return {};
    return preToolUse(v.decision, v.reason);
  }
  if (event === 'post-tool-use') {
    const resp = o.tool_response ?? o.tool_output ?? null;
    const text = typeof resp === 'string' ? resp : (JSON.stringify(resp) ?? '');
    const r = obj(resp);
    const ok = !(r.is_error === true || r.interrupted === true || (typeof r.exit_code === 'number' && r.exit_code !== 0));
    const ti = obj(commandText(o.tool_input));
    const command = typeof ti.command === 'string' ? ti.command : typeof ti.file_path === 'string' ? `${tool} ${ti.file_path}` : tool;
    deps.events.emit(deps.sessionId, 'tool.result', { agent: deps.agent, tool, command, ok, output: text.slice(0, 4096) });
    return {};
  }
  if (event === 'user-prompt-submit') {
    deps.events.emit(deps.sessionId, 'user.prompt', { agent: deps.agent, prompt: typeof o.prompt === 'string' ? o.prompt : '' });
    return {};
  }
  return {};
}

function preToolUse(decision: 'allow' | 'deny', reason: string) {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } };
}
