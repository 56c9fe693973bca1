/**
 * Refusals, logged so that a flood costs a few lines instead of one per
 * attempt: the first refusal of a kind is said at once (a viewer with a wrong
 * ticket is seen immediately), the rest of that kind within the window are
 * counted and said in one summary line when the window ends ("refused 98 374
 * streams from 20 peers in the last 10 s: wrong or missing ticket secret").
 * Pure: the caller supplies the clock and calls `flush()` periodically.
 */

export type RefusedUnit = 'stream' | 'connection';

export interface RefusalLogOptions {
  readonly windowMs: number;
  /** Distinct peers counted per kind and window; beyond it the count says "at least". */
  readonly maxPeersCounted: number;
}

interface Window {
  readonly unit: RefusedUnit;
  readonly reason: string;
  readonly startedAt: number;
  count: number;
  /** Whether the window's first refusal was said on its own. */
  readonly firstSaid: boolean;
  readonly peers: Set<string>;
  peersOverflow: boolean;
}

/** 98374 → "98 374": long counts stay readable. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

export class RefusalLog {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly options: RefusalLogOptions = { windowMs: 10_000, maxPeersCounted: 10_000 },
  ) {}

  /**
   * Counts one refusal; returns the line to log now when it is the first of its
   * kind in a quiet period (`line` is how to say that one), else undefined.
   */
  record(unit: RefusedUnit, reason: string, peerId: string, line: string): string | undefined {
    const key = `${unit}\u0000${reason}`;
    const w = this.#windows.get(key);
    if (w) {
      w.count++;
      if (w.peers.size < this.options.maxPeersCounted) w.peers.add(peerId);
      else if (!w.peers.has(peerId)) w.peersOverflow = true;
      return undefined;
    }
    this.#windows.set(key, { unit, reason, startedAt: this.now(), count: 1, firstSaid: true, peers: new Set([peerId]), peersOverflow: false });
    return line;
  }

  /**
   * Summaries of the windows that ended: one line per kind that had more than
   * the refusal already said. A window with nothing more closes, so the next
   * refusal of that kind is said at once again. `force`: every window ends now (exit).
   */
  flush(force = false): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const [key, w] of [...this.#windows]) {
      const age = now - w.startedAt;
      if (!force && age < this.options.windowMs) continue;
      this.#windows.delete(key);
      if (w.count - (w.firstSaid ? 1 : 0) <= 0) continue;
      const seconds = Math.max(1, Math.round(age / 1000));
      const units = `${groupDigits(w.count)} ${w.unit}${w.count === 1 ? '' : 's'}`;
      const peers = `${w.peersOverflow ? 'at least ' : ''}${groupDigits(w.peers.size)} peer${w.peers.size === 1 ? '' : 's'}`;
      out.push(`refused ${units} from ${peers} in the last ${seconds} s: ${w.reason}`);
      // Still busy: keep counting in a fresh window, without a first line of its own.
      if (!force) this.#windows.set(key, { unit: w.unit, reason: w.reason, startedAt: now, count: 0, firstSaid: false, peers: new Set(), peersOverflow: false });
    }
    return out;
  }
}
