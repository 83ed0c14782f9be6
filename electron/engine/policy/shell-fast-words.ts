import type { FastDoc, FastStage, FastSub, Scanner } from './shell-fast-path.js';
import { BARE, NO, scan } from './shell-fast-scan.js';
import { canonical, DOC_REDIRECTS, redirectsOf } from './shell-fast-syntax.js';
import type { FastRedirect } from './shell-fast-syntax.js';

// The parts of a word for the fast path's scanner (shell-fast-scan.ts): escapes, '…', "…",
// `$NAME` / `${NAME}`, and the scripts nested in a line — `$(…)`, `<(…)` / `>(…)`, backticks and
// here-documents — whose lists are read by `scan` again. Each reader takes the character at `i`
// and returns the index of the last character it took, or NO (the line needs the parser).

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** `\` at `i`: an escaped character in a word, or a line continuation between words. */
export function backslash(s: Scanner, i: number): number {
  const src = s.src;
  const next = src[i + 1];
  if (next === '\n') {
    // A line continuation between words, followed by more of the command (inside a
    // word, or before the end or a blank line, leave it to the parser).
    if (s.inWord) return NO;
    let j = i + 2;
    while (src[j] === ' ' || src[j] === '\t') j++;
    const after = src.charCodeAt(j);
    if (!(after < 128 && BARE[after] === 1) && src[j] !== "'" && src[j] !== '"' && src[j] !== '$') return NO;
    return i + 1;
  }
  // An escaped blank: the grammar drops it (bash keeps it in the word).
  if (next === undefined || next <= ' ' || next > '~') return NO;
  // At the start of a line the grammar glues the line break into the word (`ls⏎\rm x`).
  if (!s.inWord) {
    let k = i - 1;
    while (k >= 0 && (src[k] === ' ' || src[k] === '\t')) k--;
    if (k >= 0 && src[k] === '\n') return NO;
  }
  s.take(i);
  s.quoted = true;
  s.cur += next;
  s.end = i + 2;
  return i + 1;
}

/** `'…'` at `i`. */
export function singleQuoted(s: Scanner, i: number): number {
  const src = s.src;
  const close = src.indexOf("'", i + 1);
  if (close < 0) return NO;
  const body = src.slice(i + 1, close);
  if (body.includes('\n')) return NO;
  s.take(i);
  s.quoted = true;
  s.cur += body;
  s.end = close + 1;
  return close;
}

/**
 * `"…"` at `i`. Its `value` after quote removal (a backslash escapes $ ` " \ only); `raw` as
 * written, which is what the parser's reading keeps (with `${X}` → `$X`) of a string that expands.
 */
export function doubleQuoted(s: Scanner, i: number): number {
  const src = s.src;
  const n = src.length;
  let j = i + 1;
  let value = '';
  let raw = '';
  let dynamic = false;
  for (;;) {
    if (j >= n) return NO;
    const c = src[j]!;
    if (c === '"') break;
    if (c === '\n') return NO;
    if (c === '\\') {
      const e = src[j + 1];
      if (e === undefined || e === '\n' || e === '`') return NO;
      value += e === '$' || e === '"' || e === '\\' ? e : c + e;
      raw += c + e;
      j += 2;
      continue;
    }
    if (c === '$' && src[j + 1] === '(') {
      const sub = substitution(src, j, s.reserved);
      if (!sub) return NO;
      (s.subs ??= []).push(sub.sub);
      s.anyRedirect ||= sub.redirect;
      raw += sub.sub.text;
      dynamic = true;
      j = sub.next;
      continue;
    }
    if (c === '`') {
      const sub = backticks(src, j, s.reserved);
      if (!sub) return NO;
      (s.subs ??= []).push(sub);
      raw += sub.text;
      dynamic = true;
      j += sub.text.length;
      continue;
    }
    if (c === '$') {
      const x = expansion(src, j);
      if (!x) return NO;
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
  s.take(i);
  s.quoted = true;
  s.cur += dynamic ? canonical(raw) : value;
  s.dyn ||= dynamic;
  s.end = j + 1;
  return j;
}

/** `$` at `i`: `$(…)`, `$NAME` or `${NAME}`. */
export function dollar(s: Scanner, i: number): number {
  const src = s.src;
  if (src[i + 1] === '(') {
    const sub = substitution(src, i, s.reserved);
    return sub ? takeSub(s, i, sub.sub, sub.next, sub.redirect) : NO;
  }
  const x = expansion(src, i);
  if (!x) return NO;
  s.take(i);
  s.cur += x[0];
  s.dyn = true;
  s.end = x[1];
  return x[1] - 1;
}

/** A backtick at `i`. */
export function backtick(s: Scanner, i: number): number {
  const sub = backticks(s.src, i, s.reserved);
  return sub ? takeSub(s, i, sub, i + sub.text.length, false) : NO;
}

/** `<(` or `>(` at `i`: a process substitution starting a word (the grammar splits `a<(x)` in two words). */
export function processSubstitution(s: Scanner, i: number): number {
  if (s.inWord || s.redirected) return NO;
  const sub = substitution(s.src, i, s.reserved);
  return sub ? takeSub(s, i, sub.sub, sub.next, sub.redirect) : NO;
}

/** The substitution `sub` read from `at` up to `next` joins the current word (dynamic); the index of its last character. */
function takeSub(s: Scanner, at: number, sub: FastSub, next: number, redirect: boolean): number {
  s.take(at);
  (s.subs ??= []).push(sub);
  s.anyRedirect ||= redirect;
  s.cur += canonical(sub.text);
  s.dyn = true;
  s.end = next;
  return next - 1;
}

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

/**
 * `<<WORD` or `<<'WORD'` at `i`, then the rest of the line, the body and a line that is exactly
 * WORD, then the end of the source or a line break (`next`: its index). With an unquoted WORD
 * the body may hold no `$`, backtick or backslash (nothing to expand); no line of it may hold
 * WORD at all (the grammar ends the body at a line that starts with it, bash only at WORD
 * alone), and it may not be empty. `<<-`, `<< WORD` and `<<"WORD"` go to the parser.
 */
export function hereDocument(src: string, i: number, reserved: ReadonlySet<string>): { doc: FastDoc; next: number } | null {
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
