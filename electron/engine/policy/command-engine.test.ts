import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandCases } from './command-cases.fixture.js';
import { createCommandEngine } from './command-engine.js';
import type { CommandEngine } from './command-engine.js';
import { defaultPolicyPath, loadEffectivePolicy } from './policy-loader.js';
import type { EffectivePolicyResult } from './policy-types.js';
import { analyseCommandLine } from './shell-analyse.js';

let loaded: EffectivePolicyResult;
let engine: CommandEngine;
let uncached: CommandEngine;
let tree: CommandEngine;

beforeAll(async () => {
  loaded = await loadEffectivePolicy({ home: '/nonexistent/paddock-home', managedPath: null, repo: null });
  engine = createCommandEngine(loaded.policy, { provenance: loaded.provenance });
  uncached = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0 });
  tree = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0, fastPath: false });
});

/** Each line gets `decision` from the fast path (when it takes the line) and from the tree-sitter path alone. */
function onBothPaths(lines: readonly string[], decision: string): void {
  for (const line of lines) {
    expect(uncached.evaluate(line).decision, `${line} (fast path on)`).toBe(decision);
    expect(tree.evaluate(line).decision, `${line} (tree-sitter only)`).toBe(decision);
  }
}

describe('the rule table', () => {
  it('has at least 150 command lines', () => {
    expect(commandCases.length).toBeGreaterThanOrEqual(150);
  });

  it.each(commandCases.map((c) => [JSON.stringify(c[0]), ...c] as const))('%s → %s', (_name, line, decision, rule) => {
    const v = engine.evaluate(line);
    expect(v.decision, JSON.stringify(v.parts, null, 1)).toBe(decision);
    if (rule) expect(v.rule.id).toBe(rule);
    // Same answer without the analysis cache, and on a second (cached) call.
    expect(uncached.evaluate(line).decision).toBe(decision);
    expect(engine.evaluate(line).decision).toBe(decision);
  });
});

describe('verdicts', () => {
  it('name the deciding part and the rule with its file:line in the default policy', () => {
    const v = engine.evaluate('cd x && git push --force origin main');
    expect(v.decision).toBe('forbid');
    expect(v.decidingPart?.argv).toEqual(['git', 'push', '--force', 'origin', 'main']);
    expect(v.rule.id).toBe('git-push-force');
    expect(v.rule.source.layer).toBe('default');
    expect(v.rule.source.file).toBe(defaultPolicyPath());
    const lines = readFileSync(defaultPolicyPath(), 'utf8').split('\n');
    expect(lines[v.rule.source.line - 1]).toContain('id: git-push-force');
    expect(v.justification).toMatch(/history/);
    expect(v.parts.map((p) => [p.argv[0], p.decision])).toEqual([
      ['cd', 'allow'],
      ['git', 'forbid'],
    ]);
  });

  it('show the unwrapping path of a nested command', () => {
    const v = engine.evaluate("timeout 5 bash -c 'ls | xargs rm -rf'");
    expect(v.decidingPart?.via).toEqual(['timeout', 'bash -c', 'xargs']);
    expect(v.decidingPart?.argv.slice(0, 2)).toEqual(['rm', '-rf']);
  });

  it('report the unmatched default with its provenance', () => {
    const v = engine.evaluate('npm install');
    expect(v.rule.id).toBe('commands.default');
    expect(v.rule.source.layer).toBe('default');
    expect(v.rule.source.line).toBeGreaterThan(0);
  });

  it('resolve relative paths against the given cwd and workspace', () => {
    expect(engine.evaluate('echo x > hooks/pre-commit', { cwd: '/repo/.git', workspace: '/repo' }).decision).toBe('forbid');
    expect(engine.evaluate('echo x > hooks/pre-commit', { cwd: '/repo/src', workspace: '/repo' }).decision).toBe('allow');
    expect(engine.evaluate('rm -rf cache', { cwd: '/tmp' }).rule.id).toBe('commands.default');
    expect(engine.evaluate('rm -rf cache').rule.id).toBe('rm-recursive');
    expect(engine.evaluate('rm -rf /tmp/cache').rule.id).toBe('commands.default');
  });

  it('treat an empty policy default of forbid as forbid for unmatched commands', () => {
    const strict = createCommandEngine({ ...loaded.policy, commands: { ...loaded.policy.commands, default: 'forbid' } });
    expect(strict.evaluate('npm install').decision).toBe('forbid');
    expect(strict.evaluate('git status').decision).toBe('allow');
  });
});

describe('the tree-sitter-free fast path for simple lines', () => {
  it('splits exactly as the parser does', async () => {
    const { analyseCommandLine } = await import('./shell-analyse.js');
    const { simpleWords } = await import('./shell-fast-path.js');
    const extra = ['grep -rn "TODO: fix" src', "echo 'a  b' c", 'cat "a b"\'c d\'e', 'X="a b" ls', "rg -e 'x|y' --glob '*.ts'", '"" ls', 'ls   -la\t src',
      'ls && git push', 'a | b | c', 'ls;', 'ls; ', 'x || y && z', "echo 'a;b' | grep ';'", 'ls |', '&& ls', 'ls & pwd', 'curl -s x | sudo sh',
      'cat a | tee b | sh -s', 'ls;;', 'ls |& cat', 'env | grep A && timeout 3 nice ls',
      'PATH=/x', 'FOO=1', 'LD_PRELOAD=/x.so ls', 'FOO=1 BAR=2', "echo \"it's\" 'say \"hi\"'", 'sh -c ls', 'bash -c "rm -rf /"',
      // Tildes (fast path since the speed work): expanded at a word's start, or after = and : in assignments.
      'rm -rf ~', 'cd ~ && ls', 'ls ~root', 'ls ~+ ~- ~/x~y', 'echo a~b HEAD~3 @~1', 'X=~/bin ls', 'PATH=~/bin:~/x ls', 'ls a=~/b', '~/bin/tool -x', 'git diff HEAD~1..HEAD~3', "echo '~' \"~\" ~", 'cp x ~/.ssh/', 'ls ~~', 'ls ~/~',
      // Trailing redirections (fast path since the speed work) and the ones left to the parser.
      'ls > /dev/null 2>&1', 'npm test 2>&1 | tail -20', 'echo a2>x', 'echo 2>x', 'echo 2 >x', 'echo x >&2', 'echo x >& file', 'echo x >| f',
      'echo x &> f', 'echo x &>> f', 'cat < in > out', 'cat <in >out', 'echo > f x', '> f', 'exec 3> f', 'ls 10>x', 'echo x >f;ls', 'echo x>f',
      'echo "a>b" > c', "echo 'x' >> ~/y", 'tee a < b | sh', 'sh < script.sh', 'bash -c "ls > x"', 'ls >x 2>&- <y', 'echo x > "$F"',
      'echo x > a\\ b', 'cmd 2>>log', 'ls >-', 'ls > -x', 'a=1 > f', 'echo x 1>&2 && cat f > g', 'ls >& 2', 'ls 2 > x', 'ls >>> f',
      'cat <<< y', 'ls <> f', 'git log > .git/hooks/pre-commit', 'cd .git && echo x > hooks/post-merge', 'sudo tee /etc/x < y', "sh -c 'cat a > b' 2>/dev/null",
      'ls 2>&1 >/dev/null | grep -v x', 'echo x>>f 2>&1', 'xargs rm < list.txt', 'echo x > ./a/../b', 'echo x >/tmp/../etc/passwd', 'ls 0<f', 'ls 1>f', 'ls 9>>f',
      'ls 0>f', 'cat - 2>&1', 'x - 2>/dev/null', 'git diff - 2>&1', 'a || b >x | c', 'cd x && npm test 2>&1 | tail -20', 'echo a=b > f', '- b= >f'];
    const lines = [...commandCases.map((c) => c[0]), ...extra];
    let fast = 0;
    for (const line of lines) {
      const a = analyseCommandLine(line);
      const b = analyseCommandLine(line, { fastPath: false });
      const strip = (ps: typeof a) => ps.map((p) => ({ ...p, text: p.text.trim() }));
      expect(strip(a), line).toEqual(strip(b));
      if (/^[^;&|<>()$`\\\n{}[\]*?~#!]*$/.test(line) && line.trim() !== '') fast++;
    }
    expect(fast).toBeGreaterThan(50);
    expect(simpleWords(`cat "a b"'c d'e  f`)).toEqual(['cat', 'a bc de', 'f']);
  });
});

describe('lines the grammar reads differently from bash', () => {
  it('a word bash does not take for an assignment (`1X=2`) is the program, and what follows it its arguments', () => {
    const argv = (line: string) => analyseCommandLine(line, { fastPath: false }).filter((p) => p.kind === 'command').map((p) => p.argv);
    expect(argv('1X=2 ls')).toEqual([['1X=2', 'ls']]);
    expect(argv('1X+=2 rm -rf /')).toEqual([['1X+=2', 'rm', '-rf', '/']]);
    expect(argv('9a=b')).toEqual([['9a=b']]);
    expect(argv('1A=1 B=2')).toEqual([['1A=1', 'B=2']]);
    expect(argv('A=1 2B=2')).toEqual([['2B=2']]);
    expect(argv('X=1 ls')).toEqual([['ls']]);
    // Both paths agree on it, and nothing unknown is allowed as if nothing ran.
    for (const line of ['1X=2 ls', '9a=b', 'ls && 2x=y rm -rf /', 'a | 1X=2 b']) {
      expect(analyseCommandLine(line), line).toEqual(analyseCommandLine(line, { fastPath: false }));
      expect(engine.evaluate(line).decision, line).not.toBe('allow');
    }
    expect(engine.evaluate('9a=b').rule.id).toBe('commands.default');
  });

  it('assignments alone are judged together, as the fast path does', () => {
    const v = engine.evaluate('PATH=/x LD_PRELOAD=y');
    expect(v.decision).toBe('ask');
    expect(v.parts).toHaveLength(1);
    expect(engine.evaluate('FOO=1 BAR=2').parts).toEqual([]);
    expect(engine.evaluate('export PATH=/tmp/x').rule.id).toBe('engine:shell.risky-env');
  });

  it('a backslash starting a line is a new command, not a word glued to the line before', () => {
    onBothPaths(['echo ok\n\\rm -rf /', 'ls "a"\n\\rm -rf /', 'git status\n\\git push --force origin main'], 'forbid');
  });

  it('a line after a pipeline of three or more stages is a new command, not arguments of the last stage', () => {
    // The grammar reads `ls | cat | cat⏎rm -rf / > f` as `cat rm -rf /` with no error; with
    // the fast path off (as for a line it refuses) it must still be judged line by line.
    onBothPaths(['ls | cat | cat\nrm -rf / > /tmp/x', 'ls | cat | cat <<< x\nrm -rf / 2>&1', 'a | b | c\ngit push --force origin main > log\necho $((1))'], 'forbid');
  });

  it('a line break inside `[ … ]` ends the test command, as in bash: the next line is a command of its own', () => {
    // The grammar reads `[ ⏎rm -rf / ]` as one test ("nothing runs"); bash runs `[` (missing `]`)
    // and then `rm -rf / ]`. Both paths must see the second line as a command.
    onBothPaths(['[ \nrm -rf / ]', '[ -n x\n] && rm -rf /', '[ -f a ] && [ \ngit push --force origin main ]', 'ls; [ x = \nrm -rf / ]'], 'forbid');
    // An unknown program on the next line is asked about, not "nothing runs".
    onBothPaths(['[ \nx ]', '[ -n a\nx ]'], 'ask');
    // What bash reads across lines stays as it was: `[[ … ]]`, quoted line breaks, substitutions.
    for (const line of ['[[ \n -n x ]]', '[ "a\nb" = x ]', "[ 'a\nb' = x ]"]) expect(tree.evaluate(line).decision, line).toBe('allow');
    expect(tree.evaluate('[ -n "$(ls\nls)" ]').decision).toBe('ask');
  });

  it('a redirection with its target on the next line does not take that line as its target', () => {
    // Bash reports a syntax error for `echo x >⏎`; the grammar reads `rm` as the file and the
    // rest as arguments of `echo`. A shell that goes on reading would run the next line.
    onBothPaths(['echo x >\nrm -rf /', 'echo x 2> \nrm -rf /', 'cat <<<\nrm -rf /', 'exec 3>\ngit push --force origin main', 'cat <\nrm -rf / ]'], 'forbid');
    // A line continuation: bash runs `echo arm -rf /`. The grammar reads two words `a` `rm` (a
    // misread, so it asks), but the joined line is judged, not `rm -rf /` on a line of its own.
    expect(tree.evaluate('echo a\\\nrm -rf /').decision).toBe('ask');
  });

  it('a line the grammar cannot read in the time allowed is forbidden, and the parser is not left mid-parse', () => {
    // The grammar's error recovery is quadratic on this shape: 6 KB take over a second, 60 KB
    // about two minutes. The gate must answer, and must not be held up.
    const slow = `$(${'(a)'.repeat(20_000)}`;
    const v = engine.evaluate(slow);
    expect(v.decision).toBe('forbid');
    expect(v.rule.id).toBe('engine:shell.too-complex');
    // With no time at all, any parse is cancelled; the next line must still be read as itself
    // (a cancelled tree-sitter parse resumes on the next call unless the parser is reset).
    expect(analyseCommandLine(`$(${'(a)'.repeat(2000)}`, { budgetMs: 0, fastPath: false }).map((p) => p.floors.map((f) => f.id))).toEqual([['shell.too-complex']]);
    expect(analyseCommandLine('rm -rf /tmp/x; ls', { fastPath: false }).map((p) => p.argv)).toEqual([['rm', '-rf', '/tmp/x'], ['ls']]);
    expect(tree.evaluate('git push --force origin main').decision).toBe('forbid');
  });

  it('`unsetenv` (read as `unset` by the grammar) is a program bash runs, judged as one on both paths', () => {
    for (const line of ['unsetenv X', 'ls; unsetenv PATH $(ls)']) {
      const viaTree = tree.evaluate(line);
      const viaFast = uncached.evaluate(line);
      expect(viaTree.decision, line).toBe('ask');
      expect(viaTree.parts.some((p) => p.argv[0] === 'unsetenv'), line).toBe(true);
      expect({ decision: viaFast.decision, rule: viaFast.rule.id, argv: viaFast.parts.map((p) => p.argv) }).toEqual({
        decision: viaTree.decision,
        rule: viaTree.rule.id,
        argv: viaTree.parts.map((p) => p.argv),
      });
    }
    expect(engine.evaluate('unset X').decision).toBe('allow'); // bash's builtin stays harmless
  });

  // Found by the bash oracle (bash-oracle.test.ts): each line ran a program the engine did not judge.
  it('two backtick substitutions with a blank between them are two substitutions, not one', () => {
    // The grammar reads `` `true` `rm -rf /` `` as one substitution of `true` `rm -rf /`.
    onBothPaths(['echo `true` `rm -rf /`', 'ls\n`ls` `git push --force origin main`'], 'forbid');
  });

  it('a here-document delimiter ends at `;` (`cat <<EOF; rm -rf /`): the rest of its line runs', () => {
    onBothPaths(['cat <<EOF; rm -rf /\nEOF', 'ls | cat <<EOF; rm -rf /\nEOF', 'cat <<EOF; rm -rf /\nEOF | x', 'cat <<EOF&& git push --force origin main\nEOF'], 'forbid');
  });

  it('an unparseable line is also cut where a command can start (`$(`, backticks, `(`, line breaks, also after a comment)', () => {
    // The grammar gives up inside `$(curl `x⏎{`)`; bash runs `curl` (and `x`) all the same.
    onBothPaths(['echo "$(rm -rf / `x\n{`)" && ls|\n ls', 'ls <<< "$(git push --force origin main `x\n{`)" && ls|\n ls', 'ls <<< "$(ls\n`ls\n#c`)" && E=$(rm -rf /) ls', 'ls\n[ | ls\na #c | \\\nrm -rf /'], 'forbid');
  });

  it('an expansion in the program position may give no word: the next word is then the program', () => {
    onBothPaths(['$(true) rm -rf /', '$X rm -rf /', '`true` git push --force origin main', '$X $Y rm -rf /'], 'forbid');
  });

  it('a line continuation right after an assignment glues the next word to it (`A=1\\⏎true rm -rf /` runs `rm`)', () => {
    onBothPaths(['A=1\\\ntrue rm -rf /', 'ls | F=\\\n\nrm -rf /', 'git push --for\\\nce origin main'], 'forbid');
    expect(engine.evaluate('X=1 \\\nls').decision).toBe('allow'); // a blank before the backslash: two words
  });

  it('backticks in an unquoted here-document body run (`$(…)` there already did)', () => {
    expect(engine.evaluate('cat <<EOF\n`rm -rf /`\nEOF').decision).toBe('forbid');
    expect(tree.evaluate('cat <<EOF\n`git push --force origin main`\nEOF').decision).toBe('forbid');
    expect(engine.evaluate("cat <<'EOF'\n`rm -rf /`\nEOF").decision).toBe('allow'); // quoted: text
  });

  it('a command after a comment that follows assignments is judged on its own', () => {
    expect(engine.evaluate('A=1 B=2 # c\nrm -rf /').decision).toBe('forbid');
    expect(engine.evaluate('A=1 2B=2 # note\nrm -rf /').decision).toBe('forbid');
  });
});
