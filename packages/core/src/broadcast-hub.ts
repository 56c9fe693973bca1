import { EventEmitter } from 'node:events';
import { MediaChunk } from './media-chunk.js';
import { TS_PACKET_SIZE, TsStreamInspector } from './mpeg-ts.js';

/** Where a viewer's bytes go; the transport's stream behind it. */
export interface ViewerSink {
  write(chunk: MediaChunk): Promise<void>;
  /** Ends the viewer's stream: gracefully (`error` false) or abruptly. */
  end(reason: string, error: boolean): void;
}

export interface HubOptions {
  /** A viewer with more than this many bytes queued skips ahead to the next keyframe. */
  readonly maxQueueBytes: number;
  /** Bound on the GOP cache; past it, new viewers wait for the next keyframe. */
  readonly gopCacheBytes: number;
  /** Start new viewers from the cached GOP (instant join). */
  readonly instantJoin: boolean;
  /** A viewer that skips this many times within `slowWindowMs` is disconnected. */
  readonly maxSkips: number;
  readonly slowWindowMs: number;
  /** A viewer whose write has not completed for this long is disconnected. */
  readonly stallTimeoutMs: number;
  readonly now?: () => number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxQueueBytes: 4 * 1024 * 1024,
  gopCacheBytes: 16 * 1024 * 1024,
  instantJoin: true,
  maxSkips: 6,
  slowWindowMs: 30_000,
  stallTimeoutMs: 15_000,
};

export interface ViewerStats {
  readonly label: string;
  readonly bytesSent: number;
  readonly bytesSkipped: number;
  readonly skips: number;
  readonly queuedBytes: number;
  readonly joinedAt: number;
}

export interface HubEvents {
  'viewer-joined': [label: string];
  'viewer-left': [label: string, reason: string];
  'viewer-skipped': [label: string, droppedBytes: number];
  'viewer-dropped': [label: string, reason: string];
}

class HubViewer {
  queue: MediaChunk[] = [];
  queuedBytes = 0;
  waitingForKeyframe: boolean;
  bytesSent = 0;
  bytesSkipped = 0;
  skipTimes: number[] = [];
  writingSince = 0;
  closed = false;
  endReason = '';
  #wake: (() => void) | undefined;

  constructor(
    readonly label: string,
    readonly sink: ViewerSink,
    readonly joinedAt: number,
    waitingForKeyframe: boolean,
  ) {
    this.waitingForKeyframe = waitingForKeyframe;
  }

  enqueue(chunk: MediaChunk): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.wake();
  }

  wake(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  next(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  stats(): ViewerStats {
    return {
      label: this.label,
      bytesSent: this.bytesSent,
      bytesSkipped: this.bytesSkipped,
      skips: this.skipTimes.length,
      queuedBytes: this.queuedBytes,
      joinedAt: this.joinedAt,
    };
  }
}

export interface ViewerHandle {
  /** Resolves when the viewer is gone (left, dropped or the stream ended). */
  readonly done: Promise<string>;
  stats(): ViewerStats;
  /** Removes the viewer (it left). */
  leave(reason: string): void;
}

/**
 * Fans one MPEG-TS stream out to N viewers. Each viewer has its own bounded
 * queue and writer loop, so a slow viewer never slows the others: past its bound
 * it drops what it has queued and resumes at the next keyframe (where MPEG-TS
 * decoders resync cleanly, PAT/PMT first). New viewers start from the cached
 * GOP so they decode at once.
 */
export class BroadcastHub extends EventEmitter<HubEvents> {
  readonly options: HubOptions;
  readonly #inspector = new TsStreamInspector();
  readonly #viewers = new Set<HubViewer>();
  #gop: MediaChunk[] = [];
  #gopBytes = 0;
  #gopValid = false;
  bytesPublished = 0;
  chunksPublished = 0;
  keyframes = 0;

  constructor(options: Partial<HubOptions> = {}) {
    super();
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options };
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  viewerStats(): ViewerStats[] {
    return [...this.#viewers].map((v) => v.stats());
  }

  #now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Publishes whole TS packets; splits them so that keyframes start chunks. */
  publish(packets: Uint8Array): void {
    if (packets.length === 0) return;
    let segmentStart = 0;
    let segmentIsKey = false;
    for (let off = 0; off + TS_PACKET_SIZE <= packets.length; off += TS_PACKET_SIZE) {
      if (!this.#inspector.inspect(packets.subarray(off, off + TS_PACKET_SIZE))) continue;
      if (off > segmentStart) this.#emitChunk(new MediaChunk(packets.subarray(segmentStart, off), segmentIsKey));
      segmentStart = off;
      segmentIsKey = true;
      this.keyframes++;
    }
    this.#emitChunk(new MediaChunk(packets.subarray(segmentStart), segmentIsKey));
  }

  #emitChunk(chunk: MediaChunk): void {
    if (chunk.keyframe) {
      this.#gop = [chunk];
      this.#gopBytes = chunk.length;
      this.#gopValid = true;
    } else if (this.#gopValid) {
      this.#gop.push(chunk);
      this.#gopBytes += chunk.length;
      if (this.#gopBytes > this.options.gopCacheBytes) {
        this.#gop = [];
        this.#gopBytes = 0;
        this.#gopValid = false;
      }
    }
    this.bytesPublished += chunk.length;
    this.chunksPublished++;
    const now = this.#now();
    for (const viewer of this.#viewers) this.#deliver(viewer, chunk, now);
  }

  #header(): MediaChunk | undefined {
    const h = this.#inspector.header();
    return h ? new MediaChunk(h, false) : undefined;
  }

  #deliver(viewer: HubViewer, chunk: MediaChunk, now: number): void {
    if (viewer.writingSince && now - viewer.writingSince > this.options.stallTimeoutMs) {
      this.#drop(viewer, `not reading for ${Math.round((now - viewer.writingSince) / 1000)} s`);
      return;
    }
    if (viewer.waitingForKeyframe) {
      if (!chunk.keyframe) {
        viewer.bytesSkipped += chunk.length;
        return;
      }
      viewer.waitingForKeyframe = false;
      const header = this.#header();
      if (header) viewer.enqueue(header);
    }
    viewer.enqueue(chunk);
    if (viewer.queuedBytes > this.options.maxQueueBytes) this.#skip(viewer, now);
  }

  #skip(viewer: HubViewer, now: number): void {
    const dropped = viewer.queuedBytes;
    viewer.bytesSkipped += dropped;
    viewer.queue = [];
    viewer.queuedBytes = 0;
    viewer.waitingForKeyframe = true;
    viewer.skipTimes = viewer.skipTimes.filter((t) => now - t < this.options.slowWindowMs);
    viewer.skipTimes.push(now);
    this.emit('viewer-skipped', viewer.label, dropped);
    if (viewer.skipTimes.length >= this.options.maxSkips) {
      this.#drop(viewer, `too slow: skipped ahead ${viewer.skipTimes.length} times in ${this.options.slowWindowMs / 1000} s`);
    }
  }

  #drop(viewer: HubViewer, reason: string): void {
    this.emit('viewer-dropped', viewer.label, reason);
    this.#remove(viewer, reason, true);
  }

  #remove(viewer: HubViewer, reason: string, error: boolean): void {
    if (viewer.closed) return;
    viewer.closed = true;
    viewer.endReason = reason;
    this.#viewers.delete(viewer);
    viewer.queue = [];
    viewer.queuedBytes = 0;
    viewer.wake();
    viewer.sink.end(reason, error);
    this.emit('viewer-left', viewer.label, reason);
  }

  addViewer(label: string, sink: ViewerSink): ViewerHandle {
    const joinNow = this.options.instantJoin && this.#gopValid;
    const viewer = new HubViewer(label, sink, this.#now(), !joinNow);
    if (joinNow) {
      const header = this.#header();
      if (header) viewer.enqueue(header);
      for (const chunk of this.#gop) viewer.enqueue(chunk);
    }
    this.#viewers.add(viewer);
    this.emit('viewer-joined', label);
    const done = this.#pump(viewer);
    return {
      done,
      stats: () => viewer.stats(),
      leave: (reason) => this.#remove(viewer, reason, false),
    };
  }

  async #pump(viewer: HubViewer): Promise<string> {
    try {
      while (!viewer.closed) {
        const chunk = viewer.queue.shift();
        if (!chunk) {
          await viewer.next();
          continue;
        }
        viewer.queuedBytes -= chunk.length;
        viewer.writingSince = this.#now();
        await viewer.sink.write(chunk);
        viewer.writingSince = 0;
        viewer.bytesSent += chunk.length;
      }
    } catch (err) {
      this.#remove(viewer, `write failed: ${(err as Error).message}`, true);
    }
    return viewer.endReason;
  }

  /** The source ended: every viewer's stream ends, the caches reset. */
  endAll(reason: string, error: boolean): void {
    for (const viewer of [...this.#viewers]) this.#remove(viewer, reason, error);
    this.reset();
  }

  /** Forget stream state (a new capture starts with new PAT/PMT and GOP). */
  reset(): void {
    this.#gop = [];
    this.#gopBytes = 0;
    this.#gopValid = false;
  }
}
