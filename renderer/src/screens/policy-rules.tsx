import { useId, useState, type ReactNode } from 'react';
import type { PolicyLock } from '../../../electron/contract/index.js';
import { DecisionBadge } from '../components/states.js';
import type { CommandRuleForm, DraftItem, NetworkRuleForm, ParsedDraft } from './policy-draft.js';
import type { LineMark } from './yaml-editor.js';

const RULE_ID = /^[a-z0-9][a-z0-9._-]*$/;
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

type Editing<T> = { index: number | null; form: T } | null;

export interface RuleListsProps {
  parsed: ParsedDraft;
  locks: PolicyLock[];
  /** Problems in this file, by line, to show on the rule they fall in. */
  marks: LineMark[];
  onCommand: (index: number | null, form: CommandRuleForm) => void;
  onNetwork: (index: number | null, form: NetworkRuleForm) => void;
  onDelete: (kind: 'commands' | 'network', index: number) => void;
}

function lockOf(locks: PolicyLock[], key: string): PolicyLock | undefined {
  return locks.find((l) => l.key === key);
}

function LockTag({ lock }: { lock: PolicyLock | undefined }) {
  if (!lock) return null;
  return (
    <div>
      <span
        className="lock"
        title={`${lock.reason}: ${lock.file}:${lock.line}:${lock.col}`}
        data-testid="lock"
      >
        🔒 locked by {lock.file}
      </span>
    </div>
  );
}

function markIn<T>(item: DraftItem<T>, marks: LineMark[]): LineMark | undefined {
  return marks.find((m) => m.line >= item.startLine && m.line <= item.endLine);
}

function RowProblem({ mark }: { mark: LineMark | undefined }) {
  if (!mark) return null;
  return (
    <p className="row-problem" role="alert" data-testid="rule-problem">
      Line {mark.line}: {mark.message}
    </p>
  );
}

/** Keys of a rule the form does not edit (kept as they are; the YAML tab shows them). */
function ExtraKeys({ extra }: { extra: string[] }) {
  return extra.length > 0 ? <div className="muted small">+ {extra.join(', ')} (YAML tab)</div> : null;
}

function Justification({ text }: { text: string }) {
  return <>{text || <span className="muted">—</span>}</>;
}

/** Edit and Delete for one rule row; a rule the managed policy locks cannot be edited. */
function RowActions(props: {
  lock: PolicyLock | undefined;
  name: string;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { lock, name } = props;
  return (
    <td className="row-actions">
      <button
        type="button"
        className="btn btn-small"
        disabled={Boolean(lock)}
        title={lock ? `Locked by the managed policy ${lock.file}: it cannot be edited here` : undefined}
        aria-label={`Edit ${name}`}
        onClick={props.onEdit}
      >
        Edit
      </button>{' '}
      <button
        type="button"
        className="btn btn-small btn-danger"
        aria-label={`Delete ${name}`}
        onClick={props.onDelete}
      >
        Delete
      </button>
    </td>
  );
}

/** One kind of rule: a heading with "Add", the rules of this file as a table, and the open editor. */
function RuleSection<T>(props: {
  id: string;
  title: string;
  addLabel: string;
  empty: string;
  columns: string[];
  items: Array<DraftItem<T>>;
  onAdd: () => void;
  row: (item: DraftItem<T>) => ReactNode;
  editor: ReactNode;
}) {
  return (
    <section aria-labelledby={props.id}>
      <div className="rule-head">
        <h3 id={props.id}>{props.title}</h3>
        <button type="button" className="btn btn-small" onClick={props.onAdd}>
          {props.addLabel}
        </button>
      </div>
      {props.items.length === 0 ? <p className="muted small">{props.empty}</p> : null}
      {props.items.length > 0 ? (
        <table className="table rule-table" aria-label={props.title}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th scope="col" key={c}>
                  {c}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>{props.items.map((item) => props.row(item))}</tbody>
        </table>
      ) : null}
      {props.editor}
    </section>
  );
}

/** The structured editor: the command and network rules of this layer's file. */
export function RuleLists({ parsed, locks, marks, onCommand, onNetwork, onDelete }: RuleListsProps) {
  const [cmd, setCmd] = useState<Editing<CommandRuleForm>>(null);
  const [net, setNet] = useState<Editing<NetworkRuleForm>>(null);
  return (
    <div className="rule-lists">
      <RuleSection
        id="cmd-rules-title"
        title="Command rules"
        addLabel="Add command rule"
        empty="No command rules in this file. The built-in rules and other layers still apply."
        columns={['ID', 'Decision', 'Pattern', 'Justification']}
        items={parsed.commandRules}
        onAdd={() =>
          setCmd({
            index: null,
            form: { id: '', decision: 'forbid', pattern: '', justification: '', match: [], notMatch: [] },
          })
        }
        row={(r) => {
          const lock = lockOf(locks, r.key);
          const mark = markIn(r, marks);
          const examples = r.form.match.length + r.form.notMatch.length;
          return (
            <tr
              key={r.index}
              data-testid="command-rule"
              data-rule-id={r.form.id}
              className={mark ? 'row-error' : undefined}
            >
              <td className="mono">
                {r.form.id}
                <LockTag lock={lock} />
              </td>
              <td>
                <DecisionBadge decision={r.form.decision} />
              </td>
              <td className="mono wrap">
                {r.form.pattern}
                <ExtraKeys extra={r.extra} />
                {examples > 0 ? (
                  <div className="muted small">
                    {r.form.match.length} example{r.form.match.length === 1 ? '' : 's'} that match,{' '}
                    {r.form.notMatch.length} that do not
                  </div>
                ) : null}
                <RowProblem mark={mark} />
              </td>
              <td className="wrap">
                <Justification text={r.form.justification} />
              </td>
              <RowActions
                lock={lock}
                name={`rule ${r.form.id}`}
                onEdit={() => setCmd({ index: r.index, form: r.form })}
                onDelete={() => onDelete('commands', r.index)}
              />
            </tr>
          );
        }}
        editor={
          cmd ? (
            <CommandRuleEditor
              key={cmd.index ?? 'new'}
              editing={cmd}
              locks={locks}
              taken={parsed.commandRules.filter((r) => r.index !== cmd.index).map((r) => r.form.id)}
              onCancel={() => setCmd(null)}
              onApply={(form) => {
                onCommand(cmd.index, form);
                setCmd(null);
              }}
            />
          ) : null
        }
      />
      <RuleSection
        id="net-rules-title"
        title="Network rules"
        addLabel="Add network rule"
        empty="No network rules in this file."
        columns={['Host', 'Ports', 'Decision', 'Justification']}
        items={parsed.networkRules}
        onAdd={() =>
          setNet({
            index: null,
            form: { id: '', host: '', ports: '443', decision: 'allow', justification: '' },
          })
        }
        row={(r) => {
          const lock = lockOf(locks, r.key);
          const mark = markIn(r, marks);
          return (
            <tr key={r.index} data-testid="network-rule" className={mark ? 'row-error' : undefined}>
              <td className="mono">
                {r.form.host}
                {r.form.id ? <div className="muted small">id {r.form.id}</div> : null}
                <LockTag lock={lock} />
                <RowProblem mark={mark} />
              </td>
              <td className="mono">{r.form.ports || 'any'}</td>
              <td>
                <DecisionBadge decision={r.form.decision} />
              </td>
              <td className="wrap">
                <Justification text={r.form.justification} />
                <ExtraKeys extra={r.extra} />
              </td>
              <RowActions
                lock={lock}
                name={`network rule ${r.form.id || r.form.host}`}
                onEdit={() => setNet({ index: r.index, form: r.form })}
                onDelete={() => onDelete('network', r.index)}
              />
            </tr>
          );
        }}
        editor={
          net ? (
            <NetworkRuleEditor
              key={net.index ?? 'new'}
              editing={net}
              locks={locks}
              onCancel={() => setNet(null)}
              onApply={(form) => {
                onNetwork(net.index, form);
                setNet(null);
              }}
            />
          ) : null
        }
      />
    </div>
  );
}

function lines(s: string): string[] {
  return s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The error line and the buttons under a rule form. */
function RuleFormFooter(props: {
  error: string | null;
  errId?: string;
  adding: boolean;
  onCancel: () => void;
  note?: string;
}) {
  return (
    <>
      {props.error ? (
        <p className="inline-error" id={props.errId} role="alert">
          {props.error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary">
          {props.adding ? 'Add rule' : 'Update rule'}
        </button>
        <button type="button" className="btn" onClick={props.onCancel}>
          Cancel
        </button>
        {props.note ? <span className="muted small">{props.note}</span> : null}
      </div>
    </>
  );
}

function CommandRuleEditor({
  editing,
  locks,
  taken,
  onApply,
  onCancel,
}: {
  editing: NonNullable<Editing<CommandRuleForm>>;
  locks: PolicyLock[];
  taken: string[];
  onApply: (f: CommandRuleForm) => void;
  onCancel: () => void;
}) {
  const f = editing.form;
  const [id, setId] = useState(f.id);
  const [decision, setDecision] = useState(f.decision || 'forbid');
  const [pattern, setPattern] = useState(f.pattern);
  const [justification, setJustification] = useState(f.justification);
  const [match, setMatch] = useState(f.match.join('\n'));
  const [notMatch, setNotMatch] = useState(f.notMatch.join('\n'));
  const [error, setError] = useState<string | null>(null);
  const errId = useId();
  return (
    <form
      className="rule-form"
      aria-label={editing.index === null ? 'New command rule' : `Edit rule ${f.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        const lock = lockOf(locks, `commands.rules.${id.trim()}`);
        if (!RULE_ID.test(id.trim()))
          setError(
            'The id must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.',
          );
        else if (lock)
          setError(
            `Rule "${id.trim()}" is locked by the managed policy (${lock.file}:${lock.line}:${lock.col}); pick another id.`,
          );
        else if (taken.includes(id.trim()))
          setError(`This file already has a rule "${id.trim()}"; edit that one instead.`);
        else if (!pattern.trim())
          setError('The pattern is required: the program and its leading arguments, e.g. "make deploy".');
        else
          onApply({ id, decision, pattern, justification, match: lines(match), notMatch: lines(notMatch) });
      }}
    >
      <div className="rule-form-grid">
        <label>
          ID
          <input
            name="rule-id"
            className="mono"
            value={id}
            onChange={(e) => setId(e.target.value)}
            placeholder="no-deploy"
            spellCheck={false}
            aria-describedby={error ? errId : undefined}
          />
        </label>
        <label>
          Decision
          <select
            name="rule-decision"
            aria-label="Decision"
            value={decision}
            onChange={(e) => setDecision(e.target.value as CommandRuleForm['decision'])}
          >
            <option value="allow">allow</option>
            <option value="ask">ask</option>
            <option value="forbid">forbid</option>
          </select>
        </label>
        <label className="span-2">
          Pattern
          <input
            name="rule-pattern"
            className="mono"
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            placeholder="make deploy|release"
            spellCheck={false}
          />
        </label>
        <label className="span-4">
          Justification (shown to the human and sent to the agent)
          <input
            name="rule-justification"
            value={justification}
            onChange={(e) => setJustification(e.target.value)}
            placeholder="deploys go through CI"
          />
        </label>
        <label className="span-2">
          Examples that must match (one command line per line)
          <textarea
            name="rule-match"
            className="mono"
            rows={3}
            value={match}
            onChange={(e) => setMatch(e.target.value)}
            spellCheck={false}
          />
        </label>
        <label className="span-2">
          Examples that must not match
          <textarea
            name="rule-not-match"
            className="mono"
            rows={3}
            value={notMatch}
            onChange={(e) => setNotMatch(e.target.value)}
            spellCheck={false}
          />
        </label>
      </div>
      <RuleFormFooter
        error={error}
        errId={errId}
        adding={editing.index === null}
        onCancel={onCancel}
        note="Examples are checked by the engine when you save."
      />
    </form>
  );
}

function NetworkRuleEditor({
  editing,
  locks,
  onApply,
  onCancel,
}: {
  editing: NonNullable<Editing<NetworkRuleForm>>;
  locks: PolicyLock[];
  onApply: (f: NetworkRuleForm) => void;
  onCancel: () => void;
}) {
  const f = editing.form;
  const [id, setId] = useState(f.id);
  const [host, setHost] = useState(f.host);
  const [ports, setPorts] = useState(f.ports);
  const [decision, setDecision] = useState(f.decision || 'allow');
  const [justification, setJustification] = useState(f.justification);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="rule-form"
      aria-label={editing.index === null ? 'New network rule' : `Edit network rule ${f.id || f.host}`}
      onSubmit={(e) => {
        e.preventDefault();
        const key = id.trim() ? id.trim() : `${host.trim()}:${ports.trim() || '*'}`;
        const lock = lockOf(locks, `network.rules.${key}`);
        if (id.trim() && !RULE_ID.test(id.trim()))
          setError('The id must be lowercase letters, digits, ".", "_" or "-".');
        else if (!HOST.test(host.trim()))
          setError(
            'The host must be a lowercase name ("api.example.com") or a suffix pattern ("*.example.com").',
          );
        else if (ports.trim() && !/^\d+(\s*,\s*\d+)*$/.test(ports.trim()))
          setError('Ports are numbers separated by commas, or empty for any port.');
        else if (lock)
          setError(`This rule is locked by the managed policy (${lock.file}:${lock.line}:${lock.col}).`);
        else onApply({ id, host, ports, decision, justification });
      }}
    >
      <div className="rule-form-grid">
        <label className="span-2">
          Host
          <input
            name="net-host"
            className="mono"
            value={host}
            onChange={(e) => setHost(e.target.value)}
            placeholder="*.example.com"
            spellCheck={false}
          />
        </label>
        <label>
          Ports
          <input
            name="net-ports"
            className="mono"
            value={ports}
            onChange={(e) => setPorts(e.target.value)}
            placeholder="443 (empty: any)"
            spellCheck={false}
          />
        </label>
        <label>
          Decision
          <select
            name="net-decision"
            aria-label="Decision"
            value={decision}
            onChange={(e) => setDecision(e.target.value as NetworkRuleForm['decision'])}
          >
            <option value="allow">allow</option>
            <option value="ask">ask</option>
            <option value="deny">deny</option>
          </select>
        </label>
        <label>
          ID (optional)
          <input
            name="net-id"
            className="mono"
            value={id}
            onChange={(e) => setId(e.target.value)}
            spellCheck={false}
          />
        </label>
        <label className="span-3">
          Justification
          <input
            name="net-justification"
            value={justification}
            onChange={(e) => setJustification(e.target.value)}
          />
        </label>
      </div>
      <RuleFormFooter error={error} adding={editing.index === null} onCancel={onCancel} />
    </form>
  );
}
