/**
 * Per-client token buckets: `requestsPerSecond` sustained, `burst` at once.
 * Memory is bounded: idle buckets are dropped, and at most `maxClients`
 * are tracked.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly requestsPerSecond: number,
    private readonly burst: number,
    private readonly maxClients = 100_000,
  ) {}

  /** Whether a request from `client` may proceed now. */
  allow(client: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= this.maxClients) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    } else {
      const refill = ((now - bucket.at) / 1000) * this.requestsPerSecond;
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private sweep(now: number) {
    const full = this.burst / this.requestsPerSecond;
    for (const [client, bucket] of this.buckets) {
      if ((now - bucket.at) / 1000 >= full) this.buckets.delete(client);
    }
    // Still full of active clients: forget the oldest half.
    if (this.buckets.size >= this.maxClients) {
      let n = this.buckets.size / 2;
      for (const client of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(client);
      }
    }
  }
}
