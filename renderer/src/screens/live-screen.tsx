import { useCallback, useEffect, useRef } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { commandText, formatDuration } from '../components/format.js';
import { ErrorState, Loading, StateBadge } from '../components/states.js';
import type { TerminalLike } from '../components/terminal-view.js';
import { TerminalView } from '../components/terminal-view.js';
import { useInvalidate, useQuery } from '../hooks/use-query.js';
import { href } from '../router.js';
import { ApprovalsPanel } from './approvals-panel.js';
import { LivePanels } from './live-panels.js';
import { SessionControls } from './session-controls.js';

export function LiveScreen({ id }: { id: string }) {
  const client = useClient();
  const q = useQuery(() => client.call('sessions.get', { id }), `session:${id}`);
  useInvalidate(client, 'sessions.changed', q.refetch, (p) => p.id === q.data?.id || p.id === id, 50);
  if (q.error && !q.data) return <ErrorState error={q.error} retry={q.refetch} />;
  if (!q.data) return <Loading what="the session" />;
  return <LiveSession session={q.data} />;
}

function LiveSession({ session: s }: { session: Session }) {
  const client = useClient();
  const attached = useRef(s.attached);
  attached.current = s.attached;
  const resizeTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const onReady = useCallback(
    (term: TerminalLike) => {
      let applied = -1;
      const early: Array<{ data: string; seq: number }> = [];
      const apply = (p: { data: string; seq: number }) => {
        if (p.seq <= applied) return;
        term.write(p.data);
        applied = p.seq;
      };
      const off = client.on('terminal.data', (p) => {
        if (p.id !== s.id) return;
        if (applied < 0) early.push(p);
        else apply(p);
      });
      // The backlog first, then only newer batches; again after a reconnect (batches were missed).
      const load = (repaint: boolean) => {
        applied = -1;
        client.call('sessions.output', { id: s.id }).then(
          (b) => {
            if (repaint) term.reset();
            term.write(b.data);
            applied = b.seq;
            for (const p of early.splice(0)) apply(p);
          },
          () => {
            applied = 0;
            for (const p of early.splice(0)) apply(p);
          },
        );
      };
      load(false);
      let wasOpen = true;
      const offStatus = client.onStatus((st) => {
        if (st === 'open' && !wasOpen) load(true);
        wasOpen = st === 'open';
      });
      if (attached.current) term.focus();
      return () => {
        off();
        offStatus();
      };
    },
    [client, s.id],
  );

  const onData = useCallback(
    (data: string) => {
      if (attached.current) client.call('sessions.input', { id: s.id, data }).catch(() => {});
    },
    [client, s.id],
  );

  const onResize = useCallback(
    (cols: number, rows: number) => {
      if (resizeTimer.current) clearTimeout(resizeTimer.current);
      resizeTimer.current = setTimeout(() => {
        if (attached.current) client.call('sessions.resize', { id: s.id, cols, rows }).catch(() => {});
      }, 80);
    },
    [client, s.id],
  );
  useEffect(() => () => void (resizeTimer.current && clearTimeout(resizeTimer.current)), []);

  return (
    <section className="screen screen-live" aria-labelledby="live-title">
      <header className="screen-header">
        <div className="min0">
          <p className="crumbs">
            <a href={href({ name: 'sessions' })}>Sessions</a> / <span className="mono">{s.id}</span>
          </p>
          <h1 id="live-title" className="mono truncate" title={commandText(s.command)}>
            {commandText(s.command)}
          </h1>
          <p className="meta">
            <StateBadge state={s.state} exitCode={s.exitCode} /> <span className="mono">{s.repo}</span> · <span className="mono">{s.image}</span>
            {s.durationMs !== null ? <> · {formatDuration(s.durationMs)}</> : null}
            {s.exitCode !== null ? <> · exit {s.exitCode}</> : null}
          </p>
        </div>
        <div className="actions">
          <SessionControls session={s} />
          {s.journaled && !s.attached ? (
            <a className="btn btn-primary" href={href({ name: 'replay', id: s.id })}>
              Open replay
            </a>
          ) : null}
        </div>
      </header>
      {s.message ? <p className="notice">{s.message}</p> : null}
      {s.state === 'paused' ? <p className="notice" role="status">Paused: every process of this session is frozen. Pending approvals still time out; Resume or Stop it.</p> : null}
      {!s.attached && s.state === 'running' ? <p className="notice">This session runs in another Paddock process: output shows here only for sessions started from this window.</p> : null}
      <div className="live-grid">
        <div className="terminal-frame">
          <TerminalView label="Session terminal" readOnly={!s.attached} onReady={onReady} onData={onData} onResize={onResize} />
        </div>
        <div className="side-column">
          {s.attached || s.state === 'running' ? <ApprovalsPanel sessionId={s.id} /> : null}
          <LivePanels session={s} />
        </div>
      </div>
    </section>
  );
}
