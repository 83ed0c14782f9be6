import type { ApiHandlers, PolicyProblem } from '../../contract/index.js';
import { errorCode } from '../../contract/index.js';
import { toPolicyView, toVerdict } from './api-views.js';

interface PolicyDeps {
  home: string;
  resolveRepo: (repo: string) => string;
}

type PolicyProcedures = 'policy.explain' | 'policy.check' | 'policy.source' | 'policy.save';

/** A loader error as the editor shows it: the `file:line:col: ` prefix taken apart when there is one. */
export function toProblem(e: unknown, files: readonly string[]): PolicyProblem {
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  for (const file of files) {
    const m = message.startsWith(`${file}:`)
      ? /^:(\d+):(\d+): ([\s\S]*)$/.exec(message.slice(file.length))
      : null;
    if (m) return { code, file, line: Number(m[1]), col: Number(m[2]), message: m[3]! };
  }
  const m = /^(\/[^\n]*?):(\d+):(\d+): ([\s\S]*)$/.exec(message);
  if (m) return { code, file: m[1]!, line: Number(m[2]), col: Number(m[3]), message: m[4]! };
  return { code, file: null, line: null, col: null, message };
}

/** The policy procedures: the same engine calls as `paddock policy explain/check`, and the UI's editor. */
export function policyHandlers(deps: PolicyDeps): Pick<ApiHandlers, PolicyProcedures> {
  // The policy engine (tree-sitter wasm) loads on first use only.
  const engine = () => import('../policy/index.js');
  const opts = (repo: string | undefined) => ({
    repo: repo ? deps.resolveRepo(repo) : null,
    home: deps.home,
  });
  const withPreset = <T extends object>(o: T, preset: string | undefined) => (preset ? { ...o, preset } : o);
  return {
    'policy.explain': async ({ repo, preset }) => {
      const policy = await engine();
      const o = opts(repo);
      return toPolicyView(await policy.loadEffectivePolicy(withPreset(o, preset)), o.repo);
    },
    'policy.check': async ({ repo, command, cwd, draft, preset }) => {
      const policy = await engine();
      const o = withPreset(opts(repo), preset);
      const loaded = await policy.loadEffectivePolicy(
        draft ? { ...o, drafts: { [draft.layer]: draft.text } } : o,
      );
      const judge = policy.createCommandEngine(loaded.policy, {
        provenance: loaded.provenance,
        cacheSize: 0,
      });
      return toVerdict(command, judge.evaluate(command, cwd ? { cwd } : {}));
    },
    'policy.source': async ({ layer, repo }) => {
      const policy = await engine();
      return policy.readLayerSource(layer, opts(repo));
    },
    'policy.save': async ({ layer, repo, text, baseSha256, dryRun }) => {
      const policy = await engine();
      const o = opts(repo);
      // Bad input (no repo for a project layer, a missing repo) is an error of the call, not of the draft.
      const path = policy.readLayerSource(layer, o).path;
      const files = [
        path,
        policy.managedPolicyPath() ?? '',
        o.repo ? policy.policyLayerPath('project', o.repo) : '',
        policy.policyLayerPath('user', o.home),
      ].filter(Boolean);
      try {
        if (dryRun) {
          const loaded = await policy.checkLayerDraft(layer, text, o);
          return { saved: false, path, sha256: null, problems: [], view: toPolicyView(loaded, o.repo) };
        }
        const written = await policy.saveLayer(layer, text, baseSha256, o);
        // Reload from disk: what every later session and `paddock policy explain` will see.
        const view = toPolicyView(await policy.loadEffectivePolicy(o), o.repo);
        return { saved: true, path: written.path, sha256: written.sha256, problems: [], view };
      } catch (e) {
        const code = errorCode(e);
        if (!code.startsWith('POLICY_')) throw e;
        return { saved: false, path, sha256: null, problems: [toProblem(e, files)], view: null };
      }
    },
  };
}
