import '../policy.css';
import { useClient } from '../api/client-context.js';
import { formatBytes, formatTime } from '../components/format.js';
import { ErrorState, Loading } from '../components/states.js';
import { useInvalidate, useQuery } from '../hooks/use-query.js';
import { ImageBuilds, TelemetryCard } from './settings-parts.js';

export function SettingsScreen() {
  const client = useClient();
  const q = useQuery(() => client.call('engine.status', {}), 'engine');
  useInvalidate(client, 'sessions.changed', q.refetch, () => true, 500);
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen-header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="muted">The container engine, Paddock’s images, telemetry and where data is kept.</p>
        </div>
        <button type="button" className="btn" onClick={q.refetch}>
          Refresh
        </button>
      </header>
      {q.error ? <ErrorState error={q.error} retry={q.refetch} /> : null}
      {q.loading && !q.data ? <Loading what="the engine status" /> : null}
      {q.data ? (
        <>
          <div className="card">
            <h2>Engine</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <span className={`badge ${q.data.connected ? 'badge-ok' : 'badge-bad'}`} data-testid="engine-state">
                  {q.data.connected ? 'Connected' : 'Not reachable'}
                </span>
              </dd>
              <dt>Endpoint</dt>
              <dd className="mono">{q.data.host ?? '—'}</dd>
              <dt>Version</dt>
              <dd>{q.data.version ?? '—'}</dd>
              <dt>Running sessions</dt>
              <dd>{q.data.running}</dd>
              <dt>Data directory</dt>
              <dd className="mono">{q.data.dataDir}</dd>
              <dt>Default image</dt>
              <dd>
                <span className="mono">{q.data.defaultImage.tag}</span>{' '}
                <span className={`badge ${q.data.defaultImage.built ? 'badge-ok' : 'badge-warn'}`}>{q.data.defaultImage.built ? 'built' : 'not built'}</span>
              </dd>
            </dl>
            {q.data.error ? (
              <p className="inline-error" role="alert">
                {q.data.error}
              </p>
            ) : null}
          </div>
          <ImageBuilds status={q.data} onBuilt={q.refetch} />
          <div className="card table-card">
            <h2>Images in the engine</h2>
            {q.data.images.length === 0 ? (
              <p className="muted">No Paddock images in this engine yet.</p>
            ) : (
              <table className="table" aria-label="Images">
                <thead>
                  <tr>
                    <th scope="col">Tag</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Size</th>
                    <th scope="col">Created</th>
                    <th scope="col">Current recipe</th>
                  </tr>
                </thead>
                <tbody>
                  {q.data.images.map((i, n) => (
                    <tr key={`${i.tag}:${n}`}>
                      <td className="mono">{i.tag}</td>
                      <td>{i.kind}</td>
                      <td>{formatBytes(i.size)}</td>
                      <td>{formatTime(i.created)}</td>
                      <td>{i.current ? 'yes' : 'no'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          <TelemetryCard />
        </>
      ) : null}
    </section>
  );
}
