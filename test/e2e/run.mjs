#!/usr/bin/env node
// E2E runner: every test/e2e/*.e2e.mjs exports `tests` = [{ name, run(ctx) }]; `run` may call
// ctx.skip(reason). Prints one line per test on stderr and, last, on stdout:
//   e2e: N passed, N failed, N skipped
// Exit code 1 when any test failed. `node test/e2e/run.mjs [filter]` runs the tests whose name matches.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ? new RegExp(process.argv[2], 'i') : null;
const totals = { passed: 0, failed: 0, skipped: 0 };

class Skip extends Error {}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.e2e.mjs')).sort()) {
  const mod = await import(pathToFileURL(join(dir, file)).href);
  for (const t of mod.tests ?? []) {
    if (filter && !filter.test(`${file} ${t.name}`)) continue;
    const started = Date.now();
    try {
      await t.run({
        skip: (reason) => {
          throw new Skip(reason);
        },
        log: (m) => process.stderr.write(`    ${m}\n`),
      });
      totals.passed++;
      process.stderr.write(`  ✓ ${file} › ${t.name} (${Date.now() - started} ms)\n`);
    } catch (e) {
      if (e instanceof Skip) {
        totals.skipped++;
        process.stderr.write(`  - ${file} › ${t.name}: SKIPPED (${e.message})\n`);
      } else {
        totals.failed++;
        process.stderr.write(`  ✗ ${file} › ${t.name}\n${e?.stack ?? e}\n`);
      }
    }
  }
  await mod.teardown?.();
}
process.stdout.write(`e2e: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed > 0 ? 1 : 0);
