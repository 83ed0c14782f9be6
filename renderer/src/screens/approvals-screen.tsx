import { useClient } from '../api/client-context.js';
import { ApprovalCard } from '../components/approval-card.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useApprovals, useNow } from '../hooks/use-approvals.js';

/** The approvals inbox: every request waiting for a human, across sessions, oldest first. */
export function ApprovalsScreen() {
  const client = useClient();
  const q = useApprovals(client);
  const now = useNow();
  const list = q.data ?? [];
  return (
    <section className="screen" aria-labelledby="approvals-title">
      <header className="screen-header">
        <div>
          <h1 id="approvals-title">Approvals</h1>
          <p className="meta">
            Requests the policy asks a human about, from every running session. Unanswered requests are denied
            when their time runs out.
          </p>
        </div>
        {list.length ? (
          <span className="badge badge-warn" data-testid="approvals-count">
            {list.length} waiting
          </span>
        ) : null}
      </header>
      {q.error && !q.data ? (
        <ErrorState error={q.error} retry={q.refetch} />
      ) : !q.data ? (
        <Loading what="pending approvals" />
      ) : list.length === 0 ? (
        <Empty title="Nothing is waiting for you">
          When an agent runs something the policy asks about, it shows up here (and in a native dialog in the
          desktop app).
        </Empty>
      ) : (
        <div className="approval-list" role="list" aria-label="Pending approvals">
          {list.map((a) => (
            <div role="listitem" key={a.id}>
              <ApprovalCard approval={a} now={now} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
