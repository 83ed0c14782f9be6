import type { MergeState } from './policy-merge.js';
import { policyError } from './policy-source.js';
import type { PolicySource, YamlPath } from './policy-source.js';
import type { EffectiveApproval } from './policy-types.js';
import { repoKey } from './repo-key.js';
import { analyseCommandLine } from './shell-analyse.js';

/**
 * The user layer's `projects:` section: per-repository approvals written by `always for this
 * project` (ADR 0007). Only the section whose key is the session's repository applies; every
 * entry of every section is validated at load so a bad one fails at its file:line:col.
 */


/** The argv an approved command stands for; throws a plain Error when it is not exactly one simple static command. */
export function approvalArgv(command: string): string[] {
  const parts = analyseCommandLine(command);
  const p = parts[0];
  if (parts.length !== 1 || !p || p.kind !== 'command' || p.dynamic.some(Boolean) || p.floors.length > 0 || p.via.length > 0 || p.argv.length === 0) {
    throw new Error(
      `"${command}" is not one simple command without wrappers, expansion, redirection or chaining; an approval names exactly one command as it runs (e.g. "git push origin main")`,
    );
  }
  return p.argv;
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** Shell-quote argv so that `approvalArgv(quoteArgv(argv))` gives argv back. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((a) => (SAFE.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Apply `projects.<repo>` of the user layer for `repo`; validate every section's entries. */
export function applyProjectSection(st: MergeState, src: PolicySource, repo: string): void {
  const want = repoKey(repo);
  const { policy: p, provenance: prov } = st;
  for (const [key, section] of Object.entries(src.data.projects ?? {})) {
    const applies = repoKey(key) === want;
    section.commands?.approved?.forEach((a, i) => {
      const at: YamlPath = ['projects', key, 'commands', 'approved', i];
      let argv: string[];
      try {
        argv = approvalArgv(a.command);
      } catch (e) {
        throw policyError(src.at([...at, 'command']), `projects["${key}"].commands.approved[${i}].command: ${(e as Error).message}`);
      }
      if (!applies) return;
      const source = src.at(at);
      const id = a.id ?? `approved:${a.command}`;
      const entry: EffectiveApproval = { id, command: a.command, argv, ...(a.justification ? { justification: a.justification } : {}), source };
      p.commands.approved = [...p.commands.approved.filter((x) => x.id !== id), entry];
      prov[`commands.approved.${id}`] = source;
    });
    if (!applies) continue;
    section.network?.rules?.forEach((r, i) => {
      const source = src.at(['projects', key, 'network', 'rules', i]);
      const k = r.id ?? `${r.host}:${String(r.port ?? '*')}`;
      p.network.rules = [...p.network.rules.filter((x) => (x.id ?? `${x.host}:${String(x.port ?? '*')}`) !== k), { ...r, source }];
      prov[`network.rules.${k}`] = source;
    });
  }
}
