import type { BroadcastHub } from './broadcast-hub.js';
import type { CaptureRun } from './capture-supervisor.js';
import { PipelineFailed } from './errors.js';
import type { Logger } from './logger.js';
import { TsPacketAligner } from './mpeg-ts.js';
import { composePipeline } from './pipeline.js';
import type { AudioSession, AudioSource } from './ports/audio.js';
import type { CaptureSource } from './ports/capture.js';
import type { EncodeSettings, Encoder } from './ports/encoder.js';
import type { MediaRunner } from './ports/media-runner.js';

export interface CaptureSettings extends EncodeSettings {
  readonly maxWidth?: number | undefined;
  readonly maxHeight?: number | undefined;
  readonly audioBitrateKbps?: number;
}

export interface CapturePipelineDeps {
  readonly capture: CaptureSource;
  readonly audio: AudioSource | undefined;
  readonly encoder: Encoder;
  readonly runner: MediaRunner;
  readonly hub: BroadcastHub;
  readonly log: Logger;
}

/**
 * Starts one capture run: opens the capture and audio sessions, composes their
 * fragments with the encoder's into one pipeline, runs it, and publishes its
 * MPEG-TS into the hub. When the run ends, for whatever reason, the sessions are
 * closed and the viewers' streams end.
 */
export class CapturePipeline {
  #audioNoticeGiven = false;

  constructor(
    private readonly deps: CapturePipelineDeps,
    private readonly settings: CaptureSettings,
  ) {}

  async start(): Promise<CaptureRun> {
    const { capture, audio, encoder, runner, hub, log } = this.deps;
    const session = await capture.open({
      fps: this.settings.fps,
      maxWidth: this.settings.maxWidth,
      maxHeight: this.settings.maxHeight,
    });
    let audioSession: AudioSession | undefined;
    try {
      if (audio) {
        const opened = await audio.open();
        if ('unavailable' in opened) {
          if (!this.#audioNoticeGiven) log.warn(`audio is off: ${opened.unavailable}`);
          this.#audioNoticeGiven = true;
        } else {
          audioSession = opened;
        }
      }
      const spec = composePipeline({
        video: session.video,
        audio: audioSession?.audio,
        encoder: encoder.fragment(this.settings),
        fps: this.settings.fps,
        geometry: session.geometry,
        maxWidth: this.settings.maxWidth,
        maxHeight: this.settings.maxHeight,
        audioBitrateKbps: this.settings.audioBitrateKbps ?? 128,
      });
      hub.reset();
      const running = await runner.start(spec);
      log.info(
        `capture started: ${session.description}${audioSession ? ` + ${audioSession.description}` : ', no audio'}, ${encoder.id}`,
      );
      let stopping = false;
      let endReason = '';
      const aligner = new TsPacketAligner();
      const startedAt = Date.now();
      let lastOutputAt = 0;
      const pumped = (async () => {
        for await (const chunk of running.output) {
          lastOutputAt = Date.now();
          hub.publish(aligner.push(chunk));
        }
      })().catch((err: unknown) => log.warn(`reading the pipeline failed: ${String(err)}`));

      // A source that resends frames on a still screen never pauses: a pause means it is gone.
      const { stallTimeoutMs, firstFrameNotice } = session;
      let noticeGiven = false;
      const watchdog =
        stallTimeoutMs || firstFrameNotice
          ? setInterval(() => {
              if (stopping || endReason) return;
              const now = Date.now();
              if (lastOutputAt === 0) {
                if (firstFrameNotice && !noticeGiven && now - startedAt >= firstFrameNotice.afterMs) {
                  noticeGiven = true;
                  log.warn(firstFrameNotice.message);
                }
                return;
              }
              if (stallTimeoutMs && now - lastOutputAt > stallTimeoutMs) {
                const why = `the capture stream stopped (nothing for ${(stallTimeoutMs / 1000).toFixed(1)} s): the compositor or its screen-cast portal went away, or the shared screen was removed`;
                log.warn(`capture source ended: ${why}`);
                endReason = `capture source ended: ${why}`;
                void running.stop();
              }
            }, 250)
          : undefined;
      watchdog?.unref?.();

      void session.ended?.then(async (why) => {
        if (stopping) return;
        log.warn(`capture source ended: ${why}`);
        endReason = `capture source ended: ${why}`;
        await running.stop();
      });
      const exited = running.exited.then(async ({ code, reason }) => {
        if (watchdog) clearInterval(watchdog);
        await pumped;
        await Promise.allSettled([session.close(), audioSession?.close()]);
        const why = stopping ? '' : endReason || reason || `pipeline exited with code ${code}`;
        hub.endAll(why || 'capture stopped', why !== '');
        return why;
      });
      return {
        exited,
        stop: async () => {
          stopping = true;
          await running.stop();
          await exited;
        },
      };
    } catch (err) {
      await Promise.allSettled([session.close(), audioSession?.close()]);
      if (err instanceof Error && 'kind' in err) throw err;
      throw new PipelineFailed(`could not start the media pipeline: ${(err as Error).message}`, { cause: err });
    }
  }
}
