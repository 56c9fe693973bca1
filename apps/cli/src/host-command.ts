import { randomBytes } from 'node:crypto';
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
  UsageError,
  type AudioSource,
  type CaptureSource,
  type Encoder,
  type Logger,
  type MediaRunner,
  type Transport,
} from '@pixelpass/core';
import { ApprovalPrompt, openApprovalInput } from './approval-prompt.js';
import { formatSummary } from './host-summary.js';
import { HostStatus } from './host-status.js';
import type { HostOptions } from './options.js';
import { removeSecretFile, writeSecretFile } from './secret-file.js';
import { copyTicket } from './clipboard.js';
import { LiveLine } from './live-line.js';
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
    // Added first, so it runs last: after capture stopped and every viewer left.
    shutdown.add(async () => {
      await new Promise((r) => setTimeout(r, 50)); // let the last writes settle
      for (const line of formatSummary(hub.totals(), hub.ledger(), process.memoryUsage.rss())) this.log.info(line);
    });
    // Before anything is shared: with --approve and nobody to ask, refuse to start.
    const approval = o.approve ? new ApprovalPrompt(openApprovalInput(), { timeoutMs: 60_000, write: (t) => process.stderr.write(t) }) : undefined;
    if (approval) shutdown.add(() => approval.close());
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
    // Viewer events, skips, drops, bitrate: a line per event, or a live line on a terminal.
    const status = new HostStatus(hub, supervisor, this.log, { maxViewers: o.maxViewers });
    status.start();
    shutdown.add(() => status.stop());

    // Going online can take seconds (relay, discovery): show that something happens.
    const starting = new LiveLine(this.log);
    starting.spin(o.relay ? 'bringing the endpoint online…' : 'starting the endpoint…');
    const listener = await this.transport.listen().finally(() => starting.clear());
    shutdown.add(() => listener.close());
    const secret = randomBytes(SECRET_BYTES);
    const ticket = formatTicket({ secret, address: listener.address });
    if (o.ticketFile) {
      await writeSecretFile(o.ticketFile, `${ticket}\n`).catch((err: unknown) => {
        throw new UsageError(`cannot write the ticket file ${o.ticketFile}: ${(err as Error).message}`);
      });
      const file = o.ticketFile;
      shutdown.add(() => removeSecretFile(file));
      this.log.info(`ticket written to ${o.ticketFile}`);
    } else {
      process.stdout.write(`${ticket}\n`);
    }
    if (o.copyTicket) shutdown.add(await copyTicket(ticket, this.log));
    this.log.info(`hosting ${this.capture.id} capture; waiting for viewers (up to ${o.maxViewers})`);

    const gate = new StreamGate(
      {
        secret,
        maxViewers: o.maxViewers,
        maxHeadBytes: 8192,
        headTimeoutMs: 5000,
        hostName: hostname(),
        approve: approval ? (shortId, peerId) => approval.approve(shortId, peerId) : undefined,
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
