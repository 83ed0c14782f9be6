import { useEffect, useState } from 'react';

export type Route =
  | { name: 'sessions' }
  | { name: 'live'; id: string }
  | { name: 'replay'; id: string }
  | { name: 'approvals' }
  | { name: 'policy' }
  | { name: 'settings' };

/** Hash routes: they survive the token path of `paddock serve` and the app:// protocol alike. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'live':
      return parts[1] ? { name: 'live', id: parts[1] } : { name: 'sessions' };
    case 'replay':
      return parts[1] ? { name: 'replay', id: parts[1] } : { name: 'sessions' };
    case 'approvals':
      return { name: 'approvals' };
    case 'policy':
      return { name: 'policy' };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'sessions' };
  }
}

export function href(route: Route): string {
  return 'id' in route ? `#/${route.name}/${encodeURIComponent(route.id)}` : `#/${route.name}`;
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
