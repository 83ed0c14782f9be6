import { useState } from 'react';
import type { NetworkEntry, Session } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { formatBytes } from '../components/format.js';
import { ErrorState, Loading } from '../components/states.js';
import { useSessionPanel } from '../hooks/use-session-panel.js';

type Filter = 'all' | 'allowed' | 'denied' | 'asked';

const FILTERS: Array<{ id: Filter; label: string; match: (e: NetworkEntry) => boolean }> = [
  { id: 'all', label: 'All', match: () => true },
  { id: 'allowed', label: 'Allowed', match: (e) => !e.selfCheck && e.decision === 'allow' },
  { id: 'denied', label: 'Denied', match: (e) => !e.selfCheck && e.decision === 'deny' },
  { id: 'asked', label: 'Asked', match: (e) => !e.selfCheck && e.asked },
];

function dest(e: NetworkEntry): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Every decision of the session's egress proxy, newest first, with a filter by decision. Text only. */
export function NetworkPanel({ session }: { session: Session }) {
  const client = useClient();
  const [filter, setFilter] = useState<Filter>('all');
  const q = useSessionPanel(client, session.id, () => client.call('sessions.network', { id: session.id }), { kinds: ['network.decision'], key: 'network' });
  if (q.error && !q.data) return <ErrorState error={q.error} retry={q.refetch} />;
  if (!q.data) return <Loading what="the network feed" />;
  const all = q.data.entries;
  const shown = all.filter(FILTERS.find((f) => f.id === filter)!.match).reverse();
  return (
    <div className="panel-body" data-testid="network-panel">
      <div className="segmented" role="group" aria-label="Filter by decision">
        {FILTERS.map((f) => (
          <button key={f.id} type="button" className="seg" aria-pressed={filter === f.id} onClick={() => setFilter(f.id)}>
            {f.label} <span className="seg-count">{all.filter(f.match).length}</span>
          </button>
        ))}
      </div>
      {all.length === 0 ? (
        <p className="muted panel-empty">{session.state === 'running' || session.state === 'paused' ? 'No network requests yet.' : 'This session made no network requests.'}</p>
      ) : shown.length === 0 ? (
        <p className="muted panel-empty">No {filter} requests.</p>
      ) : (
        <ol className="rows" aria-label="Network requests">
          {shown.map((e) => (
            <li key={e.seq} className={`row row-${e.selfCheck ? 'self' : e.decision}`}>
              {e.selfCheck ? (
                <div className="row-head muted small">
                  <span className="badge">self-check</span>
                  <span>The proxy refused to connect to itself, as it must (checked at start-up).</span>
                </div>
              ) : null}
              <div className="row-head">
                <span className={`badge badge-${e.decision === 'allow' ? 'ok' : 'bad'}`}>{e.decision === 'allow' ? 'allowed' : 'denied'}</span>
                {e.asked ? <span className="badge badge-warn">asked</span> : null}
                <span className="mono row-method">{e.method}</span>
                <span className="mono truncate" title={dest(e)}>
                  {dest(e)}
                </span>
              </div>
              <div className="row-meta muted small">
                <span title={e.rule}>{e.rule}</span>
                <span>· {e.reason}</span>
                {e.decision === 'allow' ? (
                  <span>
                    · ↑{formatBytes(e.bytesUp)} ↓{formatBytes(e.bytesDown)}
                  </span>
                ) : null}
                <time>· {new Date(e.time).toLocaleTimeString()}</time>
              </div>
            </li>
          ))}
        </ol>
      )}
      {q.data.truncated ? <p className="muted small">Only the latest 5,000 requests are shown; the journal has them all.</p> : null}
    </div>
  );
}
