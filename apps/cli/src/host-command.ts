import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { inject, injectable } from 'tsyringe';
import {
  AUDIO_SOURCE,
  BroadcastHub,
  CAPTURE_SOURCE,
  CapturePipeline,
  CaptureSupervisor,
  ENCODER,
  formatTicket,
  LOGGER,
  MEDIA_RUNNER,
  SECRET_BYTES,
  StreamGate,
  TRANSPORT,
  type AudioSource,
  type CaptureSource,
  type Encoder,
  type Logger,
  type MediaRunner,
  type Transport,
} from '@pixelpass/core';
import type { HostOptions } from './options.js';
import type { Shutdown } from './shutdown.js';

/** `pixelpass host`: binds the endpoint, prints the ticket, serves viewers until stopped. */
@injectable()
export class HostCommand {
  constructor(
    @inject(TRANSPORT) private readonly transport: Transport,
    @inject(CAPTURE_SOURCE) private readonly capture: CaptureSource,
    @inject(AUDIO_SOURCE, { isOptional: true }) private readonly audio: AudioSource | undefined,
    @inject(ENCODER) private readonly encoder: Encoder,
    @inject(MEDIA_RUNNER) private readonly runner: MediaRunner,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  async run(o: HostOptions, shutdown: Shutdown): Promise<void> {
    const hub = new BroadcastHub({ instantJoin: o.instantJoin });
    const pipeline = new CapturePipeline(
      { capture: this.capture, audio: this.audio, encoder: this.encoder, runner: this.runner, hub, log: this.log },
      {
        fps: o.fps,
        bitrateKbps: o.bitrateKbps,
        keyframeIntervalSec: o.keyframeIntervalSec,
        maxWidth: o.maxWidth,
        maxHeight: o.maxHeight,
      },
    );
    const supervisor = new CaptureSupervisor(() => pipeline.start(), o.lingerSec * 1000);
    shutdown.add(() => supervisor.stop());
    supervisor.on('capture-failed', (reason) => this.log.warn(`capture ended: ${reason}`));
    supervisor.on('capture-stopped', (reason) => this.log.info(`capture stopped (${reason})`));
    hub.on('viewer-joined', (who) => this.log.info(`viewer ${who} joined (${hub.viewerCount} watching)`));
    hub.on('viewer-skipped', (who, bytes) => this.log.warn(`viewer ${who} fell behind; skipped ${bytes} bytes to the next keyframe`));
    hub.on('viewer-dropped', (who, reason) => this.log.warn(`viewer ${who} disconnected: ${reason}`));

    const listener = await this.transport.listen();
    shutdown.add(() => listener.close());
    const secret = randomBytes(SECRET_BYTES);
    const ticket = formatTicket({ secret, address: listener.address });
    if (o.ticketFile) {
      await writeFile(o.ticketFile, `${ticket}\n`, { mode: 0o600 });
      this.log.info(`ticket written to ${o.ticketFile}`);
    } else {
      process.stdout.write(`${ticket}\n`);
    }
    this.log.info(`hosting ${this.capture.id} capture; waiting for viewers (up to ${o.maxViewers})`);

    const gate = new StreamGate(
      {
        secret,
        maxViewers: o.maxViewers,
        maxHeadBytes: 8192,
        headTimeoutMs: 5000,
        hostName: hostname(),
      },
      hub,
      supervisor,
      this.log,
    );
    const serving = (async () => {
      for await (const stream of listener.streams()) void gate.handle(stream);
    })();
    await Promise.race([shutdown.requested, serving]);
  }
}
