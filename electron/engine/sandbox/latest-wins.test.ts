import { describe, expect, it } from 'vitest';
import { latestWins } from './latest-wins.js';

/** An `apply` whose calls finish only when the test says so. */
function controlled() {
  const applied: number[] = [];
  const pending: Array<() => void> = [];
  const apply = (v: number) =>
    new Promise<void>((resolve) => {
      applied.push(v);
      pending.push(resolve);
    });
  const finishOne = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { applied, pending, apply, finishOne };
}

describe('latestWins', () => {
  it('one call at a time; of the values that came meanwhile only the newest, last', async () => {
    const c = controlled();
    const set = latestWins(c.apply);
    const first = set(1);
    void set(2);
    void set(3);
    expect(c.applied).toEqual([1]); // 2 and 3 wait; 2 is never sent
    await c.finishOne();
    expect(c.applied).toEqual([1, 3]);
    await c.finishOne();
    await first; // settles once nothing waits
    expect(c.pending).toHaveLength(0);
    void set(4); // idle again: applied at once
    expect(c.applied).toEqual([1, 3, 4]);
    await c.finishOne();
  });
});
