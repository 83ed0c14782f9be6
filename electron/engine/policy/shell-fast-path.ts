/**
 * A fast path that skips tree-sitter for the lines agents send most: simple commands joined
 * by `&&`, `||`, `;` and `|`, whose words bash reads exactly as written, optionally ending in
 * plain redirections (`> out.txt`, `2>&1`). Outside quotes only
 * the characters below; inside '…' anything but ' and newline; inside "…" no $ ` \ ! (no
 * expansion). Anything else (redirections, $, globs, parentheses, a lone &, reserved words,
 * empty commands) returns null and goes to the parser. A unit test proves both paths split
 * every line of the rule table identically.
 */
const FAST_LINE = /^(?:[A-Za-z0-9_\-./=:,@%+^~ \t;|&<>]|'[^'\n]*'|"[^"$`\\!\n]*")*$/;

/**
 * Redirections at the end of a simple command, each after a space: `> f`, `>> f`, `N> f`,
 * `N>> f` (N 1-9), `< f` (no descriptor: the grammar reads `0<f` as a word and a redirection) with a
 * plain word as the target, and `N>&M` / `>&-`. Anything else with < or > (no space before the
 * operator, `&>`, `>|`, `<<`, `<&`, a quoted or expanding target, a redirection before a word,
 * an assignment before it) goes to the parser.
 */
const TAIL = /^((?:[^<>'"]|'[^']*'|"[^"]*")*?)((?:[ \t]+(?:[1-9]?>>?|<)[ \t]*[A-Za-z0-9_\-./=:,@%+^~]+|[ \t]+[1-9]?>&(?:\d+|-))+)$/;
const ONE = /[ \t]+((?:[1-9]?>>?|<)[ \t]*([A-Za-z0-9_\-./=:,@%+^~]+)|[1-9]?>&(?:\d+|-))/g;

export interface FastRedirect {
  /** As written (`> out.txt`, `2>/dev/null`). */
  text: string;
  /** The file written, or null for input redirections and descriptor duplications. */
  writes: string | null;
}

export interface FastStage {
  text: string;
  words: string[];
  redirects: FastRedirect[];
}

function splitRedirects(text: string): { head: string; redirects: FastRedirect[] } | null {
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
  const redirects: FastRedirect[] = [];
  for (const r of m[2]!.matchAll(ONE)) {
    const op = /^\d?(>>|>&|>|<)/.exec(r[1]!)![1];
    redirects.push({ text: r[1]!, writes: op === '>' || op === '>>' ? r[2]! : null });
  }
  return { head: head.trim(), redirects };
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
  if (!FAST_LINE.test(src)) return null;
  const pipelines: FastStage[][] = [];
  let stages: FastStage[] = [];
  let start = 0;
  let lastSep = '';
  let piped = false;
  let andOr = false;
  const cut = (end: number, sep: string): boolean => {
    const split = splitRedirects(src.slice(start, end).trim());
    if (!split) return false;
    const text = split.head;
    const words = simpleWords(text);
    if (words.length === 0) {
      // Only a trailing `;` (or an empty line) may leave nothing behind.
      if (sep !== 'end' || stages.length > 0 || (lastSep !== ';' && lastSep !== '')) return false;
      return true;
    }
    if (reserved.has(words[0]!)) return false;
    stages.push({ text, words, redirects: split.redirects });
    if (sep !== '|') {
      pipelines.push(stages);
      stages = [];
    }
    lastSep = sep;
    return true;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"') {
      i = src.indexOf(c, i + 1);
      continue;
    }
    if (c !== ';' && c !== '|' && c !== '&') continue;
    if (i > 0 && src[i - 1] === '>') {
      if (c === '&') continue; // N>&M: checked with the stage's redirections
      return null; // >| (clobber)
    }
    if (c === '&' && src[i + 1] === '>') return null; // &> file
    const two = src.slice(i, i + 2);
    let sep: string;
    if (two === '&&' || two === '||') sep = two;
    else if (c === '&' || two === '|&' || two === ';;' || two === ';&' || two === ';|') return null;
    else sep = c;
    if (sep === '|') piped = true;
    else if (sep !== ';') andOr = true;
    if (!cut(i, sep)) return null;
    i += sep.length - 1;
    start = i + 1;
  }
  if (!cut(src.length, 'end')) return null;
  // The grammar groups `a || b >x | c` as `(a || b >x) | c` (bash: `a || (b >x | c)`): with a
  // redirection, a pipe and an and/or list on one line, let the parser decide.
  if (andOr && piped && pipelines.some((p) => p.some((st) => st.redirects.length > 0))) return null;
  return pipelines;
}
