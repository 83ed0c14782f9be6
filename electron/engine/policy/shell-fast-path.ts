import { scan } from './shell-fast-scan.js';
import type { Closer, Scan } from './shell-fast-scan.js';
import { assignmentAt, splitRedirects, validTest } from './shell-fast-syntax.js';
import type { FastRedirect } from './shell-fast-syntax.js';
import type { Word } from './shell-words.js';

export type { FastRedirect };

/**
 * A fast path that skips tree-sitter for the lines agents send: a scanner that reads a line
 * into pipelines of stages and gives exactly the parts, in the same order, that the walk over
 * the parser's tree gives (shell-analyse.ts turns both into parts). Simple commands joined by
 * `&&`, `||`, `;`, `|`, `&` and newlines, whose words it reads exactly as bash (and the grammar)
 * do. Outside quotes: letters, digits, `_-./=:,@%+^~*?`, the pair `{}` (find's and xargs'
 * placeholder), `$NAME` / `${NAME}` (a dynamic word), a backslash before a printable character
 * (that character; not starting a line), a backslash-newline between words, `# comments` (not
 * `#` inside a word). Program names are plainer still (PROGRAM). Inside '…' anything but ' and
 * newline; inside "…" no newline, `$` only as `$NAME` / `${NAME}` / `$(…)`, a backslash before
 * anything but a newline or `. Also `$(…)`, `<(…)`, backticks, subshells, brace groups,
 * `if`/`while`/`until`/`for`, `name() { …; }`, `! …`, `[ … ]` tests of a few shapes,
 * here-strings, here-documents ending their line and plain redirections (shell-fast-syntax.ts).
 * Anything else (other expansions, `case`, `[[`, declarations, `&>`, reserved words, empty
 * commands, unterminated quotes, non-ASCII outside quotes, shapes the grammar reads
 * differently from bash) returns null and goes to the parser. shell-fast-path.test.ts proves
 * the two paths give the same parts and decisions for the rule table, edge cases and a
 * generated corpus.
 *
 * This file holds the stages: their types, the entry points, and the Scanner's state with what
 * makes a stage of what it read (split redirections, tests, here-strings, program-name checks)
 * and the checks over a whole list. The loop over the characters is shell-fast-scan.ts; the
 * parts of a word, substitutions and here-documents shell-fast-words.ts; compound commands,
 * functions, groups, `!` and tests shell-fast-compound.ts.
 */

/**
 * A substitution in a word: `$(…)` and process substitutions `<(…)` / `>(…)` (read here), or
 * backticks (re-read as a script of its own).
 */
export interface FastSub {
  kind: '$(' | '<(' | '`';
  /** As written, `$(…)`, `<(…)` or `` `…` ``. */
  text: string;
  /** `$(…)`, `<(…)`: its pipelines. */
  list: FastStage[][] | null;
  /** Backticks: the body. */
  body: string;
}

export interface FastStage {
  text: string;
  words: Word[];
  redirects: FastRedirect[];
  /** Substitutions in the words, in source order (null: none). */
  subs: FastSub[] | null;
  /** Only assignments: the parser's reading judges the stage before its substitutions. */
  subsAfter: boolean;
  /** A subshell `( … )` or brace group `{ …; }`: its pipelines (then no words). */
  group: FastStage[][] | null;
  /** The word of a here-string (`cmd <<< word`) ending the stage, fed to the command's stdin. */
  here: Word | null;
  /** A here-document (`cmd <<EOF`, last on the command's line), fed to the command's stdin. */
  doc: FastDoc | null;
}

export interface FastDoc {
  body: string;
  /** What follows `<<EOF` on its line, which the parser's reading also feeds the body to: plain redirections, or `| pipeline`. */
  redirects: FastRedirect[];
  pipe: FastStage[] | null;
}

/** Words of one simple command (quotes removed). */
export function simpleWords(src: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      cur += src.slice(i + 1, end);
      i = end;
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Pipelines (in order) of stages, or null when the line needs the real parser. */
export function simpleList(src: string, reserved: ReadonlySet<string>): FastStage[][] | null {
  return scan(src, 0, '', reserved)?.pipelines ?? null;
}

export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
/** Program names the grammar reads as bash does (`$` only in an expansion: the word is dynamic then). */
const PROGRAM = /^[A-Za-z0-9_./~$][A-Za-z0-9_\-./+,:~$]*$/;
/** A program name that is one command substitution (`$(…)`, `` `…` ``): dynamic, read by the grammar as bash does. */
const SUB_NAME = /^(\$\(.*\)|`[^`]*`)$/s;

/** The state of one scan (shell-fast-scan.ts): the pipelines read so far, the stage being read, and its current word. */
export class Scanner {
  readonly pipelines: FastStage[][] = [];
  stages: FastStage[] = [];
  words: Word[] = [];
  cur = '';
  dyn = false;
  inWord = false;
  /** Source span of the stage's words. */
  first = -1;
  end = -1;
  /** Raw start of the stage (for a stage with redirections). */
  stageStart: number;
  redirected = false;
  /** What ended the previous stage: '' (none yet), ';', '&', '\n', '|', '&&', '||'. */
  conn = '';
  piped = false;
  andOr = false;
  anyRedirect = false;
  /** Substitutions in the stage's words, in source order. */
  subs: FastSub[] | null = null;
  /** Every word of the stage so far starts as an unquoted assignment. */
  allAssign = true;
  /** A subshell, brace group, compound command or function body that is the stage. */
  group: FastStage[][] | null = null;
  groupFrom = -1;
  groupEnd = -1;
  groupRedirects: FastRedirect[] = [];
  /** The pipeline started with `!`. */
  negated = false;
  /** Index in `words` of a here-string's word, and the number of substitutions before it. */
  hereAt = -1;
  hereSubs = 0;
  /** A `[ … ]` test command: 1 open, 2 closed (at `testEnd` words). */
  test = 0;
  testEnd = 0;
  /** Per word of the test: unquoted, unescaped, static. */
  testPlain: boolean[] = [];
  /** The current word has quotes or escapes. */
  quoted = false;

  constructor(
    readonly src: string,
    from: number,
    readonly closer: Closer,
    readonly reserved: ReadonlySet<string>,
    /** The words of `for NAME in …` (no program-name checks). */
    readonly values: boolean,
  ) {
    this.stageStart = from;
  }

  /**
   * Nothing of a command yet, so a command could start here ("command position"): where `(`,
   * `{ `, `!`, `[ `, keywords and `name()` may start one and `}` may close a group. (Whether
   * the pipeline started with `!` is checked apart: each construct takes it differently.)
   */
  commandStart(): boolean {
    return this.words.length === 0 && !this.inWord && !this.redirected && this.group === null && this.test === 0;
  }

  /** A list inside a group or compound command may end here: after `;` or `&`, at a command's start. */
  listMayEnd(): boolean {
    return this.stages.length === 0 && (this.conn === ';' || this.conn === '&');
  }

  take(at: number): void {
    if (!this.inWord) {
      this.inWord = true;
      if (this.first < 0) this.first = at;
      if (this.allAssign) this.allAssign = assignmentAt(this.src, at);
    }
  }

  endWord(): void {
    if (this.inWord) {
      this.words.push({ value: this.cur, dynamic: this.dyn });
      if (this.test === 1) this.testPlain.push(!this.quoted && !this.dyn);
    }
    this.quoted = false;
    this.cur = '';
    this.dyn = false;
    this.inWord = false;
  }

  /** The stage is the group `list` (source `from`…`end`), with `redirects` after it: the index before what follows. */
  setGroup(list: FastStage[][], from: number, end: number, after: { next: number; redirects: FastRedirect[] }, redirect: boolean): number {
    this.group = list;
    this.groupFrom = from;
    this.groupEnd = end;
    this.groupRedirects = after.redirects;
    this.anyRedirect ||= redirect || after.redirects.length > 0;
    return after.next;
  }

  /** Close the stage ending at `at` (exclusive) by `sep`; false: the line needs the parser. */
  cut(at: number, sep: string): boolean {
    this.endWord();
    if (this.group !== null) {
      this.stages.push({ text: this.src.slice(this.groupFrom, this.groupEnd), words: [], redirects: this.groupRedirects, subs: null, subsAfter: false, group: this.group, here: null, doc: null });
      this.group = null;
    } else {
      const stage = this.commandStage(at);
      if (stage === null) return false;
      // Only a trailing `;` or newline (or an empty line) may leave nothing behind.
      if (stage === undefined) return !this.negated && sep === 'end' && this.stages.length === 0 && (this.conn === '' || this.conn === ';' || this.conn === '\n' || this.conn === '&');
      this.stages.push(stage);
    }
    if (sep !== '|') {
      this.pipelines.push(this.stages);
      this.stages = [];
      this.negated = false;
    }
    this.conn = sep;
    this.words = [];
    this.first = -1;
    this.redirected = false;
    this.subs = null;
    this.allAssign = true;
    this.hereAt = -1;
    this.test = 0;
    this.testPlain = [];
    return true;
  }

  /** The simple command ending at `at`: its stage, null (the line needs the parser) or undefined (no command). */
  private commandStage(at: number): FastStage | null | undefined {
    let text: string;
    let redirects: FastRedirect[] = [];
    let subsAfter: boolean;
    if (this.redirected) {
      // Split off the trailing redirections (plain targets only), then read the words before
      // them as any other stage. An escaped quote, backslash or < > could fool the split.
      const raw = this.src.slice(this.stageStart, at).trim();
      if (/\\[\\'"<>]/.test(raw)) return null;
      const split = splitRedirects(raw);
      if (!split) return null;
      const inner = scan(split.head, 0, '', this.reserved);
      const only = inner?.pipelines.length === 1 && inner.pipelines[0]!.length === 1 ? inner.pipelines[0]![0]! : null;
      if (!only || only.redirects.length > 0 || only.group !== null || only.here !== null || this.hereAt >= 0) return null;
      text = only.text;
      this.words = only.words;
      this.subs = only.subs;
      subsAfter = only.subsAfter;
      redirects = split.redirects;
      this.anyRedirect ||= redirects.length > 0;
    } else {
      text = this.first < 0 ? '' : this.src.slice(this.first, this.end);
      subsAfter = this.subs !== null && this.allAssign;
    }
    if (this.test !== 0) {
      // `[ … ]`: the parser's reading makes no command of it; only its substitutions run.
      if (this.test !== 2 || this.words.length !== this.testEnd || this.redirected || this.hereAt >= 0 || !validTest(this.words, this.testPlain, this.reserved)) return null;
      this.words = [];
      subsAfter = false;
    }
    const words = this.words;
    let here: Word | null = null;
    if (this.hereAt >= 0) {
      // `cmd … <<< word`: exactly one word after `<<<` (no substitution in it), after a command.
      if (words.length !== this.hereAt + 1 || (this.subs?.length ?? 0) !== this.hereSubs) return null;
      here = words.pop()!;
      if (words.every((w) => ASSIGNMENT.test(w.value))) return null;
    }
    if (words.length === 0 && this.test === 0) return undefined;
    let head: Word | undefined;
    if (!this.values) for (let k = 0; k < words.length && head === undefined; k++) if (!assignmentAt(words[k]!.value, 0)) head = words[k];
    if (head && !head.dynamic && this.reserved.has(head.value)) return null;
    // The grammar misreads some program names: `{}` (an empty group), `a?b`, `x@y`, `-`, and
    // `1X=2` / `=x` (taken for assignments); bash runs such words as commands.
    if (head && !PROGRAM.test(head.value) && !(head.dynamic && SUB_NAME.test(head.value))) return null;
    // Only assignments (the grammar's variable_assignments): the parser's reading judges them
    // before their substitutions; a command after its substitutions.
    return { text, words, redirects, subs: this.subs, subsAfter, group: null, here, doc: null };
  }

  /** The end of the scan at `at`: its result, or null if what was read needs the parser. */
  finish(at: number): Scan | null {
    if (!this.cut(at, 'end')) return null;
    if (this.stages.length > 0) return null; // a trailing `|`
    // The grammar groups `a || b >x | c` as `(a || b >x) | c` (bash: `a || (b >x | c)`): with a
    // redirection, a pipe and an and/or list on one line, let the parser decide.
    if (this.andOr && this.piped && this.anyRedirect) return null;
    // It also reads `a | b | c && d` as `a | (b | c && d)` (d fed by a), and takes the next line
    // into `c` (`a | b | c⏎d > f`): a pipeline of three or more stages must be alone on the line.
    if (this.piped && this.pipelines.length > 1 && this.pipelines.some((p) => p.length >= 3)) return null;
    return { pipelines: this.pipelines, end: at, redirect: this.anyRedirect, keyword: '' };
  }
}
