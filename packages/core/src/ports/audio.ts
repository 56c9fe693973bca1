import type { Diagnosable } from './readiness.js';
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
   * Checks the settings before a ticket is handed out (e.g. `--app` names an app
   * that is playing), so a bad flag fails at once (a UsageError). Resolves with
   * a notice for the user when sound will be off (no sound server).
   */
  check?(): Promise<string | undefined>;
  /**
   * Returns `unavailable` when audio cannot be captured but video should go on
   * (no sound server), saying why, once, to the user.
   */
  open(signal: AbortSignal): Promise<AudioSession | { readonly unavailable: string }>;
}

/** An application playing sound now, as `--app` can name it. */
export interface PlayingApp {
  /** What `--app` matches (application name). */
  readonly name: string;
  /** One line for a list or a menu, e.g. "Firefox (firefox, pid 1234)". */
  readonly label: string;
}

export interface RepairReport {
  /** One line per thing removed or restored. */
  readonly done: readonly string[];
  /** Steps that failed, with why. */
  readonly failed: readonly string[];
}

/**
 * The sound server beyond capturing it: who plays now (`app-list`, the menu)
 * and undoing what a crashed pixelpass left behind (`repair`).
 */
export interface SoundServer extends Partial<Diagnosable> {
  /** Throws when there is no sound server to ask. */
  playingApps(): Promise<readonly PlayingApp[]>;
  repair(): Promise<RepairReport>;
}
