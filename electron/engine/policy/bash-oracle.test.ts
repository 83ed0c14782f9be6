import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandEngine } from './command-engine.js';
import type { CommandEngine, CommandVerdict } from './command-engine.js';
import { loadEffectivePolicy } from './policy-loader.js';

// Real bash as the oracle: every program bash actually runs for a line must be among the parts
// the engine judged (a program bash runs that the engine did not see is a bypass). Lines come
// from a grammar of shell shapes biased towards line breaks and odd spacing, where the
// tree-sitter grammar has read lines differently from bash without reporting an error.
//
// Safety: bash runs with `env -i PATH=<stubs>` in a temp dir. Every program the generator can
// put in a command position is a stub script there (it logs its name and arguments and exits
// 0) or a harmless builtin; no word is a path to a real program, no builtin that could leave
// the sandbox (cd, exec, source, enable, hash, builtin, command -p, PATH=) is generated, and
// redirections write only to relative names in the temp dir (or /dev/null).
//
// The check (one-directional): each program name in the log must be argv[0] of a command part
// of the verdict. A verdict of `forbid` counts as judging the whole line (nothing runs). An
// unparseable line is not exempt: it only asks, so a forbidden program hidden in it would be
// weakened to an ask (which `--approvals allow` lets run). The parts the engine adds for such a
// line (each line, each piece between `;`/`&`/`|`, the line with continuations joined, each
// backtick body) must name the program. Two modes: `bash -c LINE` (stops at a
// syntax error) and `bash -s` with the line on stdin (reads line by line and goes on after a
// syntax error, as an interactive shell or a script piped to a shell does).
//
// Runs: ORACLE_SEED / ORACLE_RUNS (defaults: a fixed seed, 300 lines, about 10 s; ORACLE_DEBUG=1
// prints the time spent in bash and in the engines). A failure names the line, what bash ran
// and what the engine judged, shrunk by fast-check to a small line.

const STUBS = ['rm', 'git', 'curl', 'ls', 'cat', 'grep', 'head', 'x', 'y', 'zz'] as const;
const SEED = Number(process.env['ORACLE_SEED'] ?? 20261130);
const RUNS = Number(process.env['ORACLE_RUNS'] ?? 300);

let dir: string;
let log: string;
let fast: CommandEngine;
let tree: CommandEngine;

beforeAll(async () => {
  const loaded = await loadEffectivePolicy({ home: '/nonexistent/paddock-home', managedPath: null, repo: null });
  fast = createCommandEngine(loaded.policy, { provenance: loaded.provenance });
  tree = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0, fastPath: false });
  dir = mkdtempSync(join(tmpdir(), 'paddock-oracle-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'work'));
  for (const name of STUBS) {
    const stub = join(dir, 'bin', name);
    // One record per run: name and arguments, tab-separated, NUL-terminated, in one write
    // (pipeline stages run at the same time and append to the same log).
    const t = '\t';
    writeFileSync(stub, `#!/bin/sh\nr=${name}\nfor a in "$@"; do r="$r${t}$a"; done\nprintf '%s\\0' "$r" >> "$ORACLE_LOG"\nexit 0\n`);
    chmodSync(stub, 0o755);
  }
  for (const f of ['f', 'in']) writeFileSync(join(dir, 'work', f), 'content\n');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Mode = '-c' | '-s';

/** The programs (stub names, in order) bash ran for `line`. */
let runs = 0;
function ran(line: string, mode: Mode): string[][] {
  // A log per run: a background stage whose output goes to a file can outlive bash (spawnSync
  // waits only for the processes holding its pipes); its record must not land in the next run's.
  log = join(dir, `ran-${++runs}.log`);
  writeFileSync(log, '');
  const args = mode === '-c' ? ['-c', line] : ['-s'];
  spawnSync('/usr/bin/env', ['-i', `PATH=${join(dir, 'bin')}`, `HOME=${join(dir, 'work')}`, `ORACLE_LOG=${log}`, '/bin/bash', ...args], {
    cwd: join(dir, 'work'),
    input: mode === '-s' ? line : '',
    timeout: 3000,
    encoding: 'utf8',
  });
  return readFileSync(log, 'utf8')
    .split('\0')
    .filter((r) => r !== '')
    .map((r) => r.split('\t'));
}

/** Programs bash ran that the engine's verdict does not name (empty: no bypass). */
function unjudged(v: CommandVerdict, programs: string[][]): string[] {
  if (v.decision === 'forbid') return [];
  // A program name that is the output of a substitution (`$(printf ls)`) is only known at run
  // time, and the engine says so (it asks about that part). Only echo and printf print here
  // (stubs print nothing), so such a part covers what bash ran then.
  if (v.parts.some((p) => p.rule.id === 'engine:shell.dynamic-command' && /\b(printf|echo)\b/.test(p.argv[0] ?? ''))) return [];
  const judged = new Set(v.parts.filter((p) => p.kind === 'command').map((p) => p.argv[0]));
  return [...new Set(programs.map((p) => p[0]!).filter((n) => !judged.has(n)))];
}

// ---- the grammar of shapes ----
const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const prog = pick<string>(...STUBS, ...STUBS, '\\rm', "'git'", '"ls"', 'c\\at', 'r""m', 'echo', 'true', ':', 'printf');
const word = fc.oneof(
  { weight: 10, arbitrary: pick('a', '-rf', '/', 'b', '-n', '=', 'x', 'rm', 'git', 'ls', 'curl', '--force', 'main', 'f') },
  { weight: 3, arbitrary: pick('"q w"', "'s t'", '"a\nrm"', "'a\ngit'", '\\rm', 'a\\\nb', '#c', 'x#y', '$X', '"$X"', '\\#', "\\'", '\\"', '\\\n', 'a=b', ']', '[', '}', '{', ')', 'fi', 'done', 'then') },
);
/** Between words: mostly blanks, often a line break (bare, escaped, after a comment). */
const gap = fc.oneof(
  { weight: 8, arbitrary: pick(' ', '  ', '\t') },
  { weight: 3, arbitrary: pick('\n', ' \n', '\n ', ' \\\n', ' \\\n ', '\\\n', ' # c\n', '\n\n', '\\\n\n') },
);
/** After an operator or keyword: where a line break is allowed in bash (and where the grammar may not agree). */
const opGap = fc.oneof({ weight: 3, arbitrary: pick(' ', '') }, { weight: 2, arbitrary: pick('\n', ' \n ', ' \\\n', ' # c\n', '\n\n') });
const redirect = fc.tuple(pick('>', '>>', '2>', '<', '<<<', '&>', '>|', '2>&1', '>&2', '<>'), fc.oneof({ weight: 3, arbitrary: pick(' ', '') }, { weight: 2, arbitrary: pick('\n', ' \n', ' \\\n') }), pick('f', 'g', '/dev/null', 'in', '"f"', 'x', 'rm'))
  .map(([op, g, t]) => (op === '2>&1' || op === '>&2' ? op : `${op}${g}${t}`));
const assign = pick('A=1', 'B=x', 'C="a b"', "D='q'", 'E=$(x)', 'F=');
const heredoc = fc.tuple(pick('cat', 'x', 'y', ':'), pick('<<EOF', "<<'EOF'", '<<-EOF', '<< EOF'), fc.array(pick('rm -rf /', 'git push', 'a b', '$(x)', '`y`', 'EOF x', ' EOF', '\tEOF'), { maxLength: 3 }), pick('', ' | cat', ' && x', '; y'))
  .map(([c, op, body, after]) => `${c} ${op}${after}\n${body.join('\n')}${body.length ? '\n' : ''}${op.startsWith('<<-') ? '\t' : ''}EOF`);

type Shapes = { cmd: string; list: string; pipeline: string; simple: string };
const shapes = fc.letrec<Shapes>((tie) => ({
  simple: fc
    .tuple(fc.array(fc.tuple(assign, gap), { maxLength: 2 }), prog, fc.array(fc.tuple(gap, fc.oneof({ maxDepth: 2, depthIdentifier: 'shape' }, { weight: 6, arbitrary: word }, { weight: 1, arbitrary: tie('cmd').map((c) => `$(${c})`) }, { weight: 1, arbitrary: tie('simple').map((c) => `\`${c.replace(/[`\\$]/g, '\\$&')}\``) })), { maxLength: 4 }), fc.array(fc.tuple(pick(' ', ''), redirect), { maxLength: 2 }))
    .map(([as, p, ws, rs]) => as.map(([a, g]) => a + (g.includes('\n') && !g.includes('\\') ? ' ' : g)).join('') + p + ws.map(([g, w]) => g + w).join('') + rs.map(([g, r]) => g + r).join('')),
  cmd: fc.oneof(
    { maxDepth: 2, depthIdentifier: 'shape' },
    { weight: 8, arbitrary: tie('simple') },
    { weight: 2, arbitrary: fc.tuple(pick('[', '[['), fc.array(fc.tuple(gap, word), { minLength: 1, maxLength: 4 }), gap).map(([o, ws, g]) => `${o}${ws.map(([a, b]) => a + b).join('')}${g}${o === '[' ? ']' : ']]'}`) },
    { weight: 1, arbitrary: fc.tuple(tie('list'), opGap).map(([l, g]) => `(${g}${l}${g})`) },
    { weight: 1, arbitrary: fc.tuple(tie('list'), opGap).map(([l, g]) => `{${g === '' ? ' ' : g}${l};${g}}`) },
    { weight: 1, arbitrary: fc.tuple(tie('list'), tie('list'), opGap).map(([a, b, g]) => `if ${a};${g}then ${b};${g}fi`) },
    { weight: 1, arbitrary: fc.tuple(tie('list'), tie('list'), opGap).map(([a, b, g]) => `while ${a};${g}do ${b};${g}break;${g}done`) },
    { weight: 1, arbitrary: fc.tuple(fc.array(word, { maxLength: 2 }), tie('list'), opGap).map(([ws, b, g]) => `for i in ${ws.join(' ')};${g}do ${b};${g}done`) },
    { weight: 1, arbitrary: fc.tuple(pick('x', 'a'), tie('list'), opGap).map(([w, b, g]) => `case ${w} in${g}x) ${b};;${g}*) :;;${g}esac`) },
    { weight: 1, arbitrary: heredoc },
    { weight: 1, arbitrary: fc.tuple(tie('simple'), tie('simple')).map(([a, b]) => `${a} <<< "$(${b})"`) },
  ),
  pipeline: fc
    .tuple(tie('cmd'), fc.array(fc.tuple(pick(' | ', '|', ' |& ', ' |\n', '|\n ', ' | \\\n'), tie('cmd')), { maxLength: 2, depthIdentifier: 'shape' }))
    .map(([c, rest]) => c + rest.map(([op, d]) => op + d).join('')),
  list: fc
    .tuple(tie('pipeline'), fc.array(fc.tuple(pick(' && ', '||', ' ; ', ';', '\n', ' & ', ' &&\n', '||\n', ';\n', ' &\n', ' # c\n'), tie('pipeline')), { maxLength: 2, depthIdentifier: 'shape' }))
    .map(([c, rest]) => c + rest.map(([op, d]) => op + d).join('')),
}));

describe('real bash as the oracle', () => {
  it('runs only the stubs, in the temp dir (the harness works)', () => {
    expect(ran('ls -l; x a\nrm -rf / > f', '-c')).toEqual([['ls', '-l'], ['x', 'a'], ['rm', '-rf', '/']]);
    expect(ran('echo ok\n\\rm -rf /', '-s').map((r) => r[0])).toEqual(['rm']);
    expect(ran('/bin/true; ./x; cd /; ls', '-c')).toEqual([['ls']]);
  });

  it('catches the known misreadings if the engine did not split them (the check can fail)', () => {
    // A verdict that names only the first line's program misses what bash ran on the second.
    const v = fast.evaluate('ls');
    expect(unjudged(v, ran('ls | cat | cat\nrm -rf / > f', '-c')).sort()).toEqual(['cat', 'rm']);
  });

  it('every program bash runs is judged, with the fast path on and with the tree path only', () => {
    let bash = 0;
    let engines = 0;
    fc.assert(
      fc.property(shapes.list, (line) => {
        const t0 = performance.now();
        const verdicts = [['fast path', fast.evaluate(line)], ['tree path', tree.evaluate(line)]] as const;
        engines += performance.now() - t0;
        for (const mode of ['-c', '-s'] as const) {
          const t1 = performance.now();
          const programs = ran(line, mode);
          bash += performance.now() - t1;
          for (const [name, v] of verdicts) {
            const missed = unjudged(v, programs);
            if (missed.length > 0) {
              throw new Error(`bash ${mode} ran ${JSON.stringify(programs)}; the engine (${name}, ${v.decision}) judged ${JSON.stringify(v.parts.map((p) => p.argv[0] ?? p.rule.id))}`);
            }
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    if (process.env['ORACLE_DEBUG']) console.log(`seed ${SEED}, ${RUNS} lines: bash ${Math.round(bash)} ms, engines ${Math.round(engines)} ms`);
  }, 120_000);
});
