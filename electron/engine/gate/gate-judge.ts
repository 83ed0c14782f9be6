import { posix } from 'node:path';
import type { ApprovalBroker, ApprovalContext } from '../approvals/approval-broker.js';
import type { ApprovalSubject } from '../approvals/approval-types.js';
import { splitMcpToolName } from '../policy/index.js';
import type { CommandEngine, CommandVerdict, McpJudge, PathJudge, RuleRef } from '../policy/index.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import { SHELL_TOOLS } from './gate-events.js';

export interface GateVerdict {
  decision: 'allow' | 'deny';
  /** Written for the model: what was refused and why, or why it was allowed. */
  reason: string;
  policy: 'allow' | 'ask' | 'forbid';
  rule: string;
}

export interface GateJudgeDeps {
  engine: CommandEngine;
  paths: PathJudge;
  /** MCP rules of the policy (`createMcpJudge(policy)`); without it every MCP tool call asks. */
  mcp?: McpJudge;
  broker: ApprovalBroker;
  ctx: ApprovalContext;
  events: SessionEventSink;
  /** The repo as the sandbox sees it, and $HOME there. */
  workspace?: string;
  home?: string;
}

export interface GateJudge {
  command(command: string, cwd?: string, signal?: AbortSignal): Promise<GateVerdict>;
  tool(tool: string, input: unknown, cwd?: string, signal?: AbortSignal): Promise<GateVerdict>;
}

const READ_ONLY_TOOLS = new Set(['Read', 'Glob', 'Grep', 'LS', 'NotebookRead', 'BashOutput', 'KillShell', 'KillBash', 'TodoWrite', 'Task', 'Agent', 'ExitPlanMode', 'EnterPlanMode', 'AskUserQuestion', 'Skill', 'SlashCommand', 'ToolSearch', 'ListMcpResourcesTool', 'ReadMcpResourceTool', 'TaskOutput', 'TaskCreate', 'TaskUpdate', 'TaskList', 'TaskGet', 'TaskStop']);
const WRITE_TOOLS: Record<string, string> = { Write: 'file_path', Edit: 'file_path', MultiEdit: 'file_path', NotebookEdit: 'notebook_path', apply_patch: 'path' };
const NETWORK_TOOLS = new Set(['WebFetch', 'WebSearch']);

function ruleText(r: RuleRef): string {
  const s = r.source;
  return s.line ? `${r.id} (${s.file}:${s.line})` : `${r.id} (${s.file})`;
}

function field(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The gate's judgement: the policy engine first; `forbid` is a deny with the rule's
 * justification; `ask` goes to the approvals broker; every request and decision is an event.
 */
export function createGateJudge(deps: GateJudgeDeps): GateJudge {
  const workspace = deps.workspace ?? '/workspace';
  const home = deps.home ?? '/home/agent';
  const { events, ctx } = deps;

  const finish = async (
    line: string,
    policy: 'allow' | 'ask' | 'forbid',
    rule: string,
    justification: string,
    part: string | null,
    subject: ApprovalSubject,
    started: number,
    signal?: AbortSignal,
  ): Promise<GateVerdict> => {
    let v: GateVerdict;
    let by: string | undefined;
    if (policy === 'allow') v = { decision: 'allow', reason: `allowed by Paddock policy: ${justification}`, policy, rule };
    else if (policy === 'forbid')
      v = { decision: 'deny', reason: `Paddock policy forbids \`${part ?? line}\` (rule ${rule}): ${justification}. Do not try to work around this rule.`, policy, rule };
    else {
      const out = await deps.broker.ask(ctx, { subject, rule, why: justification }, signal);
      by = out.by;
      v = { decision: out.decision, reason: out.reason, policy, rule };
    }
    events.emit(ctx.sessionId, 'policy.decision', {
      command: line,
      decision: v.decision,
      policy,
      rule,
      justification,
      part,
      ...(by ? { by } : {}),
      reason: v.reason,
      durationMs: Date.now() - started,
    });
    return v;
  };

  const judgeCommand = (command: string, cwd: string, tool: string, input: unknown, signal?: AbortSignal) => {
    const started = Date.now();
    events.emit(ctx.sessionId, 'tool.request', { agent: ctx.agent, tool, command, input, cwd });
    const verdict: CommandVerdict = deps.engine.evaluate(command, { cwd, workspace, home });
    const subject: ApprovalSubject = {
      kind: 'command',
      command,
      cwd,
      parts: verdict.parts.map((p) => ({ text: p.text, argv: p.argv, decision: p.decision, via: p.via, rule: p.rule.id })),
    };
    return finish(command, verdict.decision, ruleText(verdict.rule), verdict.justification, verdict.decidingPart?.text ?? null, subject, started, signal);
  };

  return {
    command: (command, cwd = workspace, signal) => judgeCommand(command, cwd, 'shell', { command }, signal),
    tool(tool, input, cwd = workspace, signal) {
      if (SHELL_TOOLS.has(tool)) {
        const command = field(input, 'command') ?? field(input, 'cmd') ?? '';
        return judgeCommand(command, field(input, 'workdir') ?? cwd, tool, input, signal);
      }
      const started = Date.now();
      const pathKey = WRITE_TOOLS[tool];
      const target = pathKey ? field(input, pathKey) : (field(input, 'file_path') ?? field(input, 'path'));
      const line = target ? `${tool} ${target}` : tool;
      events.emit(ctx.sessionId, 'tool.request', { agent: ctx.agent, tool, command: line, input, cwd });
      const subject: ApprovalSubject = { kind: 'tool', tool, input, summary: line, cwd };
      if (tool.startsWith('mcp__')) {
        const name = splitMcpToolName(tool);
        events.emit(ctx.sessionId, 'mcp.call', { agent: ctx.agent, server: name?.server ?? '', tool: name?.tool ?? tool, input });
        if (!name) return finish(line, 'ask', 'mcp (engine)', `${tool} is not a well-formed MCP tool name (mcp__<server>__<tool>)`, null, subject, started, signal);
        const v = deps.mcp?.judge(tool);
        if (!v) return finish(line, 'ask', 'mcp (no MCP rules given to the gate)', `MCP tool ${name.tool} of server ${name.server}`, null, subject, started, signal);
        return finish(line, v.decision, ruleText(v.rule), v.justification, line, subject, started, signal);
      }
      const pctx = { cwd, workspace, home };
      if (pathKey) {
        if (!target) return finish(line, 'forbid', 'paths (engine)', `${tool} without a ${pathKey}`, null, subject, started, signal);
        if (deps.paths.isProtected(target, pctx))
          return finish(line, 'forbid', 'paths.protected', `${target} is a protected path (read-only in the sandbox)`, line, subject, started, signal);
        if (deps.paths.isMasked(target, pctx)) return finish(line, 'forbid', 'paths.masked', `${target} is a masked secret file`, line, subject, started, signal);
        const abs = posix.resolve(cwd, target);
        const inside = [workspace, '/tmp', '/var/tmp'].some((d) => abs === d || abs.startsWith(`${d}/`));
        if (!inside) return finish(line, 'ask', 'paths (outside the workspace)', `${abs} is outside the workspace`, line, subject, started, signal);
        return finish(line, 'allow', 'paths (workspace)', 'a file inside the workspace', line, subject, started, signal);
      }
      if (READ_ONLY_TOOLS.has(tool)) {
        if (target && deps.paths.isMasked(target, pctx)) return finish(line, 'forbid', 'paths.masked', `${target} is a masked secret file`, line, subject, started, signal);
        return finish(line, 'allow', `tools.read-only`, `${tool} does not change anything`, null, subject, started, signal);
      }
      if (NETWORK_TOOLS.has(tool))
        return finish(line, 'allow', 'network (egress proxy)', 'the egress proxy applies the network rules to the connection itself', null, subject, started, signal);
      return finish(line, 'ask', 'tools (unknown tool)', `Paddock has no rule for the tool ${tool}`, null, subject, started, signal);
    },
  };
}
