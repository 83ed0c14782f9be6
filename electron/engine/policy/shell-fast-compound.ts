import type { FastStage, Scanner } from './shell-fast-path.js';
import { NO, scan } from './shell-fast-scan.js';
import { afterGroup, TERMINATORS } from './shell-fast-syntax.js';

// What may stand where a command starts, for the fast path's scanner (shell-fast-scan.ts):
// compound commands (`if`/`while`/`until`/`for`), function definitions, subshells, brace
// groups, `!` and `[ … ]` tests. Their lists are read by `scan` again and judged as if they
// stood here. Each reader takes the character at `i` and returns the index of the last
// character it took, or NO (the line needs the parser).

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A word that starts as an unquoted assignment (`NAME=`, `NAME+=`): the grammar's variable_assignment. */
const ASSIGN_AT = /[A-Za-z_][A-Za-z0-9_]*\+?=/y;
/** After `name()`: blanks, `{`, a blank (the body is read from there). */
const FUNCTION_BODY = /[ \t]+\{[ \t]/y;
const FOR_IN = /[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+in[ \t]+/y;
const THEN = ['then'];
const ELSE_FI = ['elif', 'else', 'fi'];
const FI = ['fi'];
const DO = ['do'];
const DONE = ['done'];

/** Does the keyword `w` (a run of plain characters ending at `j`) end a list here: `then`, `do`, `fi`… before a blank, and `fi` / `done` before `;`, `&`, `|`, `)` or the end? */
export function endsList(src: string, j: number, w: string): boolean {
  if (!TERMINATORS.has(w)) return false;
  const after = src[j];
  return after === ' ' || after === '\t' || ((w === 'fi' || w === 'done') && (after === undefined || after === ';' || after === '&' || after === '|' || after === ')'));
}

/** `if`, `while`, `until` or `for` (`kw`, followed by a blank) at `i`: its lists are judged as if they stood here. */
export function compoundCommand(s: Scanner, i: number, kw: string): number {
  const c = compound(s.src, i, kw, s.reserved);
  if (!c) return NO;
  const after = afterGroup(s.src, c.next, s.closer);
  if (after === null) return NO;
  return s.setGroup(c.pipelines, i, c.next, after, c.redirect);
}

/**
 * `name() { list; }` at `i` (`name` ends at `j`): a function definition. The parser's reading
 * judges its body where it stands (as if it ran) and nothing for the name; no redirection after
 * the body.
 */
export function functionDefinition(s: Scanner, i: number, j: number): number {
  const src = s.src;
  const name = src.slice(i, j);
  FUNCTION_BODY.lastIndex = j + 2;
  if (!NAME.test(name) || s.reserved.has(name) || !FUNCTION_BODY.test(src)) return NO;
  const r = scan(src, FUNCTION_BODY.lastIndex, '}', s.reserved);
  if (!r || r.pipelines.length === 0) return NO;
  const after = afterGroup(src, r.end + 1, s.closer);
  if (after === null || after.redirects.length > 0) return NO;
  return s.setGroup(r.pipelines, i, r.end + 1, after, r.redirect);
}

/**
 * `(` or `{` at `i`: the placeholder `{}` (find -exec / xargs -I), or, where a command could
 * start, a subshell `( list )` or a brace group `{ list; }` whose commands are judged as if they
 * stood here. Other braces may be expansions; `((` is arithmetic. (The grammar reads `! {` as a
 * command named `{`.)
 */
export function openGroup(s: Scanner, i: number): number {
  const src = s.src;
  const subshell = src[i] === '(';
  if (!subshell && src[i + 1] === '}') {
    s.take(i);
    s.cur += '{}';
    s.end = i + 2;
    return i + 1;
  }
  if (!s.commandStart()) return NO;
  if (subshell ? src[i + 1] === '(' : s.negated || (src[i + 1] !== ' ' && src[i + 1] !== '\t')) return NO;
  const r = scan(src, i + (subshell ? 1 : 2), subshell ? ')' : '}', s.reserved);
  if (!r || r.pipelines.length === 0) return NO;
  const after = afterGroup(src, r.end + 1, s.closer);
  if (after === null) return NO;
  return s.setGroup(r.pipelines, i, r.end + 1, after, r.redirect);
}

/** `!` at `i`: `!` or `!=` inside a test, or `! pipeline` (the status is negated; what runs is the pipeline). */
export function bang(s: Scanner, i: number): number {
  const src = s.src;
  const next = src[i + 1];
  if (s.test === 1 && !s.inWord) {
    const op = next === '=' ? '!=' : '!';
    const after = src[i + op.length];
    if (after !== ' ' && after !== '\t') return NO;
    if (s.first < 0) s.first = i;
    s.words.push({ value: op, dynamic: false });
    s.testPlain.push(true);
    s.end = i + op.length;
    return i + op.length - 1;
  }
  if ((next !== ' ' && next !== '\t') || !s.commandStart() || s.negated || s.stages.length > 0) return NO;
  // The grammar fails on some `! NAME=…` lines: leave assignments after `!` to the parser.
  let j = i + 1;
  while (src[j] === ' ' || src[j] === '\t') j++;
  ASSIGN_AT.lastIndex = j;
  if (ASSIGN_AT.test(src)) return NO;
  s.negated = true;
  return i;
}

/** `[` at `i`: a test command `[ … ]` where a command could start (`[[` goes to the parser). */
export function testOpen(s: Scanner, i: number): number {
  if (!s.commandStart() || s.negated || (s.src[i + 1] !== ' ' && s.src[i + 1] !== '\t')) return NO;
  s.test = 1;
  if (s.first < 0) s.first = i;
  return i;
}

/** `]` at `i`: the end of a test command (its shape is checked when the stage closes). */
export function testClose(s: Scanner, i: number): number {
  const next = s.src[i + 1];
  if (s.test !== 1 || s.inWord || !(next === undefined || next === ' ' || next === '\t' || next === ';' || next === '&' || next === '|' || next === ')' || next === '\n')) return NO;
  s.test = 2;
  s.testEnd = s.words.length;
  s.end = i + 1;
  return i;
}

/**
 * The compound command starting at `i` with keyword `kw`: its lists in source order (the
 * conditions, bodies and, for `for NAME in WORDS`, a stage with only the substitutions of the
 * words), and the index after its `fi` / `done`. `for ((…))`, `for NAME; do`, `select`, `case`
 * and line breaks go to the parser.
 */
function compound(src: string, i: number, kw: string, reserved: ReadonlySet<string>): { pipelines: FastStage[][]; next: number; redirect: boolean } | null {
  const pipelines: FastStage[][] = [];
  let redirect = false;
  let pos = i + kw.length;
  /** The next list, ended by one of `expect`; null if it is empty or ends otherwise. */
  const list = (expect: readonly string[]): string | null => {
    const r = scan(src, pos, 'kw', reserved);
    if (!r || r.pipelines.length === 0 || !expect.includes(r.keyword)) return null;
    pipelines.push(...r.pipelines);
    redirect ||= r.redirect;
    pos = r.end + r.keyword.length;
    return r.keyword;
  };
  if (kw === 'for') {
    FOR_IN.lastIndex = pos;
    if (!FOR_IN.test(src)) return null;
    const r = scan(src, FOR_IN.lastIndex, 'kw', reserved, true);
    const only = r?.keyword === 'do' && r.pipelines.length === 1 && r.pipelines[0]!.length === 1 ? r.pipelines[0]![0]! : null;
    if (!only || only.redirects.length > 0 || only.group !== null || only.here !== null) return null;
    if (only.subs) pipelines.push([{ text: only.text, words: [], redirects: [], subs: only.subs, subsAfter: false, group: null, here: null, doc: null }]);
    pos = r!.end + 2;
    if (list(DONE) === null) return null;
  } else if (kw === 'if') {
    if (list(THEN) === null) return null;
    for (;;) {
      const k = list(ELSE_FI);
      if (k === null) return null;
      if (k === 'fi') break;
      if (k === 'else') {
        if (list(FI) === null) return null;
        break;
      }
      if (list(THEN) === null) return null; // elif
    }
  } else if (list(DO) === null || list(DONE) === null) return null;
  return { pipelines, next: pos, redirect };
}
