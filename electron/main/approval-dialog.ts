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
  action: { kind: 'command'; argv: string[]; commandLine: string } | { kind: 'network'; host: string; port: number; method: string };
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
  const what = p.action.kind === 'command' ? `run: ${p.action.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}` : `connect to ${p.action.host}:${p.action.port} (${p.action.method})`;
  return {
    type: 'question',
    title: 'Paddock — approval needed',
    message: `${p.agent} wants to ${what}`,
    detail: [`Repository: ${p.repo}`, `Session: ${p.sessionId}`, `Why Paddock asks: ${p.reason}`, ...(p.rule ? [`Rule: ${p.rule}`] : []), ...(p.action.kind === 'command' ? [`Command line: ${p.action.commandLine}`] : [])].join('\n'),
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

  ask(p: ApprovalPrompt): Promise<ApprovalScope> {
    this.queued += 1;
    this.onPendingChange(this.queued);
    if (!this.isFocused() && this.electron.Notification.isSupported()) {
      new this.electron.Notification({ title: 'Paddock needs an approval', body: approvalDialogOptions(p).message, silent: false }).show();
    }
    const answer = this.chain.then(async () => {
      const r = await this.electron.dialog.showMessageBox(approvalDialogOptions(p));
      return scopeForResponse(r.response);
    });
    this.chain = answer.catch(() => undefined).finally(() => {
      this.queued -= 1;
      this.onPendingChange(this.queued);
    });
    return answer.catch(() => 'deny' as const);
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
