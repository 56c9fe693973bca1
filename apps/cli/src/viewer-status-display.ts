import type { LocalStreamServer, ViewerLink } from '@pixelpass/core';
import type { LiveLine } from './live-line.js';
import { formatRate, formatViewerStatus, statusEvents, type ViewerSnapshot } from './viewer-status.js';

/**
 * Samples the viewer's link and local server once a second: redrawn in place on
 * a terminal, a log line per change elsewhere.
 */
export class ViewerStatusDisplay {
  #timer: NodeJS.Timeout | undefined;
  #prev: ViewerSnapshot | undefined;
  #lastBytes = 0;
  #lastAt = Date.now();

  constructor(
    private readonly line: LiveLine,
    private readonly link: ViewerLink,
    private readonly server: LocalStreamServer,
  ) {}

  snapshot(): ViewerSnapshot {
    const conn = this.link.connection;
    const path = conn?.peer.path() ?? { kind: 'unknown' as const, rttMs: null };
    return {
      connected: conn !== undefined,
      path: path.kind,
      rttMs: path.rttMs,
      bytesReceived: this.server.stats.bytesReceived,
      players: this.server.stats.players,
      reconnects: this.link.reconnects,
    };
  }

  start(intervalMs = 1000): void {
    // Off a terminal the "connected" line was already logged; report changes only.
    if (!this.line.interactive) this.#prev = this.snapshot();
    const tick = (): void => {
      const s = this.snapshot();
      const now = Date.now();
      if (this.line.interactive) {
        this.line.show(formatViewerStatus(s, formatRate(s.bytesReceived - this.#lastBytes, now - this.#lastAt)));
      } else {
        for (const event of statusEvents(this.#prev, s)) this.line.info(event);
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
