import type { Diagnosable } from './readiness.js';
import type { PipelineSpec } from '../pipeline.js';

/** Steering a running pipeline (what a bare gst-launch-1.0 cannot take). */
export interface MediaControl {
  /**
   * Every encoder makes its next frame a keyframe, the same frame for all (the
   * pipeline's `keyunit` element): a joining viewer starts there, at the live edge.
   */
  requestKeyframe(): void;
  /** Sets a property of a named element while it plays (e.g. an encoder's bitrate). */
  set(element: string, property: string, value: number | string | boolean): void;
  /** Keyframes every `seconds`, forced like requested ones (encoders then make none of their own). */
  keyframeEvery(seconds: number): void;
}

export interface RunningMedia {
  /** MPEG-TS as it leaves the process, in arbitrary chunk sizes. */
  readonly output: AsyncIterable<Uint8Array>;
  /** Resolves when the process is gone; `reason` is empty on a clean stop. */
  readonly exited: Promise<{ readonly code: number | null; readonly reason: string }>;
  readonly pid: number | undefined;
  /** Present when the process takes commands while it runs. */
  readonly control?: MediaControl | undefined;
  /** Ends the process (EOS, then a kill after a grace period). Idempotent. */
  stop(): Promise<void>;
}

/** Runs one composed pipeline as one process. */
export interface MediaRunner extends Partial<Diagnosable> {
  /** Whether what start() runs will take commands (a ladder of renditions needs them). */
  takesCommands?(): Promise<boolean>;
  start(spec: PipelineSpec): Promise<RunningMedia>;
}
