import { useEffect, useRef, useState } from 'react';
import type { EngineStatus, ImageBuildResult } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { ErrorState } from '../components/states.js';
import { useQuery } from '../hooks/use-query.js';

interface Line {
  time: number;
  message: string;
}

/** The images the current recipe builds, their state, and a Build button whose progress streams in (engine.progress). */
export function ImageBuilds({ status, onBuilt }: { status: EngineStatus; onBuilt: () => void }) {
  const client = useClient();
  const [building, setBuilding] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [result, setResult] = useState<ImageBuildResult | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  const active = useRef(false);
  const log = useRef<HTMLOListElement>(null);
  useEffect(
    () => client.on('engine.progress', (p) => active.current && setLines((l) => [...l.slice(-499), p])),
    [client],
  );
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const build = async (agent: string | null) => {
    active.current = true;
    setBuilding(agent ?? 'default');
    setLines([]);
    setResult(null);
    setError(null);
    try {
      setResult(await client.call('images.build', agent ? { agent } : {}));
      onBuilt();
    } catch (e) {
      setError(e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', String(e)));
    } finally {
      active.current = false;
      setBuilding(null);
    }
  };
  const rows = [
    {
      agent: null as string | null,
      label: 'Default agent image',
      tag: status.defaultImage.tag,
      built: status.defaultImage.built,
    },
    ...status.agentImages.map((a) => ({
      agent: a.agent,
      label: `${a.agent} layer`,
      tag: a.tag,
      built: a.built,
    })),
  ];
  return (
    <div className="card table-card">
      <h2>Images</h2>
      <p className="muted small card-note">
        Built locally from your apt sources (no registry), tagged by their recipe, rebuilt only when it
        changes. Agent layers add the agent’s CLI from npm.
      </p>
      <table className="table" aria-label="Image build state">
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Tag</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.tag} data-testid="image-build-row">
              <td>{r.label}</td>
              <td className="mono">{r.tag}</td>
              <td>
                {building === (r.agent ?? 'default') ? (
                  <span className="badge badge-live">building…</span>
                ) : (
                  <span className={`badge ${r.built ? 'badge-ok' : 'badge-warn'}`}>
                    {r.built ? 'built' : 'not built'}
                  </span>
                )}
              </td>
              <td className="row-actions">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={building !== null || !status.connected}
                  aria-label={`Build ${r.label}`}
                  onClick={() => void build(r.agent)}
                >
                  Build
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {lines.length > 0 || building || result || error ? (
        <div className="build-panel">
          <h3 className="sr-only">Build progress</h3>
          <ol className="build-log" ref={log} role="log" aria-label="Build progress" aria-live="polite">
            {lines.map((l, i) => (
              <li key={i}>
                <time>{new Date(l.time).toLocaleTimeString()}</time>
                <span data-testid="progress-line">{l.message}</span>
              </li>
            ))}
            {building && lines.length === 0 ? <li className="muted">starting…</li> : null}
          </ol>
          {result ? (
            <p className="notice notice-ok" role="status" data-testid="build-result">
              {result.built
                ? `Built ${result.tag} in ${result.seconds}s.`
                : `${result.tag} is up to date: nothing to build.`}
            </p>
          ) : null}
          {error ? <ErrorState error={error} /> : null}
        </div>
      ) : null}
    </div>
  );
}

/** Telemetry as the effective policy sets it, with where it was set. */
export function TelemetryCard() {
  const client = useClient();
  const q = useQuery(() => client.call('policy.explain', {}), 'settings-policy');
  const row = (key: string) => q.data?.rows.find((r) => r.section === 'telemetry' && r.key === key);
  const at = (key: string) => {
    const s = row(key)?.source;
    return s && s.layer !== 'engine' ? `${s.layer} · ${s.file}:${s.line}:${s.col}` : 'built-in default';
  };
  return (
    <div className="card">
      <h2>Telemetry</h2>
      {q.error ? <ErrorState error={q.error} retry={q.refetch} /> : null}
      {q.data ? (
        <dl className="facts" aria-label="Telemetry">
          <dt>Export</dt>
          <dd>
            <span
              className={`badge ${row('enabled')?.value === 'true' ? 'badge-live' : ''}`}
              data-testid="telemetry-state"
            >
              {row('enabled')?.value === 'true' ? 'On' : 'Off'}
            </span>{' '}
            <span className="muted small">{at('enabled')}</span>
            {row('enabled')?.locked ? <span className="lock"> 🔒 managed</span> : null}
          </dd>
          <dt>Endpoint</dt>
          <dd>
            <span className="mono" data-testid="telemetry-endpoint">
              {row('endpoint')?.value ?? '(none)'}
            </span>{' '}
            <span className="muted small">{at('endpoint')}</span>
            {row('endpoint')?.locked ? <span className="lock"> 🔒 managed</span> : null}
          </dd>
          <dt>Prompts in logs</dt>
          <dd>{row('log_prompts')?.value === 'true' ? 'included' : 'redacted'}</dd>
        </dl>
      ) : null}
      <p className="muted small">
        Set under <code>telemetry:</code> in <a href="#/policy">your policy</a>. Events go out as
        OpenTelemetry logs over OTLP/HTTP; the journal stays the record.
      </p>
    </div>
  );
}
