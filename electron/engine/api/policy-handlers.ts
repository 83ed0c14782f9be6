import type { ApiHandlers } from '../../contract/index.js';
import { toPolicyView, toVerdict } from './api-views.js';

interface PolicyDeps {
  home: string;
  resolveRepo: (repo: string) => string;
}

/** `policy.explain` / `policy.check`: the same engine calls as `paddock policy explain/check`. */
export function policyHandlers(deps: PolicyDeps): Pick<ApiHandlers, 'policy.explain' | 'policy.check'> {
  // The policy engine (tree-sitter wasm) loads on first use only.
  const load = async (repo: string | undefined) => {
    const policy = await import('../policy/index.js');
    const path = repo ? deps.resolveRepo(repo) : null;
    return { policy, path, loaded: await policy.loadEffectivePolicy({ repo: path, home: deps.home }) };
  };
  return {
    'policy.explain': async ({ repo }) => {
      const { path, loaded } = await load(repo);
      return toPolicyView(loaded, path);
    },
    'policy.check': async ({ repo, command, cwd }) => {
      const { policy, loaded } = await load(repo);
      const engine = policy.createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0 });
      return toVerdict(command, engine.evaluate(command, cwd ? { cwd } : {}));
    },
  };
}
