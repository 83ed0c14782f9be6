import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandCases } from './command-cases.fixture.js';
import { initPolicyEngine, parseBashWith, rawCopyAvailable } from './shell-parser.js';
import type { TsNode } from './shell-parser.js';

// The two ways of copying tree-sitter's tree out of wasm (the direct calls parseBash uses, and
// web-tree-sitter's cursor API) must give the same nodes, texts and error flag on every line.

beforeAll(async () => {
  await initPolicyEngine();
});

type Plain = [string, boolean, string, Plain[]];
const plain = (n: TsNode): Plain => [n.type, n.isNamed, n.text, n.children.map(plain)];
const both = (line: string): { raw: unknown; api: unknown } => {
  const raw = parseBashWith(line, true);
  const api = parseBashWith(line, false);
  return { raw: [plain(raw.root), raw.hasError], api: [plain(api.root), api.hasError] };
};

describe('copying the syntax tree out of wasm', () => {
  it('uses the direct calls in this process', () => {
    expect(rawCopyAvailable()).toBe(true);
  });

  it('copies every line of the rule table the same both ways', () => {
    let errors = 0;
    // The two misreads copyTree flags (see shell-parser.ts), whether or not the table has them.
    for (const line of [...commandCases.map((c) => c[0]), 'A=1 B=2 # c\nrm -rf /', 'echo ok\n\\rm -rf /']) {
      const { raw, api } = both(line);
      expect(raw, line).toEqual(api);
      if ((raw as [Plain, boolean])[1]) errors++;
    }
    expect(errors).toBeGreaterThan(2); // unparseable and misread lines are among them; the flag is compared too
  });

  it('copies generated lines (nesting, quoting, here-docs, errors, non-ASCII) the same both ways', () => {
    const piece = fc.constantFrom('ls', 'rm -rf /', '$(', ')', '`', '"', "'", '<<EOF\nx\nEOF\n', '\n', '\\\n', ' && ', ' | ', '; ', '{ ', ' }', '(', 'if true; then ', '; fi', 'é', '日本', '# c', 'A=1 ', '<(x)', '> f', '$((1+2))', '${X:-y}', 'for i in 1; do ', '; done');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (ps) => {
        const { raw, api } = both(ps.join(''));
        expect(raw).toEqual(api);
      }),
      { numRuns: 400 },
    );
  });
});
