import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BroadcastHub, type HubOptions, type HubTotals, type ViewerStats } from './broadcast-hub.js';
import { CapturePipeline, type CaptureSettings } from './capture-pipeline.js';
import { CaptureSupervisor } from './capture-supervisor.js';
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';
import type { AudioSource } from './ports/audio.js';
import type { CaptureSource } from './ports/capture.js';
import type { Encoder } from './ports/encoder.js';
import type { MediaRunner } from './ports/media-runner.js';
import type { HostListener, Transport } from './ports/transport.js';
import type { AdmissionLimits } from './admission-budget.js';
import { HostAdmission } from './host-admission.js';
import { formatTicket, SECRET_BYTES } from './share-ticket.js';
import { StreamGate, type ApproveViewer } from './stream-gate.js';
import { HOST_STOPPED } from './tunnel-protocol.js';

/** The ports a host is built from; the composition root chooses the adapters. */
export interface HostPorts {
  readonly capture: CaptureSource;
  readonly audio?: AudioSource | undefined;
  readonly encoder: Encoder;
  readonly runner: MediaRunner;
  readonly transport: Transport;
  readonly log: Logger;
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
}

export type CaptureState = 'running' | 'lingering' | 'idle';

export interface HostSessionEvents {
  'viewer-joined': [viewer: ViewerStats];
  'viewer-left': [viewer: ViewerStats, reason: string];
  'viewer-skipped': [viewer: ViewerStats, droppedBytes: number];
  'viewer-dropped': [viewer: ViewerStats, reason: string];
  'capture-started': [];
  'capture-stopped': [reason: string];
  'capture-failed': [reason: string];
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
    this.#hub
      .on('viewer-joined', (_l, v) => this.emit('viewer-joined', v))
      .on('viewer-left', (_l, reason, v) => this.emit('viewer-left', v, reason))
      .on('viewer-skipped', (_l, bytes, v) => this.emit('viewer-skipped', v, bytes))
      .on('viewer-dropped', (_l, reason, v) => this.emit('viewer-dropped', v, reason));
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

  /**
   * Brings the endpoint up and starts accepting viewers; returns the ticket.
   * Capture starts with the first viewer.
   */
  async open(): Promise<string> {
    const listener = await this.ports.transport.listen(this.#admission);
    this.#listener = listener;
    this.#admission.start();
    const gate = new StreamGate(
      { secret: this.#secret, maxViewers: this.options.maxViewers, hostName: this.options.hostName, approve: this.options.approve },
      this.#hub,
      this.#supervisor,
      this.ports.log,
      this.#admission,
    );
    this.#serving = (async () => {
      for await (const stream of listener.streams()) void gate.handle(stream);
    })().catch((err: unknown) => this.ports.log.warn(`accepting viewers failed: ${errorMessage(err)}`));
    return formatTicket({ secret: this.#secret, address: listener.address });
  }

  /** Resolves when the endpoint stops accepting (closed, or the transport failed). */
  get serving(): Promise<void> {
    return this.#serving ?? Promise.resolve();
  }

  viewers(): ViewerStats[] {
    return this.#hub.viewerStats();
  }

  get viewerCount(): number {
    return this.#hub.viewerCount;
  }

  /** Every viewer's accounting, departed ones included (the exit summary). */
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
   * instead of redialling), stops capture (cancelling a pending share dialog),
   * and releases the endpoint.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#admission.stop();
    await this.#listener?.close(HOST_STOPPED);
    await this.#supervisor.stop();
    await this.ports.transport.close();
  }
}
