import { useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { Session } from '../../../electron/contract/index.js';
import { ActivityFeed } from './activity-feed.js';
import { CommandsPanel } from './commands-panel.js';
import { FilesPanel } from './files-panel.js';
import { NetworkPanel } from './network-panel.js';

const TABS = [
  { id: 'events', label: 'Events' },
  { id: 'network', label: 'Network' },
  { id: 'commands', label: 'Commands' },
  { id: 'files', label: 'Files' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The live session's side panels as tabs (arrow keys move between them, as in a tablist). */
export function LivePanels({ session }: { session: Session }) {
  const [tab, setTab] = useState<Tab>('events');
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const t = TABS[(next + TABS.length) % TABS.length]!;
    setTab(t.id);
    refs.current[t.id]?.focus();
  };
  return (
    <aside className="card side-panel live-panels" aria-label="Session panels">
      <div className="tabs" role="tablist" aria-label="Session panels" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`tabpanel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'events' ? <ActivityFeed session={session} /> : null}
        {tab === 'network' ? <NetworkPanel session={session} /> : null}
        {tab === 'commands' ? <CommandsPanel session={session} /> : null}
        {tab === 'files' ? <FilesPanel session={session} /> : null}
      </div>
    </aside>
  );
}
