import { resolveContext } from './command-rules.js';
import type { EvalContext } from './command-rules.js';
import { pathMatcher, resolveArgPath } from './glob.js';
import type { EffectivePolicy } from './policy-types.js';

export interface PathJudge {
  /** A path the sandbox mounts read-only (the gate forbids Write/Edit there). */
  isProtected(path: string, ctx?: EvalContext): boolean;
  /** A secret file hidden from the sandbox (masked and not in allowed_secrets). */
  isMasked(path: string, ctx?: EvalContext): boolean;
}

/** Path rules for the gate (Write/Edit tools) and the sandbox mounts; paths resolve like shell arguments. */
export function createPathJudge(policy: Pick<EffectivePolicy, 'paths'>): PathJudge {
  const cache = new Map<string, { prot: ReturnType<typeof pathMatcher>; masked: ReturnType<typeof pathMatcher>; allowed: ReturnType<typeof pathMatcher> }>();
  const matchers = (ctx: EvalContext | undefined) => {
    const c = resolveContext(ctx);
    const key = `${c.workspace}\0${c.home}`;
    let m = cache.get(key);
    if (!m) {
      m = { prot: pathMatcher(policy.paths.protected, c), masked: pathMatcher(policy.paths.masked, c), allowed: pathMatcher(policy.paths.allowed_secrets, c) };
      cache.set(key, m);
    }
    return { m, abs: (p: string) => resolveArgPath(p, c.cwd, c.home) };
  };
  return {
    isProtected(path, ctx) {
      const { m, abs } = matchers(ctx);
      return m.prot.matches(abs(path));
    },
    isMasked(path, ctx) {
      const { m, abs } = matchers(ctx);
      const a = abs(path);
      return m.masked.matches(a) && !m.allowed.matches(a);
    },
  };
}
