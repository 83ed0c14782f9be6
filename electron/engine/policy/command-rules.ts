import { posix } from 'node:path';
import { globToRegExp, isWithin, resolveArgPath } from './glob.js';
import { commandStrictness } from './policy-types.js';
import type { EffectiveCommandRule } from './policy-types.js';
import type { ArgSplit, ShellPart } from './shell-analyse.js';

/** Where relative paths and `~` resolve while judging a command. */
export interface EvalContext {
  /** Working directory of the command (default: the workspace). */
  cwd?: string;
  /** The repository's path as the command sees it (default /workspace). */
  workspace?: string;
  /** $HOME as the command sees it (default /home/agent). */
  home?: string;
}

export interface ResolvedContext {
  cwd: string;
  workspace: string;
  home: string;
}

export function resolveContext(ctx: EvalContext = {}): ResolvedContext {
  const workspace = ctx.workspace ?? '/workspace';
  return { workspace, cwd: ctx.cwd ?? workspace, home: ctx.home ?? '/home/agent' };
}

type TokenSet = Set<string> | null; // null = any token

export interface CompiledRule {
  rule: EffectiveCommandRule;
  /** commandStrictness(rule.decision). */
  rank: number;
  /** What a verdict says when this rule decides (made once). */
  judgement: { decision: EffectiveCommandRule['decision']; rule: { id: string; source: EffectiveCommandRule['source'] }; justification: string };
  program: TokenSet;
  tokens: TokenSet[];
  flagsAny: string[] | null;
  flagsNone: string[] | null;
  /** args_any globs: literal ones as a set (compared as strings), the rest as regular expressions. */
  argsAny: ArgsAny | null;
  argsRegex: RegExp | null;
  argsMax: number | null;
  /** Pattern tokens match argv literally (test runners: `python -m pytest`) instead of positional arguments. */
  literal: boolean;
  pathsOutside: DirSet | null;
  pathsWithin: DirSet | null;
  pipedFrom: Set<string> | null;
}

/** Directories for paths_outside / paths_within: `.` and relative entries are under the workspace. */
interface DirSet {
  dirs: string[];
  /** All absolute: resolved once at compile time. */
  fixed: boolean;
  /** The last resolution of relative entries (the roots rarely change between calls). */
  last: { workspace: string; home: string; dirs: string[] } | null;
}
const dirSet = (dirs: string[]): DirSet => {
  const fixed = dirs.every((d) => d.startsWith('/'));
  return { dirs: fixed ? dirs.map((d) => posix.normalize(d)) : dirs, fixed, last: null };
};
function resolveDirs(s: DirSet, ctx: ResolvedContext): string[] {
  if (s.fixed) return s.dirs;
  if (s.last?.workspace !== ctx.workspace || s.last.home !== ctx.home) {
    s.last = { workspace: ctx.workspace, home: ctx.home, dirs: s.dirs.map((d) => resolveArgPath(d, ctx.workspace, ctx.home)) };
  }
  return s.last.dirs;
}
function inside(p: { value: string; dynamic: boolean }, dirs: string[], ctx: ResolvedContext): boolean {
  if (p.dynamic) return false;
  const abs = resolveArgPath(p.value, ctx.cwd, ctx.home);
  return dirs.some((d) => isWithin(abs, d));
}

const tokenSet = (t: string): TokenSet => (t === '*' ? null : new Set(t.split('|')));

/** Compile one rule. Throws a plain Error with a message (the loader adds file:line:col). */
export function compileRule(rule: EffectiveCommandRule, literal = false): CompiledRule {
  const tokens = rule.pattern.trim().split(/\s+/).map(tokenSet);
  let argsRegex: RegExp | null = null;
  if (rule.args_regex !== undefined) {
    // A nested quantifier ((a+)+, (a|b*)*) can take exponential time and hang the gate.
    if (/\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/.test(rule.args_regex)) {
      throw new Error('args_regex has a nested quantifier like (a+)+, which can take exponential time; rewrite it without one');
    }
    try {
      argsRegex = new RegExp(rule.args_regex);
    } catch (e) {
      throw new Error(`args_regex is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  return {
    rule,
    rank: commandStrictness(rule.decision),
    judgement: { decision: rule.decision, rule: { id: rule.id, source: rule.source }, justification: rule.justification ?? `rule ${rule.id}` },
    program: tokens[0] ?? null,
    tokens: tokens.slice(1),
    flagsAny: rule.flags_any ?? null,
    flagsNone: rule.flags_none ?? null,
    argsAny: rule.args_any ? argsAnyOf(rule.args_any) : null,
    argsRegex,
    argsMax: rule.args_max ?? null,
    literal,
    pathsOutside: rule.paths_outside ? dirSet(rule.paths_outside) : null,
    pathsWithin: rule.paths_within ? dirSet(rule.paths_within) : null,
    pipedFrom: rule.piped_from ? new Set(rule.piped_from) : null,
  };
}

/**
 * args_any: literal globs as a set, the others joined into one expression (one test per
 * argument), skipped for an argument that contains none of the literal pieces every match must
 * contain (`**\/.netrc` → `.netrc`).
 */
interface ArgsAny {
  exact: Set<string>;
  re: RegExp | null;
  /** One piece per glob of `re`, or null (some glob has no piece worth checking). */
  needles: string[] | null;
}

/** A glob with no special character matches exactly itself (globToRegExp escapes every character of it). */
function argsAnyOf(globs: readonly string[]): ArgsAny {
  const exact = new Set<string>();
  const sources: string[] = [];
  let needles: string[] | null = [];
  for (const g of globs) {
    if (/[*?{\\]/.test(g)) {
      sources.push(globToRegExp(g).source);
      // The longest run outside wildcards, alternatives, escapes and separators (a `/` next to
      // `**` is optional in a match) appears verbatim in every path the glob matches.
      const piece = g
        .replace(/\{[^}]*\}/g, '*')
        .split(/[*?\\/[\]{}]/)
        .reduce((x, y) => (y.length > x.length ? y : x), '');
      if (piece.length >= 3 && needles) needles.push(piece);
      else needles = null;
    } else exact.add(g);
  }
  const re = sources.length > 0 ? new RegExp(sources.map((x) => `(?:${x})`).join('|')) : null;
  return { exact, re, needles: re ? needles : null };
}

function anyArg(a: ArgsAny, v: string): boolean {
  if (a.exact.has(v)) return true;
  if (a.re === null) return false;
  if (a.needles !== null && !a.needles.some((n) => v.includes(n))) return false;
  return a.re.test(v);
}

/** The forms of a positional argument (computed once, on first use by an args_any rule). */
function formsOf(p: ArgSplit['positional'][number]): string[] {
  return (p.forms ??= argForms(p.value));
}

/**
 * Does `flag` (as written in a rule) appear in `arg`? `--long` matches `--long` and
 * `--long=…`; `-x` (one letter) also matches inside a short cluster (`-rf`) or with an
 * attached value (`-i.bak`); `-name` (single dash, several letters) matches exactly.
 */
export function flagMatches(flag: string, arg: string): boolean {
  if (arg === flag) return true;
  if (flag.startsWith('--')) return arg.startsWith(`${flag}=`);
  if (flag.length === 2) {
    if (arg.startsWith('--') || !arg.startsWith('-')) return false;
    const letters = /^-([A-Za-z]+)/.exec(arg)?.[1] ?? '';
    return letters.includes(flag[1]!);
  }
  return false;
}

type Split = ArgSplit;

export function splitArgs(part: ShellPart): Split {
  if (part.split) return part.split;
  const flags: string[] = [];
  const positional: Split['positional'] = [];
  let afterDashDash = false;
  for (let i = 1; i < part.argv.length; i++) {
    const a = part.argv[i]!;
    if (!afterDashDash && a === '--') afterDashDash = true;
    else if (!afterDashDash && a.length > 1 && a.startsWith('-') && !part.dynamic[i]) flags.push(a);
    else positional.push({ value: a, dynamic: part.dynamic[i] ?? false });
  }
  part.split = { flags, positional };
  return part.split;
}

const NOT_NORMAL = /\/\/|(^|\/)\.\.?(\/|$)|.\/$/;

/** An argument as written and, if it looks like a path, normalised (`//` → `/`, `/usr/./` → `/usr`). */
function argForms(v: string): string[] {
  // No `//`, no `.` / `..` segment and no trailing `/`: normalising would change nothing.
  if (!/^[/~.$]/.test(v) || !NOT_NORMAL.test(v)) return [v];
  const n = posix.normalize(v).replace(/(.)\/+$/, '$1');
  return n === v ? [v] : [v, n];
}

/** Does this rule match this command part? All conditions the rule states must hold. */
export function ruleMatches(c: CompiledRule, part: ShellPart, split: Split, ctx: ResolvedContext): boolean {
  const prog = part.argv[0];
  if (prog === undefined) return false;
  if (c.program && !c.program.has(prog)) return false;
  const { flags, positional } = split;
  if (c.literal) {
    for (let i = 0; i < c.tokens.length; i++) {
      const t = c.tokens[i];
      if (part.dynamic[i + 1] !== false || (t && !t.has(part.argv[i + 1]!))) return false;
    }
    return true;
  }
  for (let i = 0; i < c.tokens.length; i++) {
    const p = positional[i];
    if (!p || p.dynamic) return false;
    const t = c.tokens[i];
    if (t && !t.has(p.value)) return false;
  }
  if (c.flagsAny && !c.flagsAny.some((f) => flags.some((a) => flagMatches(f, a)))) return false;
  if (c.flagsNone && c.flagsNone.some((f) => flags.some((a) => flagMatches(f, a)))) return false;
  // The arguments after the pattern's tokens (indexes from `from`: no copy on this hot path).
  const from = c.tokens.length;
  const restLength = positional.length - from;
  if (c.argsMax !== null && restLength > c.argsMax) return false;
  if (c.argsAny) {
    let hit = false;
    for (let i = from; i < positional.length && !hit; i++) hit = formsOf(positional[i]!).some((v) => anyArg(c.argsAny!, v));
    if (!hit) return false;
  }
  if (c.argsRegex) {
    let hit = false;
    for (let i = 1; i < part.argv.length && !hit; i++) hit = c.argsRegex.test(part.argv[i]!);
    if (!hit) return false;
  }
  if (c.pathsOutside) {
    const dirs = resolveDirs(c.pathsOutside, ctx);
    let outside = false;
    for (let i = from; i < positional.length && !outside; i++) outside = !inside(positional[i]!, dirs, ctx);
    if (!outside) return false;
  }
  if (c.pathsWithin) {
    const dirs = resolveDirs(c.pathsWithin, ctx);
    if (restLength <= 0) return false;
    for (let i = from; i < positional.length; i++) if (!inside(positional[i]!, dirs, ctx)) return false;
  }
  if (c.pipedFrom && !part.pipedFrom.some((p) => c.pipedFrom!.has(p))) return false;
  return true;
}

/**
 * Rules indexed by program and, when the pattern names one, by the first positional token
 * (`git push` under git → push), so a part is only tried against rules that could match.
 * Wildcard-program rules apply to every command. Candidate lists are built once and reused.
 */
export class RuleIndex {
  private readonly byProgram = new Map<string, { any: CompiledRule[]; bySub: Map<string, CompiledRule[]>; memo: Map<string, readonly CompiledRule[]> }>();
  private readonly wildcard: CompiledRule[] = [];
  private memoSize = 0;

  constructor(readonly rules: readonly CompiledRule[]) {
    for (const r of rules) {
      if (!r.rule.enabled) continue;
      if (!r.program) {
        this.wildcard.push(r);
        continue;
      }
      const first = r.literal ? null : (r.tokens[0] ?? null);
      for (const p of r.program) {
        let entry = this.byProgram.get(p);
        if (!entry) this.byProgram.set(p, (entry = { any: [], bySub: new Map(), memo: new Map() }));
        if (!first) entry.any.push(r);
        else for (const t of first) entry.bySub.set(t, [...(entry.bySub.get(t) ?? []), r]);
      }
    }
  }

  /** Rules to try for a command whose program is `program` and first positional argument `sub`. */
  candidates(program: string, sub: string | undefined): readonly CompiledRule[] {
    const entry = this.byProgram.get(program);
    if (!entry) return this.wildcard;
    const key = sub === undefined ? '\0' : sub; // '\0' cannot be an argument
    let list = entry.memo.get(key);
    if (!list) {
      // Keep the rules' declaration order so equal-strictness ties resolve the same way.
      const chosen = new Set([...entry.any, ...((sub !== undefined && entry.bySub.get(sub)) || []), ...this.wildcard]);
      list = this.rules.filter((r) => chosen.has(r));
      if (this.memoSize < 10_000) {
        entry.memo.set(key, list);
        this.memoSize++;
      }
    }
    return list;
  }
}
