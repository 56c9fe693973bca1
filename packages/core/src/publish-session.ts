import { EventEmitter } from 'node:events';
import type { BroadcastHub, ViewerHandle } from './broadcast-hub.js';
import type { CaptureSupervisor } from './capture-supervisor.js';
import { errorMessage } from './errors.js';
import type { PublishConnection, Publisher, PublishTarget } from './ports/publish.js';

/** Hub labels of publish targets start with this (peer labels are short endpoint ids: never a colon). */
export const PUBLISH_LABEL_PREFIX = 'publish:';

export const isPublishLabel = (label: string): boolean => label.startsWith(PUBLISH_LABEL_PREFIX);

export interface PublishTuning {
  /** First wait before trying again; doubles per failed attempt up to `maxRetryMs`. */
  readonly initialRetryMs: number;
  readonly maxRetryMs: number;
  /** An attempt the server has not accepted within this long is given up (a server that accepts and never answers). */
  readonly connectTimeoutMs: number;
  /** A connection that lasted this long counts as stable: the next wait starts from `initialRetryMs` again. */
  readonly stableMs: number;
}

export const DEFAULT_PUBLISH_TUNING: PublishTuning = {
  initialRetryMs: 500,
  maxRetryMs: 30_000,
  connectTimeoutMs: 10_000,
  stableMs: 10_000,
};

export type PublishState = 'connecting' | 'connected' | 'retrying' | 'stopped';

export interface PublishStats {
  /** The hub label, `publish:` + name (unique per host). */
  readonly label: string;
  /** `srt://host:port`, `rtmp://host:port/app`: safe to show. */
  readonly name: string;
  /** The URL with its credentials masked. */
  readonly redacted: string;
  readonly state: PublishState;
  /** When the current connection was accepted (null: none now). */
  readonly connectedSince: number | null;
  /** Connections the server accepted; reconnects are those after the first. */
  readonly connections: number;
  readonly reconnects: number;
  readonly attempts: number;
  /** Attempts that failed since the last accepted connection. */
  readonly failuresInRow: number;
  /** Bytes handed to the connection, over all connections (as the hub counts them). */
  readonly bytesSent: number;
  /** Bytes skipped ahead over (the server or its path too slow), over all connections. */
  readonly bytesSkipped: number;
  /** Why the last connection or attempt ended ('' none yet). */
  readonly lastError: string;
  /** When the next attempt starts, while retrying. */
  readonly retryAt: number | null;
}

export interface PublishSessionEvents {
  connected: [stats: PublishStats];
  /** An attempt ended before the server accepted the stream. */
  failed: [stats: PublishStats, reason: string, retryInMs: number];
  /** An accepted connection ended. */
  lost: [stats: PublishStats, reason: string, retryInMs: number];
}

export interface PublishSessionDeps {
  readonly publisher: Publisher;
  readonly hub: Pick<BroadcastHub, 'addViewer'>;
  readonly capture: Pick<CaptureSupervisor, 'acquire' | 'release' | 'running'>;
  readonly now?: () => number;
}

type Outcome = { readonly accepted: boolean; readonly reason: string; readonly lastedMs: number };

/**
 * One `--publish` target: a subscriber of the hub exactly like a viewer (its
 * own bounded queue, skipping ahead to keyframes, dropped when too slow), so a
 * slow or dead server never slows the viewers. It holds the capture while it
 * runs (capture runs with no viewer at all), connects through the Publisher
 * port, and after any end — server gone, dropped by the hub, no answer,
 * capture ended — tries again with exponential backoff until stopped.
 */
export class PublishSession extends EventEmitter<PublishSessionEvents> {
  readonly #tuning: PublishTuning;
  readonly #now: () => number;
  #state: PublishState = 'connecting';
  #stopped = false;
  #stopRequested!: () => void;
  readonly #stopPromise = new Promise<void>((resolve) => (this.#stopRequested = resolve));
  #loop: Promise<void> | undefined;
  #holdsCapture = false;
  #handle: ViewerHandle | undefined;
  #connectedSince: number | null = null;
  #connections = 0;
  #attempts = 0;
  #failuresInRow = 0;
  #bytesSentBefore = 0;
  #bytesSkippedBefore = 0;
  #lastError = '';
  #retryAt: number | null = null;

  constructor(
    private readonly deps: PublishSessionDeps,
    readonly target: PublishTarget,
    readonly label: string,
    tuning: Partial<PublishTuning> = {},
  ) {
    super();
    this.#tuning = { ...DEFAULT_PUBLISH_TUNING, ...tuning };
    this.#now = deps.now ?? Date.now;
  }

  /** Starts publishing (capture first); returns at once, retrying goes on in the background until `stop()`. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** True while subscribed to the hub (counted among its viewers). */
  get subscribed(): boolean {
    return this.#handle !== undefined;
  }

  /** True when the hub viewer `id` is this target's current subscription. */
  owns(id: number): boolean {
    return this.#handle?.stats().id === id;
  }

  get state(): PublishState {
    return this.#state;
  }

  stats(): PublishStats {
    const current = this.#handle?.stats();
    return {
      label: this.label,
      name: this.target.name,
      redacted: this.target.redacted,
      state: this.#state,
      connectedSince: this.#connectedSince,
      connections: this.#connections,
      reconnects: Math.max(0, this.#connections - 1),
      attempts: this.#attempts,
      failuresInRow: this.#failuresInRow,
      bytesSent: this.#bytesSentBefore + (current?.bytesSent ?? 0),
      bytesSkipped: this.#bytesSkippedBefore + (current?.bytesSkipped ?? 0),
      lastError: this.#lastError,
      retryAt: this.#retryAt,
    };
  }

  /** Ends the connection cleanly (the server sees the stream finish), releases the capture. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopRequested();
    await this.#loop;
    this.#state = 'stopped';
  }

  async #run(): Promise<void> {
    let wait = this.#tuning.initialRetryMs;
    try {
      while (!this.#stopped) {
        const outcome = await this.#attempt();
        if (this.#stopped) break;
        if (outcome.accepted && outcome.lastedMs >= this.#tuning.stableMs) wait = this.#tuning.initialRetryMs;
        const retryIn = wait;
        wait = Math.min(wait * 2, this.#tuning.maxRetryMs);
        this.#lastError = outcome.reason;
        if (!outcome.accepted) this.#failuresInRow++;
        this.#state = 'retrying';
        this.#retryAt = this.#now() + retryIn;
        this.emit(outcome.accepted ? 'lost' : 'failed', this.stats(), outcome.reason, retryIn);
        await this.#sleep(retryIn);
        this.#retryAt = null;
      }
    } finally {
      if (this.#holdsCapture) this.deps.capture.release();
      this.#holdsCapture = false;
      this.#state = 'stopped';
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      void this.#stopPromise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #attempt(): Promise<Outcome> {
    this.#state = 'connecting';
    if (!this.#holdsCapture) {
      const capture = this.deps.capture;
      const acquiring = capture.acquire().then(
        () => undefined,
        (err: unknown) => `capture could not start: ${errorMessage(err)}`,
      );
      // Stopping does not wait for a start in progress (a share dialog); a late success is let go.
      const failure = await Promise.race([acquiring, this.#stopPromise.then(() => 'stopping')]);
      if (this.#stopped) {
        void acquiring.then((f) => f === undefined && capture.release());
        return { accepted: false, reason: '', lastedMs: 0 };
      }
      if (failure !== undefined) return { accepted: false, reason: failure, lastedMs: 0 };
      this.#holdsCapture = true;
    }
    this.#attempts++;
    const abort = new AbortController();
    let connection: PublishConnection;
    try {
      connection = await this.deps.publisher.open(this.target, abort.signal);
    } catch (err) {
      return { accepted: false, reason: errorMessage(err), lastedMs: 0 };
    }
    let hubEnded!: (reason: string) => void;
    const unsubscribed = new Promise<string>((resolve) => (hubEnded = resolve));
    // Finishing (the host stops): the stream ends before the next frame, not inside one.
    let finishing = false;
    let cut = false;
    let atBoundary!: () => void;
    const boundary = new Promise<void>((resolve) => (atBoundary = resolve));
    // Subscribed before the server answers: a remuxer must see the stream (PAT/PMT, a keyframe) to connect.
    const handle = this.deps.hub.addViewer(this.label, {
      write: (chunk) => {
        if (finishing && chunk.startsFrame) {
          cut = true;
          atBoundary();
        }
        if (cut) return Promise.resolve();
        // A write fails because the connection went: hold the failure until its end says why.
        return connection.write(chunk.bytes).catch(async (err: unknown) => {
          await connection.ended;
          throw err;
        });
      },
      end: (reason) => hubEnded(reason),
    }, undefined, { rendition: 0, adapt: false }); // a server wants the top rendition, steadily
    this.#handle = handle;
    // Capture may have ended between acquiring it and subscribing: nothing would ever come.
    if (!this.deps.capture.running) handle.leave('capture ended');

    type End = { readonly kind: 'server' | 'hub' | 'stop' | 'timeout' | 'accepted'; readonly reason: string };
    const serverEnd = connection.ended.then((reason): End => ({ kind: 'server', reason: reason || 'the connection ended' }));
    const hubEnd = unsubscribed.then((reason): End => ({ kind: 'hub', reason }));
    const stopEnd = this.#stopPromise.then((): End => ({ kind: 'stop', reason: '' }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<End>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'timeout', reason: `the server did not accept the stream within ${Math.round(this.#tuning.connectTimeoutMs / 1000)} s` }),
        this.#tuning.connectTimeoutMs,
      );
    });
    let end = await Promise.race([connection.connected.then((): End => ({ kind: 'accepted', reason: '' })), serverEnd, hubEnd, stopEnd, timeout]);
    clearTimeout(timer);
    let acceptedAt: number | undefined;
    if (end.kind === 'accepted') {
      acceptedAt = this.#now();
      this.#connections++;
      this.#failuresInRow = 0;
      this.#connectedSince = acceptedAt;
      this.#state = 'connected';
      this.emit('connected', this.stats());
      end = await Promise.race([serverEnd, hubEnd, stopEnd]);
    }
    this.#connectedSince = null;
    if (end.kind === 'stop' && acceptedAt !== undefined) {
      finishing = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([boundary, unsubscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
    }
    handle.leave(end.kind === 'stop' ? 'host stopping' : `publish ended: ${end.reason}`);
    const final = handle.stats();
    this.#bytesSentBefore += final.bytesSent;
    this.#bytesSkippedBefore += final.bytesSkipped;
    this.#handle = undefined;
    // A clean finish only when stopping; otherwise the process (or socket) goes at once.
    if (end.kind === 'stop') await connection.close();
    else abort.abort();
    await connection.ended;
    // The capture run ended (its viewers were ended with it): let go, so the next attempt starts a new one.
    if (!this.deps.capture.running && this.#holdsCapture) {
      this.deps.capture.release();
      this.#holdsCapture = false;
    }
    const lastedMs = acceptedAt === undefined ? 0 : this.#now() - acceptedAt;
    return { accepted: acceptedAt !== undefined, reason: end.reason, lastedMs };
  }
}
