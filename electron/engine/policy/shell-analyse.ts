import { ASSIGNMENT, floorOf, SHELLS, unwrapCommand } from './command-unwrap.js';
import type { Floor, UnwrapSink } from './command-unwrap.js';
import { parseBash } from './shell-parser.js';
import type { TsNode } from './shell-parser.js';
import { simpleList } from './shell-fast-path.js';
import type { FastRedirect, FastStage, FastSub } from './shell-fast-path.js';
import { word, wordValue } from './shell-words.js';
import type { Word } from './shell-words.js';

/**
 * One piece of a command line, judged on its own: a simple command after unwrapping, a
 * redirection that writes, or a structural finding (substitution, eval, unparseable input…).
 */
export interface ShellPart {
  kind: 'command' | 'redirect' | 'structure';
  /** Source text of the command this part came from (the whole simple command, or the redirect). */
  text: string;
  /** argv after unwrapping; argv[0] is the program (basename for absolute paths). Empty for non-commands. */
  argv: string[];
  /** Per argv entry: value only known at run time. */
  dynamic: boolean[];
  /** Wrappers and contexts peeled off on the way, outermost first (`bash -c`, `xargs`, `$(…)`). */
  via: string[];
  /** Programs of earlier pipeline stages feeding this one. */
  pipedFrom: string[];
  floors: Floor[];
  /** Redirect target for kind 'redirect'. */
  target?: { path: string; dynamic: boolean };
  /** Interpreter reading its program from stdin (sh, bash -s, python -). */
  readsStdin: boolean;
  /** Flags and positional arguments, filled in by the engine on first use. */
  split?: ArgSplit;
}

export interface ArgSplit {
  flags: string[];
  /** `forms`: the value as written and, for path-like values, normalised. */
  positional: { value: string; dynamic: boolean; forms?: string[] }[];
}

const MAX_DEPTH = 8;
/**
 * The time one command line may take to read. Real lines take well under a millisecond; the
 * grammar's error recovery can take seconds on a crafted one. Past it the line is forbidden as a
 * whole: what it would run is not known, and an ask could be allowed unattended.
 */
export const ANALYSIS_BUDGET_MS = 400;
const TOO_COMPLEX = floorOf('shell.too-complex', 'the command line is too complex to read in the time allowed; split it into simpler commands', 'forbid');
/** Words that start a compound command or a declaration: the fast path leaves such lines to the parser. */
export const RESERVED: ReadonlySet<string> = new Set(['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', '!', '{', '}', '[[', ']]', 'export', 'declare', 'local', 'readonly', 'typeset', 'unset']);
const SUBSTITUTION = floorOf('shell.command-substitution', 'command substitution runs a command whose output becomes part of another');
/** An empty list of feeding programs, shared (frozen: nothing may add to it). */
const PROCESS_SUBSTITUTION = floorOf('shell.process-substitution', 'process substitution runs a command connected through a file');
const NONE = Object.freeze([]) as unknown as string[];
const WRITE_OPS = new Set(['>', '>>', '&>', '&>>', '>|', '<>']);

interface WalkCtx {
  via: string[];
  depth: number;
  pipedFrom: string[];
  stdinPiped: boolean;
}

class Analyser {
  readonly parts: ShellPart[] = [];
  private timedOut = false;
  constructor(
    private readonly fastPath: boolean,
    /** `performance.now()` time after which no more of the line is read (ANALYSIS_BUDGET_MS). */
    private readonly deadline: number,
  ) {}

  /** `split`: judge pieces of an unparseable `src` too (not for such pieces themselves: the line's own cut is finer). */
  script(src: string, via: string[], depth: number, floor: Floor | null, split = true): void {
    if (this.timedOut) return;
    if (floor) this.structure(src, via, floor);
    if (depth > MAX_DEPTH) return this.structure(src, via, floorOf('shell.too-deep', 'commands nested too deeply to judge'));
    const list = this.fastPath ? simpleList(src, RESERVED) : null;
    if (list) return this.fastList(list, via, depth, NONE, false);
    // Watching the clock costs a short line's parse ~10 %, and a short line cannot take long.
    const { root, hasError, timedOut } = parseBash(src, src.length > 256 ? this.deadline : undefined);
    if (timedOut || performance.now() > this.deadline) {
      // Once is enough: the whole line is forbidden, and nothing more of it is read.
      this.timedOut = true;
      return this.structure(src, via, TOO_COMPLEX);
    }
    if (hasError) this.structure(src, via, floorOf('shell.unparseable', 'the command line does not parse as shell; it cannot be judged'));
    this.walk(root, { via, depth, pipedFrom: [], stdinPiped: false });
    if (hasError) {
      // bash still runs what it can (an unterminated here-document, a backtick the grammar
      // gave up on): also judge pieces of the line on their own. Only adds parts. The pieces:
      // the line with its continuations joined, as bash does (`A=1\⏎true rm -rf /` runs `rm`);
      // each line (a continuation ending a comment is none: `a #c \⏎rm` runs `rm`); and the
      // joined line cut wherever a command can start, at every line break, `;`, `&`, `|`, `(`,
      // `)` and backtick (in quotes and comments too): the grammar gives up on `cat <<EOF; rm
      // -rf /` (the delimiter is `EOF;` to it) where bash runs `rm` after the here-document, and
      // on `"$(curl `rm⏎{`)"`, where bash runs `curl`.
      const joined = joinContinuations(src);
      const seen = new Set<string>([src]);
      const judge = (piece: string): void => {
        if (piece.trim() === '' || seen.has(piece)) return;
        seen.add(piece);
        this.script(piece, [...via, 'line'], depth + 1, null, false);
      };
      if (split) {
        judge(joined);
        const lines = splitLines(src);
        if (lines.length > 1) lines.forEach(judge);
        const cut = joined.split(/[\n;&|()`]+/);
        if (cut.length > 1) cut.forEach(judge);
      }
      this.backticks(src, via, depth, false);
    }
  }

  /** Each backtick substitution in `text` judged as a script of its own (`floor`: with the substitution's floor first). */
  private backticks(text: string, via: string[], depth: number, floor = true): void {
    for (const m of text.matchAll(/`((?:[^`\\]|\\.)*)`/g)) {
      if (floor) this.structure(m[0], via, SUBSTITUTION);
      this.script(m[1]!.replace(/\\([$`\\])/g, '$1'), [...via, '`…`'], depth + 1, null);
    }
  }

  /**
   * The parts of a list the fast path read, in the order the parser's walk gives them: a
   * group's commands in place, a stage's substitutions before its command (after it when the
   * stage is only assignments), redirections last. `from`/`stdin`: what feeds the list.
   */
  private fastList(list: FastStage[][], via: string[], depth: number, from: string[], stdin: boolean): void {
    for (const pipeline of list) {
      let pipedFrom = from;
      for (let k = 0; k < pipeline.length; k++) {
        const stage = pipeline[k]!;
        const start = this.parts.length;
        const stdinPiped = stdin || k > 0;
        if (stage.group) {
          this.fastList(stage.group, via, depth, pipedFrom, stdinPiped);
          this.fastRedirects(stage.redirects, via);
        } else {
          if (stage.subs && !stage.subsAfter) this.fastSubs(stage.subs, via, depth);
          const ctx = { via, depth, pipedFrom, stdinPiped };
          const own = this.parts.length;
          this.simple(stage.words, stage.text, ctx);
          if (stage.here) this.fed(stage.here, 'here-string', this.parts.slice(own), ctx);
          const docReaders = stage.doc === null ? null : this.parts.slice(own).filter((p) => p.kind === 'command');
          if (stage.subs && stage.subsAfter) this.fastSubs(stage.subs, via, depth);
          this.fastRedirects(stage.redirects, via);
          if (docReaders) {
            // As the parser's reading does: what follows `<<EOF` on its line is fed the body
            // too, a pipe there taking the command's programs as its input.
            const doc = stage.doc!;
            const fedTo = [...docReaders];
            const start = this.parts.length;
            this.fastRedirects(doc.redirects, via);
            if (doc.pipe) this.fastList([doc.pipe], via, depth, [...pipedFrom, ...docReaders.map((p) => p.argv[0]!)], true);
            fedTo.push(...this.parts.slice(start));
            this.fed(word(doc.body), 'here-document', fedTo, ctx);
          }
        }
        if (k + 1 < pipeline.length) pipedFrom = this.feeding(pipedFrom, start);
      }
    }
  }

  /** The redirections that write, as parts (after the command or group they follow). */
  private fastRedirects(redirects: FastRedirect[], via: string[]): void {
    for (const r of redirects) {
      if (r.writes !== null) this.parts.push({ kind: 'redirect', text: r.text, argv: [], dynamic: [], via, pipedFrom: [], floors: [], readsStdin: false, target: { path: r.writes, dynamic: r.dynamic } });
    }
  }

  /** Substitutions as the walk judges them: a floor, then what runs inside (backticks: re-read as a script). */
  private fastSubs(subs: FastSub[], via: string[], depth: number): void {
    for (const s of subs) {
      const command = s.kind !== '<(';
      this.structure(s.text, via, command ? SUBSTITUTION : PROCESS_SUBSTITUTION);
      if (s.list) this.fastList(s.list, [...via, command ? '$(…)' : '<(…)'], depth, NONE, false);
      else this.script(s.body, [...via, '`…`'], depth + 1, null);
    }
  }

  private structure(text: string, via: string[], floor: Floor): void {
    this.parts.push({ kind: 'structure', text, argv: [], dynamic: [], via, pipedFrom: [], floors: [floor], readsStdin: false });
  }

  private simple(words: Word[], text: string, ctx: WalkCtx): void {
    const sink: UnwrapSink = {
      command: (argv, via, floors, readsStdin) => {
        const f = [...floors];
        if (readsStdin && ctx.stdinPiped) f.push(floorOf('shell.stdin-script', 'an interpreter runs code it reads from a pipe'));
        this.parts.push({
          kind: argv.length > 0 ? 'command' : 'structure',
          text,
          argv: argv.map((a) => a.value),
          dynamic: argv.map((a) => a.dynamic),
          via,
          pipedFrom: ctx.pipedFrom,
          floors: f,
          readsStdin,
        });
      },
      script: (src, via, floor) => this.script(src, via, ctx.depth + 1, floor),
    };
    unwrapCommand(words, ctx.via, sink);
  }

  private walk(node: TsNode, ctx: WalkCtx): void {
    switch (node.type) {
      case 'command':
        return this.command(node, ctx);
      case 'unset_command':
        // The grammar reads `unsetenv` (csh's) as bash's `unset`; bash has no such builtin and
        // runs a program of that name, so it is judged as one.
        if (node.children[0]?.type === 'unsetenv') return this.unsetenv(node, ctx);
        return this.children(node, ctx);
      case 'pipeline':
        return this.pipeline(node, ctx);
      case 'redirected_statement':
        return this.redirected(node, ctx);
      case 'command_substitution':
      case 'process_substitution': {
        const sub = node.type === 'command_substitution';
        this.structure(node.text, ctx.via, sub
          ? SUBSTITUTION
          : PROCESS_SUBSTITUTION);
        if (sub && node.text.startsWith('`') && node.text.endsWith('`')) {
          // Inside backticks bash drops the backslash before $, ` and \ before parsing: re-parse.
          return this.script(node.text.slice(1, -1).replace(/\\([$`\\])/g, '$1'), [...ctx.via, '`…`'], ctx.depth + 1, null);
        }
        return this.children(node, { ...ctx, via: [...ctx.via, sub ? '$(…)' : '<(…)'], pipedFrom: [], stdinPiped: false });
      }
      case 'variable_assignment':
      case 'variable_assignments': {
        // Judged like a command made of these words (as the fast path does): risky names add
        // floors, and a word the grammar took for an assignment but bash does not (`1X=2`) runs.
        const list = node.type === 'variable_assignment' ? [node] : node.namedChildren.filter((c) => c.type === 'variable_assignment');
        let program = false;
        const words = list.map((c) => {
          const w = assignmentWord(c, program);
          program ||= !ASSIGNMENT.test(w.value);
          return w;
        });
        this.simple(words, node.text, ctx);
        for (const c of list) this.children(c, ctx);
        return;
      }
      case 'file_redirect':
      case 'heredoc_redirect':
      case 'herestring_redirect':
        return this.redirect(node, ctx, []);
      case 'heredoc_start':
      case 'heredoc_end':
      case 'comment':
        return;
      default:
        return this.children(node, ctx);
    }
  }

  private children(node: TsNode, ctx: WalkCtx): void {
    for (const c of node.namedChildren) if (c) this.walk(c, ctx);
  }

  private command(node: TsNode, ctx: WalkCtx): void {
    const words: Word[] = [];
    const redirects: TsNode[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') {
        // After a word bash does not take for an assignment (`1X=2`), the rest are arguments.
        words.push(assignmentWord(c, words.some((w) => !ASSIGNMENT.test(w.value))));
        this.children(c, ctx);
      } else if (c.type.endsWith('_redirect')) redirects.push(c);
      else {
        const name = c.type === 'command_name';
        const target = name ? c.namedChild(0) : c;
        words.push(target ? wordValue(target) : word(c.text, true));
        if (name) this.children(c, ctx);
        else this.walk(c, ctx);
      }
    }
    const start = this.parts.length;
    this.simple(words, node.text, ctx);
    const consumers = this.parts.slice(start);
    for (const r of redirects) this.redirect(r, ctx, consumers);
  }

  private unsetenv(node: TsNode, ctx: WalkCtx): void {
    const words: Word[] = [word('unsetenv')];
    for (const c of node.namedChildren) {
      if (!c) continue;
      words.push(c.type === 'variable_name' ? word(c.text) : wordValue(c));
      this.walk(c, ctx);
    }
    this.simple(words, node.text, ctx);
  }

  private pipeline(node: TsNode, ctx: WalkCtx): void {
    let pipedFrom = ctx.pipedFrom;
    let first = true;
    for (const stage of node.namedChildren) {
      if (!stage || stage.type === 'comment') continue;
      const start = this.parts.length;
      this.walk(stage, { ...ctx, pipedFrom, stdinPiped: ctx.stdinPiped || !first });
      pipedFrom = this.feeding(pipedFrom, start);
      first = false;
    }
  }

  /** What feeds a pipeline's next stage: `from`, then the programs of the parts added since `start`. */
  private feeding(from: string[], start: number): string[] {
    const out = from.slice();
    for (let q = start; q < this.parts.length; q++) if (this.parts[q]!.kind === 'command') out.push(this.parts[q]!.argv[0]!);
    return out;
  }

  private redirected(node: TsNode, ctx: WalkCtx): void {
    const start = this.parts.length;
    const body = node.namedChildren.find((c) => !c.type.endsWith('_redirect')) ?? null;
    if (body) this.walk(body, ctx);
    const consumers = this.parts.slice(start).filter((p) => p.kind === 'command');
    for (const c of node.namedChildren) if (c !== body) this.redirect(c, ctx, consumers);
  }

  private redirect(node: TsNode, ctx: WalkCtx, consumers: ShellPart[]): void {
    if (node.type === 'file_redirect') {
      const op = node.children.find((c) => c && !c.isNamed)?.text ?? '';
      const dest = node.namedChildren[node.namedChildren.length - 1] ?? null;
      if (dest) this.children(node, ctx);
      const writes = WRITE_OPS.has(op) || (op === '>&' && dest !== null && !/^(\d+|-)$/.test(dest.text));
      if (writes && dest) {
        const w = wordValue(dest);
        this.parts.push({ kind: 'redirect', text: node.text, argv: [], dynamic: [], via: ctx.via, pipedFrom: [], floors: [], readsStdin: false, target: { path: w.value, dynamic: w.dynamic } });
      }
      return;
    }
    if (node.type === 'herestring_redirect') {
      this.children(node, ctx);
      const value = node.namedChildren.find((c) => c !== null);
      return this.fed(value ? wordValue(value) : null, 'here-string', consumers, ctx);
    }
    if (node.type === 'heredoc_redirect') {
      let bodyText = '';
      const fedConsumers = [...consumers];
      for (const c of node.namedChildren) {
        if (!c) continue;
        if (c.type === 'heredoc_body') {
          bodyText = c.text;
          this.children(c, ctx);
          // The grammar reads `$(…)` in an unquoted body but not backticks, which bash runs too.
          const start = node.namedChildren.find((d) => d.type === 'heredoc_start')?.text ?? '';
          if (!/['"\\]/.test(start)) this.backticks(bodyText, ctx.via, ctx.depth);
        } else if (c.type !== 'heredoc_start' && c.type !== 'heredoc_end') {
          const start = this.parts.length;
          const from = consumers.filter((p) => p.kind === 'command').map((p) => p.argv[0]!);
          this.walk(c, { ...ctx, pipedFrom: [...ctx.pipedFrom, ...from], stdinPiped: true });
          fedConsumers.push(...this.parts.slice(start));
        }
      }
      return this.fed(word(bodyText), 'here-document', fedConsumers, ctx);
    }
    this.walk(node, ctx);
  }

  /** Text fed on stdin to a command: if an interpreter reads it, judge it as code and ask. */
  private fed(input: Word | null, what: string, consumers: ShellPart[], ctx: WalkCtx): void {
    const readers = consumers.filter((p) => p.readsStdin);
    if (readers.length === 0) return;
    const floor = floorOf('shell.stdin-script', `an interpreter runs code from a ${what}`);
    for (const r of readers) r.floors.push(floor);
    const shell = readers.find((r) => SHELLS.has(r.argv[0]!));
    if (shell && input && !input.dynamic) this.script(input.value, [...ctx.via, `${shell.argv[0]!} <<${what}`], ctx.depth + 1, null);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The word an assignment node stands for. A valid name (`X=…`, `X[1]=…`) gives `NAME=`, which
 * unwrapping drops (adding a floor for risky names). The grammar also reads `1X=2` and `9=x`
 * as assignments, but bash runs such a word as a command: it keeps its whole value then, and
 * so does every assignment after it (`argument`: arguments of that command).
 */
function assignmentWord(node: TsNode, argument: boolean): Word {
  const name = node.namedChild(0);
  const nameText = name?.text ?? '';
  if (!argument && (name?.type === 'subscript' || IDENTIFIER.test(nameText))) return word(`${nameText}=`);
  let value = nameText;
  let dynamic = false;
  for (const c of node.children) {
    if (c === name) continue;
    const w = c.isNamed ? wordValue(c) : word(c.text);
    value += w.value;
    dynamic ||= w.dynamic;
  }
  return word(value, dynamic);
}

/** `src` without its line continuations (a backslash-newline after an even number of backslashes). */
function joinContinuations(src: string): string {
  return src.replace(/(\\*)\\\n/g, (m, before: string) => (before.length % 2 === 0 ? before : m));
}

/** The lines of `src`, split at line breaks that are not continuations (one in a line with a `#` may end a comment: split there too). */
function splitLines(src: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) {
    let k = i;
    while (k > 0 && src[k - 1] === '\\') k--;
    const line = src.slice(from, i);
    if ((i - k) % 2 === 0 || line.includes('#')) {
      out.push(line);
      from = i + 1;
    }
  }
  out.push(src.slice(from));
  return out;
}

/** Split a command line into the parts that will run. Synchronous; needs `initPolicyEngine()` first. */
export function analyseCommandLine(line: string, options: { fastPath?: boolean; budgetMs?: number } = {}): ShellPart[] {
  const a = new Analyser(options.fastPath ?? true, performance.now() + (options.budgetMs ?? ANALYSIS_BUDGET_MS));
  a.script(line, [], 0, null);
  return a.parts;
}
