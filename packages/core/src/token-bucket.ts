/**
 * At most `burst` events at once, then one per `refillMs`: bounds how often
 * something costly for a person (an `--approve` prompt) can be triggered by
 * peers whose new endpoint ids cost them nothing. Pure: the clock is given.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#at) / this.refillMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
