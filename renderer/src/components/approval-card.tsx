import { useId, useState } from 'react';
import type { Approval, ApprovalChoice } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { timeLeft } from '../hooks/use-approvals.js';
import { href } from '../router.js';
import { DecisionBadge } from './states.js';

/** The five answers, in the order of the native dialog; Deny last. */
export const ANSWERS: ReadonlyArray<{ choice: ApprovalChoice; label: string; hint: string }> = [
  { choice: 'allow-once', label: 'Allow once', hint: 'this request only' },
  {
    choice: 'allow-session',
    label: 'Allow for this session',
    hint: 'the same request again in this session flows',
  },
  {
    choice: 'allow-1h',
    label: 'Allow for 1 hour',
    hint: 'the same request again in this repository flows for an hour',
  },
  {
    choice: 'always-project',
    label: 'Always in this project',
    hint: 'written as an allow rule into your policy for this repository',
  },
  { choice: 'deny', label: 'Deny', hint: 'refused; the reason is sent to the agent' },
];

export function subjectVerb(a: Approval): string {
  return a.subject.kind === 'network' ? 'connect to' : a.subject.kind === 'tool' ? 'use' : 'run';
}

export function subjectText(a: Approval): string {
  const s = a.subject;
  if (s.kind === 'command') return s.command;
  if (s.kind === 'tool') return s.summary;
  return `${s.method} ${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
}

/** `id (/long/path/to/file.yaml:11)` → `id (file.yaml:11)`, for narrow places (the full text is the tooltip). */
export function shortRule(rule: string): string {
  return rule.replace(/\/(?:[^\s/()]+\/)+([^\s/()]+)/g, '$1');
}

/** One pending approval with everything needed to answer it, answerable in place. */
export function ApprovalCard({
  approval: a,
  now,
  compact = false,
}: {
  approval: Approval;
  now: number;
  compact?: boolean;
}) {
  const client = useClient();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<ApprovalChoice | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const titleId = useId();
  const reasonId = useId();
  const left = a.expiresAt - now;

  const answer = async (choice: ApprovalChoice) => {
    setBusy(choice);
    setError(null);
    try {
      await client.call('approvals.answer', {
        id: a.id,
        choice,
        ...(choice === 'deny' && reason.trim() ? { reason: reason.trim() } : {}),
      });
    } catch (e) {
      setError(
        e instanceof ApiCallError
          ? { code: e.code, message: e.message }
          : { code: 'INTERNAL', message: String(e) },
      );
      setBusy(null);
    }
  };

  return (
    <article
      className={`card approval${compact ? ' approval-compact' : ''}`}
      aria-labelledby={titleId}
      data-testid="approval"
      data-approval-id={a.id}
    >
      <header className="approval-head">
        <p id={titleId} className="approval-title">
          <span className="agent-tag">{a.agent}</span> wants to {subjectVerb(a)}
        </p>
        <span
          className={`badge ${left < 60_000 ? 'badge-bad' : 'badge-warn'}`}
          title="When nobody answers, Paddock denies it"
        >
          <span className="sr-only">denied automatically in </span>
          {timeLeft(a.expiresAt, now)} left
        </span>
      </header>
      <pre className="approval-what mono">{subjectText(a)}</pre>
      {a.subject.kind === 'command' && (compact ? a.subject.parts.length > 1 : a.subject.parts.length > 0) ? (
        <ul className="approval-parts" aria-label="Parts of the command">
          {a.subject.parts.map((p, i) => (
            <li key={i}>
              <DecisionBadge decision={p.decision} />{' '}
              <code className="mono">{p.argv.length ? p.argv.join(' ') : p.text}</code>
              {p.via.length ? <span className="muted small"> via {p.via.join(' › ')}</span> : null}
              {!compact ? <span className="muted small approval-part-rule"> {p.rule}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {a.subject.kind === 'network' ? (
        <p className="muted small">{a.subject.protocol} request from the sandbox</p>
      ) : null}
      <dl className="approval-facts">
        <dt>Why</dt>
        <dd>{a.why}</dd>
        <dt>Rule</dt>
        <dd className="mono" title={a.rule}>
          {compact ? shortRule(a.rule) : a.rule}
        </dd>
        {!compact ? (
          <>
            <dt>Repository</dt>
            <dd className="mono">{a.repo}</dd>
            <dt>Session</dt>
            <dd>
              <a className="mono" href={href({ name: 'live', id: a.sessionId })}>
                {a.sessionId}
              </a>
            </dd>
          </>
        ) : null}
        {a.subject.kind !== 'network' && !compact ? (
          <>
            <dt>Directory</dt>
            <dd className="mono">{a.subject.cwd}</dd>
          </>
        ) : null}
      </dl>
      <label className="approval-reason" htmlFor={reasonId}>
        Reason for the agent (sent with Deny)
        <input
          id={reasonId}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. use the vendored copy instead"
          autoComplete="off"
          maxLength={2000}
        />
      </label>
      <div className="actions approval-actions" role="group" aria-label="Answer">
        {ANSWERS.map((b) => (
          <button
            key={b.choice}
            type="button"
            className={`btn btn-small${b.choice === 'allow-once' ? ' btn-primary' : ''}${b.choice === 'deny' ? ' btn-danger' : ''}`}
            title={b.hint}
            disabled={busy !== null}
            onClick={() => void answer(b.choice)}
          >
            {busy === b.choice ? 'Sending…' : b.label}
          </button>
        ))}
      </div>
      {error ? (
        <div className="inline-error" role="alert">
          <code className="code-tag">{error.code}</code> {error.message}
        </div>
      ) : null}
    </article>
  );
}
