/** Byte and bit-rate figures as the host's and the viewer's status lines show them (SI units, like kbit/s). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}

export function formatBitrate(bitsPerSec: number): string {
  if (bitsPerSec < 1_000_000) return `${Math.round(bitsPerSec / 1000)} kbit/s`;
  return `${(bitsPerSec / 1_000_000).toFixed(1)} Mbit/s`;
}

/** Bitrate from a growing byte total, over a sliding window of samples. */
export class RateMeter {
  readonly #samples: Array<{ at: number; total: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  /** Records `total` bytes at `at` ms; returns bits per second over the window. */
  sample(at: number, total: number): number {
    this.#samples.push({ at, total });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at >= this.windowMs) this.#samples.shift();
    const first = this.#samples[0]!;
    const dt = at - first.at;
    return dt > 0 ? ((total - first.total) * 8 * 1000) / dt : 0;
  }
}
