import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandCases } from './command-cases.fixture.js';
import { createCommandEngine } from './command-engine.js';
import type { CommandEngine } from './command-engine.js';
import { loadEffectivePolicy } from './policy-loader.js';
import { analyseCommandLine } from './shell-analyse.js';
import type { ShellPart } from './shell-analyse.js';
import { simpleList } from './shell-fast-path.js';

// The differential test of the parser-free fast path: for every line it accepts, the parts
// (programs, arguments, dynamic flags, wrappers, floors, redirections) and the decision must be
// exactly what the tree-sitter path gives. Lines it refuses go to tree-sitter anyway.

const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', '!', '{', '}', '[[', ']]', 'export', 'declare', 'local', 'readonly', 'typeset', 'unset']);
const accepts = (line: string): boolean => simpleList(line, RESERVED) !== null;

let fast: CommandEngine;
let tree: CommandEngine;
beforeAll(async () => {
  const loaded = await loadEffectivePolicy({ home: '/nonexistent/paddock-home', managedPath: null, repo: null });
  fast = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0 });
  tree = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0, fastPath: false });
});

/** The parts, with each part's source text trimmed (the fast path does not keep surrounding blanks). */
const parts = (line: string, fastPath: boolean): ShellPart[] => analyseCommandLine(line, { fastPath }).map((p) => ({ ...p, text: p.text.trim() }));

/** One part on one line, for a readable failure. */
const brief = (p: ShellPart): string =>
  `${p.kind} ${JSON.stringify(p.text)} argv=${JSON.stringify(p.argv)} dynamic=${p.dynamic.map(Number).join('')} via=${p.via.join('>')} from=${p.pipedFrom.join(',')} floors=${p.floors.map((f) => f.id).join(',')}${p.readsStdin ? ' stdin' : ''}${p.target ? ` target=${JSON.stringify(p.target)}` : ''}`;

/** Lines on which the two paths disagree (parts or decision), with both answers. */
function disagreements(lines: readonly string[]): { line: string; fast: unknown; tree: unknown }[] {
  const out: { line: string; fast: unknown; tree: unknown }[] = [];
  for (const line of lines) {
    if (!accepts(line)) continue;
    const a = parts(line, true);
    const b = parts(line, false);
    const da = fast.evaluate(line);
    const db = tree.evaluate(line);
    try {
      expect(a).toEqual(b);
      expect([da.decision, da.rule.id, da.decidingPart?.argv]).toEqual([db.decision, db.rule.id, db.decidingPart?.argv]);
    } catch {
      out.push({ line, fast: [`${da.decision} ${da.rule.id}`, ...a.map(brief)], tree: [`${db.decision} ${db.rule.id}`, ...b.map(brief)] });
    }
  }
  return out;
}

// ---- a generated corpus of variations ----
const programs = ['ls', 'rm -rf', 'git push', 'git status', 'cat', '/bin/rm', '\\rm', 'r\\m', 'sudo rm', 'env X=1 rm', 'env -u A B=2 git push', 'timeout 5 rm', 'nice -n 5 ls', 'xargs rm', 'xargs -I{} cp {}', 'find . -exec rm {} \\;', 'find . -exec cat {} +', 'find . -execdir sh -c', 'bash -c', 'sh -c', 'eval', 'X=1 ls', 'PATH=/x ls', 'PATH=~/bin:$PATH ls', 'LD_PRELOAD=x', 'X="a b"', "X='$Y' rm", 'X=$Y', '"X=1" ls', 'X\\=1 ls', '$RM', '${CMD}', '"$X"', 'cd', 'cd ~', 'cd $D', 'cd -', 'echo', 'tee', 'cp', 'python3', 'python3 -', 'sed -i', 'git -C x', 'git -c a=b', 'nohup', 'command', '~/bin/x', 'chmod -R 777', 'npm publish', 'curl -s', 'sh', 'dd of=/dev/sda', 'printf', 'time', 'time -p', 'coproc', 'X=1 time', '$(echo rm)', '`echo ls`', 'X=$(ls)', 'PATH=$(pwd)', '"$(which rm)"', 'X=`rm -rf /` ls'];
// Programs the grammar misreads or that need it: left to tree-sitter.
const oddPrograms = ['1X=2 ls', '9=x', '1X+=2', 'A=1 2B=2', 'if', 'export', '"PATH=$(pwd)"', 'a$(ls)b', '$(ls)=x', '{}', 'a?b', 'x@y', '=x ls', '"" ls'];
const program = fc.oneof({ arbitrary: fc.constantFrom(...programs), weight: 20 }, { arbitrary: fc.constantFrom(...oddPrograms), weight: 1 });
// Words the fast path claims to read, and words it must leave to tree-sitter (drawn less often,
// so that most lines stay within reach of the fast path and the comparison means something).
const readable = ['-la', '-rf', '/', '.', '~', '~/x', '~root', 'a~b', 'HEAD~3', '*', '*.ts', 'a?b', 'src/*', '{}', '\\;', '+', 'a=b', '--x=y', 'X=1', '1X=2', '=x', 'a==b', 'x=', '$HOME', '${HOME}', '$HOME/x', '~/.ssh', 'a$X', '$X$Y', '$X_y', '${X}_y', '"$HOME"', '"a b"', '"a $X b"', '"${X}y"', '"$X"/y', "'a b'", "'$X'", "'it'\\''s'", '""', "''", '"é"', "'ü ✓'", '"日本"', '\\$X', "\\'", '\\"', '\\\\', '\\#', '\\*', '\\~', '\\a', '"it\'s"', "'\"q\"'", '.git/hooks/x', '/etc/passwd', '--', '-', 'rm', 'sh', '-c', "'rm -rf /'", '"git push -f"', 'origin', 'main', '--force', 'of=/etc/x', '/dev/null', 'a,b', 'x@y:%+^', '#c', '"a\\"b"', '"a\\$b $X"', '"a\\\\b"', '"a\\x"', '"!x"', '"$X\\"y"',
  // command substitutions (what runs inside is judged too)
  '$(ls)', '$(rm -rf /)', '"$(git push -f)"', '`ls`', '`rm -rf /`', '"a `ls` b"', 'a$(ls)b', '$(cat x | sh)', '$(echo ${HOME})', '"$(echo "a b")"', '$(cd x && rm -rf .)',
  '$( ls )', '$(ls;)', '$(X=1 rm -rf /)', '$(echo $(rm -rf /))', '"x $(ls) ${Y} \\${Z}"', '$(ls > /etc/x)', '$(bash -c "rm -rf /")', '$(sh < x)', '`bash -c ls`', '$( (ls) )', '$({ ls; })', '$(! rm -rf /)', '$(ls &)', '$(a || b | c)',
  // process substitutions
  '<(ls)', '>(rm -rf /)', '<(cat x | sh)', '<(ls)b', '<(echo $(git push -f))', '>(sh)'];
const hostile = ['é', '\\ ', 'a\\ b', 'a#b', '"a"#b', '$1', '$@', '$?', '$$', '$', '$((1))', '$()', '`', '``', '$(ls', '$(ls))', '$(ls #x)', '`a\\`b`', '`a \\$X`', '$(case x in a) ls;; esac)', '$(\nls)', '"$(ls"', '$(ls) (', '$(<f)', '$(ls\n)', '$(ls \\\n -a)', '$(if x; then y; fi)', '$(a || b >x | c)', 'a<(ls)', '< <(ls)', '<<<', '<(ls', '<()', '<((1))', '!x', 'a!b', '[a]', '{a,b}', '{a}', '{1..3}', "$'x'", '${X:-y}', '"a\\`b"', '"a\\\nb"', '(x)', '<(x)', 'a\\\nb'];
const arg = fc.oneof({ arbitrary: fc.constantFrom(...readable), weight: 30 }, { arbitrary: fc.constantFrom(...hostile), weight: 1 });
const seps = [' ', ' ', ' ', '\t', '  ', ' \\\n  '];
const joiner = fc.oneof(
  { arbitrary: fc.constantFrom(' && ', ' || ', '; ', ';', ' | ', '|', '\n', '\n\n', ' &&\n', ' |\n  ', ' \\\n&& ', ' # note\n', '#x\n', ' & ', '&', ' &\n'), weight: 30 },
  { arbitrary: fc.constantFrom('&>', ' & &', ';;', ' |& ', '\r\n', ' \\\n', ' &; '), weight: 1 },
);
const tails = ['', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ' > out.txt', ' 2>&1', ' >> ~/x', ' < in', ' 2>/dev/null', ' > .git/hooks/x', ' >&2', ' > "$F"', ' >x', '>y', ' > a\\ b', ' 2> $F',
  ' > "out $X.txt"', " > 'a b'", ' > ${D}/x', ' 2>"$LOG"', ' > "$(ls)"', ' > "a\\"b"', ' > $1', ' > "$"', ' > "$HOME"/.bashrc', " >> 'x'\"$Y\"z",
  ' <<< ls', ' <<< "rm -rf /"', " <<< 'git push -f'", ' <<< $X', ' <<< "$(ls)"', ' <<<ls', ' <<< a b', ' <<< ls > f', ' <<< "a $X"', '<<< x'];
const trailers = ['', '', '', '', '', '', '', '', '', '', ' &', ';', ' ;', ' # done', '# x', '\n', ' \\', ' &&', ' |', '  '];

const simple = fc
  .tuple(program, fc.array(fc.tuple(fc.constantFrom(...seps), arg), { maxLength: 4 }), fc.constantFrom(...tails))
  .map(([p, as, t]) => p + as.map(([s, a]) => s + a).join('') + t);
// Subshells and brace groups (two levels), `!` before a pipeline, and shapes of them the fast path must refuse.
const innerJoin = fc.constantFrom(' && ', ' || ', '; ', ';', ' | ', '|', ' & ');
const listOf = (c: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(c, fc.array(fc.tuple(innerJoin, c), { maxLength: 2 })).map(([a, rest]) => a + rest.map(([j, b]) => j + b).join(''));
/** A list inside a compound command: mostly one command (a long list rarely stays readable throughout). */
const part = (c: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ arbitrary: c, weight: 3 }, { arbitrary: listOf(c), weight: 1 });
const groupOf = (c: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: listOf(c).map((l) => `(${l})`), weight: 3 },
    { arbitrary: listOf(c).map((l) => `( ${l} )`), weight: 1 },
    { arbitrary: fc.tuple(listOf(c), fc.constantFrom(';', ' ;', ' &', ';  ', '; ')).map(([l, t]) => `{ ${l}${t}}`), weight: 3 },
    { arbitrary: fc.tuple(part(c), part(c)).map(([a, b]) => `if ${a}; then ${b}; fi`), weight: 2 },
    { arbitrary: fc.tuple(part(c), part(c), part(c)).map(([a, b, d]) => `if ${a}; then ${b}; else ${d}; fi`), weight: 3 },
    { arbitrary: fc.tuple(part(c), part(c), part(c), part(c)).map(([a, b, d, e]) => `if ${a}; then ${b}; elif ${d}; then ${e};fi`), weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom('while', 'until'), part(c), part(c)).map(([k, a, b]) => `${k} ${a}; do ${b}; done`), weight: 2 },
    { arbitrary: fc.tuple(fc.constantFrom('f', 'deploy', '_x1', 'if', 'a-b', 'rm'), part(c), fc.constantFrom('', '; f', ' && rm', '\nrm')).map(([n, b, t]) => `${n}() { ${b}; }${t}`), weight: 2 },
    { arbitrary: fc.tuple(fc.array(arg, { minLength: 1, maxLength: 3 }), part(c)).map(([vs, b]) => `for x in ${vs.join(' ')}; do ${b}; done`), weight: 2 },
  );
const oddGroups = ['{ls; }', '{ ls }', '(ls) x', '( )', '{ ls; }x', '((1))', '(ls) > f', '{ ls; } 2>&1', '(ls) # c', '!ls', '! ! ls', '{ ls;}', '(ls)(pwd)', 'ls (x)', '{ }', '(ls;;)', '{ ls; } }', 'a=(1 2)', '(ls\npwd)', '{ ls\n}', '( ls | )', '!', '! ;', '(ls) \\\n&& x', '{\tls; }',
  'if; then x; fi', 'if x then y; fi', 'if x; then y fi', 'for x in; do y; done', 'for x; do y; done', 'for ((i=0;i<3;i++)); do x; done', 'while x; do; done', 'if x; then y; fi z',
  'if x; then y; fi > f', 'done', 'fi', 'then x', 'if x; then y; done', 'select x in a; do y; done', 'case x in a) y;; esac', 'for x in a | b; do y; done', 'for x in do; do y; done',
  'for 1x in a; do y; done', 'f () { ls; }', 'f() ( ls )', 'function f { ls; }', 'f() { ls; } > x', 'f(){ ls; }', 'f() {ls; }', 'f() { ls }', 'f()', 'while x; do y; done < f', '! if x; then y; fi', 'if x; then\ny; fi', 'if x; then y; fi;fi', 'while x; do y; done 2>&1', 'for x in while y; do z; done', 'if x;then y; fi', 'if x; then y;else z; fi'];
// Test commands `[ … ]`: shapes the grammar reads, and shapes it fails on or reads otherwise.
const testBodies = ['-f a.txt', '-n "$X"', '-z $(ls)', '"$x" != y', 'a = b', 'a == b', '1 -eq 2', '! -d x', 'x', '$X', '-e ~/x', '-n "$(rm -rf /)"', '`ls` = x', '! x', '"" = x', "'a b' != c", '-d src/*', '$(git push -f) = y',
  '-f', '=', '"-f" x', 'x "=" y', 'a b c', '-f x -a -d y', '!= x', '-x', '! ! x', 'x !', '( x )', 'if', '"!" x', '-q x', 'x -a y', '\\-f x', '-f "a b"', '-L $X', '!x', 'a=b'];
const testCommand = fc
  .tuple(fc.constantFrom(...testBodies), fc.constantFrom(' ]', ' ]', ' ]', ' ]', ' ]', ' ]', ']', ' ]x', '  ]', ' ] > f', ' ]]'), fc.constantFrom('[ ', '[ ', '[ ', '[ ', '[ ', '[  ', '[', '[[ '))
  .map(([b, close, open]) => open + b + close);
const groupTails = ['', '', '', '', '', '', '', '', ' > out.txt', ' 2>&1', ' < in', ' > .git/hooks/x', '>f', ' >&2', ' > "$F"', ' 2>/dev/null > log', ' <<< x', ' > $F', ' >> ~/x 2>&1', ' | sh'];
const inner = fc.oneof({ arbitrary: simple, weight: 8 }, { arbitrary: testCommand, weight: 1 }, { arbitrary: groupOf(simple), weight: 1 });
const command = fc
  .tuple(
    fc.constantFrom('', '', '', '', '', '', '', '', '! ', '!\t'),
    fc.oneof({ arbitrary: simple, weight: 24 }, { arbitrary: testCommand, weight: 3 }, { arbitrary: fc.tuple(groupOf(inner), fc.constantFrom(...groupTails)).map(([g, t]) => g + t), weight: 5 }, { arbitrary: fc.constantFrom(...oddGroups), weight: 1 }),
  )
  .map(([bang, c]) => bang + c);
const plainLine = fc
  .tuple(fc.constantFrom('', '', '', ' ', '# lead\n', '\n'), command, fc.array(fc.tuple(joiner, command), { maxLength: 2 }), fc.constantFrom(...trailers))
  .map(([lead, c, rest, trail]) => lead + c + rest.map(([j, d]) => j + d).join('') + trail);
// Here-documents: commands, delimiters, what follows `<<EOF` on its line, bodies, and what follows the end.
const docCommand = fc.constantFrom('sh', 'bash', 'cat', 'python3', 'sh -s', 'cat > f', 'cat >> ~/x', 'bash -c ls', 'tee .git/hooks/x', 'X=1 sh', 'sh x', 'node', 'xargs rm', 'sh 2>&1', 'cat > .git/hooks/pre-commit', 'PATH=/x bash', '$(ls)', 'cat $(ls)', 'X=1', 'sudo sh', 'ls | sh', 'sh\t');
const docBody = fc.constantFrom('rm -rf /', 'ls', 'git push -f\nls', 'echo $X', 'a `b`', '$(rm -rf /)', 'print(1)', 'x\\\ny', "it's", '"q"', 'EOF ', ' EOF', 'EOFX', '#!/bin/sh\nrm -rf ~', 'é ✓', '', 'a\n\nb', 'cd x && rm -rf .', 'X=1\nrm -rf /', '\trm -rf /', 'sh -c "rm -rf /"', 'EOF\nrm -rf /');
const docDelimiter = fc.constantFrom('EOF', 'EOF', "'EOF'", "'EOF'", 'END', '"EOF"', '-EOF', ' EOF', "'E O'", '1X');
const doc = fc
  .tuple(docCommand, docDelimiter, fc.constantFrom('', '', '', '', '', ' ', '\t', ' | sh', ' > f', ' && ls', ' # c', ' | sh | tee x', ' | bash -s', ' 2>&1', ' > .git/hooks/x', ' | sh > f', ' |sh', ' | (sh)', " | sh -c 'rm -rf /'", ' | xargs rm', ' >> ~/x 2>/dev/null', ' | sh; ls', ' | $(ls)'), docBody, fc.constantFrom('', '', '', '\nls', '\nrm -rf /', ' ', '\n', '\n\n', 'X', '\n\\rm -rf /'))
  .map(([c, d, after, body, tail]) => `${c} <<${d}${after}\n${body}\n${d.replace(/'/g, '').replace(/^-/, '').trim()}${tail}`);
// Long pipelines in and/or lists (the grammar groups `a | b | c && d` as `a | (b | c && d)`).
const longPipeline = fc
  .tuple(fc.array(fc.oneof({ arbitrary: simple, weight: 4 }, { arbitrary: groupOf(simple), weight: 1 }), { minLength: 2, maxLength: 4 }), fc.constantFrom(' && ', ' || ', '; ', '\n', ' & '), simple, fc.boolean())
  .map(([stages, j, last, before]) => (before ? `${last}${j}${stages.join(' | ')}` : `${stages.join(' | ')}${j}${last}`));
const line = fc.oneof(
  { arbitrary: plainLine, weight: 12 },
  { arbitrary: longPipeline, weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('', '', 'ls\n', 'cd x && ', 'ls; ', '# c\n'), doc).map(([a, b]) => a + b), weight: 2 },
);

/** The same corpus on every run (seeded), so a failure reproduces. */
const corpus = fc.sample(line, { seed: 4242, numRuns: 15000 });

describe('the parser-free fast path agrees with tree-sitter', () => {
  it('on every line of the rule table it accepts', () => {
    const lines = commandCases.map((c) => c[0]);
    expect(disagreements(lines)).toEqual([]);
    expect(lines.filter(accepts).length).toBeGreaterThan(200);
  });

  it('on a generated corpus of quoting, escapes, globs, =, ~, $, unicode, comments and line continuations', { timeout: 120_000 }, () => {
    const accepted = corpus.filter(accepts);
    expect(disagreements(corpus)).toEqual([]);
    // The comparison means something only if the fast path takes a good share of the corpus,
    // with every class of word it claims to read among them.
    expect(accepted.length).toBeGreaterThan(corpus.length / 7);
    const has = (re: RegExp) => accepted.filter((l) => re.test(l)).length;
    for (const re of [/\$[A-Za-z{]/, /"[^"]*\$/, /\\[^\n]/, /\\\n/, / #/, /[^ \n]#/, /\n/, /\*/, /\?/, /\{\}/, /\b1X=2/, /^[A-Za-z_]+=/m, /~/, /'/, /"/, /[^ -~\t\n]/, /\d?>/, /</, /&&/, /\|\|/, /\|/, /;/,
      /\$\(/, /"[^"]*\$\(/, /\$\([^)]*\$\(/, /`/, /(^|[;&|(] *)\(/, /\{ /, /\( *\(/, /\{ *\(|\( *\{/, /! /, /\btime\b/, /\bcoproc\b/, /<<< /, /[<>]\(/, /\bif\b[\s\S]*\bfi\b/, /\belse\b/, /\belif\b/, /\b(while|until)\b[\s\S]*\bdone\b/, /\buntil\b/, /\bfor x in .*\$\(/, /<<EOF\n/, /<<'EOF'\n/, /<<'?EOF'? \| /, /<<'?EOF'? >/, /(\)|\}|done|fi) +\d?[<>]/, /> ?"/, /> ?\$/, /\[ -[a-z] /, /^\w+\(\) \{ /m, /\[ [^\]]*!= /, /\[ ! /, /\[ [^\]]*\$\(/, /<<EOF\n[\s\S]*\nEOF\n/, /(^|[;&|] *)[A-Z]+=\$\(/]) {
      expect(has(re), String(re)).toBeGreaterThan(5);
    }
  });

  it('on hand-picked edge cases', () => {
    const lines = [
      'ls a=~/b', 'X=~/bin ls', 'a | 1X=2 b', '1X=2 rm -rf /', '9a=b', 'ls && 2x=y rm -rf /', '1A=1 B=2', 'A=1 2B=2', 'PATH=/x LD_PRELOAD=y', 'X=1 PATH=/y',
      'echo $HOME', 'rm -rf $HOME', 'rm -rf "$HOME"', 'rm -rf ${HOME}', '$RM -rf /', '${CMD} status', 'bash -c "$CMD"', 'eval "$X"', 'cd $D && ls', 'cd "$D" && rm -rf x',
      'PATH=/tmp/evil:$PATH ls', 'echo "a ${B}c $D"', 'echo $A$B', 'echo ${A}${B}', 'echo $_', '\\rm -rf /', 'r\\m -rf /', 'rm -rf \\\n/', 'find . -exec rm -rf {} \\;',
      'find . -name x -execdir sh -c "rm -rf /" \\;', 'wc -l src/*.ts', 'rm -fr *', 'ls\npwd\ngit status', 'echo ok\nrm -rf /', '# just a comment', 'ls # rm -rf /', 'ls #\nrm -rf /',
      'ls &&\n  git push -f', 'cat a |\n  sh', 'ls \\\n  -la', 'echo a#b', "echo 'a#b' \"#c\"", 'echo \\#x', 'ls \\ a', 'echo \\$(rm -rf /)', 'echo $X > f', 'rg "$P" src/*.ts 2>/dev/null | head -5', 'find . -exec rm {} \\; > log', 'ls\n\\rm -rf /', 'ls\n  \\rm -rf /', 'A=1 B=2 # c\nrm -rf /', 'ls & rm -rf /', 'nohup rm -rf / &', 'cd ~; X=$Y\tof=/etc/x\n\nls >x', 'printf "a\\n" b', 'git -c alias.x="!rm -rf /" x', 'echo "a\\"b" "\\$X" "\\\\"', "echo \\'x", '{}', 'xargs -I{} rm {}',
      '(cd src && ls)', '{ ls; pwd; }', '! rm -rf /', '! ls | sh', 'echo $(ls)', 'X=$(rm -rf ~)', 'PATH=$(pwd) X=$(rm -rf /)', 'X=$(ls) PATH=/x', '$(echo rm) -rf /',
      'echo `git push --force`', 'a | (b; c)', '(a; b) | sh', 'cat x | { sh; }', 'cat x | (sh | tee y)', 'time rm -rf /', 'coproc rm -rf /', 'time -p ls | sh', '(cd x && rm -rf .)',
      'ls && (cd .. && rm -rf /)', 'echo "a $(ls) ${HOME} \\${X}"', '$(echo ${HOME})', '( (ls) )', '{ (ls); }', '(! rm -rf /)', 'X=1 $(rm -rf /)', 'echo $(ls) > out.txt',
      'echo "$(rm -rf /)"', 'cd $(mktemp -d) && rm -rf *', 'echo `ls` `pwd`', 'ls && ! git diff --quiet', '! (ls) && x', 'X=`ls`', 'cat $(ls) | sh', 'echo $(sh) | x', '(a) & b', 'a | b && c', '(a | b | c) && e', 'a | b | c; d && e', 'a | b | c\nd || e', 'echo x > "$F"', 'echo x > $F', 'ls > "$HOME/.ssh/config"', "ls > '.git/hooks/pre-commit'", 'ls 2>"$LOG" > ${OUT}.txt', 'f() { rm -rf /; }; f', 'deploy() { git push -f; } && deploy', 'if [ -f a.txt ]; then cat a.txt; fi', '[ -n "$(rm -rf /)" ] && ls', '[ "$x" != y ] || exit 1', 'while [ ! -d x ]; do sleep 1; done', '[ x ] | sh', '(ls) > f', '{ ls; } 2>&1 | cat', 'while read -r l; do echo "$l"; done < list.txt', 'if x; then y; fi > .git/hooks/x', '(cd x && ls) >> log 2>&1', 'a || (b) > x | c',
      'if true; then rm -rf /; fi', 'for f in *.ts; do wc -l "$f"; done', 'for i in 1; do git push -f; done', 'while true; do ls; done | sh', 'until x; do y; done', 'for f in $(ls); do rm $f; done',
      'if a; then b; elif c; then d; else e; fi', 'cat x | while read -r l; do sh; done', 'if (cd x && ls); then { rm -rf /; }; fi', 'for x in a; do for y in b; do rm -rf /; done; done',
      'sh <<EOF\nrm -rf /\nEOF', "cat > src/config.ts <<'EOF'\nexport const port = 3000;\nEOF", "sh <<'EOF'\nrm $X `ls`\nEOF\nls", 'cat <<EOF | sh\nrm -rf /\nEOF', 'cat <<EOF > notes.md\nhello\nEOF', 'cat <<EOF | sh | tee x\nls\nEOF', "cat > f <<'EOF' | bash\ngit push -f\nEOF",
      'bash <<< ls', 'X=1 bash <<< "a b"', 'bash -c "sh" <<< "rm -rf /"', 'cat <<< "$X" | sh', 'sh -s <<< \'git push -f\' && ls', 'diff <(ls a) <(ls b)', 'cat <(curl https://x)', 'echo <(ls)b', 'tee >(sh) | cat',
      '', '\n', ';', 'ls;\n', 'ls\n;', 'ls |\n', 'ls &&\n', '\n\nls\n\n', 'ls \\', 'ls \\\n', '#!/bin/sh\nls',
    ];
    expect(disagreements(lines)).toEqual([]);
  });

  it('leaves to tree-sitter what it cannot read for certain', () => {
    for (const l of ['ls & & rm -rf /', 'ls &; x', 'echo $1', 'echo $@',
      'echo "a\\`b"', 'echo "a\\\nb"', "echo $'x'", 'echo {a,b}', 'echo {1..3}', 'ls [ab]', 'echo "unterminated', "echo 'x", 'ls |', '&& ls', 'ls;;', 'é', 'ls é', 'ls a\\\nb',
      'export A=1', 'X=1 Y=2\nls', 'X=1\nls', '"if" x', 'ls |& cat', 'ls &> f', 'echo x >| f', 'echo x > "$(f)"', 'echo x > $1', 'echo \\" > f', 'echo x > "a\\"b"', 'echo x > "$"', 'echo $((1))', 'echo ${X:-y}', 'echo "$"',
      'echo $( ls', 'echo $()', 'echo $(ls', '{ ls }', '{ls; }', '(ls) x', '(ls)>f', '{ ls; } > "$(f)"', 'echo `a\\`b`', 'echo `ls', '! ! ls', '!ls', 'ls | ! cat', '!', 'ls ! x',
      'echo $(ls\npwd)', '(ls\npwd)', 'echo $(ls # x)', 'a=(1 2)', 'coproc { ls; }', 'time (ls)', 'echo x > $(f)', 'echo $(cat <<EOF\nx\nEOF\n)', '( )', '{ ; }', '(ls))', '((ls))',
      'echo `(`', '$(ls)=1 x',
      'if; then x; fi', 'if x then y; fi', 'for x; do y; done', 'for ((i=0;i<3;i++)); do x; done', 'case x in a) y;; esac', 'if x; then\ny; fi',
      'sh <<EOF\n$(rm -rf /)\nEOF', 'cat <<EOF && ls\nx\nEOF', 'cd x && sh x <<EOF | xargs rm\nit\nEOF', 'cat <<EOF | sh > f\nx\nEOF', 'sh <<EOF\nEOF ', 'sh <<-EOF\n\tls\n\tEOF', 'ls | sh <<EOF\nx\nEOF', 'sh <<EOF\nx', '<<EOF\nx\nEOF',
      'f () { ls; }', 'function f { ls; }', 'f() { ls; } > x', 'f(){ ls; }', 'if() { ls; }',
      'a | b | c && e', 'a | b | c | d || e', 'a && b | c | d', 'a | (b) | sh && echo',
      '[ a b c ]', '[ "-f" x ]', '[ -f x ]x', '[[ -f x ]]', '[ x ] > f', '! [ x ]', '[ x', 'ls [ x ]', '[ -f x -a -d y ]',
      'echo a<(ls)', 'cat < <(ls)', 'sh <<< x > f', 'bash <<<', 'X=1 <<< y', 'bash <<< a b', 'sh <<< "$(ls)"', 'tee >(rm -rf /) < a.txt']) {
      expect(accepts(l), JSON.stringify(l)).toBe(false);
    }
  });
});
