import { posix } from 'node:path';

/**
 * Globs for policy paths: `*` any run of characters except `/`, `?` one such character,
 * `**` any run including `/`, `{a,b}` alternatives, `\\*` a literal `*`. `dir/**` also matches
 * `dir` itself.
 */
export function globToRegExp(glob: string, flags = ''): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      re += escape(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`;
        i = end;
      }
    } else re += escape(c);
  }
  if (re.endsWith('/.*')) re = `${re.slice(0, -3)}(?:/.*)?`;
  return new RegExp(`^${re}$`, flags);
}

const escape = (s: string): string => s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');

export interface PathMatcher {
  /** `abs`: normalised absolute path. */
  matches(abs: string): boolean;
}

/**
 * Match absolute paths against policy globs: absolute globs match as written; `~/…` under
 * `home`; relative globs under `workspace`; a glob without `/` matches a basename anywhere.
 */
export function pathMatcher(globs: readonly string[], roots: { workspace: string; home: string }): PathMatcher {
  const absolute: RegExp[] = [];
  const relative: RegExp[] = [];
  const basename: RegExp[] = [];
  for (const g of globs) {
    // Case-insensitive: a repo on a macOS or Windows host is mounted case-insensitively.
    if (g.startsWith('/')) absolute.push(globToRegExp(posix.normalize(g), 'i'));
    else if (g.startsWith('~/')) absolute.push(globToRegExp(posix.join(roots.home, g.slice(2)), 'i'));
    else if (!g.replace(/\/\*\*$/, '').includes('/')) basename.push(globToRegExp(g.replace(/\/\*\*$/, ''), 'i'));
    else relative.push(globToRegExp(g.replace(/^\.\//, ''), 'i'));
  }
  const ws = roots.workspace.endsWith('/') ? roots.workspace : `${roots.workspace}/`;
  const wsLower = ws.toLowerCase();
  const test = (abs: string): boolean => {
    if (absolute.some((r) => r.test(abs))) return true;
    if (!abs.toLowerCase().startsWith(wsLower)) return false;
    const rel = abs.slice(ws.length);
    if (relative.some((r) => r.test(rel))) return true;
    const segments = rel.split('/');
    // `.git` matches the directory anywhere and everything below it.
    return basename.length > 0 && segments.some((s) => basename.some((r) => r.test(s)));
  };
  // Agents name the same few paths over and over: remember answers (bounded).
  const seen = new Map<string, boolean>();
  return {
    matches(abs: string): boolean {
      let hit = seen.get(abs);
      if (hit === undefined) {
        hit = test(abs);
        if (seen.size >= 4096) seen.clear();
        seen.set(abs, hit);
      }
      return hit;
    },
  };
}

/** Resolve a shell argument to an absolute path (`~` → home, relative → cwd). */
export function resolveArgPath(arg: string, cwd: string, home: string): string {
  if (arg === '~' || arg.startsWith('~/')) return posix.normalize(posix.join(home, arg.slice(1)));
  if (arg === '$HOME' || arg.startsWith('$HOME/')) return posix.normalize(posix.join(home, arg.slice(5)));
  // Most arguments are already normal once joined (no `//`, `/./`, `/../`, trailing `/`):
  // skip path.join/normalize for those; they return the same string.
  if (arg.startsWith('/') || cwd.startsWith('/')) {
    const joined = arg.startsWith('/') ? arg : arg === '' ? cwd : cwd === '/' ? `/${arg}` : `${cwd}/${arg}`;
    if (joined === '/' || !NOT_NORMAL.test(joined)) return joined;
  }
  return posix.normalize(arg.startsWith('/') ? arg : posix.join(cwd, arg));
}
/** `//`, `/./`, `/../`, or a trailing `/`, `/.`, `/..`. */
const NOT_NORMAL = /\/(?:\.{1,2})?(?:\/|$)/;

/** `p` is `dir` or inside it. */
export function isWithin(p: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  return p === d || p.startsWith(`${d}/`);
}
