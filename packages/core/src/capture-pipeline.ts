import type { BroadcastHub } from './broadcast-hub.js';
import type { CaptureRun } from './capture-supervisor.js';
import { errorMessage, PipelineFailed, PixelpassError, throwIfAborted } from './errors.js';
import type { Logger } from './logger.js';
import { TsPacketAligner } from './mpeg-ts.js';
import { describeRendition, LADDER_STEPS, planLadder } from './ladder.js';
import { composePipeline, SOUND_KBPS, topSize, TS_OVERHEAD } from './pipeline.js';
import type { AudioSession, AudioSource } from './ports/audio.js';
import type { CaptureSession, CaptureSource } from './ports/capture.js';
import type { EncodeSettings, Encoder } from './ports/encoder.js';
import type { MediaRunner } from './ports/media-runner.js';

export interface CaptureSettings extends EncodeSettings {
  readonly maxWidth?: number | undefined;
  readonly maxHeight?: number | undefined;
  readonly audioBitrateKbps?: number;
  /** At most this many renditions (1: one encode, no adaptation). Default: the whole ladder. */
  readonly renditions?: number;
}

export interface CapturePipelineDeps {
  readonly capture: CaptureSource;
  readonly audio: AudioSource | undefined;
  readonly encoder: Encoder;
  readonly runner: MediaRunner;
  readonly hub: BroadcastHub;
  readonly log: Logger;
}

/** What is known when a run's media process is gone. */
export interface RunEnd {
  /** The host stopped the run on purpose (last viewer gone, host stopping). */
  readonly stopping: boolean;
  /** The capture source ended by itself first (window closed, portal session closed). */
  readonly sourceEnded?: string | undefined;
  readonly exit: { readonly code: number | null; readonly reason: string };
}

/** Why a run ended, for the viewers and the log; empty when it was stopped on purpose. */
export function runEndReason(end: RunEnd): string {
  if (end.stopping) return '';
  if (end.sourceEnded !== undefined) return `capture source ended: ${end.sourceEnded}`;
  return end.exit.reason || `pipeline exited with code ${end.exit.code}`;
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

  /** `signal` cancels a start in progress (the share dialog is closed at once). */
  async start(signal: AbortSignal): Promise<CaptureRun> {
    const { capture, runner, hub, log } = this.deps;
    const session = await capture.open({ fps: this.settings.fps, maxWidth: this.settings.maxWidth, maxHeight: this.settings.maxHeight }, signal);
    let audioSession: AudioSession | undefined;
    try {
      audioSession = await this.#openAudio(signal);
      throwIfAborted(signal, 'starting the capture');
      // A ladder needs keyframes forced on the same frame in every rendition: a media process that takes commands.
      const rungs = (await runner.takesCommands?.()) ? (this.settings.renditions ?? LADDER_STEPS.length) : 1;
      const top = session.geometry && topSize(session.geometry, this.settings.maxWidth, this.settings.maxHeight);
      const ladder = planLadder(top, this.settings.bitrateKbps, rungs, this.settings);
      const spec = composePipeline({
        video: session.video,
        audio: audioSession?.audio,
        encoders: ladder.map((r) => ({
          fragment: this.deps.encoder.fragment({ ...this.settings, bitrateKbps: r.bitrateKbps, keyframesOnRequestOnly: ladder.length > 1 }),
          size: r.index === 0 ? undefined : r.size,
          bound: r.bound,
        })),
        fps: this.settings.fps,
        paced: session.paced,
        geometry: session.geometry,
        maxWidth: this.settings.maxWidth,
        maxHeight: this.settings.maxHeight,
        audioBitrateKbps: this.#audioKbps(),
      });
      hub.reset();
      const running = await runner.start(spec);
      const audioKbps = audioSession ? this.#audioKbps() : 0;
      hub.setLadder(ladder.map((r) => ({ bitrateBps: (r.bitrateKbps + audioKbps) * 1000 * TS_OVERHEAD, label: describeRendition(r) })));
      if (ladder.length > 1) running.control?.keyframeEvery(this.settings.keyframeIntervalSec);
      log.info(
        `capture started: ${session.description}${audioSession ? ` + ${audioSession.description}` : ', no audio'}, ${this.deps.encoder.id}${
          ladder.length > 1 ? `, ${ladder.length} renditions (${ladder.map(describeRendition).join(', ')})` : ''
        }`,
      );
      return this.#watch(session, audioSession, running);
    } catch (err) {
      await Promise.allSettled([session.close(), audioSession?.close()]);
      if (err instanceof PixelpassError) throw err;
      throw new PipelineFailed(`could not start the media pipeline: ${errorMessage(err)}`, { cause: err });
    }
  }

  #audioKbps(): number {
    return this.settings.audioBitrateKbps ?? SOUND_KBPS;
  }

  async #openAudio(signal: AbortSignal): Promise<AudioSession | undefined> {
    if (!this.deps.audio) return undefined;
    const opened = await this.deps.audio.open(signal);
    if (!('unavailable' in opened)) return opened;
    if (!this.#audioNoticeGiven) this.deps.log.warn(`audio is off: ${opened.unavailable}`);
    this.#audioNoticeGiven = true;
    return undefined;
  }

  #watch(session: CaptureSession, audioSession: AudioSession | undefined, running: Awaited<ReturnType<MediaRunner['start']>>): CaptureRun {
    const { hub, log } = this.deps;
    // Joining viewers start at a keyframe made for them, when the process takes requests.
    const control = running.control;
    hub.setKeyframeSource(control ? () => control.requestKeyframe() : undefined);
    let stopping = false;
    let sourceEnded: string | undefined;
    const aligner = new TsPacketAligner();
    const startedAt = Date.now();
    let lastOutputAt = 0;
    const pumped = (async () => {
      for await (const chunk of running.output) {
        lastOutputAt = Date.now();
        hub.publish(aligner.push(chunk));
      }
    })().catch((err: unknown) => log.warn(`reading the pipeline failed: ${errorMessage(err)}`));

    // A source that resends frames on a still screen never pauses: a pause means it is gone.
    const { stallTimeoutMs, firstFrameNotice } = session;
    let noticeGiven = false;
    const watchdog =
      stallTimeoutMs || firstFrameNotice
        ? setInterval(() => {
            if (stopping || sourceEnded !== undefined) return;
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
              sourceEnded = why;
              void running.stop();
            }
          }, 250)
        : undefined;
    watchdog?.unref?.();

    void session.ended?.then(async (why) => {
      if (stopping) return;
      log.warn(`capture source ended: ${why}`);
      sourceEnded = why;
      await running.stop();
    });
    const exited = running.exited.then(async (exit) => {
      if (watchdog) clearInterval(watchdog);
      hub.setKeyframeSource(undefined);
      await pumped;
      await Promise.allSettled([session.close(), audioSession?.close()]);
      const why = runEndReason({ stopping, sourceEnded, exit });
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
  }
}
