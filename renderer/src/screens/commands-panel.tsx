import type { CommandEntry, Session } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { ErrorState, Loading } from '../components/states.js';
import { useSessionPanel } from '../hooks/use-session-panel.js';

const KINDS = ['policy.decision', 'tool.result'];

function Outcome({ e }: { e: CommandEntry }) {
  if (e.decision === 'deny') return null;
  if (e.outcome === null) return <span className="badge">no result reported</span>;
  return <span className={`badge badge-${e.outcome === 'ok' ? 'ok' : 'bad'}`}>{e.outcome === 'ok' ? 'ran ok' : 'failed'}</span>;
}

/** Commands and tool calls the gate judged: decision, rule, who answered an ask, and the outcome. */
export function CommandsPanel({ session }: { session: Session }) {
  const client = useClient();
  const q = useSessionPanel(client, session.id, () => client.call('sessions.commands', { id: session.id }), { kinds: KINDS, key: 'commands' });
  if (q.error && !q.data) return <ErrorState error={q.error} retry={q.refetch} />;
  if (!q.data) return <Loading what="the commands" />;
  const entries = [...q.data.entries].reverse();
  if (entries.length === 0) {
    const gated = !['command', 'shell'].includes(session.agent);
    return (
      <div className="panel-body" data-testid="commands-panel">
        <p className="muted panel-empty">
          {gated ? 'No commands judged yet.' : 'This session runs a plain command, not an agent: nothing goes through the gate. Start an agent session to see every command it runs here.'}
        </p>
      </div>
    );
  }
  return (
    <div className="panel-body" data-testid="commands-panel">
      <ol className="rows" aria-label="Commands">
        {entries.map((e) => (
          <li key={e.seq} className={`row row-${e.decision}`}>
            <div className="row-head">
              <span className={`badge badge-${e.decision === 'allow' ? 'ok' : 'bad'}`}>{e.decision === 'allow' ? 'allowed' : e.policy === 'forbid' ? 'forbidden' : 'denied'}</span>
              {e.policy === 'ask' ? <span className="badge badge-warn">asked</span> : null}
              <Outcome e={e} />
            </div>
            <code className="mono row-command">{e.command}</code>
            <div className="row-meta muted small">
              <span>rule {e.rule}</span>
              {e.by ? <span>· answered by {e.by}</span> : null}
              <time>· {new Date(e.time).toLocaleTimeString()}</time>
            </div>
            {e.justification ? <div className="muted small">{e.justification}</div> : null}
            {e.output ? (
              <details className="row-output">
                <summary className="small">Output</summary>
                <pre className="mono">{e.output}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
