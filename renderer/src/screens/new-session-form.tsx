import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { useQuery } from '../hooks/use-query.js';
import { FieldError } from './field-error.js';
import type { Choices } from './session-choices.js';
import { ChoiceFields, NO_CHOICES, checkChoices, choicesInput, errorField } from './session-choices.js';

/** Repo path, command or agent, image, network, time limit: starts a session and hands it to `onStarted`. */
export function NewSessionForm({ onStarted }: { onStarted: (s: Session) => void }) {
  const client = useClient();
  const [repo, setRepo] = useState('');
  const [command, setCommand] = useState('');
  const [image, setImage] = useState('');
  const [timeout, setTimeoutMin] = useState('');
  const [approvals, setApprovals] = useState<'ask' | 'allow' | 'deny'>('ask');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string; field: string | null } | null>(null);
  const [choices, setChoices] = useState<Choices>(NO_CHOICES);
  const options = useQuery(() => client.call('sessions.startOptions', {}), 'start-options');
  const [progress, setProgress] = useState<string | null>(null);
  const busyRef = useRef(false);
  busyRef.current = busy;
  useEffect(() => client.on('engine.progress', (p) => busyRef.current && setProgress(p.message)), [client]);
  useEffect(() => {
    if (!busy) setProgress(null);
  }, [busy]);

  const fieldError = (field: string) => (error?.field === field ? `${error.code}: ${error.message}` : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const invalid = checkChoices(choices);
    if (invalid) {
      setError({ code: 'BAD_INPUT', message: invalid.message, field: invalid.field });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const minutes = Number(timeout);
      const s = await client.call('sessions.start', {
        repo: repo.trim(),
        ...(command.trim() && !choices.agent ? { command: command.trim() } : {}),
        ...(image.trim() && !choices.agent ? { image: image.trim() } : {}),
        ...(timeout && minutes > 0 ? { timeoutSeconds: Math.round(minutes * 60) } : {}),
        approvals,
        ...choicesInput(choices),
      });
      onStarted(s);
    } catch (err) {
      const code = err instanceof ApiCallError ? err.code : 'INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      setError({ code, message, field: errorField(code, message) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" aria-label="New session" onSubmit={(e) => void submit(e)}>
      <h2>New session</h2>
      <p className="muted">The command or agent runs in a hardened container that sees only this repository, mounted at /workspace.</p>
      <div className="form-grid">
        <div className="field">
          <label>
            Repository
            <input name="repo" required placeholder="/home/you/project" value={repo} onChange={(e) => setRepo(e.target.value)} autoComplete="off" spellCheck={false} aria-invalid={fieldError('repo') !== undefined} aria-describedby={fieldError('repo') ? 'err-repo' : undefined} />
          </label>
          <FieldError id="err-repo" message={fieldError('repo')} />
        </div>
        <div className="field">
          <label>
            Command
            <input
              name="command"
              placeholder={choices.agent ? `the ${choices.agent} agent runs` : 'empty: an interactive shell'}
              value={choices.agent ? '' : command}
              disabled={!!choices.agent}
              onChange={(e) => setCommand(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={fieldError('command') !== undefined}
              aria-describedby={fieldError('command') ? 'err-command' : undefined}
            />
          </label>
          <FieldError id="err-command" message={fieldError('command')} />
        </div>
        <div className="field">
          <label>
            Image
            <input
              name="image"
              placeholder={choices.agent ? `the ${choices.agent} image` : "Paddock's default image"}
              value={choices.agent ? '' : image}
              disabled={!!choices.agent}
              onChange={(e) => setImage(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={fieldError('image') !== undefined}
              aria-describedby={fieldError('image') ? 'err-image' : undefined}
            />
          </label>
          <FieldError id="err-image" message={fieldError('image')} />
        </div>
        <label>
          Time limit (minutes)
          <input name="timeout" type="number" min="0" step="any" placeholder="none" value={timeout} onChange={(e) => setTimeoutMin(e.target.value)} />
        </label>
        <label>
          Approvals
          <select name="approvals" value={approvals} onChange={(e) => setApprovals(e.target.value as typeof approvals)}>
            <option value="ask">Ask me (inbox and dialogs)</option>
            <option value="deny">Deny what the policy asks about (unattended)</option>
            <option value="allow">Allow what the policy asks about (forbid still forbids)</option>
          </select>
        </label>
      </div>
      <ChoiceFields value={choices} onChange={setChoices} options={options.data} errors={{ agent: fieldError('agent'), policyPreset: fieldError('policyPreset'), network: fieldError('network'), hosts: fieldError('hosts') }} />
      {error && !error.field ? (
        <div className="inline-error" role="alert">
          <code className="code-tag">{error.code}</code> {error.message}
        </div>
      ) : null}
      <div className="actions">
        <button className="btn btn-primary" type="submit" disabled={busy || !repo.trim()}>
          {busy ? 'Starting…' : 'Start session'}
        </button>
        {busy ? (
          <span className="muted" role="status" data-testid="start-progress">
            <span className="spinner" aria-hidden="true" /> {progress ?? 'Preparing the sandbox…'}
          </span>
        ) : null}
      </div>
    </form>
  );
}
