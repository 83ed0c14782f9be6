import { useState } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { commandText, formatDuration, formatTime } from '../components/format.js';
import { Empty, ErrorState, Loading, StateBadge } from '../components/states.js';
import { useInvalidate, useQuery } from '../hooks/use-query.js';
import { href, navigate } from '../router.js';
import { NewSessionForm } from './new-session-form.js';

export function SessionsScreen() {
  const client = useClient();
  const q = useQuery(() => client.call('sessions.list', {}), 'sessions');
  useInvalidate(client, 'sessions.changed', q.refetch);
  const [showForm, setShowForm] = useState(false);

  return (
    <section className="screen" aria-labelledby="sessions-title">
      <header className="screen-header">
        <div>
          <h1 id="sessions-title">Sessions</h1>
          <p className="muted">Every agent run on this machine, newest first.</p>
        </div>
        <button type="button" className={showForm ? 'btn' : 'btn btn-primary'} aria-expanded={showForm} onClick={() => setShowForm((v) => !v)}>
          {showForm ? 'Close' : 'New session'}
        </button>
      </header>
      {showForm ? <NewSessionForm onStarted={(s) => navigate({ name: 'live', id: s.id })} /> : null}
      {q.error && !q.data ? <ErrorState error={q.error} retry={q.refetch} /> : null}
      {q.loading && !q.data ? <Loading what="sessions" /> : null}
      {q.data && q.data.length === 0 ? (
        <Empty title="No sessions yet">Start one with “New session”, or run <code>paddock run</code> in a terminal.</Empty>
      ) : null}
      {q.data && q.data.length > 0 ? <SessionsTable sessions={q.data} /> : null}
    </section>
  );
}

function SessionsTable({ sessions }: { sessions: Session[] }) {
  return (
    <div className="card table-card">
      <table className="table" aria-label="Sessions">
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Command</th>
            <th scope="col">Repository</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Exit</th>
            <th scope="col" title="Questions put to a human">
              Approvals
            </th>
            <th scope="col" title="Commands, tools and network requests refused">
              Denials
            </th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row" data-session-id={s.id}>
              <td>
                <StateBadge state={s.state} exitCode={s.exitCode} />
              </td>
              <td className="mono truncate" title={commandText(s.command)}>
                <span className="agent-tag">{s.agent}</span> {commandText(s.command)}
              </td>
              <td className="mono truncate" title={s.repo}>
                {s.repo}
              </td>
              <td className="nowrap">{formatTime(s.startedAt)}</td>
              <td className="nowrap">{formatDuration(s.durationMs)}</td>
              <td className="nowrap">{s.exitCode ?? (s.endReason ? s.endReason : '—')}</td>
              <td className="nowrap num">{s.counts ? s.counts.approvals : '—'}</td>
              <td className={`nowrap num${s.counts && s.counts.denials > 0 ? ' text-bad' : ''}`}>{s.counts ? s.counts.denials : '—'}</td>
              <td className="row-actions">
                {s.attached ? (
                  <a className="btn btn-small" href={href({ name: 'live', id: s.id })}>
                    Open
                  </a>
                ) : null}
                {s.journaled && !s.attached ? (
                  <a className="btn btn-small" href={href({ name: 'replay', id: s.id })}>
                    Replay
                  </a>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
