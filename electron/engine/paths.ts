import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Paddock's data directory: `PADDOCK_HOME` when set (tests use a temp one), otherwise the
 * platform's per-user data dir.
 */
export function paddockHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PADDOCK_HOME) return env.PADDOCK_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Paddock');
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Paddock');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'paddock');
}

/** Files and folders inside the data directory. */
export function dataPaths(home = paddockHome()) {
  return {
    home,
    index: join(home, 'sessions.json'),
    sessions: join(home, 'sessions'),
    scratch: join(home, 'scratch'),
    imageCache: join(home, 'images'),
  };
}
