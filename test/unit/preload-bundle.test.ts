// A sandboxed preload is one CommonJS file that may load nothing but `electron`: its import graph
// must stay free of packages (zod, the engine...). The contract's key lists stay in step with its schemas.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { events, eventNames, procedureNames, procedures } from '../../electron/contract/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runtime (non-type) imports of a file and, recursively, of the relative ones. */
function runtimeImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) runtimeImports(join(dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('preload bundle', () => {
  it('imports only electron and zod-free contract files', () => {
    const graph = [...runtimeImports(join(ROOT, 'electron/preload/index.ts'))];
    const packages = graph.filter((x) => !x.startsWith('/'));
    expect(packages).toEqual(['electron']);
    expect(graph.filter((x) => x.startsWith('/')).map((x) => x.slice(ROOT.length + 1)).sort()).toEqual([
      'electron/contract/contract-names.ts',
      'electron/contract/ipc-channels.ts',
      'electron/preload/index.ts',
      'electron/preload/preload-api.ts',
    ]);
  });

  it('the key lists match the schemas', () => {
    expect([...procedureNames].sort()).toEqual(Object.keys(procedures).sort());
    expect([...eventNames].sort()).toEqual(Object.keys(events).sort());
  });
});
