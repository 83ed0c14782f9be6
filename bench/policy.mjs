// bench/policy: command-rule decisions per second over the rule table, on one core.
// Runs against the compiled engine (npm run build:node → out/node). No network, no Docker.
//   node bench/policy.mjs [seconds-per-phase]
// Prints decisions/s without and with the analysis cache, a baseline measured in the same run
// (tree-sitter parsing alone of the same lines), and the ratio to the target (100k/s).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = new URL('../out/node/engine/policy/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('index.js', out)))) {
  console.error('bench/policy: out/node is missing; run `npm run build:node` first');
  process.exit(2);
}
const { loadEffectivePolicy, createCommandEngine } = await import(new URL('index.js', out).href);
const { commandCases } = await import(new URL('command-cases.fixture.js', out).href);
const { simpleList } = await import(new URL('shell-fast-path.js', out).href);
const { Parser, Language } = await import('web-tree-sitter');
const { createRequire } = await import('node:module');

const TARGET = 100_000;
const seconds = Number(process.argv[2] ?? 3);
const home = mkdtempSync(join(tmpdir(), 'paddock-bench-policy-'));
const loaded = await loadEffectivePolicy({ home, repo: null, managedPath: null, env: {} });
const lines = commandCases.map((c) => c[0]);

/** Decisions per second of `fn` over whole passes of the table for about `ms` milliseconds. */
function rate(fn, ms) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const budget = BigInt(Math.round(ms * 1e6));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const l of lines) fn(l);
    n += lines.length;
    elapsed = process.hrtime.bigint() - t0;
  }
  return n / (Number(elapsed) / 1e9);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Baseline: tree-sitter-bash parsing alone (no walk, no rules) of the same lines.
await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm')));
let sink = 0;
const phases = {
  baseline: (l) => {
    const tree = parser.parse(l);
    sink += tree.rootNode.childCount;
    tree.delete();
  },
  uncached: (() => {
    const e = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0 });
    return (l) => (sink += e.evaluate(l).parts.length);
  })(),
  cached: (() => {
    const e = createCommandEngine(loaded.policy, { provenance: loaded.provenance });
    return (l) => (sink += e.evaluate(l).parts.length);
  })(),
};
for (const fn of Object.values(phases)) for (let i = 0; i < 3; i++) for (const l of lines) fn(l); // warm-up
// Interleave short rounds so a noisy machine affects every phase alike; report medians.
const ROUNDS = 15;
const rates = { baseline: [], uncached: [], cached: [] };
for (let r = 0; r < ROUNDS; r++) for (const [k, fn] of Object.entries(phases)) rates[k].push(rate(fn, (seconds * 1000) / ROUNDS));
const ratio = (k) => median(rates[k].map((x, i) => x / rates.baseline[i]));
const baseline = median(rates.baseline);
const uncached = median(rates.uncached);
const cached = median(rates.cached);
rmSync(home, { recursive: true, force: true });

const fastLines = lines.filter((l) => simpleList(l, new Set(['if', 'then', 'for', 'while', 'do', 'done', 'case', 'time', 'coproc', 'export', 'declare', 'local', 'readonly', 'typeset', 'unset', '!', '{', '}', '[[', 'function', 'select', 'until', 'fi', 'esac', 'else', 'elif', 'in', ']]'])) !== null).length;
const fmt = (x) => `${Math.round(x).toLocaleString('en-US')}/s`;
console.log(`bench/policy: ${lines.length} command lines, ${ROUNDS} interleaved rounds over ${seconds}s per phase, medians, node ${process.version}, one core`);
console.log(`  lines taking the parser-free fast path: ${fastLines} of ${lines.length} (the table is deliberately adversarial)`);
console.log(`  baseline  tree-sitter parse only     ${fmt(baseline)}`);
console.log(`  decisions no cache (every line parsed) ${fmt(uncached)}  = ${ratio('uncached').toFixed(2)}x baseline, ${(uncached / TARGET).toFixed(2)}x target (${fmt(TARGET)})`);
console.log(`  decisions analysis cache (repeats)     ${fmt(cached)}  = ${ratio('cached').toFixed(2)}x baseline, ${(cached / TARGET).toFixed(2)}x target (${fmt(TARGET)})`);
if (sink < 0) console.log(sink);
