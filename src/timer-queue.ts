/** One scheduled callback in a {@link TimerQueue}. */
interface Entry {
  at: number;
  seq: number;
  fn: (() => void) | undefined;
}

/**
 * A binary min-heap of callbacks ordered by due time, ties in insertion order. Cancelled
 * entries stay in the heap until they reach the top; the heap is rebuilt when they outnumber
 * the live ones, so memory stays proportional to the live timers.
 */
export class TimerQueue {
  #heap: Entry[] = [];
  #seq = 0;
  #live = 0;

  /** Timers that are scheduled and neither fired nor cancelled. */
  get size(): number {
    return this.#live;
  }

  /** Due time of the earliest live timer, `Infinity` when none. */
  get nextAt(): number {
    this.#dropCancelledTop();
    return this.#heap[0]?.at ?? Infinity;
  }

  /** Schedules `fn` at time `at`; returns the cancel function. */
  add(at: number, fn: () => void): () => void {
    const entry: Entry = { at, seq: this.#seq++, fn };
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    this.#live++;
    return () => {
      if (entry.fn === undefined) return;
      entry.fn = undefined;
      this.#live--;
      if (this.#heap.length > 32 && this.#live * 2 < this.#heap.length) this.#compact();
    };
  }

  /** Removes and returns the earliest live callback due at or before `now`, if any. */
  takeDue(now: number): (() => void) | undefined {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.#pop();
    const fn = top.fn;
    top.fn = undefined;
    this.#live--;
    return fn;
  }

  #dropCancelledTop(): void {
    while (this.#heap.length > 0 && this.#heap[0]!.fn === undefined) this.#pop();
  }

  #compact(): void {
    this.#heap = this.#heap.filter((e) => e.fn !== undefined);
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#down(0);
    }
  }

  #up(i: number): void {
    const heap = this.#heap;
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!before(e, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = e;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap[c + 1]!, heap[c]!)) c++;
      if (!before(heap[c]!, e)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = e;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
