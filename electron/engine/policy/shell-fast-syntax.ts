import type { Word } from './shell-words.js';

// Redirections, and small readers of words, for the parser-free fast path (shell-fast-path.ts).

/**
 * Redirections at the end of a simple command, each after a space: `> f`, `>> f`, `N> f`,
 * `N>> f` (N 1-9), `< f` (no descriptor: the grammar reads `0<f` as a word and a redirection),
 * and `N>&M` / `>&-`. A target is plain characters, `'…'`, `"…"` with nothing but plain text
 * and `$NAME` / `${NAME}` inside, `$NAME`, `${NAME}`, or a run of these. Anything else with < or
 * > (no space before the operator, `&>`, `>|`, `<<`, `<&`, other expansions or escapes in the
 * target, a redirection before a word, an assignment before it) goes to the parser.
 */
const VAR = String.raw`\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})`;
const TARGET = String.raw`(?:[A-Za-z0-9_\-./=:,@%+^~]|'[^'\n]*'|"(?:[^"\\$\`\n]|${VAR})*"|${VAR})+`;
const REDIRECT = String.raw`[ \t]+(?:[1-9]?>>?|<)[ \t]*${TARGET}|[ \t]+[1-9]?>&(?:\d+|-)`;
const TAIL = new RegExp(String.raw`^((?:[^<>'"]|'[^']*'|"[^"]*")*?)((?:${REDIRECT})+)$`);
const ONE = new RegExp(String.raw`[ \t]+((?:[1-9]?>>?|<)[ \t]*(${TARGET})|[1-9]?>&(?:\d+|-))`, 'g');

export interface FastRedirect {
  /** As written (`> out.txt`, `2>/dev/null`). */
  text: string;
  /** The file written (quotes removed, `${X}` → `$X`), or null for input redirections and descriptor duplications. */
  writes: string | null;
  /** The file's name holds an expansion: known only at run time. */
  dynamic: boolean;
}

/** The value of a TARGET as the parser's reading gives it. */
function targetValue(t: string): { value: string; dynamic: boolean } {
  if (!/['"$]/.test(t)) return { value: t, dynamic: false };
  let value = '';
  let dynamic = false;
  for (let i = 0; i < t.length; ) {
    const c = t[i]!;
    if (c === "'" || c === '"') {
      const close = t.indexOf(c, i + 1);
      const inner = t.slice(i + 1, close);
      if (c === '"' && inner.includes('$')) {
        value += canonical(inner);
        dynamic = true;
      } else value += inner;
      i = close + 1;
    } else if (c === '$') {
      const m = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/.exec(t.slice(i))!;
      value += `$${m[1] ?? m[2]!}`;
      dynamic = true;
      i += m[0].length;
    } else {
      value += c;
      i++;
    }
  }
  return { value, dynamic };
}

/** `${HOME}` → `$HOME` (as shell-words' canonicalExpansions does for the parser's reading). */
export const canonical = (s: string): string => (s.includes('${') ? s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$$$1') : s);

export function splitRedirects(text: string): { head: string; redirects: FastRedirect[] } | null {
  if (!text.includes('<') && !text.includes('>')) return { head: text, redirects: [] };
  const m = TAIL.exec(text);
  if (!m) return null;
  const head = m[1]!;
  if (/[<>]/.test(head.replace(/'[^']*'|"[^"]*"/g, ''))) return null;
  // The grammar reads `- 2>x` as no `-` argument, `0>x` as a word `0`, and gives up on
  // `a=1 > f`: leave those to the parser (descriptors 1-9 only above).
  if (/(^|\s)-$/.test(head.trim())) return null;
  // `a=1 > f`, `- b= >f`: the grammar gives up on some words with `=` before a redirection.
  if (head.replace(/'[^']*'|"[^"]*"/g, '').includes('=')) return null;
  return { head: head.trim(), redirects: redirectsOf(m[2]!) };
}

/** The redirections of a tail that TAIL (or GROUP_TAIL) matched. */
export function redirectsOf(tail: string): FastRedirect[] {
  const redirects: FastRedirect[] = [];
  ONE.lastIndex = 0;
  for (let r = ONE.exec(tail); r !== null; r = ONE.exec(tail)) {
    // `N>&M` has no target group; `>` / `>>` (with a descriptor or not) write to it.
    const target = r[2];
    if (target === undefined || r[1]!.replace(/^\d/, '').startsWith('<')) redirects.push({ text: r[1]!, writes: null, dynamic: false });
    else {
      const t = targetValue(target);
      redirects.push({ text: r[1]!, writes: t.value, dynamic: t.dynamic });
    }
  }
  return redirects;
}

/**
 * After a group closes at `i`: only a separator (or the enclosing closer) may follow. The index
 * before it (the scan goes on from there), or null. Where a command could start ("command
 * position": nothing of a command yet), `(`, `{ `, `!` and keywords may start one.
 */
export function afterGroup(src: string, i: number, closer: string): { next: number; redirects: FastRedirect[] } | null {
  let j = i;
  let redirects: FastRedirect[] = [];
  GROUP_TAIL.lastIndex = i;
  const m = GROUP_TAIL.exec(src);
  if (m) {
    redirects = redirectsOf(m[0]);
    j = GROUP_TAIL.lastIndex;
  }
  while (src[j] === ' ' || src[j] === '\t') j++;
  const c = src[j];
  if (c === undefined || c === ';' || c === '&' || c === '|' || c === '\n' || (c === ')' && closer === ')')) return { next: j - 1, redirects };
  return null;
}
/** Plain redirections right after a group or compound command (`(…) > f`, `done < list`, `} 2>&1`), as TAIL's. */
const GROUP_TAIL = new RegExp(`(?:${REDIRECT})+`, 'y');

/** Plain redirections after `<<EOF` on its line. */
export const DOC_REDIRECTS = new RegExp(String.raw`^(?:${REDIRECT})+[ \t]*$`);

/** Keywords that end a list inside a compound command, and those that start one. */
export const TERMINATORS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done']);
export const STARTERS = new Set(['if', 'while', 'until', 'for']);
/** First letters of those keywords, and the keywords by length (no string taken out of the line for other words). */
export const KEYWORD_START = new Uint8Array(128);
for (const c of 'tefdiwu') KEYWORD_START[c.charCodeAt(0)] = 1;
const KEYWORDS_BY_LENGTH: readonly (readonly string[])[] = [[], [], ['if', 'fi', 'do'], ['for'], ['then', 'elif', 'else', 'done'], ['while', 'until']];
/** The keyword that is the whole run of `length` plain characters at `i`, or null. */
export function keywordAt(src: string, i: number, length: number): string | null {
  for (const k of KEYWORDS_BY_LENGTH[length] ?? []) if (src.startsWith(k, i)) return k;
  return null;
}
/** Does an unquoted assignment (`NAME=`, `NAME+=`) start at `i`? (ASSIGN_AT without the regular expression.) */
export function assignmentAt(src: string, i: number): boolean {
  let c = src.charCodeAt(i);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  let k = i + 1;
  for (; k < src.length; k++) {
    c = src.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) break;
  }
  return c === 61 || (c === 43 && src.charCodeAt(k + 1) === 61);
}

const UNARY_TESTS = new Set(['-a', '-b', '-c', '-d', '-e', '-f', '-g', '-h', '-k', '-n', '-p', '-r', '-s', '-t', '-u', '-w', '-x', '-z', '-G', '-L', '-N', '-O', '-S']);
const BINARY_TESTS = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef']);
/**
 * The shapes of `[ … ]` the grammar reads without error: `[ W ]`, `[ -f W ]`, `[ W = W ]`, each
 * optionally after `!`; operators unquoted (the grammar fails on `[ "-f" x ]`), static operands
 * not looking like operators, assignments or reserved words. `plain`: per word, unquoted and static.
 */
export function validTest(words: Word[], plain: boolean[], reserved: ReadonlySet<string>): boolean {
  const k = words.length > 1 && words[0]!.value === '!' && plain[0] ? 1 : 0;
  // The grammar also fails on reserved words and `a=b` as operands.
  const operand = (q: number): boolean => words[q]!.dynamic || (!/^[-!=(]|=/.test(words[q]!.value) && !reserved.has(words[q]!.value));
  switch (words.length - k) {
    case 1:
      return operand(k);
    case 2:
      return plain[k]! && UNARY_TESTS.has(words[k]!.value) && operand(k + 1);
    case 3:
      return plain[k + 1]! && BINARY_TESTS.has(words[k + 1]!.value) && operand(k) && operand(k + 2);
    default:
      return false;
  }
}

