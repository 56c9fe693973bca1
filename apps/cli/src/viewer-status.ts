import type { Logger, ViewerSession, ViewerSnapshot, ViewerStatus } from '@pixelpass/core';
import type { TerminalLine } from './terminal-line.js';
import { formatBitrate, formatBytes } from './units.js';

/** The viewer's status in one line, for the live line on a terminal. */
export function formatViewerStatus(s: ViewerSnapshot, bitsPerSec?: number): string {
  const parts = [
    s.connected ? '● connected' : '○ reconnecting',
    `${s.path.kind} path`,
    `RTT ${s.path.rttMs === null ? '—' : `${Math.round(s.path.rttMs)} ms`}`,
    `${formatBytes(s.bytesReceived)} received${bitsPerSec === undefined ? '' : ` (${formatBitrate(bitsPerSec)})`}`,
    s.players === 1 ? '1 player' : `${s.players} players`,
  ];
  if (s.stream && s.stream.renditions > 1) parts.push(describeStream(s.stream));
  return parts.join(' · ');
}

/** "720p 2.0 Mbit/s (2 of 4)": which of the host's renditions this viewer gets. */
function describeStream(s: ViewerStatus): string {
  return `${s.rendition} (${s.index + 1} of ${s.renditions})`;
}

/** The line a change of rendition gets: which way, and what the host measured of the link. */
export function renditionChange(prev: ViewerStatus, next: ViewerStatus): string | undefined {
  if (prev.index === next.index || next.renditions < 2) return undefined;
  const link = next.rateBps === undefined ? '' : `; your link carries about ${formatBitrate(next.rateBps)}`;
  return next.index > prev.index
    ? `status: the host now sends a lighter stream, ${describeStream(next)}${link}`
    : `status: the host now sends a better stream, ${describeStream(next)}${link}`;
}

/** Lines for a log (no terminal): only discrete changes, never the byte counter. */
export function statusEvents(prev: ViewerSnapshot | undefined, next: ViewerSnapshot): string[] {
  const out: string[] = [];
  if (!prev || prev.connected !== next.connected) out.push(next.connected ? 'status: connected' : 'status: connection lost, reconnecting');
  if (prev && prev.path.kind !== next.path.kind && next.path.kind !== 'unknown') out.push(`status: now on a ${next.path.kind} path`);
  if (prev && next.players !== prev.players) out.push(`status: ${next.players === 1 ? '1 player' : `${next.players} players`} watching`);
  if (prev && prev.bytesReceived === 0 && next.bytesReceived > 0) out.push('status: first bytes of the stream arrived');
  if (prev?.stream && next.stream) {
    const change = renditionChange(prev.stream, next.stream);
    if (change) out.push(change);
  } else if (!prev?.stream && next.stream && next.stream.renditions > 1) {
    out.push(`status: the host adapts to your link; now ${describeStream(next.stream)}`);
  }
  return out;
}

/** Samples the viewer once a second: redrawn in place on a terminal, a log line per change elsewhere. */
export class ViewerStatusDisplay {
  #timer: NodeJS.Timeout | undefined;
  #prev: ViewerSnapshot | undefined;
  #lastBytes = 0;
  #lastAt = Date.now();

  constructor(
    private readonly session: ViewerSession,
    private readonly line: TerminalLine,
    private readonly log: Logger,
  ) {}

  start(intervalMs = 1000): void {
    // Off a terminal the "connected" line was already logged; report changes only.
    if (!this.line.live) this.#prev = this.session.snapshot();
    const tick = (): void => {
      const s = this.session.snapshot();
      const now = Date.now();
      if (this.line.live) {
        const dt = now - this.#lastAt;
        this.line.show(formatViewerStatus(s, dt > 0 ? ((s.bytesReceived - this.#lastBytes) * 8000) / dt : undefined));
      } else {
        for (const event of statusEvents(this.#prev, s)) this.log.info(event);
      }
      this.#prev = s;
      this.#lastBytes = s.bytesReceived;
      this.#lastAt = now;
    };
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.line.clear();
  }
}
