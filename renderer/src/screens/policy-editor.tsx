import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { EditableLayer, PolicyProblem, PolicySource } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { ErrorState, Loading } from '../components/states.js';
import { useQuery } from '../hooks/use-query.js';
import { deleteRule, parseDraft, starterText, upsertCommandRule, upsertNetworkRule } from './policy-draft.js';
import { RuleLists } from './policy-rules.js';
import type { LineMark, YamlEditorHandle } from './yaml-editor.js';
import { YamlEditor } from './yaml-editor.js';

export interface Draft {
  layer: EditableLayer;
  text: string;
}

interface Props {
  layer: EditableLayer;
  repo: string;
  /** The unsaved text (null when there is none), for "test a command" on the draft. */
  onDraft: (draft: Draft | null) => void;
  onSaved: () => void;
}

type Saved = Pick<PolicySource, 'text' | 'sha256' | 'exists' | 'path'>;

/** Edit one layer's file: rules as a form, everything as YAML; checked by the engine as you type, saved only when it loads. */
export function LayerEditor({ layer, repo, onDraft, onSaved }: Props) {
  const client = useClient();
  const src = useQuery(
    () => client.call('policy.source', { layer, ...(repo ? { repo } : {}) }),
    `source:${layer}:${repo}`,
  );
  const [saved, setSaved] = useState<Saved | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [tab, setTab] = useState<'rules' | 'yaml'>('rules');
  const [problems, setProblems] = useState<PolicyProblem[]>([]);
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [callError, setCallError] = useState<ApiCallError | null>(null);
  const yaml = useRef<YamlEditorHandle>(null);
  const problemsId = useId();
  const base: Saved | null =
    saved ??
    (src.data
      ? { text: src.data.text, sha256: src.data.sha256, exists: src.data.exists, path: src.data.path }
      : null);
  const current = text ?? (base ? (base.exists ? base.text : starterText(layer)) : '');
  const dirty = text !== null && text !== base?.text;
  const parsed = useMemo(() => parseDraft(current), [current]);

  useEffect(() => onDraft(dirty ? { layer, text: current } : null), [dirty, current, layer, onDraft]);

  // The engine checks the draft as you type (a dry run of policy.save with the real loader).
  const seq = useRef(0);
  useEffect(() => {
    if (!dirty) return;
    const n = ++seq.current;
    const timer = setTimeout(() => {
      setChecking(true);
      client.call('policy.save', { layer, ...(repo ? { repo } : {}), text: current, dryRun: true }).then(
        (r) => {
          if (n !== seq.current) return;
          setProblems(r.problems);
          setChecking(false);
        },
        () => n === seq.current && setChecking(false),
      );
    }, 400);
    return () => clearTimeout(timer);
  }, [client, current, dirty, layer, repo]);

  if (src.error) return <ErrorState error={src.error} retry={src.refetch} />;
  if (!base) return <Loading what={`the ${layer} policy`} />;
  const locks = src.data?.locks ?? [];
  const here = problems.filter((p) => p.file === base.path && p.line !== null);
  const elsewhere = problems.filter((p) => !(p.file === base.path && p.line !== null));
  const syntax: LineMark[] = parsed.errors.map((e) => ({ line: e.line, col: e.col, message: e.message }));
  const marks: LineMark[] = [
    ...here.map((p) => ({ line: p.line!, col: p.col, message: p.message })),
    ...syntax.filter((s) => !here.some((p) => p.line === s.line)),
  ];

  const change = (next: string) => {
    setText(next);
    setNote(null);
    seq.current++;
    setProblems((ps) => ps.filter((p) => p.code === 'POLICY_CONFLICT'));
  };
  const apply = (f: (t: string) => string) => {
    try {
      change(f(current));
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    }
  };
  const save = async () => {
    setBusy(true);
    setCallError(null);
    seq.current++;
    setChecking(false);
    try {
      const r = await client.call('policy.save', {
        layer,
        ...(repo ? { repo } : {}),
        text: current,
        baseSha256: base.sha256,
      });
      setProblems(r.problems);
      if (r.saved) {
        setSaved({ text: current, sha256: r.sha256, exists: true, path: r.path });
        setText(null);
        setNote(`Saved ${r.path}. New sessions use it; running sessions pick up its network rules at once.`);
        onSaved();
      } else {
        const first = r.problems.find((p) => p.file === base.path && p.line !== null);
        setNote(null);
        if (first && tab === 'yaml') yaml.current?.goTo(first.line!);
      }
    } catch (e) {
      setCallError(e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', String(e)));
    } finally {
      setBusy(false);
    }
  };
  const goTo = (line: number) => {
    setTab('yaml');
    setTimeout(() => yaml.current?.goTo(line), 0);
  };

  return (
    <div className="card editor" data-testid={`editor-${layer}`}>
      <div className="editor-head">
        <div className="min0">
          <h2>{layer === 'user' ? 'Your policy' : 'Project policy'}</h2>
          <p className="muted small">
            <span className="mono">{base.path}</span>{' '}
            {base.exists ? null : <span className="badge">new file</span>}{' '}
            {layer === 'project'
              ? 'A project policy may only tighten: ask and forbid rules, protected paths, deny rules.'
              : 'Applies to every repository; it may loosen the built-in rules.'}
          </p>
        </div>
        <div className="actions">
          {checking ? (
            <span className="muted small" role="status">
              <span className="spinner" aria-hidden="true" /> checking…
            </span>
          ) : dirty && problems.length === 0 && parsed.errors.length === 0 ? (
            <span className="badge badge-ok">draft loads</span>
          ) : null}
          {dirty ? <span className="badge badge-warn">unsaved</span> : null}
          <button
            type="button"
            className="btn"
            disabled={!dirty || busy}
            onClick={() => {
              seq.current++;
              setChecking(false);
              setText(null);
              setProblems([]);
              setNote(null);
            }}
          >
            Discard
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={(!dirty && base.exists) || busy}
            onClick={() => void save()}
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
      {locks.length > 0 ? (
        <details className="locks">
          <summary>
            <span className="lock">
              🔒 {locks.length} value{locks.length === 1 ? ' is' : 's are'} locked
            </span>{' '}
            by your administrator’s policy <span className="mono">{src.data?.managedFile}</span>
          </summary>
          <ul aria-label="Locked values">
            {locks.map((l) => (
              <li key={l.key}>
                <span className="mono">{l.key}</span>{' '}
                <span className="muted small">
                  — {l.reason}, {l.file}:{l.line}:{l.col}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {note ? (
        <p className="notice notice-ok" role="status">
          {note}
        </p>
      ) : null}
      {callError ? <ErrorState error={callError} /> : null}
      {here.length + elsewhere.length > 0 ? (
        <ul className="problems" id={problemsId} aria-label="Problems">
          {here.map((p, i) => (
            <li
              key={`h${i}`}
              className="problem"
              role="alert"
              data-testid="editor-problem"
              data-line={p.line}
            >
              <button type="button" className="link-button mono" onClick={() => goTo(p.line!)}>
                Line {p.line}, column {p.col}
              </button>{' '}
              <code className="code-tag">{p.code}</code> {p.message}
            </li>
          ))}
          {elsewhere.map((p, i) => (
            <li key={`e${i}`} className="problem" role="alert" data-testid="editor-problem">
              {p.file ? (
                <span className="mono">
                  {p.file}
                  {p.line !== null ? `:${p.line}:${p.col}` : ''}
                </span>
              ) : null}{' '}
              <code className="code-tag">{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="subtabs" role="tablist" aria-label={`${layer} policy views`}>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'rules'}
          className="subtab"
          onClick={() => setTab('rules')}
        >
          Rules
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'yaml'}
          className="subtab"
          onClick={() => setTab('yaml')}
        >
          YAML
          {marks.length > 0 ? <span className="dot-error" aria-label={`${marks.length} problem(s)`} /> : null}
        </button>
      </div>
      {tab === 'rules' ? (
        parsed.errors.length > 0 ? (
          <p className="inline-error">
            The YAML does not parse (line {parsed.errors[0]!.line}: {parsed.errors[0]!.message}).{' '}
            <button type="button" className="link-button" onClick={() => goTo(parsed.errors[0]!.line)}>
              Fix it in the YAML tab
            </button>
          </p>
        ) : (
          <RuleLists
            parsed={parsed}
            locks={locks}
            marks={marks}
            onCommand={(index, form) => apply((t) => upsertCommandRule(t, index, form))}
            onNetwork={(index, form) => apply((t) => upsertNetworkRule(t, index, form))}
            onDelete={(kind, index) => apply((t) => deleteRule(t, kind, index))}
          />
        )
      ) : (
        <YamlEditor
          ref={yaml}
          value={current}
          onChange={change}
          marks={marks}
          label={`${layer} policy YAML`}
          describedBy={here.length > 0 ? problemsId : undefined}
        />
      )}
    </div>
  );
}
