import { afterGroup, assignmentAt, canonical, DOC_REDIRECTS, KEYWORD_START, keywordAt, redirectsOf, splitRedirects, STARTERS, TERMINATORS, validTest } from './shell-fast-syntax.js';
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

/** Characters a bare word may hold as they are (ASCII only). */
const BARE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./=:,@%+^~*?') BARE[c.charCodeAt(0)] = 1;
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;
/** Program names the grammar reads as bash does (`$` only in an expansion: the word is dynamic then). */
const PROGRAM = /^[A-Za-z0-9_./~$][A-Za-z0-9_\-./+,:~$]*$/;

/** `$NAME` or `${NAME}` starting at `i` (the `$`): [canonical `$NAME`, index after it], or null. */
function expansion(src: string, i: number): [string, number] | null {
  let j = i + 1;
  const braced = src[j] === '{';
  if (braced) j++;
  if (j >= src.length || !NAME_START.test(src[j]!)) return null;
  const from = j;
  while (j < src.length && NAME_CHAR.test(src[j]!)) j++;
  const name = src.slice(from, j);
  if (braced) {
    if (src[j] !== '}') return null;
    j++;
  }
  return [`$${name}`, j];
}

/** A word that starts as an unquoted assignment (`NAME=`, `NAME+=`): the grammar's variable_assignment. */
const ASSIGN_AT = /[A-Za-z_][A-Za-z0-9_]*\+?=/y;
/** A program name that is one command substitution (`$(…)`, `` `…` ``): dynamic, read by the grammar as bash does. */
const SUB_NAME = /^(\$\(.*\)|`[^`]*`)$/s;

/** Pipelines (in order) of stages, or null when the line needs the real parser. */
export function simpleList(src: string, reserved: ReadonlySet<string>): FastStage[][] | null {
  return scan(src, 0, '', reserved)?.pipelines ?? null;
}

interface Scan {
  pipelines: FastStage[][];
  /** Index of the closing `)` / `}` / keyword (nested scans), or the source length. */
  end: number;
  redirect: boolean;
  /** The keyword that ended a `kw` scan. */
  keyword: string;
}

/**
 * Read `src` from `from`: to its end (`closer` ''), or to the `)` that closes a subshell or
 * `$(` (`closer` ')'), or to the `}` in command position that closes a brace group (`closer`
 * '}'), or to a keyword in command position that ends a list of a compound command (`closer`
 * 'kw': `then`, `do`, `fi`…). Inside any of them no line breaks, comments or line
 * continuations. `values`: the words of `for NAME in …` (no program-name checks).
 */
function scan(src: string, from: number, closer: '' | ')' | '}' | 'kw', reserved: ReadonlySet<string>, values = false): Scan | null {
  const n = src.length;
  const pipelines: FastStage[][] = [];
  let stages: FastStage[] = [];
  let words: Word[] = [];
  let cur = '';
  let dyn = false;
  let inWord = false;
  let first = -1; // source span of the stage's words
  let end = -1;
  let stageStart = from; // raw start of the stage (for a stage with redirections)
  let redirected = false;
  let conn = ''; // what ended the previous stage: '' (none yet), ';', '&', '\n', '|', '&&', '||'
  let piped = false;
  let andOr = false;
  let anyRedirect = false;
  let subs: FastSub[] | null = null; // substitutions in the stage's words, in source order
  let allAssign = true; // every word of the stage so far starts as an unquoted assignment
  let group: FastStage[][] | null = null; // a subshell or brace group that is the stage
  let groupFrom = -1;
  let groupEnd = -1;
  let groupRedirects: FastRedirect[] = [];
  let negated = false; // the pipeline started with `!`
  let hereAt = -1; // index in `words` of a here-string's word
  let hereSubs = 0; // substitutions before it
  let test = 0; // a `[ … ]` test command: 1 open, 2 closed (at `testEnd` words)
  let testEnd = 0;
  let testPlain: boolean[] = []; // per word of the test: unquoted, unescaped, static
  let quoted = false; // the current word has quotes or escapes

  const take = (at: number): void => {
    if (!inWord) {
      inWord = true;
      if (first < 0) first = at;
      if (allAssign) allAssign = assignmentAt(src, at);
    }
  };
  const endWord = (): void => {
    if (inWord) {
      words.push({ value: cur, dynamic: dyn });
      if (test === 1) testPlain.push(!quoted && !dyn);
    }
    quoted = false;
    cur = '';
    dyn = false;
    inWord = false;
  };
  /** Close the stage ending at `at` (exclusive) by `sep`; false: the line needs the parser. */
  const cut = (at: number, sep: string): boolean => {
    endWord();
    if (group !== null) {
      stages.push({ text: src.slice(groupFrom, groupEnd), words: [], redirects: groupRedirects, subs: null, subsAfter: false, group, here: null, doc: null });
      group = null;
    } else {
      let text: string;
      let redirects: FastRedirect[] = [];
      let subsAfter: boolean;
      if (redirected) {
        // Split off the trailing redirections (plain targets only), then read the words before
        // them as any other stage. An escaped quote, backslash or < > could fool the split.
        const raw = src.slice(stageStart, at).trim();
        if (/\\[\\'"<>]/.test(raw)) return false;
        const split = splitRedirects(raw);
        if (!split) return false;
        const inner = scan(split.head, 0, '', reserved);
        const only = inner?.pipelines.length === 1 && inner.pipelines[0]!.length === 1 ? inner.pipelines[0]![0]! : null;
        if (!only || only.redirects.length > 0 || only.group !== null || only.here !== null || hereAt >= 0) return false;
        text = only.text;
        words = only.words;
        subs = only.subs;
        subsAfter = only.subsAfter;
        redirects = split.redirects;
        anyRedirect ||= redirects.length > 0;
      } else {
        text = first < 0 ? '' : src.slice(first, end);
        subsAfter = subs !== null && allAssign;
      }
      if (test !== 0) {
        // `[ … ]`: the parser's reading makes no command of it; only its substitutions run.
        if (test !== 2 || words.length !== testEnd || redirected || hereAt >= 0 || !validTest(words, testPlain, reserved)) return false;
        words = [];
        subsAfter = false;
      }
      let here: Word | null = null;
      if (hereAt >= 0) {
        // `cmd … <<< word`: exactly one word after `<<<` (no substitution in it), after a command.
        if (words.length !== hereAt + 1 || (subs?.length ?? 0) !== hereSubs) return false;
        here = words.pop()!;
        if (words.every((w) => ASSIGNMENT.test(w.value))) return false;
      }
      if (words.length === 0 && test === 0) {
        // Only a trailing `;` or newline (or an empty line) may leave nothing behind.
        return !negated && sep === 'end' && stages.length === 0 && (conn === '' || conn === ';' || conn === '\n' || conn === '&');
      }
      let head: Word | undefined;
      if (!values) for (let k = 0; k < words.length && head === undefined; k++) if (!assignmentAt(words[k]!.value, 0)) head = words[k];
      if (head && !head.dynamic && reserved.has(head.value)) return false;
      // The grammar misreads some program names: `{}` (an empty group), `a?b`, `x@y`, `-`, and
      // `1X=2` / `=x` (taken for assignments); bash runs such words as commands.
      if (head && !PROGRAM.test(head.value) && !(head.dynamic && SUB_NAME.test(head.value))) return false;
      // Only assignments (the grammar's variable_assignments): the parser's reading judges them
      // before their substitutions; a command after its substitutions.
      stages.push({ text, words, redirects, subs, subsAfter, group: null, here, doc: null });
    }
    if (sep !== '|') {
      pipelines.push(stages);
      stages = [];
      negated = false;
    }
    conn = sep;
    words = [];
    first = -1;
    redirected = false;
    subs = null;
    allAssign = true;
    hereAt = -1;
    test = 0;
    testPlain = [];
    return true;
  };
  const finish = (at: number): Scan | null => {
    if (!cut(at, 'end')) return null;
    if (stages.length > 0) return null; // a trailing `|`
    // The grammar groups `a || b >x | c` as `(a || b >x) | c` (bash: `a || (b >x | c)`): with a
    // redirection, a pipe and an and/or list on one line, let the parser decide.
    if (andOr && piped && anyRedirect) return null;
    // It also reads `a | b | c && d` as `a | (b | c && d)` (d fed by a), and takes the next line
    // into `c` (`a | b | c⏎d > f`): a pipeline of three or more stages must be alone on the line.
    if (piped && pipelines.length > 1 && pipelines.some((p) => p.length >= 3)) return null;
    return { pipelines, end: at, redirect: anyRedirect, keyword: '' };
  };

  for (let i = from; i < n; i++) {
    let code = src.charCodeAt(i);
    if (code < 128 && BARE[code] === 1) {
      // A run of plain characters, taken in one slice.
      let j = i + 1;
      while (j < n && (code = src.charCodeAt(j)) < 128 && BARE[code] === 1) j++;
      const w = KEYWORD_START[src.charCodeAt(i)] === 1 && words.length === 0 && !inWord && !redirected && group === null && !negated && test === 0 ? keywordAt(src, i, j - i) : null;
      if (w !== null) {
        const after = src[j];
        const blank = after === ' ' || after === '\t';
        if (TERMINATORS.has(w) && (blank || ((w === 'fi' || w === 'done') && (after === undefined || after === ';' || after === '&' || after === '|' || after === ')')))) {
          // The end of a list inside a compound command, after `;` or `&`.
          if (closer !== 'kw' || stages.length > 0 || (conn !== ';' && conn !== '&')) return null;
          const r = finish(i);
          if (r) r.keyword = w;
          return r;
        }
        if (STARTERS.has(w) && blank && !values) {
          // `if`, `while`, `until`, `for`: its lists are judged as if they stood here.
          const c = compound(src, i, w, reserved);
          if (!c) return null;
          const after = afterGroup(src, c.next, closer);
          if (after === null) return null;
          group = c.pipelines;
          groupFrom = i;
          groupEnd = c.next;
          groupRedirects = after.redirects;
          anyRedirect ||= c.redirect || after.redirects.length > 0;
          i = after.next;
          continue;
        }
      }
      if (src.charCodeAt(j) === 40 && src[j + 1] === ')' && words.length === 0 && !inWord && !redirected && group === null && test === 0 && !negated) {
        // `name() { list; }`: a function definition. The parser's reading judges its body where
        // it stands (as if it ran) and nothing for the name; no redirection after the body.
        const name = src.slice(i, j);
        FUNCTION_BODY.lastIndex = j + 2;
        if (!NAME.test(name) || reserved.has(name) || !FUNCTION_BODY.test(src)) return null;
        const r = scan(src, FUNCTION_BODY.lastIndex, '}', reserved);
        if (!r || r.pipelines.length === 0) return null;
        const after = afterGroup(src, r.end + 1, closer);
        if (after === null || after.redirects.length > 0) return null;
        group = r.pipelines;
        groupFrom = i;
        groupEnd = r.end + 1;
        groupRedirects = [];
        anyRedirect ||= r.redirect;
        i = after.next;
        continue;
      }
      take(i);
      cur = cur === '' ? src.slice(i, j) : cur + src.slice(i, j);
      end = j;
      i = j - 1;
      continue;
    }
    const ch = src[i]!;
    switch (ch) {
      case ' ':
      case '\t':
        endWord();
        continue;
      case '\n':
        if (closer !== '') return null;
        endWord();
        if (words.length === 0 && !redirected && group === null) {
          if (negated) return null;
          // An empty line, or a line break after `|`, `&&`, `||`: nothing ends here.
          stageStart = i + 1;
          continue;
        }
        // Assignments alone on a line: the grammar makes them the prefix of the next line's command.
        if (!redirected && group === null && words.every((w) => ASSIGNMENT.test(w.value))) return null;
        if (!cut(i, '\n')) return null;
        stageStart = i + 1;
        continue;
      case '#':
        // Inside a word the grammar sometimes gives up on `#` (`777# x`), and after assignments
        // it reads the next line as their command: leave those to the parser.
        if (inWord || redirected || closer !== '' || group !== null) return null;
        if (words.length > 0 && words.every((w) => ASSIGNMENT.test(w.value))) return null;
        {
          // Only after a plain word or at the start of a line (after a quoted word the grammar
          // reads on through the comment).
          let k = i - 1;
          while (k >= 0 && (src[k] === ' ' || src[k] === '\t')) k--;
          const before = src.charCodeAt(k);
          if (k >= 0 && src[k] !== '\n' && !(before < 128 && BARE[before] === 1 && src[k - 1] !== '\\')) return null;
        }
        // A comment: up to the end of the line.
        while (i + 1 < n && src[i + 1] !== '\n') i++;
        continue;
      case '\\': {
        const next = src[i + 1];
        if (next === '\n') {
          // A line continuation between words, followed by more of the command (inside a
          // word, or before the end or a blank line, leave it to the parser).
          if (inWord) return null;
          let j = i + 2;
          while (src[j] === ' ' || src[j] === '\t') j++;
          const after = src.charCodeAt(j);
          if (!(after < 128 && BARE[after] === 1) && src[j] !== "'" && src[j] !== '"' && src[j] !== '$') return null;
          i++;
          continue;
        }
        // An escaped blank: the grammar drops it (bash keeps it in the word).
        if (next === undefined || next <= ' ' || next > '~') return null;
        // At the start of a line the grammar glues the line break into the word (`ls⏎\rm x`).
        if (!inWord) {
          let k = i - 1;
          while (k >= 0 && (src[k] === ' ' || src[k] === '\t')) k--;
          if (k >= 0 && src[k] === '\n') return null;
        }
        take(i);
        quoted = true;
        cur += next;
        end = i + 2;
        i++;
        continue;
      }
      case "'": {
        const close = src.indexOf("'", i + 1);
        if (close < 0) return null;
        const body = src.slice(i + 1, close);
        if (body.includes('\n')) return null;
        take(i);
        quoted = true;
        cur += body;
        end = close + 1;
        i = close;
        continue;
      }
      case '"': {
        // `value`: after quote removal (a backslash escapes $ ` " \ only); `raw`: as written,
        // which is what the parser's reading keeps (with `${X}` → `$X`) of a string that expands.
        let j = i + 1;
        let value = '';
        let raw = '';
        let dynamic = false;
        for (;;) {
          if (j >= n) return null;
          const c = src[j]!;
          if (c === '"') break;
          if (c === '\n') return null;
          if (c === '\\') {
            const e = src[j + 1];
            if (e === undefined || e === '\n' || e === '`') return null;
            value += e === '$' || e === '"' || e === '\\' ? e : c + e;
            raw += c + e;
            j += 2;
            continue;
          }
          if (c === '$' && src[j + 1] === '(') {
            const s = substitution(src, j, reserved);
            if (!s) return null;
            (subs ??= []).push(s.sub);
            anyRedirect ||= s.redirect;
            raw += s.sub.text;
            dynamic = true;
            j = s.next;
            continue;
          }
          if (c === '`') {
            const s = backticks(src, j, reserved);
            if (!s) return null;
            (subs ??= []).push(s);
            raw += s.text;
            dynamic = true;
            j += s.text.length;
            continue;
          }
          if (c === '$') {
            const x = expansion(src, j);
            if (!x) return null;
            value += x[0];
            raw += src.slice(j, x[1]);
            dynamic = true;
            j = x[1];
            continue;
          }
          value += c;
          raw += c;
          j++;
        }
        take(i);
        quoted = true;
        cur += dynamic ? canonical(raw) : value;
        dyn ||= dynamic;
        end = j + 1;
        i = j;
        continue;
      }
      case '$': {
        if (src[i + 1] === '(') {
          const s = substitution(src, i, reserved);
          if (!s) return null;
          take(i);
          (subs ??= []).push(s.sub);
          anyRedirect ||= s.redirect;
          cur += canonical(s.sub.text);
          dyn = true;
          end = s.next;
          i = s.next - 1;
          continue;
        }
        const x = expansion(src, i);
        if (!x) return null;
        take(i);
        cur += x[0];
        dyn = true;
        end = x[1];
        i = x[1] - 1;
        continue;
      }
      case '`': {
        const s = backticks(src, i, reserved);
        if (!s) return null;
        take(i);
        (subs ??= []).push(s);
        cur += canonical(s.text);
        dyn = true;
        end = i + s.text.length;
        i = end - 1;
        continue;
      }
      case '!': {
        const next = src[i + 1];
        if (test === 1 && !inWord) {
          // `!` and `!=` inside a test.
          const op = next === '=' ? '!=' : '!';
          const after = src[i + op.length];
          if (after !== ' ' && after !== '\t') return null;
          if (first < 0) first = i;
          words.push({ value: op, dynamic: false });
          testPlain.push(true);
          end = i + op.length;
          i += op.length - 1;
          continue;
        }
        // `! pipeline`: the status is negated; what runs is the pipeline.
        if ((next !== ' ' && next !== '\t') || !(words.length === 0 && !inWord && !redirected && group === null && test === 0) || negated || stages.length > 0) return null;
        // The grammar fails on some `! NAME=…` lines: leave assignments after `!` to the parser.
        let j = i + 1;
        while (src[j] === ' ' || src[j] === '\t') j++;
        ASSIGN_AT.lastIndex = j;
        if (ASSIGN_AT.test(src)) return null;
        negated = true;
        continue;
      }
      case '[':
        // A test command `[ … ]` where a command could start (`[[` goes to the parser).
        if (!(words.length === 0 && !inWord && !redirected && group === null && test === 0) || negated || (src[i + 1] !== ' ' && src[i + 1] !== '\t')) return null;
        test = 1;
        if (first < 0) first = i;
        continue;
      case ']': {
        const next = src[i + 1];
        if (test !== 1 || inWord || !(next === undefined || next === ' ' || next === '\t' || next === ';' || next === '&' || next === '|' || next === ')' || next === '\n')) return null;
        test = 2;
        testEnd = words.length;
        end = i + 1;
        continue;
      }
      case '(':
      case '{': {
        if (ch === '{' && src[i + 1] === '}') {
          // `{}` (find -exec / xargs -I placeholder).
          take(i);
          cur += '{}';
          end = i + 2;
          i++;
          continue;
        }
        // A subshell `( list )` or a brace group `{ list; }`: its commands are judged as if they
        // stood here. Other braces may be expansions; `((` is arithmetic. (The grammar reads
        // `! {` as a command named `{`.)
        const subshell = ch === '(';
        if (!(words.length === 0 && !inWord && !redirected && group === null && test === 0)) return null;
        if (subshell ? src[i + 1] === '(' : negated || (src[i + 1] !== ' ' && src[i + 1] !== '\t')) return null;
        const r = scan(src, i + (subshell ? 1 : 2), subshell ? ')' : '}', reserved);
        if (!r || r.pipelines.length === 0) return null;
        const after = afterGroup(src, r.end + 1, closer);
        if (after === null) return null;
        group = r.pipelines;
        groupFrom = i;
        groupEnd = r.end + 1;
        groupRedirects = after.redirects;
        anyRedirect ||= r.redirect || after.redirects.length > 0;
        i = after.next;
        continue;
      }
      case ')': {
        if (closer !== ')') return null;
        // The grammar fails on an empty assignment value before `)` (`(x=)`).
        endWord();
        const last = words[words.length - 1];
        if (last?.value.endsWith('=')) return null;
        return finish(i);
      }
      case '}':
        // Closes a brace group only where a command could start, after `;` or `&`.
        if (closer !== '}' || !(words.length === 0 && !inWord && !redirected && group === null && test === 0) || negated || stages.length > 0 || (conn !== ';' && conn !== '&')) return null;
        return finish(i);
      case '<':
      case '>':
        if (src[i + 1] === '(') {
          // A process substitution starting a word (the grammar splits `a<(x)` in two words).
          if (inWord || redirected) return null;
          const s = substitution(src, i, reserved);
          if (!s) return null;
          take(i);
          (subs ??= []).push(s.sub);
          anyRedirect ||= s.redirect;
          cur += canonical(s.sub.text);
          dyn = true;
          end = s.next;
          i = s.next - 1;
          continue;
        }
        if (ch === '<' && src[i + 1] === '<' && src[i + 2] !== '<') {
          // A here-document ending the command's line (top level, no substitution in the command).
          const before = src[i - 1];
          // (After `&&` / `||` the grammar attaches it to the whole and/or list.)
          if ((before !== ' ' && before !== '\t') || closer !== '' || stages.length > 0 || conn === '&&' || conn === '||' || negated || subs !== null || hereAt >= 0) return null;
          const d = hereDocument(src, i, reserved);
          if (!d || !cut(i, '\n')) return null;
          const stage = pipelines[pipelines.length - 1]![0]!;
          if (stage.words.every((w) => assignmentAt(w.value, 0))) return null;
          stage.doc = d.doc;
          anyRedirect = true;
          stageStart = d.next;
          i = d.next - 1;
          continue;
        }
        if (ch === '<' && src[i + 1] === '<' && src[i + 2] === '<') {
          // A here-string after a command's words (one, ending the stage: checked in cut).
          const before = src[i - 1];
          if ((before !== ' ' && before !== '\t') || redirected || hereAt >= 0 || words.length === 0) return null;
          hereAt = words.length;
          hereSubs = subs?.length ?? 0;
          anyRedirect = true; // the grammar's grouping with pipes and and/or lists (see finish)
          i += 2;
          continue;
        }
        // Redirections: the whole stage is read again with the redirection rules.
        endWord();
        redirected = true;
        continue;
      case ';': {
        const next = src[i + 1];
        if (next === ';' || next === '&' || next === '|') return null;
        if (!cut(i, ';')) return null;
        stageStart = i + 1;
        continue;
      }
      case '|': {
        if (i > 0 && src[i - 1] === '>') return null; // >| (clobber)
        const next = src[i + 1];
        if (next === '&') return null;
        const sep = next === '|' ? '||' : '|';
        if (sep === '|') piped = true;
        else andOr = true;
        if (!cut(i, sep)) return null;
        i += sep.length - 1;
        stageStart = i + 1;
        continue;
      }
      case '&': {
        if (i > 0 && src[i - 1] === '>') continue; // N>&M: checked with the stage's redirections
        const next = src[i + 1];
        if (next === '>') return null; // &> file
        if (next !== '&') {
          // `a & b`: a runs in the background, then b; judged like `a; b`.
          if (!cut(i, '&')) return null;
          stageStart = i + 1;
          continue;
        }
        andOr = true;
        if (!cut(i, '&&')) return null;
        i++;
        stageStart = i + 1;
        continue;
      }
      default:
        return null;
    }
  }
  if (closer !== '') return null; // unterminated group or substitution
  return finish(n);
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
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** After `name()`: blanks, `{`, a blank (the body is read from there). */
const FUNCTION_BODY = /[ \t]+\{[ \t]/y;
const FOR_IN = /[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+in[ \t]+/y;
const THEN = ['then'];
const ELSE_FI = ['elif', 'else', 'fi'];
const FI = ['fi'];
const DO = ['do'];
const DONE = ['done'];

/**
 * `<<WORD` or `<<'WORD'` at `i`, then the rest of the line, the body and a line that is exactly
 * WORD, then the end of the source or a line break (`next`: its index). With an unquoted WORD
 * the body may hold no `$`, backtick or backslash (nothing to expand); no line of it may hold
 * WORD at all (the grammar ends the body at a line that starts with it, bash only at WORD
 * alone), and it may not be empty. `<<-`, `<< WORD` and `<<"WORD"` go to the parser.
 */
function hereDocument(src: string, i: number, reserved: ReadonlySet<string>): { doc: FastDoc; next: number } | null {
  HEREDOC_START.lastIndex = i;
  const m = HEREDOC_START.exec(src);
  if (!m) return null;
  const quoted = m[1] !== undefined;
  const delimiter = m[1] ?? m[2]!;
  // The rest of the `<<EOF` line: nothing, plain redirections, or `| pipeline` (one, no comment).
  const rest = m[3]!;
  let redirects: FastRedirect[] = [];
  let pipe: FastStage[] | null = null;
  if (rest.trim() !== '') {
    const bar = /^[ \t]+\|[ \t]/.exec(rest);
    if (bar) {
      if (rest.includes('#')) return null;
      const r = scan(rest.slice(bar[0].length), 0, '', reserved);
      if (!r || r.pipelines.length !== 1 || r.redirect) return null;
      pipe = r.pipelines[0]!;
    } else {
      if (!DOC_REDIRECTS.test(rest)) return null;
      redirects = redirectsOf(rest.trimEnd());
    }
  }
  const from = HEREDOC_START.lastIndex; // after the line break
  let at = from;
  for (;;) {
    const eol = src.indexOf('\n', at);
    const line = src.slice(at, eol < 0 ? src.length : eol);
    if (line === delimiter) {
      if (at === from) return null;
      const body = src.slice(from, at);
      if (!quoted && /[$`\\]/.test(body)) return null;
      return { doc: { body, redirects, pipe }, next: eol < 0 ? src.length : eol };
    }
    // The grammar ends the body at a line that starts with WORD (`EOFX`): no line may hold it.
    if (line.includes(delimiter) || eol < 0) return null;
    at = eol + 1;
  }
}
const HEREDOC_START = /<<(?:'([A-Za-z_][A-Za-z0-9_]*)'|([A-Za-z_][A-Za-z0-9_]*))([^\n]*)\n/y;

/** `$(list)`, `<(list)` or `>(list)` starting at `i`: the substitution and the index after its `)`. */
function substitution(src: string, i: number, reserved: ReadonlySet<string>): { sub: FastSub; next: number; redirect: boolean } | null {
  if (src[i + 2] === '(') return null; // $(( arithmetic
  const r = scan(src, i + 2, ')', reserved);
  if (!r || r.pipelines.length === 0) return null;
  const kind = src[i] === '$' ? '$(' : '<(';
  return { sub: { kind, text: src.slice(i, r.end + 1), list: r.pipelines, body: '' }, next: r.end + 1, redirect: r.redirect };
}

/**
 * `` `list` `` starting at `i`: the parser's reading re-reads the body as a script of its own,
 * and so does the analyser; taken only when the body has no backslash (no escapes to undo) and
 * is itself a list this scanner reads, so the grammar cannot end it elsewhere or fail on it;
 * and only one pair on the line.
 */
function backticks(src: string, i: number, reserved: ReadonlySet<string>): FastSub | null {
  const close = src.indexOf('`', i + 1);
  // One pair on the line: the grammar reads `` `a` `b` `` as one substitution from the first to the last.
  if (close < 0 || src.includes('`', close + 1)) return null;
  const body = src.slice(i + 1, close);
  if (body.includes('\\') || body.includes('\n') || !scan(body, 0, '', reserved)?.pipelines.length) return null;
  return { kind: '`', text: src.slice(i, close + 1), list: null, body };
}
