import { EventEmitter } from 'node:events';
import { DeliveryMeter, DEFAULT_DELIVERY, type DeliveryOptions } from './delivery-meter.js';
import { errorMessage } from './errors.js';
import { MediaChunk } from './media-chunk.js';
import { TS_PACKET_SIZE } from './mpeg-ts.js';
import { continuityFillers, RenditionSplitter, type SplitChunk, type VideoChunkInfo } from './rendition-splitter.js';
import { decide, DEFAULT_POLICY, initialPolicyState, probeRateBps, type Observation, type PolicyOptions, type PolicyState } from './rendition-policy.js';
import type { PathInfo } from './ports/transport.js';

/** Where a viewer's bytes go; the transport's stream behind it. */
export interface ViewerSink {
  write(chunk: MediaChunk): Promise<void>;
  /** Ends the viewer's stream: gracefully (`error` false) or abruptly. */
  end(reason: string, error: boolean): void;
}

export type JoinMode = 'live' | 'replay' | 'wait';

export interface HubOptions {
  /** A viewer with more than this many bytes queued skips ahead to the next keyframe. */
  readonly maxQueueBytes: number;
  /**
   * A viewer whose oldest queued chunk waited longer than this skips ahead too:
   * at a low bitrate the byte bound alone would let a viewer lag for many seconds.
   */
  readonly maxQueueMs: number;
  /** Bound on the GOP cache; past it, new viewers wait for the next keyframe. */
  readonly gopCacheBytes: number;
  /**
   * How a new viewer starts: `live` at a keyframe made for it on demand (the
   * live edge; `replay` when the media process takes no requests), `replay`
   * from the cached GOP (at once, but as far behind live as the GOP is long,
   * for as long as it watches), `wait` at the next keyframe the encoder makes.
   */
  readonly join: JoinMode;
  /** Keyframe requests closer together than this are one: the keyframe coming serves every viewer waiting. */
  readonly keyframeRequestGapMs: number;
  /** A viewer that skips this many times within `slowWindowMs` is disconnected. */
  readonly maxSkips: number;
  readonly slowWindowMs: number;
  /** A viewer whose write has not completed (or that has not acknowledged anything) for this long is disconnected. */
  readonly stallTimeoutMs: number;
  /** Bounds on what each viewer has in transit, from its feedback. */
  readonly delivery: DeliveryOptions;
  /** When a viewer changes rendition (with a ladder). */
  readonly policy: PolicyOptions;
  /** How often a viewer's rendition is reconsidered (on its feedback). */
  readonly policyEveryMs: number;
  readonly now?: () => number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxQueueBytes: 4 * 1024 * 1024,
  maxQueueMs: 1500,
  // Chunks in the cache also hold the transport's converted form (8 bytes per
  // byte for iroh's Array<number>), so keep this modest: 8 MB is a 2 s GOP at 32 Mbit/s.
  gopCacheBytes: 8 * 1024 * 1024,
  join: 'live',
  keyframeRequestGapMs: 250,
  maxSkips: 6,
  slowWindowMs: 30_000,
  stallTimeoutMs: 15_000,
  delivery: DEFAULT_DELIVERY,
  policy: DEFAULT_POLICY,
  policyEveryMs: 100,
};

export interface ViewerStats {
  /** Unique per viewer for the hub's lifetime (labels repeat: one peer, several players). */
  readonly id: number;
  readonly label: string;
  readonly path: PathInfo;
  readonly bytesSent: number;
  readonly bytesSkipped: number;
  /**
   * Accounting, so that what a viewer was sent can be checked against what was
   * produced: bytesSent = bytesPublished + bytesReplayed + bytesInjected
   * − bytesSkipped − bytesDiscarded, exactly once the viewer is gone (while it
   * watches, its queued and in-flight bytes are the difference).
   */
  /** Bytes published while the viewer was joined. */
  readonly bytesPublished: number;
  /** Cached GOP bytes it started from (instant join). */
  readonly bytesReplayed: number;
  /** PAT/PMT copies put in front of its first (or resumed) keyframe, continuity fillers, probe padding. */
  readonly bytesInjected: number;
  /** Queued or in flight when it left. */
  readonly bytesDiscarded: number;
  /** Skips within the slow window. */
  readonly skips: number;
  readonly queuedBytes: number;
  readonly joinedAt: number;
  /** What the viewer said it handed to its player (feedback). */
  readonly deliveredBytes: number;
  /** Handed to the transport, not yet with the player. */
  readonly inTransitBytes: number;
  /** Delivery rate (bits/s) over the last second, when measured. */
  readonly rateBps: number | undefined;
  /** How far behind live it is at the host: queued here plus in transit, in ms. */
  readonly delayMs: number;
  /** The rendition it gets (0 is the best), and its name ('' without a ladder). */
  readonly rendition: number;
  readonly renditionLabel: string;
  /** Switches between renditions so far. */
  readonly switches: number;
}

export interface HubEvents {
  'viewer-joined': [label: string, viewer: ViewerStats];
  'viewer-left': [label: string, reason: string, viewer: ViewerStats];
  'viewer-skipped': [label: string, droppedBytes: number, viewer: ViewerStats];
  'viewer-dropped': [label: string, reason: string, viewer: ViewerStats];
  'viewer-switched': [label: string, from: number, to: number, viewer: ViewerStats];
  /** What the rendition policy saw of a viewer and where it put it (for recording traces). */
  'viewer-observed': [label: string, observation: Observation, rendition: number];
}

/** What the hub may ask about a viewer's peer (its transport path). */
export interface ViewerPeer {
  path(): PathInfo;
}

interface Queued {
  readonly chunk: MediaChunk;
  readonly at: number;
  /** For video: the canonical continuity counter after it. */
  readonly cc?: number | undefined;
  /** Null packets of a probe: worth nothing to the player, dropped when the probe ends. */
  readonly padding?: boolean;
}

/** Null packets (PID 0x1FFF): every demuxer drops them; they only measure what a link carries. */
const NULL_PACKETS = ((): Uint8Array => {
  const n = 256;
  const out = new Uint8Array(n * TS_PACKET_SIZE).fill(0xff);
  for (let i = 0; i < n; i++) out.set([0x47, 0x1f, 0xff, 0x10], i * TS_PACKET_SIZE);
  return out;
})();

const UNKNOWN_PATH: PathInfo = { kind: 'unknown', rttMs: null };

class HubViewer {
  queue: Queued[] = [];
  queuedBytes = 0;
  waitingForKeyframe: boolean;
  /** After a skip: the frame in flight is not complete yet; its remaining chunks still go out. */
  finishingFrame = false;
  bytesSent = 0;
  bytesSkipped = 0;
  bytesPublished = 0;
  bytesReplayed = 0;
  bytesInjected = 0;
  bytesDiscarded = 0;
  inFlight = 0;
  skipTimes: number[] = [];
  writingSince = 0;
  /** Since when the writer loop waits for feedback before handing more (0: it does not). */
  waitingForAckSince = 0;
  closed = false;
  endReason = '';
  readonly meter: DeliveryMeter;
  /** The rendition whose video it gets now; 'between' after leaving one at a keyframe, before the next one's. */
  lane: number | 'between';
  /** Where the rendition policy wants it. */
  policy: PolicyState;
  /** The rendition it left for 'between'. */
  leftLane = 0;
  lastEvalAt = 0;
  switches = 0;
  /** Keeps its rendition whatever its link does (a publish target: a server wants one steady stream). */
  fixed = false;
  /** Media bytes queued since the last padding (a probe pads what the media leaves of its rate). */
  mediaSincePad = 0;
  lastPadAt = 0;
  /** The canonical video PID's continuity counter of the last video it was given (queued or sent). */
  lastCc: number | undefined;
  /** ... of the last video handed to the transport. */
  sentCc: number | undefined;
  readonly done: Promise<string>;
  #resolveDone!: (reason: string) => void;
  #wake: (() => void) | undefined;
  #ackWake: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly label: string,
    readonly sink: ViewerSink,
    readonly peer: ViewerPeer | undefined,
    readonly joinedAt: number,
    waitingForKeyframe: boolean,
    delivery: DeliveryOptions,
    private readonly now: () => number,
    rendition: number,
    policy: PolicyOptions,
    private readonly labelOf: (rendition: number) => string,
  ) {
    this.waitingForKeyframe = waitingForKeyframe;
    this.lane = rendition;
    this.policy = initialPolicyState(rendition, joinedAt, policy);
    this.meter = new DeliveryMeter(delivery);
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  ack(delivered: number): void {
    this.meter.ack(delivered, this.now());
    const w = this.#ackWake;
    this.#ackWake = undefined;
    w?.();
  }

  /** Resolves at the next acknowledgement, at close, or after `ms` (the caller looks again). */
  nextAck(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#ackWake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Age of the oldest chunk waiting here, in ms. */
  queueDelayMs(now: number): number {
    return this.queue.length ? now - this.queue[0]!.at : 0;
  }

  /** Queues a video chunk, keeping track of the continuity counter the viewer's stream is at. */
  enqueueVideo(chunk: MediaChunk, video: VideoChunkInfo, at: number): void {
    this.lastCc = video.ccAfter;
    this.enqueue(chunk, at, video.ccAfter);
  }

  enqueue(chunk: MediaChunk, at: number, cc?: number, padding = false): void {
    this.queue.push({ chunk, at, cc, padding });
    this.queuedBytes += chunk.length;
    if (!padding) this.mediaSincePad += chunk.length;
    this.wake();
  }

  /** Takes the probe's padding out of the queue; returns its bytes. */
  dropPadding(): number {
    let dropped = 0;
    this.queue = this.queue.filter((q) => {
      if (q.padding) dropped += q.chunk.length;
      return !q.padding;
    });
    this.queuedBytes -= dropped;
    return dropped;
  }

  /**
   * Keeps the queue's leading chunks that continue the frame in flight, drops
   * the rest; returns the bytes dropped. When the queue ends inside that frame,
   * the chunks that finish it are still to come (`finishingFrame`).
   */
  cutAtFrame(now: number): number {
    let keep = 0;
    while (keep < this.queue.length && !this.queue[keep]!.chunk.startsFrame) keep++;
    this.finishingFrame = keep === this.queue.length;
    // Re-stamped: they are not a backlog any more, just the end of a frame.
    const kept = this.queue.slice(0, keep);
    const dropped = this.clearQueue();
    for (const q of kept) this.enqueue(q.chunk, now, q.cc, q.padding);
    // The counter the stream is at is now the last kept video's, or the last one handed over.
    this.lastCc = [...kept].reverse().find((q) => q.cc !== undefined)?.cc ?? this.sentCc;
    return dropped - this.queuedBytes;
  }

  clearQueue(): number {
    const dropped = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    return dropped;
  }

  close(reason: string): void {
    this.closed = true;
    this.endReason = reason;
    this.bytesDiscarded += this.clearQueue();
    this.wake();
    this.#ackWake?.();
    this.#resolveDone(reason);
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
    let path = UNKNOWN_PATH;
    try {
      if (this.peer) path = this.peer.path();
    } catch {
      /* a closed connection has no path any more */
    }
    return {
      id: this.id,
      label: this.label,
      path,
      bytesSent: this.bytesSent,
      bytesSkipped: this.bytesSkipped,
      bytesPublished: this.bytesPublished,
      bytesReplayed: this.bytesReplayed,
      bytesInjected: this.bytesInjected,
      bytesDiscarded: this.bytesDiscarded,
      skips: this.skipTimes.length,
      queuedBytes: this.queuedBytes,
      joinedAt: this.joinedAt,
      deliveredBytes: this.meter.delivered,
      inTransitBytes: this.meter.inTransit,
      rateBps: ((r) => (r === undefined ? undefined : r * 8))(this.meter.rate(this.now())),
      delayMs: Math.round(this.queueDelayMs(this.now()) + this.meter.transitMs(this.now())),
      rendition: this.policy.rendition,
      renditionLabel: this.labelOf(this.policy.rendition),
      switches: this.switches,
    };
  }
}

export interface ViewerHandle {
  /** Resolves when the viewer is gone (left, dropped or the stream ended). */
  readonly done: Promise<string>;
  stats(): ViewerStats;
  /** Removes the viewer (it left). */
  leave(reason: string): void;
  /** The viewer's feedback: it has handed `deliveredBytes` of its stream to its player. */
  ack(deliveredBytes: number): void;
}

/** Totals over the hub's lifetime, departed viewers included (for the host's status). */
export interface HubTotals {
  readonly bytesPublished: number;
  readonly bytesSent: number;
  readonly skips: number;
  readonly drops: number;
  readonly keyframes: number;
}

/**
 * Fans one MPEG-TS stream out to N viewers. Each viewer has its own bounded
 * queue and writer loop, so a slow viewer never slows the others: past its bound
 * it drops what it has queued and resumes at the next keyframe (where MPEG-TS
 * decoders resync cleanly, PAT/PMT first). New viewers start from the cached
 * GOP so they decode at once. The same MediaChunk object goes to every viewer,
 * so the transport converts it once.
 */
export class BroadcastHub extends EventEmitter<HubEvents> {
  readonly options: HubOptions;
  #splitter = new RenditionSplitter();
  readonly #viewers = new Set<HubViewer>();
  #nextId = 1;
  /** Per rendition, the items since its last keyframe (its video and the shared rest), for replay joins. */
  #gops = new Map<number, { items: SplitChunk[]; bytes: number }>();
  /** Each rendition's bitrate (bit/s), best first; one entry: no ladder. */
  #ladderBps: readonly number[] = [0];
  #ladderLabels: readonly string[] = [];
  #requestKeyframe: (() => void) | undefined;
  #lastKeyframeRequest = -Infinity;
  /** Keyframes asked of the media process for joining viewers. */
  keyframeRequests = 0;
  bytesPublished = 0;
  chunksPublished = 0;
  keyframes = 0;
  #bytesSentByGone = 0;
  #skips = 0;
  #drops = 0;
  /** Final stats of departed viewers, newest last, bounded (for the exit summary). */
  readonly #departed: ViewerStats[] = [];

  constructor(options: Partial<HubOptions> = {}) {
    super();
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options };
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Bytes of rendition 0's GOP cache (0 when there is none). */
  get gopCacheBytes(): number {
    return this.#gops.get(0)?.bytes ?? 0;
  }

  /**
   * The ladder, best first: each rendition's bitrate on the wire (bit/s, for
   * the rendition policy) and its name (for status lines). One: no adaptation.
   */
  setLadder(ladder: ReadonlyArray<{ readonly bitrateBps: number; readonly label: string }>): void {
    this.#ladderBps = ladder.length ? ladder.map((r) => r.bitrateBps) : [0];
    this.#ladderLabels = ladder.map((r) => r.label);
  }

  /** Each rendition's bitrate on the wire, best first (what the policy compares a link with). */
  get ladderBps(): readonly number[] {
    return this.#ladderBps;
  }

  /** How many renditions the host encodes (1: no adaptation). */
  get renditions(): number {
    return this.#ladderBps.length;
  }

  /** What rendition `index` is called ('' without a ladder). */
  renditionLabel(index: number): string {
    return this.#ladderLabels[index] ?? '';
  }

  viewerStats(): ViewerStats[] {
    return [...this.#viewers].map((v) => v.stats());
  }

  /** Every viewer's accounting: departed ones (final, the last 256) and current ones. */
  ledger(): ViewerStats[] {
    return [...this.#departed, ...this.viewerStats()];
  }

  totals(): HubTotals {
    let sent = this.#bytesSentByGone;
    for (const v of this.#viewers) sent += v.bytesSent;
    return {
      bytesPublished: this.bytesPublished,
      bytesSent: sent,
      skips: this.#skips,
      drops: this.#drops,
      keyframes: this.keyframes,
    };
  }

  #now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /**
   * Publishes whole TS packets: split per rendition (each on the canonical
   * video PID) and shared sound, in chunks that start at frames, so a viewer
   * skipping ahead or switching is cut between frames, never inside one.
   */
  publish(packets: Uint8Array): void {
    if (packets.length === 0) return;
    for (const item of this.#splitter.push(packets)) this.#emit(item);
  }

  #emit(item: SplitChunk): void {
    const { lane, chunk } = item;
    if (lane === 0 && chunk.keyframe) this.keyframes++;
    this.#cache(item);
    this.bytesPublished += chunk.length;
    this.chunksPublished++;
    const now = this.#now();
    for (const viewer of [...this.#viewers]) this.#deliver(viewer, item, now);
  }

  #cache(item: SplitChunk): void {
    if (item.lane !== 'shared' && item.chunk.keyframe) {
      this.#gops.set(item.lane, { items: [item], bytes: item.chunk.length });
      return;
    }
    for (const [r, gop] of this.#gops) {
      if (item.lane !== 'shared' && item.lane !== r) continue;
      gop.items.push(item);
      gop.bytes += item.chunk.length;
      if (gop.bytes > this.options.gopCacheBytes) this.#gops.delete(r);
    }
  }

  #header(): MediaChunk | undefined {
    const h = this.#splitter.header();
    return h ? new MediaChunk(h, false, true) : undefined;
  }

  /** PAT/PMT in front of a viewer's (re)start. */
  #injectHeader(viewer: HubViewer, now: number): void {
    const header = this.#header();
    if (!header) return;
    viewer.bytesInjected += header.length;
    viewer.enqueue(header, now);
  }

  #deliver(viewer: HubViewer, item: SplitChunk, now: number): void {
    const stalledSince = viewer.writingSince || viewer.waitingForAckSince;
    if (stalledSince && now - stalledSince > this.options.stallTimeoutMs) {
      this.#drop(viewer, `not reading for ${Math.round((now - stalledSince) / 1000)} s`);
      return;
    }
    const { lane, chunk, video } = item;
    const target = viewer.policy.rendition;
    // Chunks of another rendition than the one it gets, or goes to, are not its stream.
    if (lane !== 'shared' && lane !== viewer.lane && lane !== target) return;
    viewer.bytesPublished += chunk.length;
    if (viewer.waitingForKeyframe) {
      if (viewer.finishingFrame && !chunk.startsFrame && (lane === 'shared' || lane === viewer.lane)) {
        // The rest of the frame the viewer already has the start of.
        if (video) viewer.enqueueVideo(chunk, video, now);
        else viewer.enqueue(chunk, now);
        return;
      }
      viewer.finishingFrame = false;
      if (lane !== target || !chunk.keyframe) {
        viewer.bytesSkipped += chunk.length;
        return;
      }
      viewer.waitingForKeyframe = false;
      viewer.lane = target;
      this.#injectHeader(viewer, now);
      this.#continueAt(viewer, item, now);
      return this.#checkQueue(viewer, item, now);
    }
    if (lane === 'shared') {
      // Sound and PSI go on through a switch: only video changes rendition.
      viewer.enqueue(chunk, now);
      return this.#checkQueue(viewer, item, now);
    }
    if (lane === viewer.lane && lane !== target && chunk.keyframe) {
      // Leaving this rendition at its keyframe; the target's one, at the same frame, comes next.
      viewer.leftLane = lane;
      viewer.lane = 'between';
      viewer.bytesSkipped += chunk.length;
      return;
    }
    if (lane === target && lane !== viewer.lane) {
      if (!chunk.keyframe) {
        viewer.bytesSkipped += chunk.length;
        return;
      }
      this.#switch(viewer, item, now);
      return this.#checkQueue(viewer, item, now);
    }
    viewer.enqueueVideo(chunk, video!, now);
    this.#checkQueue(viewer, item, now);
  }

  /**
   * The viewer's video goes on with `item`, a keyframe (after a skip, or of
   * another rendition): packets that bring its continuity counter to the
   * keyframe's first, so its player sees one continuous stream.
   */
  #continueAt(viewer: HubViewer, item: SplitChunk, now: number): void {
    const previous = viewer.lastCc;
    const fillers = previous === undefined ? undefined : continuityFillers(previous, item.video!.ccBefore);
    if (fillers) {
      viewer.bytesInjected += fillers.length;
      viewer.enqueue(new MediaChunk(fillers, false, false), now);
    }
    viewer.enqueueVideo(item.chunk, item.video!, now);
  }

  /** The viewer's video continues with `item` (a keyframe of another rendition): one stream for its player. */
  #switch(viewer: HubViewer, item: SplitChunk, now: number): void {
    const from = viewer.lane === 'between' ? viewer.leftLane : viewer.lane;
    const to = item.lane as number;
    // Going down because the link fell behind: when what waits here of the old
    // rendition would take the link longer than the delay bound to carry, it is
    // late already and cut; the new one starts at this keyframe, now. A smaller
    // backlog (a probe that did not fit) drains under the lighter rendition: no jump.
    if (to > from) {
      const rate = viewer.meter.rate(now);
      const drainMs = rate ? (viewer.queuedBytes * 1000) / rate : viewer.queueDelayMs(now);
      if (drainMs > this.options.policy.downDelayMs) viewer.bytesSkipped += viewer.cutAtFrame(now);
    }
    viewer.lane = to;
    viewer.switches++;
    this.#continueAt(viewer, item, now);
    this.emit('viewer-switched', viewer.label, from, to, viewer.stats());
  }

  #checkQueue(viewer: HubViewer, latest: SplitChunk, now: number): void {
    if (viewer.closed || viewer.queue.length === 0) return;
    if (now - viewer.lastEvalAt >= this.options.policyEveryMs) this.#reconsider(viewer, now);
    const oldest = viewer.queue[0]!.at;
    if (viewer.queuedBytes > this.options.maxQueueBytes || now - oldest > this.options.maxQueueMs) {
      this.#skip(viewer, latest, now);
    }
  }

  /**
   * Runs the rendition policy on what the host sees of this viewer's link; a
   * step down asks for a keyframe at once (the switch happens there), a step
   * up waits for the next regular one.
   */
  #reconsider(viewer: HubViewer, now: number): void {
    viewer.lastEvalAt = now;
    if (this.#ladderBps.length < 2 || viewer.fixed) return;
    const rate = viewer.meter.rate(now);
    const before = viewer.policy.rendition;
    const observation: Observation = { now, queueDelayMs: viewer.queueDelayMs(now), transitMs: viewer.meter.transitMs(now), rateBps: rate === undefined ? undefined : rate * 8 };
    viewer.policy = decide(viewer.policy, observation, this.#ladderBps, this.options.policy);
    if (this.listenerCount('viewer-observed') > 0) this.emit('viewer-observed', viewer.label, observation, viewer.policy.rendition);
    this.#pad(viewer, now);
    if (viewer.policy.rendition > before) this.#askKeyframe(now);
  }

  /**
   * A probe in progress tops the viewer's stream up to the probe's rate with
   * null packets, in the ~100 ms steps feedback comes in; when it ends (carried
   * or not), the padding still queued goes: it was never part of the picture.
   */
  #pad(viewer: HubViewer, now: number): void {
    const probe = viewer.policy.padding;
    if (!probe) {
      if (viewer.lastPadAt) viewer.bytesInjected -= viewer.dropPadding();
      viewer.lastPadAt = 0;
      return;
    }
    if (!viewer.lastPadAt || viewer.lastPadAt < probe.since) {
      viewer.lastPadAt = now;
      viewer.mediaSincePad = 0;
      return;
    }
    const dt = Math.min(500, now - viewer.lastPadAt);
    const want = (probeRateBps(probe, now, this.options.policy) / 8) * (dt / 1000) - viewer.mediaSincePad;
    const packets = Math.min(NULL_PACKETS.length / TS_PACKET_SIZE, Math.floor(want / TS_PACKET_SIZE));
    if (packets < 1) return;
    viewer.lastPadAt = now;
    viewer.mediaSincePad = 0;
    const bytes = NULL_PACKETS.subarray(0, packets * TS_PACKET_SIZE);
    viewer.bytesInjected += bytes.length;
    viewer.enqueue(new MediaChunk(bytes, false, false), now, undefined, true);
  }

  /**
   * Drops the viewer's backlog from its next frame boundary on (the frame
   * already begun on the wire is finished: a half frame is a decode error); it
   * resumes at `latest` when that is a keyframe of its rendition, else at the next one.
   */
  #skip(viewer: HubViewer, latest: SplitChunk, now: number): void {
    const resumeNow = latest.chunk.keyframe && latest.lane === viewer.policy.rendition;
    const dropped = viewer.cutAtFrame(now) - (resumeNow ? latest.chunk.length : 0);
    viewer.bytesSkipped += dropped;
    if (resumeNow) {
      viewer.lane = latest.lane as number;
      this.#injectHeader(viewer, now);
      this.#continueAt(viewer, latest, now);
    } else {
      viewer.waitingForKeyframe = true;
      this.#askKeyframe(now);
    }
    viewer.skipTimes = viewer.skipTimes.filter((t) => now - t < this.options.slowWindowMs);
    viewer.skipTimes.push(now);
    this.#skips++;
    this.emit('viewer-skipped', viewer.label, dropped, viewer.stats());
    if (viewer.skipTimes.length >= this.options.maxSkips) {
      this.#drop(viewer, `too slow: skipped ahead ${viewer.skipTimes.length} times in ${this.options.slowWindowMs / 1000} s`);
    }
  }

  #drop(viewer: HubViewer, reason: string): void {
    if (viewer.closed) return;
    this.#drops++;
    this.emit('viewer-dropped', viewer.label, reason, viewer.stats());
    this.#remove(viewer, reason, true);
  }

  #remove(viewer: HubViewer, reason: string, error: boolean): void {
    if (viewer.closed) return;
    const stats = viewer.stats();
    this.#viewers.delete(viewer);
    this.#bytesSentByGone += viewer.bytesSent;
    viewer.close(reason);
    viewer.sink.end(reason, error);
    this.emit('viewer-left', viewer.label, reason, stats);
  }

  /**
   * Where keyframes are asked for (the running media process), or undefined
   * while capture does not run or the process takes no requests.
   */
  setKeyframeSource(request: (() => void) | undefined): void {
    this.#requestKeyframe = request;
  }

  /** Asks for a keyframe unless one was asked for just now (it serves every viewer waiting). */
  #askKeyframe(now: number): void {
    if (!this.#requestKeyframe || now - this.#lastKeyframeRequest < this.options.keyframeRequestGapMs) return;
    this.#lastKeyframeRequest = now;
    this.keyframeRequests++;
    this.#requestKeyframe();
  }

  /**
   * Adds a viewer. `peer` lets the host's status show its path; the viewer's
   * stream starts with PAT/PMT at a keyframe made for it (live), or with the
   * cached GOP (replay), or waits for the next keyframe.
   */
  /**
   * `rendition`: where the viewer starts (0, the top, by default); `adapt: false`
   * keeps it there (a publish target), otherwise its feedback moves it.
   */
  addViewer(label: string, sink: ViewerSink, peer?: ViewerPeer, options: { readonly rendition?: number; readonly adapt?: boolean } = {}): ViewerHandle {
    const now = this.#now();
    const rendition = Math.min(options.rendition ?? 0, this.#ladderBps.length - 1);
    const gop = this.#gops.get(rendition);
    const live = this.options.join === 'live' && this.#requestKeyframe !== undefined;
    const joinNow = !live && this.options.join !== 'wait' && gop !== undefined;
    const viewer = new HubViewer(this.#nextId++, label, sink, peer, now, !joinNow, this.options.delivery, () => this.#now(), rendition, this.options.policy, (i) => this.renditionLabel(i));
    viewer.fixed = options.adapt === false;
    if (live) this.#askKeyframe(now);
    if (joinNow) {
      this.#injectHeader(viewer, now);
      for (const item of gop.items) {
        viewer.bytesReplayed += item.chunk.length;
        if (item.video) viewer.enqueueVideo(item.chunk, item.video, now);
        else viewer.enqueue(item.chunk, now);
      }
    }
    this.#viewers.add(viewer);
    this.emit('viewer-joined', label, viewer.stats());
    void this.#pump(viewer);
    return {
      done: viewer.done,
      stats: () => viewer.stats(),
      leave: (reason) => this.#remove(viewer, reason, false),
      ack: (delivered) => {
        viewer.ack(delivered);
        const now = this.#now();
        if (now - viewer.lastEvalAt >= this.options.policyEveryMs) this.#reconsider(viewer, now);
      },
    };
  }

  async #pump(viewer: HubViewer): Promise<void> {
    try {
      while (!viewer.closed) {
        const item = viewer.queue.shift();
        if (!item) {
          await viewer.next();
          continue;
        }
        // Hand over only what the viewer's link takes in the latency budget: the
        // rest waits here, where its age is seen and a slow viewer skips or switches.
        // While a probe pads the stream, the budget is the probe's rate: that is what the link is asked to carry.
        const probing = (): number => (viewer.policy.padding ? probeRateBps(viewer.policy.padding, this.#now(), this.options.policy) / 8 : 0);
        while (!viewer.closed && !viewer.meter.mayHand(item.chunk.length, this.#now(), probing())) {
          viewer.waitingForAckSince ||= this.#now();
          await viewer.nextAck(50);
        }
        viewer.waitingForAckSince = 0;
        // Closed while waiting: close() counted this chunk as discarded (it was still in queuedBytes).
        if (viewer.closed) break;
        viewer.queuedBytes -= item.chunk.length;
        viewer.writingSince = this.#now();
        viewer.inFlight = item.chunk.length;
        viewer.meter.handed += item.chunk.length;
        if (item.cc !== undefined) viewer.sentCc = item.cc;
        await viewer.sink.write(item.chunk);
        viewer.inFlight = 0;
        viewer.writingSince = 0;
        if (viewer.closed) {
          this.#bytesSentByGone += item.chunk.length;
        }
        viewer.bytesSent += item.chunk.length;
      }
    } catch (err) {
      viewer.bytesDiscarded += viewer.inFlight;
      viewer.inFlight = 0;
      this.#remove(viewer, `write failed: ${errorMessage(err)}`, true);
    }
    // Only now, with no write in flight, are its numbers final.
    this.#departed.push(viewer.stats());
    if (this.#departed.length > 256) this.#departed.shift();
  }

  /** The source ended: every viewer's stream ends, the caches reset. */
  endAll(reason: string, error: boolean): void {
    for (const viewer of [...this.#viewers]) this.#remove(viewer, reason, error);
    this.reset();
  }

  /** Forget stream state (a new capture starts with new PAT/PMT, PIDs and GOP). */
  reset(): void {
    this.#splitter = new RenditionSplitter();
    this.#gops = new Map();
  }
}
