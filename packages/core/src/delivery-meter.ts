/**
 * What one viewer's link carries, from the host's side: bytes handed to the
 * transport, bytes the viewer says it handed to its player (feedback), and the
 * rate at which those acknowledgements grow. The QUIC stream buffers more than
 * a megabyte that the hub cannot see into; keeping `inTransit` within
 * `budgetBytes` is what keeps a slow viewer's delay bounded.
 */
export interface DeliveryOptions {
  /** The rate is measured over this window. */
  readonly windowMs: number;
  /** Bytes in transit are kept to this much time at the measured rate. */
  readonly latencyBudgetMs: number;
  /** Never less than this in transit (one large keyframe must fit), nor more than the max. */
  readonly minBudgetBytes: number;
  readonly maxBudgetBytes: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  windowMs: 1000,
  latencyBudgetMs: 250,
  minBudgetBytes: 32 * 1024,
  maxBudgetBytes: 2 * 1024 * 1024,
};

interface Ack {
  readonly at: number;
  readonly delivered: number;
}

export class DeliveryMeter {
  /** Bytes handed to the transport so far (including the write in progress). */
  handed = 0;
  /** Bytes the viewer last said it delivered. */
  delivered = 0;
  /** When the viewer last said anything (0: never; it may be a viewer without feedback). */
  lastAckAt = 0;
  readonly #acks: Ack[] = [];

  constructor(private readonly options: DeliveryOptions = DEFAULT_DELIVERY) {}

  /** The viewer's feedback: `delivered` bytes so far. Older or out-of-order numbers are ignored. */
  ack(delivered: number, now: number): void {
    if (delivered < this.delivered || delivered > this.handed) return;
    this.delivered = delivered;
    this.lastAckAt = now;
    this.#acks.push({ at: now, delivered });
    // Keep one sample older than the window, so the rate spans all of it.
    while (this.#acks.length > 2 && now - this.#acks[1]!.at > this.options.windowMs) this.#acks.shift();
  }

  get hasFeedback(): boolean {
    return this.lastAckAt > 0;
  }

  /** Sent but not yet with the player: in the QUIC buffers, on the wire, in the viewer. */
  get inTransit(): number {
    return this.handed - this.delivered;
  }

  /**
   * Delivery rate in bytes per second over the window, or undefined before two
   * acks. Time since the last ack counts too (no ack for a while is a low rate),
   * but only while bytes wait: an idle link is not a slow one.
   */
  rate(now: number): number | undefined {
    if (this.#acks.length < 2) return undefined;
    const first = this.#acks[0]!;
    const last = this.#acks[this.#acks.length - 1]!;
    const end = this.inTransit > 0 ? Math.max(now, last.at) : last.at;
    const span = end - first.at;
    return span > 0 ? ((last.delivered - first.delivered) * 1000) / span : undefined;
  }

  /** How long what is in transit takes to arrive at the measured rate (0 when unknown). */
  transitMs(now: number): number {
    const rate = this.rate(now);
    return rate && rate > 0 ? (this.inTransit * 1000) / rate : 0;
  }

  /**
   * Bytes allowed in transit now (before the rate is known, an eighth of the
   * maximum: ~8 Mbit/s worth). `atLeastRate` (bytes/s): a probe's rate, which the
   * link is being asked to carry, so the budget is not held at what it carried so far.
   */
  budgetBytes(now: number, atLeastRate = 0): number {
    const measured = this.rate(now);
    const rate = measured === undefined ? undefined : Math.max(measured, atLeastRate);
    const want = rate === undefined ? this.options.maxBudgetBytes / 8 : (rate * this.options.latencyBudgetMs) / 1000;
    return Math.min(this.options.maxBudgetBytes, Math.max(this.options.minBudgetBytes, want));
  }

  /**
   * Whether a chunk of `bytes` may be handed over now. Without feedback there
   * is nothing to bound by; with nothing in transit one chunk always goes
   * (a keyframe larger than the budget must not stall the viewer).
   */
  mayHand(bytes: number, now: number, atLeastRate = 0): boolean {
    if (!this.hasFeedback || this.inTransit === 0) return true;
    return this.inTransit + bytes <= this.budgetBytes(now, atLeastRate);
  }
}
