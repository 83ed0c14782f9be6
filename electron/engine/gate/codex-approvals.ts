import type { GateJudge, GateVerdict } from './gate-judge.js';
import { RpcError } from './codex-rpc.js';

/**
 * Codex app-server approval requests → Paddock's judge → the answer Codex gets. Fail closed:
 * only a request Paddock understands and the judge allows is accepted; anything else (unknown
 * method or kind, missing fields, an unannounced file change, a judge that throws) is declined.
 */

/** A file change Codex announced (`item/started`, type `fileChange`) before asking to apply it. */
export interface FileChangeItem {
  changes: { path: string; kind: string; movePath?: string }[];
}

export interface ApprovalOutcome {
  /** The JSON-RPC result for Codex; absent: answer with `error` instead. */
  result?: unknown;
  error?: RpcError;
  decision: 'accept' | 'decline';
  /** One line for the terminal: what was asked. */
  subject: string;
  /** Written for the model: why it was declined (sent as a steer message where possible). */
  reason: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The paths of a `fileChange` item (`changes: [{path, kind: {type, move_path?}}]`), or null if it is not one. */
export function fileChangeItem(item: unknown): FileChangeItem | null {
  const i = obj(item);
  if (!i || i.type !== 'fileChange' || !Array.isArray(i.changes)) return null;
  const changes: FileChangeItem['changes'] = [];
  for (const c of i.changes) {
    const o = obj(c);
    const path = str(o?.path);
    const kind = obj(o?.kind);
    const type = str(kind?.type);
    if (!path || !type) return null; // one change Paddock cannot read: the whole item is unreadable
    const movePath = str(kind?.move_path);
    changes.push({ path, kind: type, ...(movePath ? { movePath } : {}) });
  }
  return { changes };
}

function declined(subject: string, reason: string, result: unknown): ApprovalOutcome {
  return { result, decision: 'decline', subject, reason };
}

export interface ApprovalDeps {
  judge: GateJudge;
  /** File changes announced so far in this session, by item id. */
  fileChanges: ReadonlyMap<string, FileChangeItem>;
  workspace?: string;
  signal?: AbortSignal;
}

/** Answer one server request. Never rejects: a failure on Paddock's side is a decline. */
export async function answerCodexRequest(method: string, params: unknown, deps: ApprovalDeps): Promise<ApprovalOutcome> {
  try {
    return await judgeRequest(method, params, deps);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const result = method === 'item/commandExecution/requestApproval' || method === 'item/fileChange/requestApproval' ? { decision: 'decline' } : undefined;
    return {
      ...(result ? { result } : { error: new RpcError(`Paddock could not judge this request (${why}); declined`, -32000) }),
      decision: 'decline',
      subject: method,
      reason: `Paddock could not judge this request (${why}), so it was declined.`,
    };
  }
}

async function judgeRequest(method: string, params: unknown, deps: ApprovalDeps): Promise<ApprovalOutcome> {
  const p = obj(params);
  const workspace = deps.workspace ?? '/workspace';
  if (method === 'item/commandExecution/requestApproval') {
    const command = str(p?.command);
    const kind = p?.kind ?? 'command';
    const subject = command ?? '(no command)';
    if (!p || !command) return declined(subject, 'Paddock declined a command approval request without a command line.', { decision: 'decline' });
    if (kind !== 'command')
      return declined(subject, `Paddock declined \`${command}\`: it does not judge approval requests of kind ${JSON.stringify(kind)}.`, { decision: 'decline' });
    if (p.networkApprovalContext !== undefined && p.networkApprovalContext !== null)
      return declined(subject, `Paddock declined a network approval for \`${command}\`: the egress proxy decides network access.`, { decision: 'decline' });
    const cwd = str(p.cwd) ?? workspace;
    const v = await deps.judge.command(command, cwd, deps.signal);
    return verdictOutcome(subject, v);
  }
  if (method === 'item/fileChange/requestApproval') {
    const itemId = str(p?.itemId);
    const item = itemId ? deps.fileChanges.get(itemId) : undefined;
    if (!item || !item.changes.length)
      return declined(`file change ${itemId ?? '(no item id)'}`, 'Paddock declined a file change it was not shown (no announced item with its paths).', { decision: 'decline' });
    const paths = item.changes.flatMap((c) => (c.movePath ? [c.path, c.movePath] : [c.path]));
    const subject = `${item.changes.map((c) => c.kind).join('/')} ${paths.join(', ')}`;
    // Every path must be allowed; the first refusal decides.
    for (const c of item.changes) {
      for (const path of c.movePath ? [c.path, c.movePath] : [c.path]) {
        const v = await deps.judge.tool(c.kind === 'add' ? 'Write' : 'Edit', { file_path: path }, workspace, deps.signal);
        if (v.decision !== 'allow') return verdictOutcome(subject, v);
      }
    }
    return { result: { decision: 'accept' }, decision: 'accept', subject, reason: 'allowed by Paddock policy' };
  }
  if (method === 'execCommandApproval' || method === 'applyPatchApproval') {
    const reason = `Paddock declined ${method}: it only answers the v2 approval requests.`;
    return declined(method, reason, { decision: { denied: { rejection: reason } } });
  }
  if (method === 'mcpServer/elicitation/request')
    return declined(method, 'Paddock declined an MCP elicitation: the policy has no MCP rules.', { action: 'decline', content: null });
  return {
    error: new RpcError(`Paddock does not answer ${method}; declined`, -32601),
    decision: 'decline',
    subject: method,
    reason: `Paddock does not answer ${method}, so it was declined.`,
  };
}

function verdictOutcome(subject: string, v: GateVerdict): ApprovalOutcome {
  // Always `accept`, never `acceptForSession`: Codex then asks again next time, so Paddock judges
  // (and records) every run; the broker remembers "allow for this session" by itself.
  if (v.decision === 'allow') return { result: { decision: 'accept' }, decision: 'accept', subject, reason: v.reason };
  return declined(subject, v.reason, { decision: 'decline' });
}
