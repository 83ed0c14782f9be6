import { hasGlob, word } from './shell-words.js';
import type { Word } from './shell-words.js';

/** A structural finding that sets a minimum decision for the part it is attached to. */
export interface Floor {
  decision: 'ask' | 'forbid';
  id: string;
  reason: string;
}

/** Where unwrapping sends what it finds. */
export interface UnwrapSink {
  /** A simple command after unwrapping (argv[0] is the resolved program name). */
  command(argv: Word[], via: string[], floors: Floor[], readsStdin: boolean): void;
  /** A script string a wrapper will run (`bash -c STR`, `eval …`, `su -c STR`). */
  script(script: string, via: string[], floor: Floor | null): void;
}

export const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash', 'fish', 'csh', 'tcsh']);
const INTERPRETERS = new Set(['python', 'python2', 'python3', 'node', 'nodejs', 'perl', 'ruby', 'php', 'lua', 'deno', 'bun']);
const RISKY_ENV =
  /^(LD_\w+|DYLD_\w+|PATH|BASH_\w+|ENV|PROMPT_COMMAND|PS[1-4]|IFS|SHELLOPTS|BASHOPTS|GIT_\w+|PAGER|MANPAGER|LESS\w*|EDITOR|VISUAL|BROWSER|\w*ASKPASS|\w*_(OPTIONS|OPTS)|PYTHON\w*|PERL\w*|RUBY\w*|GCONV_PATH|HOSTALIASES|NPM_CONFIG_\w+|npm_config_\w+)$/;

export const floorOf = (id: string, reason: string, decision: 'ask' | 'forbid' = 'ask'): Floor => ({ id, reason, decision });

/** A leading `NAME=…` / `NAME+=…` word: an assignment, not the program. */
export const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/;

/** A floor when assigning `name` can change what later commands run (PATH, LD_PRELOAD, GIT_*…). */
export function envFloor(name: string): Floor | null {
  return RISKY_ENV.test(name)
    ? floorOf('shell.risky-env', `setting ${name} can change which program or code a command runs`)
    : null;
}

/** `/bin/rm` → `rm`; `\rm` was already unescaped by the parser. Relative paths stay as written. */
export function programName(p: string): string {
  if (p.startsWith('/')) {
    const base = p.slice(p.lastIndexOf('/') + 1);
    return base === '' ? p : base;
  }
  return p;
}

interface OptSpec {
  short?: string; // short options taking a value
  long?: string[]; // long options taking a value (as "--name")
}

/** Index of the first operand after options; `-xVAL`, `-x VAL`, `--long=VAL`, `--long VAL` and `--` understood. */
export function skipOptions(args: Word[], from: number, spec: OptSpec, stopAtNumber = false): number {
  let i = from;
  while (i < args.length) {
    const a = args[i]!.value;
    if (a === '--') return i + 1;
    if (!a.startsWith('-') || a === '-') return i;
    if (stopAtNumber && /^-\d+$/.test(a)) {
      i++;
      continue;
    }
    if (a.startsWith('--')) {
      i += !a.includes('=') && spec.long?.includes(a) ? 2 : 1;
      continue;
    }
    let consumed = 1;
    for (let k = 1; k < a.length; k++) {
      if (spec.short?.includes(a[k]!)) {
        if (k === a.length - 1) consumed = 2;
        break;
      }
    }
    i += consumed;
  }
  return i;
}

/** `xs` plus `x`: a copy when `xs` is still the caller's array `orig`, else `xs` itself, grown. */
function grown<T>(xs: T[], orig: T[], x: T): T[] {
  const out = xs === orig ? [...orig] : xs;
  out.push(x);
  return out;
}

const statics = (ws: Word[]): boolean => ws.every((w) => !w.dynamic);
const join = (ws: Word[]): string => ws.map((w) => w.value).join(' ');

const GIT_VALUE_OPTS = ['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--exec-path', '--list-cmds'];
const GIT_RISKY_OPTS = /^(-c|--config-env|--exec-path|--git-dir|--work-tree)(=|$)/;

/**
 * Peel wrappers off a simple command until the program that really runs is reached, sending
 * every command and script found to `sink`. Wrappers: env, timeout, nice, nohup, command,
 * builtin, exec, time, coproc, stdbuf, ionice, sudo, doas, su -c, xargs, busybox, watch, the shells'
 * `-c`, eval; `find -exec` targets are judged as their own commands.
 */
export function unwrapCommand(words: Word[], via: string[], sink: UnwrapSink, inherited: Floor[] = []): void {
  let w = words;
  // Copied on first change only: most commands have no wrapper and no floor.
  let v = via;
  let floors = inherited;
  for (let guard = 0; guard < 64; guard++) {
    // (`includes` first: most words have no `=`, and the expression costs more.)
    while (w.length > 0 && w[0]!.value.includes('=') && ASSIGNMENT.test(w[0]!.value)) {
      const f = envFloor(ASSIGNMENT.exec(w[0]!.value)![1]!);
      if (f) floors = grown(floors, inherited, f);
      w = w.slice(1);
    }
    const head = w[0];
    if (!head) {
      if (floors.length > 0) sink.command([], v, floors, false);
      return;
    }
    if (head.dynamic || hasGlob(head) || head.value === '') {
      floors = grown(floors, inherited, floorOf('shell.dynamic-command', 'the program name is only known at run time'));
      sink.command(w, v, floors, false);
      // An expansion may give no word at all (`$(true) rm -rf /`, `$UNSET rm`): then the next
      // word is the program. Judge the rest as a command too (this only adds parts).
      if (head.dynamic && w.length > 1) unwrapCommand(w.slice(1), [...v, 'empty expansion'], sink, floors);
      return;
    }
    const prog = programName(head.value);
    if (prog !== head.value) w = [word(prog), ...w.slice(1)];
    let next: number;
    switch (prog) {
      case 'env': {
        const s = w.findIndex((x, i) => i > 0 && /^(-S|--split-string)/.test(x.value));
        if (s > 0) {
          const rest = w.slice(s).map((x) => x.value.replace(/^(-S|--split-string=?)/, '')).filter((x) => x !== '');
          floors = grown(floors, inherited, floorOf('shell.env-split', '`env -S` splits a string into a command'));
          sink.command([], v, floors, false);
          sink.script(rest.join(' '), [...v, 'env -S'], null);
          return;
        }
        next = skipOptions(w, 1, { short: 'uCP', long: ['--unset', '--chdir'] });
        if (next >= w.length) return void sink.command(w, v, floors, false);
        break;
      }
      case 'timeout':
        next = skipOptions(w, 1, { short: 'sk', long: ['--signal', '--kill-after'] }) + 1;
        break;
      case 'nice':
        next = skipOptions(w, 1, { short: 'n', long: ['--adjustment'] }, true);
        break;
      case 'nohup':
      case 'coproc':
      case 'builtin':
      case 'time':
      case 'busybox':
        next = skipOptions(w, 1, {});
        break;
      case 'exec':
        next = skipOptions(w, 1, { short: 'a' });
        break;
      case 'stdbuf':
        next = skipOptions(w, 1, { short: 'ioe', long: ['--input', '--output', '--error'] });
        break;
      case 'ionice':
        next = skipOptions(w, 1, { short: 'cnpPu', long: ['--class', '--classdata', '--pid', '--pgid', '--uid'] });
        break;
      case 'command': {
        next = skipOptions(w, 1, {});
        if (w.slice(1, next).some((x) => /^-[a-zA-Z]*[vV]/.test(x.value))) return void sink.command(w, v, floors, false);
        break;
      }
      case 'sudo':
      case 'doas': {
        floors = grown(floors, inherited, floorOf('shell.privilege', `\`${prog}\` runs a command with other privileges`));
        next = skipOptions(w, 1, {
          short: prog === 'sudo' ? 'ughpCDrtUTR' : 'uC',
          long: ['--user', '--group', '--host', '--prompt', '--close-from', '--chdir', '--role', '--type', '--other-user', '--command-timeout'],
        });
        if (next >= w.length) return void sink.command(w, v, floors, false);
        break;
      }
      case 'su': {
        const c = w.findIndex((x, i) => i > 0 && (x.value === '-c' || x.value === '--command'));
        floors = grown(floors, inherited, floorOf('shell.privilege', '`su` runs a command as another user'));
        const script = c > 0 ? w[c + 1] : undefined;
        if (!script || script.dynamic) return void sink.command(w, v, floors, false);
        sink.command([], v, floors, false);
        return void sink.script(script.value, [...v, 'su -c'], null);
      }
      case 'xargs': {
        next = skipOptions(w, 1, {
          short: 'IdaEnLPs',
          long: ['--max-args', '--max-lines', '--max-procs', '--delimiter', '--arg-file', '--eof', '--max-chars', '--process-slot-var'],
        });
        const target = next < w.length ? w.slice(next) : [word('echo')];
        w = [...target, word('{stdin}', true)];
        v = grown(v, via, 'xargs');
        continue;
      }
      case 'watch': {
        next = skipOptions(w, 1, { short: 'nd', long: ['--interval', '--differences'] });
        const rest = w.slice(next);
        if (!statics(rest)) floors = grown(floors, inherited, floorOf('shell.dynamic-script', 'the script is only known at run time'));
        sink.command([], v, floors, false);
        return void sink.script(join(rest), [...v, 'watch'], null);
      }
      case 'eval': {
        const rest = w.slice(1);
        const f = floorOf('shell.eval', '`eval` runs a string as shell code');
        if (!statics(rest)) return void sink.command(w, v, [...floors, f], false);
        sink.command([], v, floors, false);
        return void sink.script(join(rest), [...v, 'eval'], f);
      }
      case 'find':
        return findExec(w, v, floors, sink);
      case 'git':
        floors = floors === inherited ? [...inherited] : floors;
        return void sink.command(normaliseGit(w, floors), v, floors, false);
      default:
        if (SHELLS.has(prog)) return shellInvocation(w, v, floors, sink);
        if (INTERPRETERS.has(prog)) {
          const operand = skipOptions(w, 1, { short: 'cemrWXIM' });
          const inline = w.slice(1, operand).some((x) => /^-[a-zA-Z]*[ce]/.test(x.value) || x.value === '--eval');
          return void sink.command(w, v, floors, !inline && (operand >= w.length || w[operand]!.value === '-'));
        }
        return void sink.command(w, v, floors, false);
    }
    v = grown(v, via, prog);
    w = w.slice(next);
  }
  sink.command(w, v, [...floors, floorOf('shell.too-deep', 'too many nested wrappers')], false);
}

function shellInvocation(w: Word[], via: string[], floors: Floor[], sink: UnwrapSink): void {
  const prog = w[0]!.value;
  let i = 1;
  let dashC = false;
  let readsStdinFlag = false;
  while (i < w.length) {
    const a = w[i]!.value;
    if (a === '--' || a === '-') {
      i++;
      break;
    }
    if (!/^[-+]/.test(a)) break;
    if (a === '-o' || a === '+o' || a === '-O' || a === '+O' || a === '--rcfile' || a === '--init-file') {
      i += 2;
      continue;
    }
    if (!a.startsWith('--')) {
      if (a.includes('c')) dashC = true;
      if (a.includes('s')) readsStdinFlag = true;
    }
    i++;
  }
  if (dashC) {
    const script = w[i];
    if (!script || script.dynamic) {
      return sink.command(w, via, [...floors, floorOf('shell.dynamic-script', `the script given to \`${prog} -c\` is only known at run time`)], false);
    }
    if (floors.length > 0) sink.command([], via, floors, false);
    return sink.script(script.value, [...via, `${prog} -c`], null);
  }
  sink.command(w, via, floors, readsStdinFlag || i >= w.length);
}

function findExec(w: Word[], via: string[], floors: Floor[], sink: UnwrapSink): void {
  sink.command(w, via, floors, false);
  for (let i = 1; i < w.length; i++) {
    const a = w[i]!.value;
    if (a !== '-exec' && a !== '-execdir' && a !== '-ok' && a !== '-okdir') continue;
    let end = i + 1;
    while (end < w.length && w[end]!.value !== ';' && w[end]!.value !== '+') end++;
    const target = w.slice(i + 1, end).map((x) => (x.value.includes('{}') ? word(x.value, true) : x));
    if (target.length > 0) unwrapCommand(target, [...via, `find ${a}`], sink);
    i = end;
  }
}

/** Drop git's global options so `git -C dir --no-pager push` reads as `git push`; config overrides ask. */
function normaliseGit(w: Word[], floors: Floor[]): Word[] {
  let i = 1;
  while (i < w.length) {
    const a = w[i]!.value;
    if (!a.startsWith('-')) break;
    if (GIT_RISKY_OPTS.test(a)) floors.push(floorOf('git.global-override', `\`git ${a}\` can make git run other programs or use another repository`));
    i += GIT_VALUE_OPTS.includes(a) ? 2 : 1;
  }
  return [w[0]!, ...w.slice(i)];
}
