import type { JoinMode, PublishTarget } from '@pixelpass/core';

export type SourceChoice = 'test' | 'x11' | 'wayland' | 'auto';
export type AudioChoice = 'test' | 'system' | 'app' | 'none';
export type PlayerChoice = 'mpv' | 'vlc' | 'none';

export interface TransportChoice {
  /** true: n0's relays; false: none; a list: these self-hosted relays. */
  readonly relay: boolean | readonly string[];
  readonly bindAddr?: string | undefined;
}

export interface HostOptions extends TransportChoice {
  readonly source: SourceChoice;
  readonly encoder: string;
  readonly audio: AudioChoice;
  readonly app?: string | undefined;
  readonly fps: number;
  readonly bitrateKbps: number;
  /** Encodes at once for viewers on different links (1: no adaptation). */
  readonly renditions: number;
  readonly keyframeIntervalSec: number;
  readonly maxWidth?: number | undefined;
  readonly maxHeight?: number | undefined;
  readonly maxViewers: number;
  readonly lingerSec: number;
  readonly join: JoinMode;
  /** `--publish`: media servers that get the same stream (checked URLs). */
  readonly publish: readonly PublishTarget[];
  readonly approve: boolean;
  readonly ticketFile?: string | undefined;
  /**
   * The ticket's identity: fresh each run (default); kept across runs
   * (`--keep-ticket`); kept but made anew (`--keep-ticket --new-ticket`); or the
   * kept one forgotten, this run fresh (`--new-ticket`).
   */
  readonly ticketIdentity: 'fresh' | 'keep' | 'renew' | 'forget';
  /** Also put the ticket on the clipboard (the interactive menu always does). */
  readonly copyTicket?: boolean | undefined;
  readonly testPattern: { width: number; height: number; pattern: string };
  /** --source x11: display (default $DISPLAY), one monitor or window, pointer drawn or not. */
  readonly x11: { display?: string | undefined; monitor?: string | undefined; window?: string | undefined; showPointer: boolean };
  /** --source wayland: what the portal dialog offers, pointer in the video, --forget the remembered choice. */
  readonly wayland?: { sourceType: 'monitor' | 'window'; cursor: 'hidden' | 'embedded'; forget: boolean } | undefined;
}

export interface ViewOptions extends TransportChoice {
  readonly ticket: string;
  readonly player: PlayerChoice;
  /** Extra player arguments (e.g. headless decoding in the demo). */
  readonly playerArgs: readonly string[];
  /** Also write what arrives to this MPEG-TS file. */
  readonly record?: string | undefined;
  /** The ticket came as a command-line argument (scrubbed now, but it was visible): say so, once it proved valid. */
  readonly ticketWasInArgv?: boolean;
}
