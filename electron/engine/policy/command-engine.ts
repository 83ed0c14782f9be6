import { compileRule, flagMatches, resolveContext, RuleIndex, ruleMatches, splitArgs } from './command-rules.js';
import type { CompiledRule, EvalContext, ResolvedContext } from './command-rules.js';
import { isWithin, pathMatcher, resolveArgPath } from './glob.js';
import type { CommandDecision } from './policy-schema.js';
import { commandStrictness, ENGINE_SOURCE } from './policy-types.js';
import type { EffectiveCommandRule, EffectivePolicy, Provenance, SourceRef } from './policy-types.js';
import { floorOf } from './command-unwrap.js';
import { analyseCommandLine } from './shell-analyse.js';
import type { ShellPart } from './shell-analyse.js';

export type { EvalContext };

export interface RuleRef {
  id: string;
  source: SourceRef;
}

export interface PartVerdict {
  kind: ShellPart['kind'];
  text: string;
  argv: string[];
  via: string[];
  decision: CommandDecision;
  rule: RuleRef;
  justification: string;
}

export interface CommandVerdict {
  decision: CommandDecision;
  /** The part that set the decision (the first one, in source order, with the strictest decision). */
  decidingPart: PartVerdict | null;
  rule: RuleRef;
  justification: string;
  parts: PartVerdict[];
}

export interface CommandEngine {
  /** Judge a command line. Pure and synchronous; needs `initPolicyEngine()` to have resolved. */
  evaluate(commandLine: string, ctx?: EvalContext): CommandVerdict;
}

const WRITERS = new Set(['tee', 'cp', 'mv', 'ln', 'install', 'rsync', 'touch', 'truncate', 'chmod', 'chown', 'chgrp', 'rm', 'rmdir', 'unlink', 'mkdir', 'patch', 'shred']);
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

type EnginePolicy = Pick<EffectivePolicy, 'paths'> & {
  commands: Omit<EffectivePolicy['commands'], 'approved'> & { approved?: EffectivePolicy['commands']['approved'] };
  ceilings?: EffectivePolicy['ceilings'];
};

/**
 * May an `always for this project` approval turn this rule's `ask` into allow? Only the user's
 * own rules and built-in ones (unless the managed policy locks built-in rules); never a project
 * rule (the repo's own tightening) or a managed one.
 */
function overridable(rule: EffectiveCommandRule, lockRules: boolean): boolean {
  return rule.source.layer === 'user' || (rule.source.layer === 'default' && !lockRules) || rule.id.startsWith('test-runner:');
}

export interface CommandEngineOptions {
  provenance?: Provenance;
  /** Memoise the shell analysis of recent command lines (default 1000 entries; 0 disables). */
  cacheSize?: number;
  /** Read simple lines without tree-sitter (default true; false: the differential test and bench compare). */
  fastPath?: boolean;
}

interface Judgement {
  decision: CommandDecision;
  rule: RuleRef;
  justification: string;
}

/**
 * The working directories a part may run in: the given cwd, plus every static `cd DIR` /
 * `pushd DIR` on the line (resolved against the earlier candidates; bare `cd` = home). Paths
 * are judged under each; strictest wins. `unknown`: some `cd` goes somewhere only known at
 * run time (`cd $X`, `cd -`, `popd`).
 */
function candidateContexts(parts: readonly ShellPart[], ctx: ResolvedContext): { ctxs: ResolvedContext[]; unknown: boolean } {
  if (!parts.some(changesDir)) return { ctxs: [ctx], unknown: false };
  let cwds = [ctx.cwd];
  let unknown = false;
  for (const p of parts) {
    const prog = p.argv[0];
    if (p.kind !== 'command' || (prog !== 'cd' && prog !== 'pushd' && prog !== 'popd')) continue;
    const args = p.argv.slice(1).filter((a, i) => !(a.startsWith('-') && a !== '-' && !p.dynamic[i + 1]));
    const dir = prog === 'popd' ? undefined : (args[0] ?? ctx.home);
    if (dir === undefined || dir === '-' || p.dynamic[p.argv.indexOf(dir)]) {
      unknown = true;
      continue;
    }
    cwds = [...new Set([...cwds, ...cwds.map((c) => resolveArgPath(dir, c, ctx.home))])];
    if (cwds.length > 8) break;
  }
  return { ctxs: cwds.map((cwd) => (cwd === ctx.cwd ? ctx : { ...ctx, cwd })), unknown };
}

const changesDir = (p: ShellPart): boolean => p.kind === 'command' && (p.argv[0] === 'cd' || p.argv[0] === 'pushd' || p.argv[0] === 'popd');

const UNKNOWN_CWD = floorOf('paths.unknown-cwd', 'writes to a relative path after a `cd` to a directory known only at run time');
const isRelative = (p: string): boolean => !p.startsWith('/') && !p.startsWith('~') && !p.startsWith('$HOME');

const engineRefs = new Map<string, RuleRef>();
/** The engine's own rule references, made once per id (verdicts share them; nobody changes them). */
const engineRef = (id: string): RuleRef => {
  let r = engineRefs.get(id);
  if (!r) engineRefs.set(id, (r = { id: `engine:${id}`, source: ENGINE_SOURCE }));
  return r;
};

/** A structural part with no floor: allowed, until a floor says otherwise. */
const STRUCTURE: Judgement = { decision: 'allow', rule: engineRef('shell.structure'), justification: '' };

export function createCommandEngine(policy: EnginePolicy, options: CommandEngineOptions = {}): CommandEngine {
  const prov = options.provenance ?? {};
  const runners: EffectiveCommandRule[] = policy.commands.test_runners.map((r) => ({
    id: `test-runner:${r}`,
    decision: 'allow',
    pattern: r,
    enabled: true,
    justification: 'a test runner the policy declares',
    source: prov[`commands.test_runners[${r}]`] ?? ENGINE_SOURCE,
  }));
  const index = new RuleIndex([...policy.commands.rules.map((r) => compileRule(r)), ...runners.map((r) => compileRule(r, true))]);
  const defaultRef: RuleRef = { id: 'commands.default', source: prov['commands.default'] ?? ENGINE_SOURCE };
  const defaultJudgement: Judgement = { decision: policy.commands.default, rule: defaultRef, justification: 'no rule matches this command; the policy default applies' };
  const approved = new Map((policy.commands.approved ?? []).map((a) => [a.argv.join('\0'), a]));
  const lockRules = policy.ceilings?.lock_rules === true;
  const cacheSize = options.cacheSize ?? 1000;
  const cache = new Map<string, ShellPart[]>();
  const matchers = new Map<string, ReturnType<typeof pathMatcher>>();

  const analyseOptions = { fastPath: options.fastPath ?? true };
  const analyse = (line: string): ShellPart[] => {
    if (cacheSize === 0) return analyseCommandLine(line, analyseOptions);
    const hit = cache.get(line);
    if (hit) return hit;
    const parts = analyseCommandLine(line, analyseOptions);
    // A line that ran out of time is not remembered: on a machine that stalled, the next try may read it.
    if (parts.some((p) => p.floors.some((f) => f.id === 'shell.too-complex'))) return parts;
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(line, parts);
    return parts;
  };

  let last: { workspace: string; home: string; m: ReturnType<typeof pathMatcher> } | null = null;
  const protectedFor = (ctx: ResolvedContext) => {
    // Nearly every call has the same roots as the last one: skip building the key then.
    if (last && last.workspace === ctx.workspace && last.home === ctx.home) return last.m;
    const key = `${ctx.workspace}\0${ctx.home}`;
    let m = matchers.get(key);
    if (!m) {
      m = pathMatcher(policy.paths.protected, ctx);
      matchers.set(key, m);
    }
    last = { workspace: ctx.workspace, home: ctx.home, m };
    return m;
  };

  function judgeRedirect(part: ShellPart, ctx: ResolvedContext): Judgement {
    const t = part.target!;
    if (t.dynamic) return { decision: 'ask', rule: engineRef('paths.dynamic-redirect'), justification: 'a redirection writes to a file named only at run time' };
    const abs = resolveArgPath(t.path, ctx.cwd, ctx.home);
    if (HARMLESS_TARGETS.has(abs)) return { decision: 'allow', rule: engineRef('paths.redirect'), justification: 'writes to a harmless device' };
    if (protectedFor(ctx).matches(abs)) {
      return { decision: 'forbid', rule: engineRef('paths.protected-write'), justification: `${t.path} is a protected path (read-only in the sandbox)` };
    }
    if (isWithin(abs, ctx.workspace) || isWithin(abs, '/tmp')) return { decision: 'allow', rule: engineRef('paths.redirect'), justification: 'writes inside the workspace or /tmp' };
    return { decision: 'ask', rule: engineRef('paths.redirect-outside-workspace'), justification: `writes to ${abs}, outside the workspace` };
  }

  /** Paths a writing command writes to (null: not a writing command). */
  function writeTargets(part: ShellPart): string[] | null {
    const prog = part.argv[0]!;
    if (!WRITERS.has(prog) && prog !== 'sed' && prog !== 'dd') return null;
    const split = splitArgs(part);
    const isWriter = prog !== 'sed' || split.flags.some((f) => flagMatches('-i', f) || flagMatches('--in-place', f));
    if (!isWriter) return null;
    return prog === 'dd' ? part.argv.filter((a) => a.startsWith('of=')).map((a) => a.slice(3)) : split.positional.filter((p) => !p.dynamic).map((p) => p.value);
  }

  function writesProtected(part: ShellPart, ctx: ResolvedContext): string | null {
    const m = protectedFor(ctx);
    return writeTargets(part)?.find((c) => m.matches(resolveArgPath(c, ctx.cwd, ctx.home))) ?? null;
  }

  /** After a `cd` to an unknown place, a relative write could land on a protected path. */
  function writesRelative(part: ShellPart): boolean {
    if (part.kind === 'redirect') return !part.target!.dynamic && isRelative(part.target!.path);
    return part.kind === 'command' && (writeTargets(part)?.some(isRelative) ?? false);
  }

  function judgeCommand(part: ShellPart, ctx: ResolvedContext): Judgement {
    const split = splitArgs(part);
    let best: CompiledRule | null = null;
    const sub = split.positional[0];
    for (const c of index.candidates(part.argv[0]!, sub && !sub.dynamic ? sub.value : undefined)) {
      if (best && c.rank <= best.rank) continue;
      if (ruleMatches(c, part, split, ctx)) best = c;
    }
    const out = best ? best.judgement : defaultJudgement;
    const hit = writesProtected(part, ctx);
    if (hit !== null) return { decision: 'forbid', rule: engineRef('paths.protected-write'), justification: `${hit} is a protected path (read-only in the sandbox)` };
    if (out.decision === 'ask' && approved.size > 0) {
      const a = approvedFor(part);
      if (a && (!best || everyAskOverridable(part, split, ctx))) {
        const justification = a.justification ?? `always allowed for this project (approved ${a.command})`;
        return { decision: 'allow', rule: { id: a.id, source: a.source }, justification };
      }
    }
    return out;
  }

  /** The approval naming exactly this part's argv (nothing run-time dependent in it). */
  function approvedFor(part: ShellPart): EffectivePolicy['commands']['approved'][number] | undefined {
    if (part.dynamic.some(Boolean)) return undefined;
    return approved.get(part.argv.join('\0'));
  }

  /** Every rule that matches and asks may be overridden by an approval (no forbid matched: the caller saw ask). */
  function everyAskOverridable(part: ShellPart, split: ReturnType<typeof splitArgs>, ctx: ResolvedContext): boolean {
    const sub = split.positional[0];
    for (const c of index.candidates(part.argv[0]!, sub && !sub.dynamic ? sub.value : undefined)) {
      if (c.rule.decision === 'ask' && !overridable(c.rule, lockRules) && ruleMatches(c, part, split, ctx)) return false;
    }
    return true;
  }

  return {
    evaluate(commandLine: string, evalCtx?: EvalContext): CommandVerdict {
      const ctx = resolveContext(evalCtx);
      const parts = analyse(commandLine);
      const { ctxs, unknown } = candidateContexts(parts, ctx);
      const verdicts: PartVerdict[] = [];
      let deciding: PartVerdict | null = null;
      for (const part of parts) {
        let v: Judgement = STRUCTURE;
        if (part.kind !== 'structure') {
          if (ctxs.length === 1) v = part.kind === 'command' ? judgeCommand(part, ctx) : judgeRedirect(part, ctx);
          else {
            for (const c of ctxs) {
              const j = part.kind === 'command' ? judgeCommand(part, c) : judgeRedirect(part, c);
              if (c === ctx || commandStrictness(j.decision) > commandStrictness(v.decision)) v = j;
            }
          }
        }
        const floors = unknown && writesRelative(part) ? [...part.floors, UNKNOWN_CWD] : part.floors;
        for (const f of floors) {
          const stricter = commandStrictness(f.decision) - commandStrictness(v.decision);
          if (stricter > 0 || (stricter === 0 && (v.rule === defaultRef || v.justification === ''))) {
            v = { decision: f.decision, rule: engineRef(f.id), justification: f.reason };
          }
        }
        const pv: PartVerdict = { kind: part.kind, text: part.text, argv: part.argv, via: part.via, decision: v.decision, rule: v.rule, justification: v.justification };
        verdicts.push(pv);
        if (!deciding || commandStrictness(pv.decision) > commandStrictness(deciding.decision)) deciding = pv;
      }
      if (!deciding) {
        return { decision: 'allow', decidingPart: null, rule: engineRef('shell.empty'), justification: 'nothing runs', parts: [] };
      }
      return { decision: deciding.decision, decidingPart: deciding, rule: deciding.rule, justification: deciding.justification, parts: verdicts };
    },
  };
}
