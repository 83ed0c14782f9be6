import type { MessageBoxOptions } from 'electron';
import type { ElectronApi } from './electron-api.js';

/** How far a human's answer reaches (the approval broker applies it). */
export type ApprovalScope = 'once' | 'session' | '1h' | 'always-project' | 'deny';

/** What the dialog shows: the agent, the repo, what it wants (as parsed) and why it asks. */
export interface ApprovalPrompt {
  id: string;
  sessionId: string;
  agent: string;
  repo: string;
  /** Why the policy asks (the rule's justification). */
  reason: string;
  rule?: string;
  action:
    | { kind: 'command'; argv: string[]; commandLine: string; parts?: Array<{ text: string; decision: string }> }
    | { kind: 'tool'; tool: string; summary: string }
    | { kind: 'network'; host: string; port: number; method: string };
  /** When the broker denies on its own (ms since the epoch). */
  expiresAt?: number;
}

/** Buttons in order; Deny is the default and what Escape / closing the dialog means. */
export const SCOPE_BUTTONS: ReadonlyArray<{ scope: ApprovalScope; label: string }> = [
  { scope: 'once', label: 'Allow once' },
  { scope: 'session', label: 'Allow for this session' },
  { scope: '1h', label: 'Allow for 1 hour' },
  { scope: 'always-project', label: 'Always allow in this project' },
  { scope: 'deny', label: 'Deny' },
];
const DENY = SCOPE_BUTTONS.findIndex((b) => b.scope === 'deny');

export function approvalDialogOptions(p: ApprovalPrompt): MessageBoxOptions {
  const a = p.action;
  const what =
    a.kind === 'command'
      ? `run: ${a.argv.map((x) => (/^[\w@%+=:,./-]+$/.test(x) ? x : JSON.stringify(x))).join(' ')}`
      : a.kind === 'tool'
        ? `use ${a.tool}: ${a.summary}`
        : `connect to ${a.host}:${a.port} (${a.method})`;
  const parts = a.kind === 'command' && a.parts && a.parts.length > 1 ? [`Parts: ${a.parts.map((x) => `${x.text} [${x.decision}]`).join(' · ')}`] : [];
  const minutes = p.expiresAt ? Math.max(0, Math.round((p.expiresAt - Date.now()) / 60_000)) : null;
  return {
    type: 'question',
    title: 'Paddock — approval needed',
    message: `${p.agent} wants to ${what}`,
    detail: [
      `Repository: ${p.repo}`,
      `Session: ${p.sessionId}`,
      `Why Paddock asks: ${p.reason}`,
      ...(p.rule ? [`Rule: ${p.rule}`] : []),
      ...(a.kind === 'command' ? [`Command line: ${a.commandLine}`] : []),
      ...parts,
      ...(minutes !== null ? [`Denied automatically in about ${minutes} minute(s) if nobody answers.`] : []),
    ].join('\n'),
    buttons: SCOPE_BUTTONS.map((b) => b.label),
    defaultId: DENY,
    cancelId: DENY,
    noLink: true,
  };
}

export function scopeForResponse(index: number): ApprovalScope {
  return SCOPE_BUTTONS[index]?.scope ?? 'deny';
}

/**
 * Native approval dialogs, one at a time (parented to no window, so they show with the window
 * closed); further requests queue. An OS notification tells the user when the app is not focused.
 */
export class ApprovalDialogs {
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly electron: Pick<ElectronApi, 'dialog' | 'Notification'>,
    private readonly isFocused: () => boolean,
    private readonly onPendingChange: (pending: number) => void = () => {},
  ) {}

  get pending(): number {
    return this.queued;
  }

  /**
   * Shows the dialog when its turn comes. `signal` withdraws it (answered in the inbox, timed
   * out): a queued dialog is skipped, an open one is closed, and the result is null.
   */
  ask(p: ApprovalPrompt, signal?: AbortSignal): Promise<ApprovalScope | null> {
    this.queued += 1;
    this.onPendingChange(this.queued);
    if (!this.isFocused() && this.electron.Notification.isSupported()) {
      new this.electron.Notification({ title: 'Paddock needs an approval', body: approvalDialogOptions(p).message, silent: false }).show();
    }
    const answer = this.chain.then(async () => {
      if (signal?.aborted) return null;
      const r = await this.electron.dialog.showMessageBox({ ...approvalDialogOptions(p), ...(signal ? { signal } : {}) });
      return signal?.aborted ? null : scopeForResponse(r.response);
    });
    this.chain = answer.catch(() => undefined).finally(() => {
      this.queued -= 1;
      this.onPendingChange(this.queued);
    });
    return answer.catch(() => (signal?.aborted ? null : ('deny' as const)));
  }
}

/** Quitting with sessions running: they are stopped (they cannot outlive the process that supervises them). */
export async function confirmQuit(dialog: ElectronApi['dialog'], running: number): Promise<boolean> {
  if (running === 0) return true;
  const r = await dialog.showMessageBox({
    type: 'warning',
    title: 'Quit Paddock',
    message: `${running} session${running === 1 ? ' is' : 's are'} still running`,
    detail: 'Quitting stops them (their journals are closed and kept). Keep Paddock open to let them finish.',
    buttons: ['Stop sessions and quit', 'Keep running'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  });
  return r.response === 0;
}
