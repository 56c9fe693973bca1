import type { BroadcastHub, CaptureSupervisor, Logger, PathInfo, ViewerStats } from '@pixelpass/core';

/*
 * The host's status: who is watching (short endpoint id, direct or relay path,
 * RTT), the bitrate going out, skips and drops. Off a terminal (a log file, a
 * service) it is a line per event plus a summary line every 10 s; on a terminal
 * one status line is redrawn in place under the log lines.
 */

export type CaptureState = 'running' | 'lingering' | 'idle';

export interface StatusSnapshot {
  readonly viewers: readonly ViewerStats[];
  readonly maxViewers: number;
  readonly capture: CaptureState;
  /** Bits per second sent to all viewers together, over the last few seconds. */
  readonly bitsPerSec: number;
  /** Totals since the host started. */
  readonly skips: number;
  readonly drops: number;
}

export type StatusEvent =
  | { readonly kind: 'joined'; readonly viewer: ViewerStats; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'left'; readonly viewer: ViewerStats; readonly reason: string; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'dropped'; readonly viewer: ViewerStats; readonly reason: string; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'skipped'; readonly viewer: ViewerStats; readonly bytes: number };

export function formatPath(p: PathInfo): string {
  const kind = p.kind === 'unknown' ? 'path unknown' : p.kind;
  return p.rttMs === null ? kind : `${kind}, ${Math.round(p.rttMs)} ms RTT`;
}

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

const count = (watching: number, max: number): string => `${watching}/${max} watching`;

/** One line per event, for the log. */
export function formatEvent(e: StatusEvent): string {
  const who = `viewer ${e.viewer.label}`;
  switch (e.kind) {
    case 'joined':
      return `${who} joined (${formatPath(e.viewer.path)}); ${count(e.watching, e.maxViewers)}`;
    case 'left':
      return `${who} left: ${e.reason}; ${count(e.watching, e.maxViewers)}`;
    case 'dropped':
      return `${who} disconnected: ${e.reason}; ${count(e.watching, e.maxViewers)}`;
    case 'skipped':
      return `${who} fell behind; skipped ${formatBytes(e.bytes)} to the next keyframe`;
  }
}

function viewerShort(v: ViewerStats): string {
  const rtt = v.path.rttMs === null ? '' : ` ${Math.round(v.path.rttMs)} ms`;
  return `${v.label} ${v.path.kind === 'unknown' ? '?' : v.path.kind}${rtt}`;
}

/**
 * The status in one line: `summary` for the periodic log line, `live` for the
 * line redrawn on a terminal (shorter; the caller cuts it to the width).
 */
export function formatStatus(s: StatusSnapshot, style: 'summary' | 'live'): string {
  const viewers = s.viewers.length ? ` (${s.viewers.map(viewerShort).join(', ')})` : '';
  const parts = [
    `${s.viewers.length}/${s.maxViewers} viewers${viewers}`,
    `out ${formatBitrate(s.bitsPerSec)}`,
    `skips ${s.skips}`,
    `drops ${s.drops}`,
    `capture ${s.capture}`,
  ];
  return style === 'summary' ? `status: ${parts.join(', ')}` : parts.join(' · ');
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

/** Where the status goes: process.stderr, or a fake in tests. */
export interface StatusOutput {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean;
}

export interface HostStatusOptions {
  readonly maxViewers: number;
  readonly out?: StatusOutput;
  readonly summaryEveryMs?: number;
  readonly refreshEveryMs?: number;
  readonly now?: () => number;
}

/** Wires the hub's and supervisor's events to the status output. */
export class HostStatus {
  readonly #out: StatusOutput;
  readonly #live: boolean;
  readonly #meter = new RateMeter();
  readonly #now: () => number;
  readonly #dropped = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #line = '';
  /** A foreign write left the cursor mid-line (a prompt): do not draw over it. */
  #held = false;
  #restoreWrite: (() => void) | undefined;
  #lastSummaryHadViewers = false;
  #bitsPerSec = 0;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(
    private readonly hub: BroadcastHub,
    private readonly supervisor: CaptureSupervisor,
    private readonly log: Logger,
    private readonly options: HostStatusOptions,
  ) {
    this.#out = options.out ?? process.stderr;
    this.#live = this.#out.isTTY === true;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    const max = this.options.maxViewers;
    const joined = (_label: string, viewer: ViewerStats): void =>
      this.log.info(formatEvent({ kind: 'joined', viewer, watching: this.hub.viewerCount, maxViewers: max }));
    const left = (_label: string, reason: string, viewer: ViewerStats): void => {
      // A dropped viewer was already reported with its reason.
      if (this.#dropped.delete(viewer.id)) return;
      this.log.info(formatEvent({ kind: 'left', viewer, reason, watching: this.hub.viewerCount, maxViewers: max }));
    };
    const skipped = (_label: string, bytes: number, viewer: ViewerStats): void =>
      this.log.warn(formatEvent({ kind: 'skipped', viewer, bytes }));
    const dropped = (_label: string, reason: string, viewer: ViewerStats): void => {
      this.#dropped.add(viewer.id);
      // Reported before the hub removes it, so it is still counted.
      this.log.warn(formatEvent({ kind: 'dropped', viewer, reason, watching: Math.max(0, this.hub.viewerCount - 1), maxViewers: max }));
    };
    this.hub.on('viewer-joined', joined).on('viewer-left', left).on('viewer-skipped', skipped).on('viewer-dropped', dropped);
    this.#unsubscribe.push(() =>
      this.hub.off('viewer-joined', joined).off('viewer-left', left).off('viewer-skipped', skipped).off('viewer-dropped', dropped),
    );
    if (this.#live) this.#interceptWrites();
    const every = this.#live ? (this.options.refreshEveryMs ?? 1000) : (this.options.summaryEveryMs ?? 10_000);
    this.#meter.sample(this.#now(), this.hub.totals().bytesSent);
    this.#timer = setInterval(() => this.tick(), every);
    this.#timer.unref();
    if (this.#live) this.tick();
  }

  /** Samples the bitrate and prints (summary) or redraws (terminal) the status. */
  tick(): void {
    this.#bitsPerSec = this.#meter.sample(this.#now(), this.hub.totals().bytesSent);
    const text = formatStatus(this.snapshot(), this.#live ? 'live' : 'summary');
    if (this.#live) {
      this.#draw(text);
      return;
    }
    // An idle host waiting for hours does not fill its log with "0 viewers".
    const hasViewers = this.hub.viewerCount > 0;
    if (hasViewers || this.#lastSummaryHadViewers) this.log.info(text);
    this.#lastSummaryHadViewers = hasViewers;
  }

  snapshot(): StatusSnapshot {
    const totals = this.hub.totals();
    return {
      viewers: this.hub.viewerStats(),
      maxViewers: this.options.maxViewers,
      capture: this.supervisor.running ? (this.supervisor.lingering ? 'lingering' : 'running') : 'idle',
      bitsPerSec: this.#bitsPerSec,
      skips: totals.skips,
      drops: totals.drops,
    };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
    if (this.#live && this.#line && !this.#held) this.#raw('\r\x1b[2K');
    this.#line = '';
    this.#restoreWrite?.();
    this.#restoreWrite = undefined;
  }

  #draw(text: string): void {
    const columns = this.#out.columns ?? 80;
    // Never wrap: a wrapped line cannot be redrawn with a carriage return.
    this.#line = text.length >= columns ? `${text.slice(0, columns - 2)}…` : text;
    if (!this.#held) this.#raw(`\r\x1b[2K${this.#line}`);
  }

  #raw: (text: string) => void = (text) => void this.#out.write(text);

  /**
   * Everything else on stderr (log lines from any component, the approval
   * prompt) goes above the status line: clear it before a write, draw it again
   * after one that ends a line; after a prompt left mid-line, wait.
   */
  #interceptWrites(): void {
    const out = this.#out;
    const original = out.write.bind(out);
    this.#raw = (text) => void original(text);
    const patched = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      if (this.#line && !this.#held) original('\r\x1b[2K');
      const ok = original(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      this.#held = !text.endsWith('\n');
      if (!this.#held && this.#line) original(this.#line);
      return ok;
    };
    (out as { write: StatusOutput['write'] }).write = patched;
    this.#restoreWrite = () => {
      (out as { write: StatusOutput['write'] }).write = original;
    };
  }
}
