import { useState } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';

/** Stop, pause and resume a session this engine runs; errors show under the header. */
export function SessionControls({ session: s }: { session: Session }) {
  const client = useClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!s.attached) return null;
  const act = async (name: 'sessions.stop' | 'sessions.pause' | 'sessions.resume') => {
    setBusy(name);
    setError(null);
    try {
      await client.call(name, { id: s.id });
    } catch (e) {
      setError(e instanceof ApiCallError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="session-controls">
      <div className="actions">
        {s.state === 'paused' ? (
          <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void act('sessions.resume')}>
            Resume
          </button>
        ) : (
          <button type="button" className="btn" disabled={busy !== null || s.state !== 'running'} onClick={() => void act('sessions.pause')} title="Freeze every process of the session; approvals keep timing out and Stop still works">
            Pause
          </button>
        )}
        <button type="button" className="btn btn-danger" disabled={busy === 'sessions.stop'} onClick={() => void act('sessions.stop')}>
          Stop
        </button>
      </div>
      {error ? (
        <div className="inline-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}
