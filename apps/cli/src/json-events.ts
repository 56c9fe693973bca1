import type { Logger, PathInfo, PublishStats, Refusal, RefusalCode, ViewerSnapshot, ViewerStats } from '@pixelpass/core';
import type { HostStatusSource } from './host-status.js';
import type { Verbosity } from './terminal-line.js';

/*
 * `--json`: one JSON object per line on stderr, for scripts, instead of the
 * messages and the status line. Every object has `event` and `time`; the
 * ticket and the local URL stay where they always are (stdout, or the ticket
 * file): stderr is often logged, and they are secrets.
 */

export type JsonEvent = { readonly event: string } & Readonly<Record<string, unknown>>;

/** Where the UI's events go: nowhere (messages mode), or JSON lines. */
export interface EventSink {
  readonly enabled: boolean;
  emit(event: JsonEvent): void;
}

export const NO_EVENTS: EventSink = { enabled: false, emit: () => undefined };

export class JsonLines implements EventSink {
  readonly enabled = true;
  constructor(
    private readonly out: { write(text: string): unknown } = process.stderr,
    private readonly now: () => Date = () => new Date(),
  ) {}

  emit(e: JsonEvent): void {
    // `event` and `time` first, so the lines read well.
    const { event, ...rest } = e;
    this.out.write(`${JSON.stringify({ event, time: this.now().toISOString(), ...rest })}\n`);
  }
}

/** In JSON mode the log lines are events too (`log`, with their level), so stderr stays one JSON object per line. */
export function jsonLogger(sink: EventSink, verbosity: Verbosity): Logger & { debug(message: string): void } {
  const log = (level: string) => (message: string) => sink.emit({ event: 'log', level, message });
  return {
    info: (m) => verbosity !== 'quiet' && log('info')(m),
    warn: log('warn'),
    error: log('error'),
    debug: (m) => verbosity === 'verbose' && log('debug')(m),
  };
}

export function pathFields(p: PathInfo): { path: string; rttMs: number | null } {
  return { path: p.kind, rttMs: p.rttMs === null ? null : Math.round(p.rttMs) };
}

function viewerFields(v: ViewerStats): Record<string, unknown> {
  return { viewer: v.label, ...pathFields(v.path) };
}

/** The host session's events as JSON (pure: the tests feed it events). */
export type HostJsonInput =
  | { readonly kind: 'joined'; readonly viewer: ViewerStats; readonly watching: number }
  | { readonly kind: 'left' | 'dropped'; readonly viewer: ViewerStats; readonly reason: string; readonly watching: number }
  | { readonly kind: 'skipped'; readonly viewer: ViewerStats; readonly bytes: number }
  | { readonly kind: 'refused'; readonly peer: string; readonly code: string; readonly reason: string }
  | { readonly kind: 'capture-started' }
  | { readonly kind: 'capture-stopped' | 'capture-failed'; readonly reason: string }
  | { readonly kind: 'publish-connected'; readonly target: string }
  | { readonly kind: 'publish-failed' | 'publish-lost'; readonly target: string; readonly reason: string; readonly retryInMs: number };

export function hostJson(e: HostJsonInput, maxViewers: number): JsonEvent {
  switch (e.kind) {
    case 'joined':
      return { event: 'viewer-joined', ...viewerFields(e.viewer), watching: e.watching, maxViewers };
    case 'left':
    case 'dropped':
      return { event: e.kind === 'left' ? 'viewer-left' : 'viewer-dropped', ...viewerFields(e.viewer), reason: e.reason, watching: e.watching, maxViewers };
    case 'skipped':
      return { event: 'viewer-skipped', viewer: e.viewer.label, bytes: e.bytes };
    case 'refused':
      return { event: 'viewer-refused', viewer: e.peer, code: e.code, reason: e.reason };
    case 'capture-started':
      return { event: 'capture-started' };
    case 'capture-stopped':
    case 'capture-failed':
      return { event: e.kind, reason: e.reason };
    case 'publish-connected':
      return { event: e.kind, target: e.target };
    case 'publish-failed':
    case 'publish-lost':
      return { event: e.kind, target: e.target, reason: e.reason, retryInMs: e.retryInMs };
  }
}

/** Subscribes to a host session and writes its events as JSON until stopped. */
export class HostJsonReport {
  readonly #off: Array<() => void> = [];
  readonly #dropped = new Set<number>();

  constructor(
    private readonly session: HostStatusSource,
    private readonly sink: EventSink,
    private readonly maxViewers: number,
  ) {}

  start(): void {
    const s = this.session;
    const out = (e: HostJsonInput): void => this.sink.emit(hostJson(e, this.maxViewers));
    const joined = (viewer: ViewerStats): void => out({ kind: 'joined', viewer, watching: s.viewerCount });
    const left = (viewer: ViewerStats, reason: string): void => {
      if (this.#dropped.delete(viewer.id)) return;
      out({ kind: 'left', viewer, reason, watching: s.viewerCount });
    };
    const dropped = (viewer: ViewerStats, reason: string): void => {
      this.#dropped.add(viewer.id);
      out({ kind: 'dropped', viewer, reason, watching: Math.max(0, s.viewerCount - 1) });
    };
    const skipped = (viewer: ViewerStats, bytes: number): void => out({ kind: 'skipped', viewer, bytes });
    const refused = (peer: string, code: RefusalCode, reason: string): void => out({ kind: 'refused', peer, code, reason });
    const started = (): void => out({ kind: 'capture-started' });
    const stopped = (reason: string): void => out({ kind: 'capture-stopped', reason });
    const failed = (reason: string): void => out({ kind: 'capture-failed', reason });
    // The URL with its credentials masked: a stream key is a secret too.
    const pubConnected = (t: PublishStats): void => out({ kind: 'publish-connected', target: t.redacted });
    const pubFailed = (t: PublishStats, reason: string, retryInMs: number): void => out({ kind: 'publish-failed', target: t.redacted, reason, retryInMs });
    const pubLost = (t: PublishStats, reason: string, retryInMs: number): void => out({ kind: 'publish-lost', target: t.redacted, reason, retryInMs });
    s.on('viewer-joined', joined);
    s.on('viewer-left', left);
    s.on('viewer-dropped', dropped);
    s.on('viewer-skipped', skipped);
    s.on('viewer-refused', refused);
    s.on('capture-started', started);
    s.on('capture-stopped', stopped);
    s.on('capture-failed', failed);
    s.on('publish-connected', pubConnected);
    s.on('publish-failed', pubFailed);
    s.on('publish-lost', pubLost);
    this.#off.push(() => {
      s.off('viewer-joined', joined);
      s.off('viewer-left', left);
      s.off('viewer-dropped', dropped);
      s.off('viewer-skipped', skipped);
      s.off('viewer-refused', refused);
      s.off('capture-started', started);
      s.off('capture-stopped', stopped);
      s.off('capture-failed', failed);
      s.off('publish-connected', pubConnected);
      s.off('publish-failed', pubFailed);
      s.off('publish-lost', pubLost);
    });
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
  }
}

/** The viewer's changes between two snapshots, as events (pure). */
export function viewerSnapshotJson(prev: ViewerSnapshot | undefined, next: ViewerSnapshot): JsonEvent[] {
  const out: JsonEvent[] = [];
  if (prev && prev.connected !== next.connected) out.push({ event: next.connected ? 'reconnected' : 'connection-lost' });
  const rtt = (p: PathInfo): number | null => (p.rttMs === null ? null : Math.round(p.rttMs));
  if (prev && next.connected && prev.path.kind !== next.path.kind && next.path.kind !== 'unknown') out.push({ event: 'path', ...pathFields(next.path) });
  else if (prev && next.connected && prev.path.kind === next.path.kind && rttBand(rtt(prev.path)) !== rttBand(rtt(next.path))) out.push({ event: 'path', ...pathFields(next.path) });
  if (prev && prev.players !== next.players) out.push({ event: 'players', players: next.players });
  if (prev && prev.bytesReceived === 0 && next.bytesReceived > 0) out.push({ event: 'first-bytes' });
  // Which version of the picture the host sends (per-viewer renditions), when it changes.
  if (next.stream && next.stream.rendition && next.stream.rendition !== prev?.stream?.rendition) {
    out.push({ event: 'rendition', rendition: next.stream.rendition, index: next.stream.index, renditions: next.stream.renditions });
  }
  return out;
}

/** RTT in bands, so a script hears of a real change, not of every millisecond. */
function rttBand(ms: number | null): number {
  if (ms === null) return -1;
  return ms < 10 ? 0 : Math.floor(Math.log2(ms / 10)) + 1;
}

export function refusalJson(r: Refusal): JsonEvent {
  return { event: 'refused', code: r.code ?? 'unknown', status: r.status, message: r.message };
}
