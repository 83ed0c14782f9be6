/**
 * A small, predictable glob for path rules: `*` matches within one path segment, `**` across
 * segments, `?` one character, `{a,b}` alternatives. A pattern without `/` matches a basename
 * anywhere; a pattern with `/` matches the path relative to the repo root.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
        if (pattern[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) throw new Error(`unclosed "{" in pattern ${JSON.stringify(pattern)}`);
      re += `(?:${pattern.slice(i + 1, end).split(',').map(escape).join('|')})`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

export class PathMatcher {
  private readonly base: RegExp[] = [];
  private readonly full: RegExp[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) (p.includes('/') ? this.full : this.base).push(globToRegExp(p.replace(/^\/+/, '')));
  }

  /** `rel` is a '/'-separated path relative to the repo root. */
  matches(rel: string): boolean {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return this.base.some((r) => r.test(name)) || this.full.some((r) => r.test(rel));
  }
}
