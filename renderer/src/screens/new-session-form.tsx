import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';

/** Repo path, command, image, time limit: starts a session and hands it to `onStarted`. */
export function NewSessionForm({ onStarted }: { onStarted: (s: Session) => void }) {
  const client = useClient();
  const [repo, setRepo] = useState('');
  const [command, setCommand] = useState('');
  const [image, setImage] = useState('');
  const [timeout, setTimeoutMin] = useState('');
  const [approvals, setApprovals] = useState<'ask' | 'allow' | 'deny'>('ask');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const busyRef = useRef(false);
  busyRef.current = busy;
  useEffect(() => client.on('engine.progress', (p) => busyRef.current && setProgress(p.message)), [client]);
  useEffect(() => {
    if (!busy) setProgress(null);
  }, [busy]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const minutes = Number(timeout);
      const s = await client.call('sessions.start', {
        repo: repo.trim(),
        ...(command.trim() ? { command: command.trim() } : {}),
        ...(image.trim() ? { image: image.trim() } : {}),
        ...(timeout && minutes > 0 ? { timeoutSeconds: Math.round(minutes * 60) } : {}),
        approvals,
      });
      onStarted(s);
    } catch (err) {
      setError(err instanceof ApiCallError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" aria-label="New session" onSubmit={(e) => void submit(e)}>
      <h2>New session</h2>
      <p className="muted">The command runs in a hardened container that sees only this repository, mounted at /workspace.</p>
      <div className="form-grid">
        <label>
          Repository
          <input name="repo" required placeholder="/home/you/project" value={repo} onChange={(e) => setRepo(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
        <label>
          Command
          <input name="command" placeholder="empty: an interactive shell" value={command} onChange={(e) => setCommand(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
        <label>
          Image
          <input name="image" placeholder="Paddock's default image" value={image} onChange={(e) => setImage(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
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
      {error ? (
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
