import '../policy.css';
import { useCallback, useState } from 'react';
import type { PolicyRow, Source, Verdict } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { DecisionBadge, Empty, ErrorState, Loading } from '../components/states.js';
import { useQuery } from '../hooks/use-query.js';
import type { Draft } from './policy-editor.js';
import { LayerEditor } from './policy-editor.js';

type Tab = 'effective' | 'user' | 'project';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'effective', label: 'Effective policy' },
  { id: 'user', label: 'Your policy' },
  { id: 'project', label: 'Project policy' },
];

function where(s: Source | null): string {
  if (!s || s.layer === 'engine') return 'built into the engine';
  return `${s.file}:${s.line}:${s.col}`;
}

export function PolicyScreen() {
  const client = useClient();
  const [repoInput, setRepoInput] = useState('');
  const [repo, setRepo] = useState('');
  const [preset, setPreset] = useState('');
  const presets = useQuery(() => client.call('sessions.startOptions', {}), 'start-options');
  const q = useQuery(() => client.call('policy.explain', { ...(repo ? { repo } : {}), ...(preset ? { preset } : {}) }), `policy:${repo}:${preset}`);
  const [tab, setTab] = useState<Tab>('effective');
  const [drafts, setDrafts] = useState<Partial<Record<'user' | 'project', Draft>>>({});
  const onUserDraft = useCallback((d: Draft | null) => setDrafts((x) => ({ ...x, user: d ?? undefined })), []);
  const onProjectDraft = useCallback((d: Draft | null) => setDrafts((x) => ({ ...x, project: d ?? undefined })), []);
  // "Test a command" judges the draft of the editor on screen (or the other one, if only it has changes).
  const draft = (tab === 'project' ? drafts.project : drafts.user) ?? drafts.user ?? drafts.project ?? null;
  return (
    <section className="screen" aria-labelledby="policy-title">
      <header className="screen-header">
        <div>
          <h1 id="policy-title">Policy</h1>
          <p className="muted">The effective policy, with the layer and file:line:col each value came from; your policy and the project’s, to edit. Managed values are locked.</p>
        </div>
      </header>
      <form
        className="card inline-form"
        aria-label="Policy for a repository"
        onSubmit={(e) => {
          e.preventDefault();
          setRepo(repoInput.trim());
        }}
      >
        <label>
          Repository (its .paddock/policy.yaml applies)
          <input name="policy-repo" placeholder="none: user and managed layers only" value={repoInput} onChange={(e) => setRepoInput(e.target.value)} spellCheck={false} />
        </label>
        <label>
          Policy preset
          <select name="policy-preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
            <option value="">None (your policy as it is)</option>
            {(presets.data?.policyPresets ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
                {p.source === 'user' ? ' (yours)' : ''}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn">
          Load
        </button>
      </form>
      <CheckCommand repo={repo} preset={preset} draft={draft} />
      <div className="tabs" role="tablist" aria-label="Policy views">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-controls={`panel-${t.id}`} aria-selected={tab === t.id} className="tab" onClick={() => setTab(t.id)}>
            {t.label}
            {t.id !== 'effective' && drafts[t.id] ? <span className="dot-warn" aria-label="unsaved changes" /> : null}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="panel-user" aria-labelledby="tab-user" hidden={tab !== 'user'}>
        <LayerEditor layer="user" repo={repo} onDraft={onUserDraft} onSaved={q.refetch} />
      </div>
      <div role="tabpanel" id="panel-project" aria-labelledby="tab-project" hidden={tab !== 'project'}>
        {repo ? (
          <LayerEditor key={repo} layer="project" repo={repo} onDraft={onProjectDraft} onSaved={q.refetch} />
        ) : (
          <Empty title="No repository loaded">Name a repository above to edit its .paddock/policy.yaml.</Empty>
        )}
      </div>
      <div role="tabpanel" id="panel-effective" aria-labelledby="tab-effective" hidden={tab !== 'effective'} className="tabpanel">
      {q.error ? <ErrorState error={q.error} retry={q.refetch} /> : null}
      {q.loading && !q.data ? <Loading what="the policy" /> : null}
      {q.data && !q.error ? (
        <>
          <div className="card">
            <h2>Layers</h2>
            <ol className="layers" aria-label="Policy layers, lowest first">
              {q.data.layers.map((l) => (
                <li key={`${l.layer}:${l.file}`}>
                  <span className={`badge layer layer-${l.layer}`}>{l.layer}</span> <span className="mono">{l.file}</span>
                  {l.signed !== undefined ? <span className="muted"> · {l.signed ? 'signed' : 'unsigned'}</span> : null}
                </li>
              ))}
            </ol>
            <p className="muted mono small">fingerprint {q.data.fingerprint.slice(0, 16)}…</p>
            {q.data.warnings.map((w, i) => (
              <p key={i} className="notice">
                {where(w.source)}: {w.message}
              </p>
            ))}
          </div>
          {q.data.rows.length === 0 ? <Empty title="The policy is empty" /> : <PolicyTable rows={q.data.rows} />}
        </>
      ) : null}
      </div>
    </section>
  );
}

function PolicyTable({ rows }: { rows: PolicyRow[] }) {
  const sections = [...new Set(rows.map((r) => r.section))];
  return (
    <div className="card table-card">
      <table className="table" aria-label="Effective policy">
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
            <th scope="col">Layer</th>
            <th scope="col">Set at</th>
          </tr>
        </thead>
        {sections.map((sec) => (
          <tbody key={sec}>
            <tr className="section-row">
              <th scope="rowgroup" colSpan={4}>
                {sec}
              </th>
            </tr>
            {rows
              .filter((r) => r.section === sec)
              .map((r, i) => (
                <tr key={`${r.key}:${i}`} data-testid="policy-row">
                  <td>{r.key}</td>
                  <td className="mono wrap">{r.value}</td>
                  <td className="nowrap">
                    <span className={`badge layer layer-${r.source?.layer ?? 'engine'}`}>{r.source?.layer ?? 'engine'}</span>
                    {r.locked ? (
                      <span className="lock" title={`Set by the managed policy ${r.source?.file ?? ''}: cannot be changed here`}>
                        {' '}
                        🔒 locked
                      </span>
                    ) : null}
                  </td>
                  <td className="mono small truncate" title={where(r.source)}>
                    {where(r.source)}
                    {r.source?.note ? <span className="muted"> ({r.source.note})</span> : null}
                  </td>
                </tr>
              ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function CheckCommand({ repo, preset, draft }: { repo: string; preset: string; draft: Draft | null }) {
  const client = useClient();
  const [useDraft, setUseDraft] = useState(true);
  const [command, setCommand] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [judgedDraft, setJudgedDraft] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const check = async () => {
    setError(null);
    try {
      const withDraft = draft && useDraft && (draft.layer === 'user' || repo) ? { draft } : {};
      setVerdict(await client.call('policy.check', { command, ...(repo ? { repo } : {}), ...(preset ? { preset } : {}), ...withDraft }));
      setJudgedDraft('draft' in withDraft);
    } catch (e) {
      setVerdict(null);
      setError(e instanceof ApiCallError ? e : { code: 'INTERNAL', message: String(e) });
    }
  };
  return (
    <div className="card">
      <h2>Test a command</h2>
      <form
        className="inline-form"
        aria-label="Test a command"
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <label>
          Command line
          <input name="check-command" className="mono" placeholder="git push --force origin main" value={command} onChange={(e) => setCommand(e.target.value)} spellCheck={false} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={!command.trim()}>
          Check
        </button>
      </form>
      {draft ? (
        <label className="check-draft">
          <input type="checkbox" checked={useDraft} onChange={(e) => setUseDraft(e.target.checked)} /> Judge with the unsaved changes to {draft.layer === 'user' ? 'your policy' : 'the project policy'}
        </label>
      ) : null}
      {error ? <ErrorState error={error} /> : null}
      {verdict ? (
        <div className="verdict" data-testid="verdict" aria-live="polite">
          <p>
            <DecisionBadge decision={verdict.decision} /> <strong>{verdict.justification}</strong>
          </p>
          <p className="muted">
            rule <span className="mono">{verdict.rule.id}</span> — {where(verdict.rule.source)}
            {judgedDraft ? <span className="badge badge-warn draft-tag">unsaved draft</span> : null}
          </p>
          {verdict.parts.length > 1 ? (
            <ul className="parts">
              {verdict.parts.map((p, i) => (
                <li key={i}>
                  <DecisionBadge decision={p.decision} /> <span className="mono">{p.text}</span> <span className="muted">— {p.ruleId}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
