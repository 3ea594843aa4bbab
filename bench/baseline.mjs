// The yardstick every subject is compared with: the smallest token bucket a user could
// write by hand. Two numbers per bucket (tokens, last), performance.now() on every call,
// refill = min(capacity, tokens + elapsed * rate), take 1 when at least 1 is there.
// No validation, no queue, no fairness, no abort: a floor, not a competitor.

class Bucket {
  constructor(tokens, last) {
    this.tokens = tokens;
    this.last = last;
  }
}

/** One bucket. `rate` is tokens per millisecond internally. */
export class BaselineBucket {
  constructor(capacity, refillPerSecond) {
    this.capacity = capacity;
    this.rate = refillPerSecond / 1000;
    this.tokens = capacity;
    this.last = performance.now();
  }

  tryTake() {
    const now = performance.now();
    const tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate);
    this.last = now;
    if (tokens >= 1) {
      this.tokens = tokens - 1;
      return true;
    }
    this.tokens = tokens;
    return false;
  }

  /** Naive waiting: try, else sleep until the next token should be there, and retry. */
  async take() {
    while (!this.tryTake()) {
      const ms = Math.ceil((1 - this.tokens) / this.rate);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}

/** A Map of key -> bucket, buckets created full on first use and never dropped. */
export class BaselineKeyed {
  constructor(capacity, refillPerSecond) {
    this.capacity = capacity;
    this.rate = refillPerSecond / 1000;
    this.buckets = new Map();
  }

  tryTake(key) {
    const now = performance.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new Bucket(this.capacity, now);
      this.buckets.set(key, b);
    }
    const tokens = Math.min(this.capacity, b.tokens + (now - b.last) * this.rate);
    b.last = now;
    if (tokens >= 1) {
      b.tokens = tokens - 1;
      return true;
    }
    b.tokens = tokens;
    return false;
  }

  get size() {
    return this.buckets.size;
  }
}
