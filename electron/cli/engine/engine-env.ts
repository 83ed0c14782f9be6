import { resolve } from 'node:path';
import { paddockHome } from '../../engine/paths.js';

/**
 * Which environment variables can change what a `paddock run` does. The warm engine runs a
 * client's session only when every one of them is the same in the client's environment as in
 * its own (a session must never behave differently in the engine than in-process); otherwise
 * it declines and the client runs the session itself. Deliberately broad: a false "differs"
 * costs one in-process start, a false "same" would run a session under the wrong settings.
 *
 * - Paddock's own settings (PADDOCK_*), the container engine (DOCKER_*, CONTAINER_HOST), host
 *   git (GIT_*), the data dir and user (HOME, USER, XDG_*, APPDATA…), PATH (host git,
 *   mmdebstrap), TLS trust and proxies of the host side (NODE_*, SSL_*, *_PROXY), locale,
 *   colour switches.
 * - Model-API keys and base URLs (`--credential`, agents): *_API_KEY, *_BASE_URL.
 *
 * Not compared: TERM (a TTY session's container gets its client's terminal type, not the
 * engine's: SessionRunOptions.term), PADDOCK_TRACE (only prints timings; the client prints its own),
 * PADDOCK_NO_ENGINE (a client that has it never asks), PADDOCK_ENGINE_AUTOSTART (read only
 * after an in-process run), and PADDOCK_HOME, which is compared as
 * the resolved directory (a relative one is relative to each process's cwd).
 */
const PREFIXES = ['PADDOCK_', 'DOCKER_', 'GIT_', 'XDG_', 'SSL_', 'NODE_', 'LC_'];
const NAMES = new Set([
  'HOME', 'USER', 'LOGNAME', 'PATH', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TMP', 'TEMP',
  'APPDATA', 'LOCALAPPDATA', 'CONTAINER_HOST', 'NO_COLOR', 'FORCE_COLOR', 'CLICOLOR_FORCE', 'UV_THREADPOOL_SIZE',
]);
const SUFFIXES = ['_API_KEY', '_BASE_URL', '_PROXY'];
const IGNORED = new Set(['PADDOCK_TRACE', 'PADDOCK_NO_ENGINE', 'PADDOCK_ENGINE_AUTOSTART', 'PADDOCK_HOME']);

export function envMatters(name: string): boolean {
  if (IGNORED.has(name)) return false;
  const upper = name.toUpperCase(); // http_proxy and friends come in lower case too
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p)) || SUFFIXES.some((s) => upper.endsWith(s));
}

/**
 * The names (never the values: they may be keys) of the variables that matter and differ
 * between a client's environment and the engine's, plus PADDOCK_HOME when the two resolve to
 * different directories. Empty: the engine may run the client's session.
 */
export function envDifferences(
  client: NodeJS.ProcessEnv,
  clientCwd: string,
  engine: NodeJS.ProcessEnv,
  engineHome: string,
): string[] {
  const names = new Set([...Object.keys(client), ...Object.keys(engine)].filter(envMatters));
  const out = [...names].filter((n) => client[n] !== engine[n]).sort();
  if (resolve(clientCwd, paddockHome(client)) !== resolve(engineHome)) out.push('PADDOCK_HOME');
  return out;
}
