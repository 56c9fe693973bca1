import type { PipelineFragment } from './capture.js';

export interface AudioSession {
  /** Produces raw audio; the pipeline adds conversion and the AAC encoder. */
  readonly audio: PipelineFragment;
  readonly description: string;
  /** Undoes routing changes and unloads what the session loaded. Idempotent. */
  close(): Promise<void>;
}

export interface AudioSource {
  /** "test", "system", "app", ... */
  readonly id: string;
  /**
   * Returns null when audio cannot be captured but video should go on
   * (no sound server); `reason` says why, once, to the user.
   */
  open(): Promise<AudioSession | { readonly unavailable: string }>;
}

export const AUDIO_SOURCE = Symbol.for('pixelpass.AudioSource');
