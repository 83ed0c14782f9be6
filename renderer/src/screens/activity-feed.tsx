import { useEffect, useState } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';

interface Item {
  key: string;
  time: number;
  kind: string;
  summary: string;
}

/** Notable events of one session: what the journal has, then live activity as it happens. Text only. */
export function ActivityFeed({ session }: { session: Session }) {
  const client = useClient();
  const [items, setItems] = useState<Item[]>([]);
  useEffect(() => {
    let live = true;
    const seen = new Set<string>();
    const add = (list: Item[]) => {
      const fresh = list.filter((i) => !seen.has(i.key));
      fresh.forEach((i) => seen.add(i.key));
      if (fresh.length) setItems((prev) => [...prev, ...fresh].sort((a, b) => a.time - b.time).slice(-500));
    };
    const off = client.on('sessions.activity', (p) => {
      if (p.id === session.id) add([{ key: `${p.kind}@${p.time}`, time: p.time, kind: p.kind, summary: p.summary }]);
    });
    if (session.journaled) {
      client
        .call('replay.events', { id: session.id, from: 0, to: Number.MAX_SAFE_INTEGER, notable: true, limit: 500 })
        .then((r) => live && add(r.events.map((e) => ({ key: `${e.kind}@${e.time}`, time: e.time, kind: e.kind, summary: e.summary }))))
        .catch(() => {});
    }
    return () => {
      live = false;
      off();
    };
  }, [client, session.id, session.journaled]);
  if (items.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="feed" aria-label="Session events" data-testid="events-feed">
      {items.map((i) => (
        <li key={i.key} className={`feed-item kind-${i.kind.replace(/[^a-z]/g, '-')}`}>
          <time className="mono muted">{new Date(i.time).toLocaleTimeString()}</time>
          <span>{i.summary}</span>
        </li>
      ))}
    </ol>
  );
}
