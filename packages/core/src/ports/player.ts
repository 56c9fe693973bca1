import type { Diagnosable } from './readiness.js';
export interface LaunchedPlayer {
  readonly pid: number | undefined;
  /** Resolves when the player exits (never, for a detached player we do not watch). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface PlayerLauncher extends Partial<Diagnosable> {
  /** "mpv", "vlc", "none". */
  readonly id: string;
  /** Throws MissingDependency when the player is not installed. */
  launch(url: string, options: { readonly title: string }): Promise<LaunchedPlayer>;
}
