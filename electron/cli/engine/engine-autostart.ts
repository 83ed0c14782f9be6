import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { paddockHome } from '../../engine/paths.js';
import { enginePaths, readBuildId } from './engine-paths.js';

/** How long an engine started on the user's behalf waits for a run before it stops by itself. */
export const AUTOSTART_IDLE_MS = 30 * 60_000;

export interface AutostartContext {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  platform: NodeJS.Platform;
  /** stdin and stdout are terminals: a person runs this. */
  interactive: boolean;
}

/**
 * Why an in-process `paddock run` that just ended should not start a warm engine for the next
 * ones, or null when it should (docs/adr/0010-engine-autostart.md). Only interactive runs do:
 * scripts, CI and `--json` consumers get no background process they did not ask for.
 */
export function autostartSkipped(c: AutostartContext): string | null {
  if (c.argv[2] !== 'run') return 'not a run';
  if (c.platform === 'win32') return 'no engine on Windows';
  if (c.env.PADDOCK_NO_ENGINE) return 'PADDOCK_NO_ENGINE is set';
  if (c.env.PADDOCK_ENGINE_AUTOSTART === '0') return 'PADDOCK_ENGINE_AUTOSTART=0';
  if (c.env.CI) return 'CI is set';
  if (!c.interactive) return 'not on a terminal';
  const opts = c.argv.slice(3, c.argv.includes('--') ? c.argv.indexOf('--') : undefined);
  if (opts.includes('--json')) return '--json';
  if (!readBuildId()) return 'the CLI is not bundled';
  // An engine is there already (it declined this run, or it is stale and the next start replaces it).
  if (existsSync(enginePaths(resolve(c.cwd, paddockHome(c.env))).socket)) return 'an engine socket exists';
  return null;
}

/**
 * After an interactive in-process run: start a warm engine (idle exit after 30 min) so the next
 * `paddock run` of this PADDOCK_HOME starts fast, and say so once. It starts after the session,
 * not beside it: its start-up (the bundle, the grammar's optimised compile) would compete with
 * the session for the CPU. Not when the policy sets `engine.autostart: false`.
 */
export async function autostartEngine(c: AutostartContext, say: (m: string) => void): Promise<boolean> {
  if (autostartSkipped(c) !== null) return false;
  const home = resolve(c.cwd, paddockHome(c.env));
  // The policy's `engine.autostart` (an admin sets it false in the managed policy). The run that
  // just ended loaded the same layers, so this is the verified-policy cache unless a managed
  // policy exists, which is loaded in full every time.
  const { loadEffectivePolicy } = await import('../../engine/policy/policy-loader.js');
  const { policy } = await loadEffectivePolicy({ home, env: c.env, repo: null, commandParser: false });
  if (!policy.engine.autostart) return false;
  const { spawnEngine } = await import('../commands/engine-actions.js');
  spawnEngine(c.env, home, AUTOSTART_IDLE_MS);
  say(
    `started a warm engine for ${home} so the next runs start faster; it stops after ${AUTOSTART_IDLE_MS / 60_000} min without a run ` +
      '(`paddock engine stop` stops it now; PADDOCK_ENGINE_AUTOSTART=0 turns this off)',
  );
  return true;
}
