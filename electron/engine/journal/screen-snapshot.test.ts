import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drain, newTerminal, screenFingerprint, serializeScreen } from './screen-snapshot.js';

const stripControls = (s: string) => [...s].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '\x7f').join('');

/** Terminal output pieces that exercise what a keyframe must carry. */
const piece = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }).map((s) => stripControls(s)),
  fc.constantFrom('\r\n', '\n', '\r', '\t', '\b', '漢字', '😀', 'é', 'xxxxxxxxxxxxxxxxxxxxxx漢'),
  fc.integer({ min: 0, max: 15 }).map((c) => `\x1b[${c < 8 ? 30 + c : 82 + c}m`),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `\x1b[38;5;${a};48;2;${b};10;200m`),
  fc.constantFrom('\x1b[1m', '\x1b[3;4m', '\x1b[7m', '\x1b[0m', '\x1b[2J', '\x1b[K', '\x1b[1J', '\x1b[L', '\x1b[M', '\x1b[P', '\x1b[@', '\x1b[S', '\x1b[T'),
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 25 })).map(([r, c]) => `\x1b[${r};${c}H`),
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 12 })).map(([t, b]) => `\x1b[${t};${b}r`),
  fc.constantFrom('\x1b[?1049h', '\x1b[?1049l', '\x1b7', '\x1b8', '\x1b[?47h', '\x1b[?1047l', '\x1b[?6h', '\x1b[?6l', '\x1b[?7l', '\x1b[?7h', '\x1b[4h', '\x1b[4l', '\x1b[r'),
  fc.string({ minLength: 20, maxLength: 80 }).map((s) => stripControls(s) + 'x'.repeat(30)),
);

async function terminalAfter(chunks: string[], cols: number, rows: number) {
  const t = newTerminal(cols, rows);
  for (const c of chunks) t.write(c);
  await drain(t);
  return t;
}

/**
 * A 24x12 screen after `before`, restored from its keyframe into a new terminal, shows the same;
 * and after `after` is written to both, they still do (the region, modes, pen and pending wrap
 * that shape what comes next were restored too).
 */
async function expectRestoreEvolvesLikeOriginal(before: string[], after: string[]) {
  const original = await terminalAfter(before, 24, 12);
  const restored = await terminalAfter([serializeScreen(original)], 24, 12);
  expect(screenFingerprint(restored)).toBe(screenFingerprint(original));
  for (const c of after) {
    original.write(c);
    restored.write(c);
  }
  await Promise.all([drain(original), drain(restored)]);
  expect(screenFingerprint(restored)).toBe(screenFingerprint(original));
}

describe('serializeScreen', () => {
  // Counterexamples the property below once found, kept as plain cases.
  it.each([
    ['a scroll region set on the normal screen, then the alternate screen', ['\x1b[2;7r', '\x1b[?1049h'], ['\x1b[?1049l', '\x1b[?6h', 'x']],
    ['a full row ending in a wide character, then a blank on the wrapped row', ['xxxxxxxxxxxxxxxxxxxxxx漢', ' '], ['abc\r\n', 'def']],
    ['a full row, then a blank on the wrapped row', ['x'.repeat(24), ' '], ['abc']],
  ])('%s', (_name, before, after) => expectRestoreEvolvesLikeOriginal(before, after));

  it('restores a screen that then evolves exactly like the original', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 60 }), fc.array(piece, { maxLength: 30 }), async (before, after) => {
        // Known limit: with autowrap off, xterm can leave half a wide character at the right
        // margin (a width-2 cell followed by a width-1 cell); ordinary writes cannot recreate it.
        fc.pre(!(before.includes('\x1b[?7l') && before.some((p) => p.endsWith('漢'))));
        await expectRestoreEvolvesLikeOriginal(before, after);
      }),
      { numRuns: Number(process.env.PADDOCK_PROPERTY_RUNS ?? 300) },
    );
  });
});
