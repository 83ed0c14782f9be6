/**
 * A fast path that skips tree-sitter for the lines agents send most: simple commands joined
 * by `&&`, `||`, `;` and `|`, whose words bash reads exactly as written. Outside quotes only
 * the characters below; inside '…' anything but ' and newline; inside "…" no $ ` \ ! (no
 * expansion). Anything else (redirections, $, globs, parentheses, a lone &, reserved words,
 * empty commands) returns null and goes to the parser. A unit test proves both paths split
 * every line of the rule table identically.
 */
const FAST_LINE = /^(?:[A-Za-z0-9_\-./=:,@%+^~ \t;|&]|'[^'\n]*'|"[^"$`\\!\n]*")*$/;

export interface FastStage {
  text: string;
  words: string[];
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
  const cut = (end: number, sep: string): boolean => {
    const text = src.slice(start, end).trim();
    const words = simpleWords(text);
    if (words.length === 0) {
      // Only a trailing `;` (or an empty line) may leave nothing behind.
      if (sep !== 'end' || stages.length > 0 || (lastSep !== ';' && lastSep !== '')) return false;
      return true;
    }
    if (reserved.has(words[0]!)) return false;
    stages.push({ text, words });
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
    const two = src.slice(i, i + 2);
    let sep: string;
    if (two === '&&' || two === '||') sep = two;
    else if (c === '&' || two === '|&' || two === ';;' || two === ';&' || two === ';|') return null;
    else sep = c;
    if (!cut(i, sep)) return null;
    i += sep.length - 1;
    start = i + 1;
  }
  if (!cut(src.length, 'end')) return null;
  return pipelines;
}
