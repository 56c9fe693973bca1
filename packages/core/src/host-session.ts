import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BroadcastHub, type HubOptions, type HubTotals, type ViewerStats } from './broadcast-hub.js';
import { CapturePipeline, type CaptureSettings } from './capture-pipeline.js';
import { CaptureSupervisor } from './capture-supervisor.js';
import { errorMessage, InternalError } from './errors.js';
import type { Logger } from './logger.js';
import type { Observation } from './rendition-policy.js';
import type { AudioSource } from './ports/audio.js';
import type { CaptureSource } from './ports/capture.js';
import type { Encoder } from './ports/encoder.js';
import type { MediaRunner } from './ports/media-runner.js';
import type { Publisher, PublishTarget } from './ports/publish.js';
import type { HostListener, Transport } from './ports/transport.js';
import type { AdmissionLimits } from './admission-budget.js';
import { HostAdmission } from './host-admission.js';
import { isPublishLabel, PUBLISH_LABEL_PREFIX, PublishSession, type PublishStats, type PublishTuning } from './publish-session.js';
import { formatTicket, SECRET_BYTES } from './share-ticket.js';
import { StreamGate, type ApproveViewer } from './stream-gate.js';
import { HOST_STOPPED, type RefusalCode } from './tunnel-protocol.js';

/** The ports a host is built from; the composition root chooses the adapters. */
export interface HostPorts {
  readonly capture: CaptureSource;
  readonly audio?: AudioSource | undefined;
  readonly encoder: Encoder;
  readonly runner: MediaRunner;
  readonly transport: Transport;
  readonly log: Logger;
  /** Sends the stream to media servers; needed when `publish` has targets. */
  readonly publisher?: Publisher | undefined;
}

export interface HostSessionOptions {
  readonly media: CaptureSettings;
  readonly maxViewers: number;
  /** Keep capturing this long after the last viewer left (a player restart keeps its capture). */
  readonly lingerMs: number;
  readonly hostName: string;
  /** `--approve`: asks whether to admit a new viewer. */
  readonly approve?: ApproveViewer | undefined;
  readonly hub?: Partial<HubOptions>;
  /** What peers without the secret may cost (tests shrink it). */
  readonly admission?: Partial<AdmissionLimits>;
  /** The ticket's secret; a fresh random one by default (one per host run). */
  readonly secret?: Uint8Array;
  /** `--publish`: media servers that get the same stream; capture runs while there are any. */
  readonly publish?: readonly PublishTarget[];
  readonly publishTuning?: Partial<PublishTuning>;
}

export type CaptureState = 'running' | 'lingering' | 'idle';

export interface HostSessionEvents {
  'viewer-joined': [viewer: ViewerStats];
  'viewer-left': [viewer: ViewerStats, reason: string];
  'viewer-skipped': [viewer: ViewerStats, droppedBytes: number];
  'viewer-dropped': [viewer: ViewerStats, reason: string];
  /** The hub moved a viewer to another rendition (its link changed). */
  'viewer-switched': [viewer: ViewerStats, from: number, to: number];
  /** Each rendition decision's input and outcome, per viewer (PIXELPASS_POLICY_TRACE records them). */
  'viewer-observed': [label: string, observation: Observation, rendition: number, ladderBps: readonly number[]];
  'capture-started': [];
  'capture-stopped': [reason: string];
  'capture-failed': [reason: string];
  /** A stream was refused (wrong secret, full, declined, …): who and why. */
  'viewer-refused': [peerShortId: string, code: RefusalCode, reason: string];
  'publish-connected': [target: PublishStats];
  /** An attempt ended before the server accepted the stream; the next one comes in `retryInMs`. */
  'publish-failed': [target: PublishStats, reason: string, retryInMs: number];
  /** An accepted connection ended; the next attempt comes in `retryInMs`. */
  'publish-lost': [target: PublishStats, reason: string, retryInMs: number];
  'publish-skipped': [target: PublishStats, droppedBytes: number];
}

/**
 * One `pixelpass host`: the hub, the capture pipeline and its supervisor, the
 * gate that checks every tunnel stream, and the loop accepting them. A frame
 * goes capture → media process → hub → each viewer's transport stream; a
 * request goes transport stream → gate → hub. The CLI only shows what happens.
 */
export class HostSession extends EventEmitter<HostSessionEvents> {
  readonly #hub: BroadcastHub;
  readonly #supervisor: CaptureSupervisor;
  readonly #secret: Uint8Array;
  readonly #publishing: readonly PublishSession[];
  readonly #admission: HostAdmission;
  #listener: HostListener | undefined;
  #serving: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly ports: HostPorts,
    private readonly options: HostSessionOptions,
  ) {
    super();
    this.#secret = options.secret ?? randomBytes(SECRET_BYTES);
    this.#hub = new BroadcastHub(options.hub);
    this.#admission = new HostAdmission(ports.log, { limits: options.admission });
    const pipeline = new CapturePipeline(
      { capture: ports.capture, audio: ports.audio, encoder: ports.encoder, runner: ports.runner, hub: this.#hub, log: ports.log },
      options.media,
    );
    this.#supervisor = new CaptureSupervisor((signal) => pipeline.start(signal), options.lingerMs);
    this.#publishing = this.#publishSessions(options.publish ?? []);
    // Publish targets are hub subscribers too; they report through their own events.
    this.#hub
      .on('viewer-joined', (l, v) => isPublishLabel(l) || this.emit('viewer-joined', v))
      .on('viewer-left', (l, reason, v) => isPublishLabel(l) || this.emit('viewer-left', v, reason))
      .on('viewer-skipped', (l, bytes, v) => (isPublishLabel(l) ? this.#publishSkipped(v, bytes) : this.emit('viewer-skipped', v, bytes)))
      .on('viewer-dropped', (l, reason, v) => isPublishLabel(l) || this.emit('viewer-dropped', v, reason))
      .on('viewer-switched', (l, from, to, v) => isPublishLabel(l) || this.emit('viewer-switched', v, from, to))
      .on('viewer-observed', (l, o, r) => isPublishLabel(l) || this.emit('viewer-observed', l, o, r, this.#hub.ladderBps));
    this.#supervisor
      .on('capture-started', () => this.emit('capture-started'))
      .on('capture-stopped', (reason) => {
        ports.log.info(`capture stopped (${reason})`);
        this.emit('capture-stopped', reason);
      })
      .on('capture-failed', (reason) => {
        ports.log.warn(`capture ended: ${reason}`);
        this.emit('capture-failed', reason);
      });
  }

  #publishSessions(targets: readonly PublishTarget[]): PublishSession[] {
    const publisher = this.ports.publisher;
    if (targets.length > 0 && !publisher) throw new InternalError('publish targets without a publisher');
    const labels = new Set<string>();
    return targets.map((target) => {
      let label = `${PUBLISH_LABEL_PREFIX}${target.name}`;
      for (let n = 2; labels.has(label); n++) label = `${PUBLISH_LABEL_PREFIX}${target.name}#${n}`;
      labels.add(label);
      const session = new PublishSession({ publisher: publisher!, hub: this.#hub, capture: this.#supervisor }, target, label, this.options.publishTuning);
      session
        .on('connected', (s) => this.emit('publish-connected', s))
        .on('failed', (s, reason, retryInMs) => this.emit('publish-failed', s, reason, retryInMs))
        .on('lost', (s, reason, retryInMs) => this.emit('publish-lost', s, reason, retryInMs));
      return session;
    });
  }

  #publishSkipped(viewer: ViewerStats, bytes: number): void {
    // Skips while a server is still being reached are not news: the attempt will time out.
    const session = this.#publishing.find((s) => s.owns(viewer.id));
    if (session?.state === 'connected') this.emit('publish-skipped', session.stats(), bytes);
  }

  /**
   * Brings the endpoint up and starts accepting viewers; returns the ticket.
   * Capture starts with the first viewer, or at once when publishing.
   */
  async open(): Promise<string> {
    const listener = await this.ports.transport.listen(this.#admission);
    this.#listener = listener;
    this.#admission.start();
    const gate = new StreamGate(
      {
        secret: this.#secret,
        maxViewers: this.options.maxViewers,
        hostName: this.options.hostName,
        approve: this.options.approve,
        onRefused: (who, code, reason) => this.emit('viewer-refused', who, code, reason),
      },
      this.#hub,
      this.#supervisor,
      this.ports.log,
      this.#admission,
    );
    this.#serving = (async () => {
      for await (const stream of listener.streams()) void gate.handle(stream);
    })().catch((err: unknown) => this.ports.log.warn(`accepting viewers failed: ${errorMessage(err)}`));
    for (const session of this.#publishing) session.start();
    return formatTicket({ secret: this.#secret, address: listener.address });
  }

  /** Where the endpoint listens and whether a relay answered; undefined before open(). */
  get endpoint(): Pick<HostListener, 'id' | 'localAddresses' | 'relayReached'> | undefined {
    return this.#listener;
  }

  /** Resolves when the endpoint stops accepting (closed, or the transport failed). */
  get serving(): Promise<void> {
    return this.#serving ?? Promise.resolve();
  }

  /** The P2P viewers (publish targets are in `publishers()`). */
  viewers(): ViewerStats[] {
    return this.#hub.viewerStats().filter((v) => !isPublishLabel(v.label));
  }

  get viewerCount(): number {
    return this.#hub.viewerCount - this.#publishing.filter((s) => s.subscribed).length;
  }

  /** Each `--publish` target: state, bytes, reconnects. */
  publishers(): PublishStats[] {
    return this.#publishing.map((s) => s.stats());
  }

  /** Every viewer's accounting, departed ones included (the exit summary); publish subscriptions too. */
  ledger(): ViewerStats[] {
    return this.#hub.ledger();
  }

  totals(): HubTotals {
    return this.#hub.totals();
  }

  captureState(): CaptureState {
    if (!this.#supervisor.running) return 'idle';
    return this.#supervisor.lingering ? 'lingering' : 'running';
  }

  /** Capture runs started so far (a restart after a failure counts). */
  get captureStarts(): number {
    return this.#supervisor.starts;
  }

  /**
   * Closes every viewer's connection saying the host stopped (so viewers stop
   * instead of redialling), finishes every publish stream cleanly, stops
   * capture (cancelling a pending share dialog), and releases the endpoint.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#admission.stop();
    await this.#listener?.close(HOST_STOPPED);
    await Promise.all(this.#publishing.map((s) => s.stop()));
    await this.#supervisor.stop();
    await this.ports.transport.close();
  }
}
