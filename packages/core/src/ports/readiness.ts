/** What a requirement is needed for; `advice` ones never decide whether pixelpass can work. */
export type Need = 'host' | 'view' | 'both' | 'advice';

/**
 * One line of `pixelpass doctor`: an adapter says what it needs on this machine
 * and whether it is there. Adapters know their own requirements; the CLI only
 * collects and prints them.
 */
export interface ReadinessCheck {
  readonly label: string;
  /** `info` is a neutral line: nothing to fix, nothing checked (e.g. offline). */
  readonly status: 'ok' | 'fail' | 'info';
  readonly need: Need;
  /** Version, reason or other short context. */
  readonly detail?: string | undefined;
  /** What to install (or do) when it fails. */
  readonly install?: string | undefined;
  /**
   * Alternatives: the requirement is met when every check of at least one
   * option of the group passes (e.g. mpv, or VLC with its plugins).
   */
  readonly anyOf?: { readonly group: string; readonly option: string } | undefined;
}

/** Anything that can tell `doctor` about itself. */
export interface Diagnosable {
  readiness(): Promise<readonly ReadinessCheck[]>;
}
