import { describe, expect, it } from 'vitest';
import { splitUtf8, TerminalBatcher } from './terminal-batcher.js';

function manualTimers() {
  const queue: Array<() => void> = [];
  return {
    setTimer: (fn: () => void) => (queue.push(fn), queue.length),
    clearTimer: () => queue.splice(0),
    fire: () => queue.splice(0).forEach((f) => f()),
    get pending() {
      return queue.length;
    },
  };
}

describe('TerminalBatcher', () => {
  it('joins chunks that arrive within one interval into one flush', () => {
    const t = manualTimers();
    const out: string[] = [];
    const b = new TerminalBatcher((d) => out.push(d), { setTimer: t.setTimer, clearTimer: t.clearTimer });
    b.push('a');
    b.push('b');
    b.push('c');
    expect(out).toEqual([]);
    expect(t.pending).toBe(1);
    t.fire();
    expect(out).toEqual(['abc']);
  });

  it('flushes at once when the byte cap is reached, without waiting for the timer', () => {
    const t = manualTimers();
    const out: string[] = [];
    const b = new TerminalBatcher((d) => out.push(d), { maxBytes: 10, setTimer: t.setTimer, clearTimer: t.clearTimer });
    b.push('12345');
    b.push('67890');
    expect(out).toEqual(['1234567890']);
    expect(t.pending).toBe(0);
  });

  it('never splits a multi-byte character or a surrogate pair', () => {
    const s = 'é😀ab€'.repeat(50);
    for (const max of [4, 5, 7, 13]) {
      const pieces = splitUtf8(s, max);
      expect(pieces.join('')).toBe(s);
      for (const p of pieces) {
        expect(Buffer.byteLength(p)).toBeLessThanOrEqual(max);
        expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p); // no lone surrogate
      }
    }
  });

  it('dispose flushes what is pending', () => {
    const t = manualTimers();
    const out: string[] = [];
    const b = new TerminalBatcher((d) => out.push(d), { setTimer: t.setTimer, clearTimer: t.clearTimer });
    b.push('tail');
    b.dispose();
    expect(out).toEqual(['tail']);
  });
});
