import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process, kB (0 once it is gone). */
export function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Open file descriptors of a process (sockets included). */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS and fd count every `everyMs` until stopped: the peaks are what an attack cost. */
export class ProcSampler {
  readonly baseline: { rssKb: number; fds: number };
  peak: { rssKb: number; fds: number };
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 250,
  ) {
    this.baseline = { rssKb: rssKb(pid), fds: fdCount(pid) };
    this.peak = { ...this.baseline };
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const r = rssKb(this.pid);
    const f = fdCount(this.pid);
    this.peak = { rssKb: Math.max(this.peak.rssKb, r), fds: Math.max(this.peak.fds, f) };
  }

  /** Peak growth over the baseline. */
  growth(): { rssMb: number; fds: number } {
    return { rssMb: (this.peak.rssKb - this.baseline.rssKb) / 1024, fds: this.peak.fds - this.baseline.fds };
  }

  /** Starts a new baseline from now (the peaks of one phase, not of the ones before). */
  static phase(pid: number): ProcSampler {
    return new ProcSampler(pid);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}
