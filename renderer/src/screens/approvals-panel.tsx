import { useClient } from '../api/client-context.js';
import { ApprovalCard } from '../components/approval-card.js';
import { ErrorState } from '../components/states.js';
import { useApprovals, useNow } from '../hooks/use-approvals.js';

/** The live screen's side panel: this session's pending approvals, answerable inline. */
export function ApprovalsPanel({ sessionId }: { sessionId: string }) {
  const client = useClient();
  const q = useApprovals(client, sessionId);
  const now = useNow();
  const list = q.data ?? [];
  return (
    <aside
      className={`card side-panel approvals-panel${list.length ? ' approvals-panel-waiting' : ''}`}
      aria-label="Pending approvals"
      data-testid="approvals-panel"
    >
      <h2>
        Approvals {list.length ? <span className="badge badge-warn">{list.length} waiting</span> : null}
      </h2>
      {q.error && !q.data ? (
        <ErrorState error={q.error} retry={q.refetch} />
      ) : !q.data ? (
        <p className="muted small" role="status">
          Loading…
        </p>
      ) : list.length === 0 ? (
        <p className="muted small">Nothing waiting. Commands the policy asks about appear here.</p>
      ) : (
        <div className="approval-list">
          {list.map((a) => (
            <ApprovalCard key={a.id} approval={a} now={now} compact />
          ))}
        </div>
      )}
    </aside>
  );
}
