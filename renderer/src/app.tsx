import { useEffect, useState } from 'react';
import type { ApiClient, TransportStatus } from '../../electron/contract/index.js';
import { ClientContext } from './api/client-context.js';
import { useApprovals } from './hooks/use-approvals.js';
import type { Route } from './router.js';
import { href, useRoute } from './router.js';
import { ApprovalsScreen } from './screens/approvals-screen.js';
import { LiveScreen } from './screens/live-screen.js';
import { PolicyScreen } from './screens/policy-screen.js';
import { ReplayScreen } from './screens/replay-screen.js';
import { SessionsScreen } from './screens/sessions-screen.js';
import { SettingsScreen } from './screens/settings-screen.js';

const NAV: Array<{ route: Route; label: string; match: Route['name'][] }> = [
  { route: { name: 'sessions' }, label: 'Sessions', match: ['sessions', 'live', 'replay'] },
  { route: { name: 'approvals' }, label: 'Approvals', match: ['approvals'] },
  { route: { name: 'policy' }, label: 'Policy', match: ['policy'] },
  { route: { name: 'settings' }, label: 'Settings', match: ['settings'] },
];

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'live':
      return <LiveScreen key={route.id} id={route.id} />;
    case 'replay':
      return <ReplayScreen key={route.id} id={route.id} />;
    case 'approvals':
      return <ApprovalsScreen />;
    case 'policy':
      return <PolicyScreen />;
    case 'settings':
      return <SettingsScreen />;
    default:
      return <SessionsScreen />;
  }
}

export function App({ client }: { client: ApiClient }) {
  const route = useRoute();
  const [status, setStatus] = useState<TransportStatus>('open');
  useEffect(() => client.onStatus(setStatus), [client]);
  const waiting = useApprovals(client).data?.length ?? 0;
  useEffect(() => {
    document.title = `Paddock — ${route.name[0]!.toUpperCase()}${route.name.slice(1)}`;
  }, [route.name]);
  return (
    <ClientContext.Provider value={client}>
      <div className="app" data-app-state={status === 'open' ? 'ready' : 'connecting'}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            <span>Paddock</span>
          </div>
          <ul>
            {NAV.map((n) => (
              <li key={n.label}>
                <a href={href(n.route)} aria-current={n.match.includes(route.name) ? 'page' : undefined}>
                  {n.label}
                  {n.route.name === 'approvals' && waiting > 0 ? (
                    <span className="nav-count" data-testid="approvals-nav-count">
                      {waiting}
                      <span className="sr-only"> waiting</span>
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
          <p className={`conn conn-${status}`} role="status">
            {status === 'open' ? 'Engine connected' : status === 'connecting' ? 'Connecting…' : 'Disconnected'}
          </p>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {status !== 'open' ? (
            <div className="banner" role="alert">
              The connection to the Paddock engine dropped. Reconnecting… (is <code>paddock serve</code> still running?)
            </div>
          ) : null}
          <Screen route={route} />
        </main>
      </div>
    </ClientContext.Provider>
  );
}
