import type { CaptureState, HostSession, HostSessionEvents, Logger, PathInfo, PublishStats, ViewerStats } from '@pixelpass/core';

type Listener<E extends keyof HostSessionEvents> = (...args: HostSessionEvents[E]) => void;

/** What the display reads of a host session (a HostSession). */
export interface HostStatusSource extends Pick<HostSession, 'viewerCount' | 'viewers' | 'totals' | 'captureState' | 'publishers'> {
  on<E extends keyof HostSessionEvents>(event: E, listener: Listener<E>): unknown;
  off<E extends keyof HostSessionEvents>(event: E, listener: Listener<E>): unknown;
}
import type { TerminalLine } from './terminal-line.js';
import { formatBitrate, formatBytes, RateMeter } from './units.js';

/*
 * The host's status: who is watching (short endpoint id, direct or relay path,
 * RTT), the bitrate going out, skips and drops. Off a terminal (a log file, a
 * service) it is a line per event plus a summary line every 10 s; on a terminal
 * one status line is redrawn in place under the log lines.
 */

export interface StatusSnapshot {
  readonly viewers: readonly ViewerStats[];
  readonly maxViewers: number;
  readonly capture: CaptureState;
  /** Bits per second sent to all viewers together, over the last few seconds. */
  readonly bitsPerSec: number;
  /** Totals since the host started (publish targets' skips and drops included). */
  readonly skips: number;
  readonly drops: number;
  /** Each --publish target, with the bitrate it is sent now. */
  readonly publishers: ReadonlyArray<{ readonly stats: PublishStats; readonly bitsPerSec: number }>;
}

export type StatusEvent =
  | { readonly kind: 'joined'; readonly viewer: ViewerStats; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'left'; readonly viewer: ViewerStats; readonly reason: string; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'dropped'; readonly viewer: ViewerStats; readonly reason: string; readonly watching: number; readonly maxViewers: number }
  | { readonly kind: 'skipped'; readonly viewer: ViewerStats; readonly bytes: number }
  | { readonly kind: 'switched'; readonly viewer: ViewerStats; readonly from: number; readonly to: number };

export type PublishEvent =
  | { readonly kind: 'connected'; readonly target: PublishStats }
  | { readonly kind: 'failed'; readonly target: PublishStats; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'lost'; readonly target: PublishStats; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'skipped'; readonly target: PublishStats; readonly bytes: number };

const seconds = (ms: number): string => `${ms < 10_000 ? (ms / 1000).toFixed(1).replace(/\.0$/, '') : Math.round(ms / 1000)} s`;

/** One line per publish event; the URL only redacted. */
export function formatPublishEvent(e: PublishEvent): string {
  const who = `publish ${e.target.name}`;
  switch (e.kind) {
    case 'connected':
      return e.target.reconnects > 0 ? `${who} connected again (reconnect ${e.target.reconnects})` : `${who} connected (${e.target.redacted})`;
    case 'failed':
      return `${who}: cannot publish: ${e.reason}; trying again in ${seconds(e.retryInMs)}, with backoff (viewers are not affected)`;
    case 'lost':
      return `${who} lost: ${e.reason}; reconnecting in ${seconds(e.retryInMs)}`;
    case 'skipped':
      return `${who} fell behind; skipped ${formatBytes(e.bytes)} to the next keyframe`;
  }
}

function publishShort(p: { readonly stats: PublishStats; readonly bitsPerSec: number }): string {
  const s = p.stats;
  const state = s.state === 'connected' ? `connected ${formatBitrate(p.bitsPerSec)}` : s.state === 'retrying' && s.failuresInRow > 0 ? `retrying (${s.failuresInRow} failed)` : s.state;
  return `publish ${s.name} ${state}${s.reconnects ? `, ${s.reconnects} reconnect${s.reconnects === 1 ? '' : 's'}` : ''}`;
}

export function formatPath(p: PathInfo): string {
  const kind = p.kind === 'unknown' ? 'path unknown' : p.kind;
  return p.rttMs === null ? kind : `${kind}, ${Math.round(p.rttMs)} ms RTT`;
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
    case 'switched': {
      const link = e.viewer.rateBps === undefined ? '' : `; its link carries about ${formatBitrate(e.viewer.rateBps)}`;
      return `${who} ${e.to > e.from ? 'steps down' : 'steps up'} to ${e.viewer.renditionLabel}${link}`;
    }
  }
}

function viewerShort(v: ViewerStats): string {
  const rtt = v.path.rttMs === null ? '' : ` ${Math.round(v.path.rttMs)} ms`;
  // With a ladder: the rendition it gets ("720p") and how far behind live the host has it.
  const rendition = v.renditionLabel ? ` ${v.renditionLabel.split(' ')[0]} ${v.delayMs} ms behind` : '';
  return `${v.label} ${v.path.kind === 'unknown' ? '?' : v.path.kind}${rtt}${rendition}`;
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
    ...s.publishers.map(publishShort),
  ];
  return style === 'summary' ? `status: ${parts.join(', ')}` : parts.join(' · ');
}

export interface HostStatusOptions {
  readonly maxViewers: number;
  readonly summaryEveryMs?: number;
  readonly refreshEveryMs?: number;
  readonly now?: () => number;
}

/**
 * The host's status, drawing side: the session's events become log lines, and
 * a live line on a terminal (a summary line every 10 s elsewhere).
 */
export class HostStatusDisplay {
  readonly #meter = new RateMeter();
  readonly #publishMeters = new Map<string, RateMeter>();
  readonly #publishRates = new Map<string, number>();
  /** Per target: the reason of the outage already reported (same reason again: not repeated above debug). */
  readonly #outage = new Map<string, string>();
  readonly #now: () => number;
  readonly #dropped = new Set<number>();
  readonly #unsubscribe: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #lastSummaryHadViewers = false;
  #bitsPerSec = 0;

  constructor(
    private readonly session: HostStatusSource,
    private readonly line: TerminalLine,
    private readonly log: Logger & { debug?(message: string): void },
    private readonly options: HostStatusOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    const max = this.options.maxViewers;
    const s = this.session;
    const joined = (viewer: ViewerStats): void => this.log.info(formatEvent({ kind: 'joined', viewer, watching: s.viewerCount, maxViewers: max }));
    const left = (viewer: ViewerStats, reason: string): void => {
      // A dropped viewer was already reported with its reason.
      if (this.#dropped.delete(viewer.id)) return;
      this.log.info(formatEvent({ kind: 'left', viewer, reason, watching: s.viewerCount, maxViewers: max }));
    };
    const skipped = (viewer: ViewerStats, bytes: number): void => this.log.warn(formatEvent({ kind: 'skipped', viewer, bytes }));
    const switched = (viewer: ViewerStats, from: number, to: number): void => this.log.info(formatEvent({ kind: 'switched', viewer, from, to }));
    const dropped = (viewer: ViewerStats, reason: string): void => {
      this.#dropped.add(viewer.id);
      // Reported before the hub removes it, so it is still counted.
      this.log.warn(formatEvent({ kind: 'dropped', viewer, reason, watching: Math.max(0, s.viewerCount - 1), maxViewers: max }));
    };
    s.on('viewer-joined', joined);
    s.on('viewer-left', left);
    s.on('viewer-skipped', skipped);
    s.on('viewer-dropped', dropped);
    s.on('viewer-switched', switched);
    const pubConnected = (target: PublishStats): void => {
      this.#outage.delete(target.label);
      this.log.info(formatPublishEvent({ kind: 'connected', target }));
    };
    // An unreachable server is one warning, not one per attempt: the status line counts the attempts.
    const pubFailed = (target: PublishStats, reason: string, retryInMs: number): void => {
      const line = formatPublishEvent({ kind: 'failed', target, reason, retryInMs });
      if (this.#outage.get(target.label) === reason) return this.log.debug?.(line);
      this.#outage.set(target.label, reason);
      this.log.warn(line);
    };
    const pubLost = (target: PublishStats, reason: string, retryInMs: number): void => {
      this.#outage.set(target.label, reason);
      this.log.warn(formatPublishEvent({ kind: 'lost', target, reason, retryInMs }));
    };
    const pubSkipped = (target: PublishStats, bytes: number): void => this.log.warn(formatPublishEvent({ kind: 'skipped', target, bytes }));
    s.on('publish-connected', pubConnected);
    s.on('publish-failed', pubFailed);
    s.on('publish-lost', pubLost);
    s.on('publish-skipped', pubSkipped);
    this.#unsubscribe.push(() => {
      s.off('viewer-joined', joined);
      s.off('viewer-left', left);
      s.off('viewer-skipped', skipped);
      s.off('viewer-dropped', dropped);
      s.off('viewer-switched', switched);
      s.off('publish-connected', pubConnected);
      s.off('publish-failed', pubFailed);
      s.off('publish-lost', pubLost);
      s.off('publish-skipped', pubSkipped);
    });
    const every = this.line.live ? (this.options.refreshEveryMs ?? 1000) : (this.options.summaryEveryMs ?? 10_000);
    this.#meter.sample(this.#now(), s.totals().bytesSent);
    this.#samplePublishers(this.#now());
    this.#timer = setInterval(() => this.tick(), every);
    this.#timer.unref();
    if (this.line.live) this.tick();
  }

  /** Samples the bitrate and redraws (terminal) or logs a summary (elsewhere). */
  tick(): void {
    const now = this.#now();
    this.#bitsPerSec = this.#meter.sample(now, this.session.totals().bytesSent);
    this.#samplePublishers(now);
    const snapshot = this.snapshot();
    if (this.line.live) return this.line.show(formatStatus(snapshot, 'live'));
    // An idle host waiting for hours does not fill its log with "0 viewers" (a publishing host is not idle).
    const hasViewers = snapshot.viewers.length > 0 || snapshot.publishers.length > 0;
    if (hasViewers || this.#lastSummaryHadViewers) this.log.info(formatStatus(snapshot, 'summary'));
    this.#lastSummaryHadViewers = hasViewers;
  }

  #samplePublishers(now: number): void {
    for (const p of this.session.publishers()) {
      let meter = this.#publishMeters.get(p.label);
      if (!meter) this.#publishMeters.set(p.label, (meter = new RateMeter()));
      this.#publishRates.set(p.label, meter.sample(now, p.bytesSent));
    }
  }

  snapshot(): StatusSnapshot {
    const totals = this.session.totals();
    return {
      viewers: this.session.viewers(),
      maxViewers: this.options.maxViewers,
      capture: this.session.captureState(),
      bitsPerSec: this.#bitsPerSec,
      skips: totals.skips,
      drops: totals.drops,
      publishers: this.session.publishers().map((stats) => ({ stats, bitsPerSec: this.#publishRates.get(stats.label) ?? 0 })),
    };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.line.clear();
  }
}
