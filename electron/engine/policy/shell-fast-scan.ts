import { bang, compoundCommand, endsList, functionDefinition, openGroup, testClose, testOpen } from './shell-fast-compound.js';
import { ASSIGNMENT, Scanner } from './shell-fast-path.js';
import type { FastStage } from './shell-fast-path.js';
import { assignmentAt, keywordAt, KEYWORD_START, STARTERS } from './shell-fast-syntax.js';
import { backslash, backtick, dollar, doubleQuoted, hereDocument, processSubstitution, singleQuoted } from './shell-fast-words.js';

// The scanner of the parser-free fast path (shell-fast-path.ts): the loop over the characters
// of a line, separators, line breaks, comments and redirections. Its state, and what makes a
// stage of what it read, is the Scanner (shell-fast-path.ts); the parts of a word are read in
// shell-fast-words.ts, what may stand where a command starts (compound commands, groups, `!`,
// `[ … ]`) in shell-fast-compound.ts; both call `scan` again for the lists inside them.

/** Characters a bare word may hold as they are (ASCII only). */
export const BARE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./=:,@%+^~*?') BARE[c.charCodeAt(0)] = 1;
/** What a handler returns instead of the index of the last character it took: the line needs the parser. */
export const NO = -1;

/**
 * What ends a scan: the end of the source (''), the `)` that closes a subshell or `$(` (')'),
 * the `}` in command position that closes a brace group ('}'), or a keyword in command
 * position that ends a list of a compound command ('kw': `then`, `do`, `fi`…).
 */
export type Closer = '' | ')' | '}' | 'kw';

export interface Scan {
  pipelines: FastStage[][];
  /** Index of the closing `)` / `}` / keyword (nested scans), or the source length. */
  end: number;
  redirect: boolean;
  /** The keyword that ended a `kw` scan. */
  keyword: string;
}

/**
 * Read `src` from `from` to `closer` (see Closer). Inside a group, compound command or
 * substitution no line breaks, comments or line continuations. `values`: the words of
 * `for NAME in …` (no program-name checks). Each case below hands the character at `i` to a
 * reader that returns the index of the last character it took, or NO.
 */
export function scan(src: string, from: number, closer: Closer, reserved: ReadonlySet<string>, values = false): Scan | null {
  const n = src.length;
  const s = new Scanner(src, from, closer, reserved, values);
  for (let i = from; i < n; i++) {
    let code = src.charCodeAt(i);
    if (code < 128 && BARE[code] === 1) {
      // A run of plain characters, taken in one slice.
      let j = i + 1;
      while (j < n && (code = src.charCodeAt(j)) < 128 && BARE[code] === 1) j++;
      const w = KEYWORD_START[src.charCodeAt(i)] === 1 && s.commandStart() && !s.negated ? keywordAt(src, i, j - i) : null;
      if (w !== null) {
        if (endsList(src, j, w)) {
          // The end of a list inside a compound command, after `;` or `&`.
          if (closer !== 'kw' || !s.listMayEnd()) return null;
          const r = s.finish(i);
          if (r) r.keyword = w;
          return r;
        }
        if (STARTERS.has(w) && !values && (src[j] === ' ' || src[j] === '\t')) {
          i = compoundCommand(s, i, w);
          if (i === NO) return null;
          continue;
        }
      }
      if (src.charCodeAt(j) === 40 && src[j + 1] === ')' && s.commandStart() && !s.negated) {
        i = functionDefinition(s, i, j);
        if (i === NO) return null;
        continue;
      }
      s.take(i);
      s.cur = s.cur === '' ? src.slice(i, j) : s.cur + src.slice(i, j);
      s.end = j;
      i = j - 1;
      continue;
    }
    switch (src[i]) {
      case ' ':
      case '\t':
        s.endWord();
        continue;
      case '\n':
        i = lineBreak(s, i);
        break;
      case '#':
        i = comment(s, i);
        break;
      case '\\':
        i = backslash(s, i);
        break;
      case "'":
        i = singleQuoted(s, i);
        break;
      case '"':
        i = doubleQuoted(s, i);
        break;
      case '$':
        i = dollar(s, i);
        break;
      case '`':
        i = backtick(s, i);
        break;
      case '!':
        i = bang(s, i);
        break;
      case '[':
        i = testOpen(s, i);
        break;
      case ']':
        i = testClose(s, i);
        break;
      case '(':
      case '{':
        i = openGroup(s, i);
        break;
      case ')': {
        if (closer !== ')') return null;
        // The grammar fails on an empty assignment value before `)` (`(x=)`).
        s.endWord();
        const last = s.words[s.words.length - 1];
        if (last?.value.endsWith('=')) return null;
        return s.finish(i);
      }
      case '}':
        // Closes a brace group only where a command could start, after `;` or `&`.
        if (closer !== '}' || !s.commandStart() || s.negated || !s.listMayEnd()) return null;
        return s.finish(i);
      case '<':
      case '>':
        i = angle(s, i);
        break;
      case ';': {
        const next = src[i + 1];
        if (next === ';' || next === '&' || next === '|') return null;
        i = separator(s, i, ';');
        break;
      }
      case '|': {
        if (i > 0 && src[i - 1] === '>') return null; // >| (clobber)
        const next = src[i + 1];
        if (next === '&') return null;
        const sep = next === '|' ? '||' : '|';
        if (sep === '|') s.piped = true;
        else s.andOr = true;
        i = separator(s, i, sep);
        break;
      }
      case '&': {
        if (i > 0 && src[i - 1] === '>') continue; // N>&M: checked with the stage's redirections
        const next = src[i + 1];
        if (next === '>') return null; // &> file
        // `a & b`: a runs in the background, then b; judged like `a; b`.
        if (next === '&') s.andOr = true;
        i = separator(s, i, next === '&' ? '&&' : '&');
        break;
      }
      default:
        return null;
    }
    if (i === NO) return null;
  }
  if (closer !== '') return null; // unterminated group or substitution
  return s.finish(n);
}

/** The separator `sep` at `i` ends the stage: the index of its last character. */
function separator(s: Scanner, i: number, sep: string): number {
  if (!s.cut(i, sep)) return NO;
  s.stageStart = i + sep.length;
  return i + sep.length - 1;
}

function lineBreak(s: Scanner, i: number): number {
  // Bash ends `[` at the line break (`[ ⏎rm -rf / ]` runs `[`, then `rm -rf / ]`); the grammar
  // reads on to the `]`: the parser path treats that as a misread.
  if (s.closer !== '' || s.test === 1) return NO;
  s.endWord();
  if (s.words.length === 0 && !s.redirected && s.group === null) {
    if (s.negated) return NO;
    // An empty line, or a line break after `|`, `&&`, `||`: nothing ends here.
    s.stageStart = i + 1;
    return i;
  }
  // Assignments alone on a line: the grammar makes them the prefix of the next line's command.
  if (!s.redirected && s.group === null && s.words.every((w) => ASSIGNMENT.test(w.value))) return NO;
  return separator(s, i, '\n');
}

function comment(s: Scanner, i: number): number {
  const src = s.src;
  // Inside a word the grammar sometimes gives up on `#` (`777# x`), and after assignments
  // it reads the next line as their command: leave those to the parser.
  if (s.inWord || s.redirected || s.closer !== '' || s.group !== null) return NO;
  if (s.words.length > 0 && s.words.every((w) => ASSIGNMENT.test(w.value))) return NO;
  // Only after a plain word or at the start of a line (after a quoted word the grammar
  // reads on through the comment).
  let k = i - 1;
  while (k >= 0 && (src[k] === ' ' || src[k] === '\t')) k--;
  const before = src.charCodeAt(k);
  if (k >= 0 && src[k] !== '\n' && !(before < 128 && BARE[before] === 1 && src[k - 1] !== '\\')) return NO;
  // A comment: up to the end of the line.
  while (i + 1 < src.length && src[i + 1] !== '\n') i++;
  return i;
}

/** `<` or `>` at `i`: a process substitution, a here-document, a here-string or a redirection. */
function angle(s: Scanner, i: number): number {
  const src = s.src;
  if (src[i + 1] === '(') return processSubstitution(s, i);
  if (src[i] === '<' && src[i + 1] === '<') {
    const before = src[i - 1];
    if (src[i + 2] !== '<') {
      // A here-document ending the command's line (top level, no substitution in the command).
      // (After `&&` / `||` the grammar attaches it to the whole and/or list.)
      if ((before !== ' ' && before !== '\t') || s.closer !== '' || s.stages.length > 0 || s.conn === '&&' || s.conn === '||' || s.negated || s.subs !== null || s.hereAt >= 0) return NO;
      const d = hereDocument(src, i, s.reserved);
      if (!d || !s.cut(i, '\n')) return NO;
      const stage = s.pipelines[s.pipelines.length - 1]![0]!;
      if (stage.words.every((w) => assignmentAt(w.value, 0))) return NO;
      stage.doc = d.doc;
      s.anyRedirect = true;
      s.stageStart = d.next;
      return d.next - 1;
    }
    // A here-string after a command's words (one, ending the stage: checked in cut).
    if ((before !== ' ' && before !== '\t') || s.redirected || s.hereAt >= 0 || s.words.length === 0) return NO;
    s.hereAt = s.words.length;
    s.hereSubs = s.subs?.length ?? 0;
    s.anyRedirect = true; // the grammar's grouping with pipes and and/or lists (see finish)
    return i + 2;
  }
  // Redirections: the whole stage is read again with the redirection rules.
  s.endWord();
  s.redirected = true;
  return i;
}
