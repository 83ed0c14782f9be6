import { useEffect, useState } from 'react';
import type { ChangedFiles, FileDiff, Session } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { ErrorState, Loading } from '../components/states.js';
import { useSessionPanel } from '../hooks/use-session-panel.js';

const STATUS: Record<string, string> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type changed', '?': 'new' };
const POLL_MS = 2500;

function basisLine(f: ChangedFiles): string {
  const when = f.live ? 'live' : 'recorded at the end';
  if (f.basis === 'git') return `Since commit ${f.since?.slice(0, 10) ?? '?'} · ${when}`;
  if (f.basis === 'snapshot') return `Since the start (not a git repo: compared with a snapshot) · ${when}`;
  return '';
}

/** Files changed in the repo since the session started, refreshed while it runs, with a diff of the selected one. */
export function FilesPanel({ session }: { session: Session }) {
  const client = useClient();
  const running = session.state === 'running';
  const q = useSessionPanel(client, session.id, () => client.call('sessions.files', { id: session.id }), { kinds: ['file.changes', 'tool.result'], key: 'files', ...(running ? { pollMs: POLL_MS } : {}) });
  const [selected, setSelected] = useState<string | null>(null);
  if (q.error && !q.data) return <ErrorState error={q.error} retry={q.refetch} />;
  if (!q.data) return <Loading what="the changed files" />;
  const f = q.data;
  const still = selected !== null && f.paths.some((p) => p.path === selected) ? selected : null;
  return (
    <div className="panel-body" data-testid="files-panel">
      {f.basis !== 'none' ? <p className="muted small">{basisLine(f)}</p> : null}
      {f.note ? <p className="muted small">{f.note}</p> : null}
      {f.paths.length === 0 ? (
        f.basis !== 'none' ? <p className="muted panel-empty">No files changed{f.live ? ' yet' : ''}.</p> : null
      ) : (
        <ul className="file-list" aria-label="Changed files">
          {f.paths.map((p) => (
            <li key={p.path}>
              <button type="button" className="file-item" aria-pressed={still === p.path} onClick={() => setSelected(still === p.path ? null : p.path)}>
                <span className={`file-status status-${STATUS[p.status] ? p.status.replace('?', 'N') : 'X'}`} title={STATUS[p.status] ?? p.status}>
                  {p.status === '?' ? 'A' : p.status}
                </span>
                <span className="mono truncate">{p.path}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {still ? <DiffView session={session} path={still} version={f} /> : null}
    </div>
  );
}

function DiffView({ session, path, version }: { session: Session; path: string; version: ChangedFiles }) {
  const client = useClient();
  const [diff, setDiff] = useState<FileDiff | null>(null);
  const [error, setError] = useState<ApiCallError | null>(null);
  useEffect(() => {
    let live = true;
    client.call('sessions.fileDiff', { id: session.id, path }).then(
      (d) => {
        if (!live) return;
        setDiff(d);
        setError(null);
      },
      (e: unknown) => live && setError(e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', String(e))),
    );
    return () => {
      live = false;
    };
    // A new list (the repo changed) re-fetches the diff of the selected file.
  }, [client, session.id, path, version]);
  if (error) return <ErrorState error={error} />;
  if (!diff || diff.path !== path) return <Loading what="the diff" />;
  const lines = diff.diff.replace(/\n$/, '').split('\n');
  return (
    <figure className="diff" aria-label={`Diff of ${path}`} data-testid="file-diff">
      <figcaption className="mono small">{path}</figcaption>
      <pre className="mono">
        {lines.map((l, i) => (
          <span key={i} className={lineClass(l)}>
            {l}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}

function lineClass(l: string): string {
  if (l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff ') || l.startsWith('index ') || l.startsWith('new file') || l.startsWith('deleted file')) return 'd-meta';
  if (l.startsWith('@@')) return 'd-hunk';
  if (l.startsWith('+')) return 'd-add';
  if (l.startsWith('-')) return 'd-del';
  return 'd-ctx';
}
