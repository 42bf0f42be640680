/** A wait for room in a ByteBudget ran out before its turn came. */
export class ByteBudgetTimeout extends Error {
  override name = 'ByteBudgetTimeout';
}

/**
 * Bytes of memory-hungry work a process runs at once (request bodies in the API, stored
 * messages in the worker's SES sends): work that fits starts now; the rest waits in arrival
 * order, so a large piece is not overtaken forever by small ones. A piece larger than the
 * whole budget counts as the whole budget (it runs alone).
 *
 * Written here rather than taken from async-mutex: its weighted Semaphore walks every unit
 * of its free value on each release, 33 million steps for a budget of 32 MB counted in bytes.
 */
export class ByteBudget {
  private free: number;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /**
   * Resolves with the release (call it once the work's memory is let go) when `bytes` fit
   * and nobody asked before; rejects with ByteBudgetTimeout after `waitMs` without a turn.
   */
  take(bytes: number, waitMs = Number.POSITIVE_INFINITY): Promise<() => void> {
    const weight = Math.min(Math.max(bytes, 0), this.capacity);
    if (this.waiting.length === 0 && weight <= this.free) {
      this.free -= weight;
      return Promise.resolve(this.releaser(weight));
    }
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(waitMs)
        ? setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(waiter), 1);
            // Whoever it held up may fit now.
            this.startWhatFits();
            reject(new ByteBudgetTimeout(`no room for ${weight} bytes within ${waitMs} ms`));
          }, waitMs)
        : undefined;
      const waiter = {
        bytes: weight,
        start: () => {
          clearTimeout(timer);
          resolve(this.releaser(weight));
        },
      };
      this.waiting.push(waiter);
    });
  }

  /**
   * Takes `bytes` at once if they are free, ahead of anyone waiting, or answers undefined:
   * for bytes that are already arriving and cannot be made to wait.
   */
  tryTake(bytes: number): (() => void) | undefined {
    const weight = Math.max(bytes, 0);
    if (weight > this.free) return undefined;
    this.free -= weight;
    return this.releaser(weight);
  }

  private releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += weight;
      this.startWhatFits();
    };
  }

  private startWhatFits(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.bytes <= this.free) {
      const next = this.waiting.shift()!;
      this.free -= next.bytes;
      next.start();
    }
  }
}
