import type { ApiImplementation, Approval, ApprovalChoice } from '../contract/index.js';
import type { ApprovalDialogs, ApprovalPrompt, ApprovalScope } from './approval-dialog.js';

/** The dialog's scopes are the broker's choices. */
export const CHOICE_FOR_SCOPE: Record<ApprovalScope, ApprovalChoice> = {
  once: 'allow-once',
  session: 'allow-session',
  '1h': 'allow-1h',
  'always-project': 'always-project',
  deny: 'deny',
};

export function approvalPrompt(a: Approval): ApprovalPrompt {
  const s = a.subject;
  const action: ApprovalPrompt['action'] =
    s.kind === 'command'
      ? {
          kind: 'command',
          argv: s.parts.length === 1 && s.parts[0]!.argv.length ? s.parts[0]!.argv : [s.command],
          commandLine: s.command,
          parts: s.parts.map((x) => ({ text: x.text, decision: x.decision })),
        }
      : s.kind === 'tool'
        ? { kind: 'tool', tool: s.tool, summary: s.summary }
        : { kind: 'network', host: s.host, port: s.port, method: s.method };
  return {
    id: a.id,
    sessionId: a.sessionId,
    agent: a.agent,
    repo: a.repo,
    reason: a.why,
    rule: a.rule,
    action,
    expiresAt: a.expiresAt,
  };
}

/**
 * Feeds the engine's pending approvals to the native dialogs: each new request gets a dialog
 * (queued, one at a time); its button is answered through the engine. A request that leaves the
 * pending set first (answered in the inbox, timed out) has its dialog skipped or closed.
 * `onCount` hears the number waiting (the tray shows it).
 */
export function watchApprovals(
  engine: ApiImplementation,
  dialogs: Pick<ApprovalDialogs, 'ask'>,
  onCount: (waiting: number) => void,
  log: (m: string) => void = () => {},
): () => void {
  const open = new Map<string, AbortController>();
  let latest: string[] = [];
  const sync = async (ids: string[]) => {
    latest = ids;
    for (const [id, ac] of open) {
      if (!ids.includes(id)) {
        ac.abort();
        open.delete(id);
      }
    }
    if (!ids.some((id) => !open.has(id))) return;
    const pending = await engine.handlers['approvals.list']({});
    for (const a of pending) {
      if (open.has(a.id) || !latest.includes(a.id)) continue;
      const ac = new AbortController();
      open.set(a.id, ac);
      void dialogs.ask(approvalPrompt(a), ac.signal).then(async (scope) => {
        if (open.get(a.id) === ac) open.delete(a.id);
        if (scope === null || ac.signal.aborted) return;
        try {
          await engine.handlers['approvals.answer']({ id: a.id, choice: CHOICE_FOR_SCOPE[scope] });
        } catch (e) {
          log(`approval ${a.id}: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
    }
  };
  const off = engine.subscribe((name, payload) => {
    if (name !== 'approvals.changed') return;
    const p = payload as { pending: number; ids: string[] };
    onCount(p.pending);
    sync(p.ids).catch((e: unknown) => log(`approvals: ${e instanceof Error ? e.message : String(e)}`));
  });
  return () => {
    off();
    for (const ac of open.values()) ac.abort();
    open.clear();
  };
}
