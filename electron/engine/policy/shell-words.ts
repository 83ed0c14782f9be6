import type { TsNode } from './shell-parser.js';

/** One shell word after quote removal. `dynamic` = its value depends on expansion at run time. */
export interface Word {
  value: string;
  dynamic: boolean;
}

export const word = (value: string, dynamic = false): Word => ({ value, dynamic });

const unescapeBare = (s: string): string => s.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
const unescapeDouble = (s: string): string => s.replace(/\\\n/g, '').replace(/\\([\\"$`])/g, '$1');

/** The static value of a word-like node, as bash would see it after quote removal. */
export function wordValue(node: TsNode): Word {
  switch (node.type) {
    case 'word':
      return word(unescapeBare(node.text));
    case 'number':
      return word(node.text);
    case 'raw_string':
      return word(node.text.slice(1, -1));
    case 'string': {
      // Any expansion inside makes the value dynamic; otherwise take the text between the quotes
      // (the grammar's string_content pieces skip newlines).
      const dynamic = node.namedChildren.some((c) => c !== null && c.type !== 'string_content');
      return word(dynamic ? canonicalExpansions(node.text.slice(1, -1)) : unescapeDouble(node.text.slice(1, -1)), dynamic);
    }
    case 'concatenation': {
      let value = '';
      let dynamic = false;
      for (const c of node.children) {
        if (!c) continue;
        const w = wordValue(c);
        value += w.value;
        dynamic ||= w.dynamic;
      }
      return word(value, dynamic);
    }
    default:
      // $VAR, ${…}, $(…), `…`, $((…)), $'…', $"…", {a,b}, globs the grammar splits out: unknown until run time.
      return word(canonicalExpansions(node.text), true);
  }
}

/** `${HOME}` → `$HOME`, so rules can name a variable one way. */
const canonicalExpansions = (s: string): string => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$$$1');

const globChars = /[*?[\]{}]/;

/** True when a static word still contains glob or brace characters bash would expand. */
export function hasGlob(w: Word): boolean {
  return globChars.test(w.value);
}
