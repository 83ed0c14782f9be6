#!/usr/bin/env node
// `npm test`: every check and every test, in the order that fails fastest.
// 1. a Docker-API engine (installed and started when missing: scripts/ensure-engine.sh)
// 2. build + typecheck + lint   3. unit and integration tests (vitest)   4. browser e2e (when present)
// Ends with one plain line: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2); // e.g. `npm test -- unit`

function step(name, cmd, args, opts = {}) {
  process.stderr.write(`\n== ${name}: ${[cmd, ...args].join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`\n== ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
}

step('engine', 'bash', ['scripts/ensure-engine.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
step('build', 'npm', ['run', '--silent', 'build:node']);
step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('lint', 'npx', ['eslint', '.']);

const out = mkdtempSync(join(tmpdir(), 'paddock-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
function vitest(project) {
  const json = join(out, `${project}.json`);
  process.stderr.write(`\n== ${project} tests\n`);
  const r = spawnSync('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (existsSync(json)) {
    const res = JSON.parse(readFileSync(json, 'utf8'));
    totals.passed += res.numPassedTests;
    totals.failed += res.numFailedTests;
    totals.skipped += res.numPendingTests + res.numTodoTests;
  } else if (r.status !== 0) totals.failed += 1;
  return r.status === 0;
}

let ok = true;
for (const project of ['unit', 'integration']) {
  if (only.length && !only.includes(project)) continue;
  ok = vitest(project) && ok;
}
if ((!only.length || only.includes('e2e')) && existsSync(join(root, 'test/e2e')) && readdirSync(join(root, 'test/e2e')).some((f) => f.endsWith('.e2e.mjs'))) {
  process.stderr.write('\n== e2e tests\n');
  const r = spawnSync('node', ['test/e2e/run.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  const m = /e2e: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(r.stdout ?? '');
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  } else totals.failed += 1;
  ok = r.status === 0 && ok;
}
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
