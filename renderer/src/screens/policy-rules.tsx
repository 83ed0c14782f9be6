import { useId, useState } from 'react';
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

function LockTag({ lock }: { lock: PolicyLock }) {
  return (
    <span className="lock" title={`${lock.reason}: ${lock.file}:${lock.line}:${lock.col}`} data-testid="lock">
      🔒 locked by {lock.file}
    </span>
  );
}

function markIn<T>(item: DraftItem<T>, marks: LineMark[]): LineMark | undefined {
  return marks.find((m) => m.line >= item.startLine && m.line <= item.endLine);
}

/** The structured editor: the command and network rules of this layer's file. */
export function RuleLists({ parsed, locks, marks, onCommand, onNetwork, onDelete }: RuleListsProps) {
  const [cmd, setCmd] = useState<Editing<CommandRuleForm>>(null);
  const [net, setNet] = useState<Editing<NetworkRuleForm>>(null);
  return (
    <div className="rule-lists">
      <section aria-labelledby="cmd-rules-title">
        <div className="rule-head">
          <h3 id="cmd-rules-title">Command rules</h3>
          <button
            type="button"
            className="btn btn-small"
            onClick={() =>
              setCmd({
                index: null,
                form: { id: '', decision: 'forbid', pattern: '', justification: '', match: [], notMatch: [] },
              })
            }
          >
            Add command rule
          </button>
        </div>
        {parsed.commandRules.length === 0 ? (
          <p className="muted small">
            No command rules in this file. The built-in rules and other layers still apply.
          </p>
        ) : null}
        {parsed.commandRules.length > 0 ? (
          <table className="table rule-table" aria-label="Command rules">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Decision</th>
                <th scope="col">Pattern</th>
                <th scope="col">Justification</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {parsed.commandRules.map((r) => {
                const lock = lockOf(locks, r.key);
                const mark = markIn(r, marks);
                return (
                  <tr
                    key={r.index}
                    data-testid="command-rule"
                    data-rule-id={r.form.id}
                    className={mark ? 'row-error' : undefined}
                  >
                    <td className="mono">
                      {r.form.id}
                      {lock ? (
                        <div>
                          <LockTag lock={lock} />
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <DecisionBadge decision={r.form.decision} />
                    </td>
                    <td className="mono wrap">
                      {r.form.pattern}
                      {r.extra.length > 0 ? (
                        <div className="muted small">+ {r.extra.join(', ')} (YAML tab)</div>
                      ) : null}
                      {r.form.match.length + r.form.notMatch.length > 0 ? (
                        <div className="muted small">
                          {r.form.match.length} example{r.form.match.length === 1 ? '' : 's'} that match,{' '}
                          {r.form.notMatch.length} that do not
                        </div>
                      ) : null}
                      {mark ? (
                        <p className="row-problem" role="alert" data-testid="rule-problem">
                          Line {mark.line}: {mark.message}
                        </p>
                      ) : null}
                    </td>
                    <td className="wrap">{r.form.justification || <span className="muted">—</span>}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={Boolean(lock)}
                        title={
                          lock
                            ? `Locked by the managed policy ${lock.file}: it cannot be edited here`
                            : undefined
                        }
                        aria-label={`Edit rule ${r.form.id}`}
                        onClick={() => setCmd({ index: r.index, form: r.form })}
                      >
                        Edit
                      </button>{' '}
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        aria-label={`Delete rule ${r.form.id}`}
                        onClick={() => onDelete('commands', r.index)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
        {cmd ? (
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
        ) : null}
      </section>
      <section aria-labelledby="net-rules-title">
        <div className="rule-head">
          <h3 id="net-rules-title">Network rules</h3>
          <button
            type="button"
            className="btn btn-small"
            onClick={() =>
              setNet({
                index: null,
                form: { id: '', host: '', ports: '443', decision: 'allow', justification: '' },
              })
            }
          >
            Add network rule
          </button>
        </div>
        {parsed.networkRules.length === 0 ? (
          <p className="muted small">No network rules in this file.</p>
        ) : null}
        {parsed.networkRules.length > 0 ? (
          <table className="table rule-table" aria-label="Network rules">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Ports</th>
                <th scope="col">Decision</th>
                <th scope="col">Justification</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {parsed.networkRules.map((r) => {
                const lock = lockOf(locks, r.key);
                const mark = markIn(r, marks);
                const name = r.form.id || r.form.host;
                return (
                  <tr key={r.index} data-testid="network-rule" className={mark ? 'row-error' : undefined}>
                    <td className="mono">
                      {r.form.host}
                      {r.form.id ? <div className="muted small">id {r.form.id}</div> : null}
                      {lock ? (
                        <div>
                          <LockTag lock={lock} />
                        </div>
                      ) : null}
                      {mark ? (
                        <p className="row-problem" role="alert" data-testid="rule-problem">
                          Line {mark.line}: {mark.message}
                        </p>
                      ) : null}
                    </td>
                    <td className="mono">{r.form.ports || 'any'}</td>
                    <td>
                      <DecisionBadge decision={r.form.decision} />
                    </td>
                    <td className="wrap">
                      {r.form.justification || <span className="muted">—</span>}
                      {r.extra.length > 0 ? (
                        <div className="muted small">+ {r.extra.join(', ')} (YAML tab)</div>
                      ) : null}
                    </td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={Boolean(lock)}
                        aria-label={`Edit network rule ${name}`}
                        onClick={() => setNet({ index: r.index, form: r.form })}
                      >
                        Edit
                      </button>{' '}
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        aria-label={`Delete network rule ${name}`}
                        onClick={() => onDelete('network', r.index)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
        {net ? (
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
        ) : null}
      </section>
    </div>
  );
}

function lines(s: string): string[] {
  return s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
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
      {error ? (
        <p className="inline-error" id={errId} role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary">
          {editing.index === null ? 'Add rule' : 'Update rule'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <span className="muted small">Examples are checked by the engine when you save.</span>
      </div>
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
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary">
          {editing.index === null ? 'Add rule' : 'Update rule'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
