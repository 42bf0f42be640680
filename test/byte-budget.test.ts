import { describe, expect, it } from 'vitest';
import { ByteBudget, ByteBudgetTimeout } from '../src/http/byte-budget.js';

/** Which of the pieces asked for have started, in the order they started. */
function tracker() {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  return {
    started,
    take: (budget: ByteBudget, name: string, bytes: number, waitMs?: number) =>
      budget.take(bytes, waitMs).then((release) => {
        started.push(name);
        releases.set(name, release);
      }),
    release: (name: string) => releases.get(name)!(),
  };
}

describe('ByteBudget', () => {
  it('starts what fits at once and the rest in arrival order as room frees up', async () => {
    const budget = new ByteBudget(100);
    const { started, take, release } = tracker();
    await Promise.all([take(budget, 'a', 60), take(budget, 'b', 40)]);
    const large = take(budget, 'large', 80);
    // Small enough to fit beside what is left, but it asked after the large one.
    const small = take(budget, 'small', 10);
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);

    release('a');
    await Promise.resolve();
    expect(started).toEqual(['a', 'b']);
    release('b');
    await large;
    await small;
    expect(started).toEqual(['a', 'b', 'large', 'small']);
  });

  it('counts a piece larger than the budget as the whole budget: it runs alone', async () => {
    const budget = new ByteBudget(100);
    const { started, take, release } = tracker();
    await take(budget, 'huge', 5_000);
    const next = take(budget, 'next', 1);
    await Promise.resolve();
    expect(started).toEqual(['huge']);
    release('huge');
    await next;
    expect(started).toEqual(['huge', 'next']);
  });

  it('a wait that runs out is refused and leaves the queue, letting those behind it start', async () => {
    const budget = new ByteBudget(100);
    const { started, take, release } = tracker();
    await take(budget, 'a', 70);
    const refused = take(budget, 'large', 100, 10);
    const small = take(budget, 'small', 30);
    await expect(refused).rejects.toBeInstanceOf(ByteBudgetTimeout);
    await small;
    expect(started).toEqual(['a', 'small']);
    release('a');
    release('a');
    // Released once only: 70 free again, not 140.
    const fits = take(budget, 'seventy', 70);
    const overflows = take(budget, 'one more', 1, 10);
    await fits;
    await expect(overflows).rejects.toBeInstanceOf(ByteBudgetTimeout);
  });
});
