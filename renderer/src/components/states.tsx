import type { ReactNode } from 'react';
import type { ApiCallError } from '../../../electron/contract/index.js';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Pick<ApiCallError, 'code' | 'message'>; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>Something went wrong</strong> <code className="code-tag">{error.code}</code>
      <p className="error-message">{error.message}</p>
      {retry ? (
        <button type="button" className="btn" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

const STATE_LABEL: Record<string, string> = { starting: 'Starting', running: 'Running', paused: 'Paused', ended: 'Ended', failed: 'Failed', interrupted: 'Interrupted' };

export function StateBadge({ state, exitCode }: { state: string; exitCode?: number | null }) {
  const tone = state === 'paused' ? 'warn' : state === 'running' || state === 'starting' ? 'live' : state === 'ended' && (exitCode ?? 0) === 0 ? 'ok' : 'bad';
  return <span className={`badge badge-${tone}`}>{STATE_LABEL[state] ?? state}</span>;
}

export function DecisionBadge({ decision }: { decision: string }) {
  const tone = decision === 'allow' ? 'ok' : decision === 'ask' ? 'warn' : 'bad';
  return <span className={`badge badge-${tone}`}>{decision}</span>;
}
