/**
 * Pure parts of the org.freedesktop.portal.ScreenCast protocol: what to ask
 * for, how to read answers, and the GStreamer fragment for the stream. No D-Bus
 * here, so it is all table-tested.
 */
import { PortalCancelled, PortalRequestFailed } from './errors.js';

export const PORTAL_BUS_NAME = 'org.freedesktop.portal.Desktop';
export const PORTAL_OBJECT_PATH = '/org/freedesktop/portal/desktop';
export const SCREENCAST_INTERFACE = 'org.freedesktop.portal.ScreenCast';
export const REQUEST_INTERFACE = 'org.freedesktop.portal.Request';
export const SESSION_INTERFACE = 'org.freedesktop.portal.Session';

/** Bit values of AvailableSourceTypes / the `types` option. */
export const SOURCE_TYPE_BITS = { monitor: 1, window: 2, virtual: 4 } as const;
/** Bit values of AvailableCursorModes / the `cursor_mode` option. */
export const CURSOR_MODE_BITS = { hidden: 1, embedded: 2, metadata: 4 } as const;

export type SourceKind = 'monitor' | 'window';
export type CursorChoice = 'hidden' | 'embedded';

/** What the portal says it can do (ScreenCast properties). */
export interface PortalCapabilities {
  readonly version: number;
  readonly availableSourceTypes: number;
  /** 0 when the property does not exist (version 1). */
  readonly availableCursorModes: number;
}

export interface SourceWish {
  readonly sourceType: SourceKind;
  readonly cursor: CursorChoice;
  readonly restoreToken?: string | undefined;
  /** Ask the portal to remember the choice (default); off once it rejected persist_mode. */
  readonly persist?: boolean;
}

/** One option for SelectSources with its D-Bus signature, before it becomes a Variant. */
export interface TypedOption {
  readonly signature: 'u' | 'b' | 's';
  readonly value: number | boolean | string;
}

/** persist_mode 2: "until explicitly revoked", so the next run skips the dialog too. */
export const PERSIST_UNTIL_REVOKED = 2;

/**
 * SelectSources options, asking only for what the portal offers: an unoffered
 * source type is an error (the user asked for it), an unoffered cursor mode is
 * left to the portal's default (the user is told: cursorNotice), persistence
 * and restore tokens only from version 4.
 */
export function selectSourcesOptions(
  caps: PortalCapabilities,
  wish: SourceWish,
): { options: Record<string, TypedOption>; usesRestoreToken: boolean } {
  const typeBit = SOURCE_TYPE_BITS[wish.sourceType];
  if (caps.availableSourceTypes !== 0 && (caps.availableSourceTypes & typeBit) === 0) {
    throw new PortalRequestFailed(
      `the desktop portal cannot share a ${wish.sourceType} (it offers: ${describeSourceTypes(caps.availableSourceTypes)})`,
    );
  }
  const options: Record<string, TypedOption> = {
    types: { signature: 'u', value: typeBit },
    multiple: { signature: 'b', value: false },
  };
  const cursorBit = CURSOR_MODE_BITS[wish.cursor];
  if (caps.version >= 2 && (caps.availableCursorModes & cursorBit) !== 0) {
    options.cursor_mode = { signature: 'u', value: cursorBit };
  }
  let usesRestoreToken = false;
  if (caps.version >= 4 && wish.persist !== false) {
    options.persist_mode = { signature: 'u', value: PERSIST_UNTIL_REVOKED };
    if (wish.restoreToken && isRestoreToken(wish.restoreToken)) {
      options.restore_token = { signature: 's', value: wish.restoreToken };
      usesRestoreToken = true;
    }
  }
  return { options, usesRestoreToken };
}

export function describeSourceTypes(bits: number): string {
  const names = (Object.keys(SOURCE_TYPE_BITS) as Array<keyof typeof SOURCE_TYPE_BITS>).filter(
    (k) => (bits & SOURCE_TYPE_BITS[k]) !== 0,
  );
  return names.length ? names.join(', ') : 'nothing';
}

/** xdg-desktop-portal rejects the whole call when a restore token is not a UUID. */
export function isRestoreToken(token: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token);
}

/**
 * org.freedesktop.portal.Request::Response codes: 0 success, 1 "the user
 * cancelled the interaction", 2 (or anything else) ended another way. Returns
 * nothing on success. A cancel reads the same at every step: xdg-desktop-portal-wlr
 * runs its chooser in SelectSources, GNOME and KDE show their dialog in Start.
 */
export function responseError(step: string, code: number): PortalCancelled | PortalRequestFailed | undefined {
  switch (code) {
    case 0:
      return undefined;
    case 1:
      return new PortalCancelled('you cancelled the screen-share dialog; nothing is shared');
    case 2:
      return new PortalRequestFailed(`the desktop portal refused to share the screen (${step} ended with an error)`);
    default:
      return new PortalRequestFailed(`the desktop portal answered ${step} with unknown response code ${code}`);
  }
}

export function describeCursorModes(bits: number): string {
  const names = (Object.keys(CURSOR_MODE_BITS) as Array<keyof typeof CURSOR_MODE_BITS>).filter((k) => (bits & CURSOR_MODE_BITS[k]) !== 0);
  return names.length ? names.join(', ') : 'nothing';
}

/**
 * What to tell the user when the portal cannot do the pointer as asked. GNOME
 * offers hidden, embedded and metadata: embedded is asked for and drawn by the
 * compositor. A portal offering only metadata sends the pointer as PipeWire
 * stream metadata (SPA_META_Cursor), which pipewiresrc (PipeWire 0.3.65) does
 * not draw: pixelpass then leaves cursor_mode to the portal (hidden by the
 * spec) and says the pointer will not be seen.
 */
export function cursorNotice(caps: PortalCapabilities, cursor: CursorChoice): string | undefined {
  if (caps.version < 2 || caps.availableCursorModes === 0) return undefined;
  if ((caps.availableCursorModes & CURSOR_MODE_BITS[cursor]) !== 0) return undefined;
  const offers = describeCursorModes(caps.availableCursorModes);
  if (cursor === 'embedded') {
    return (caps.availableCursorModes & CURSOR_MODE_BITS.metadata) !== 0
      ? `the pointer will not be in the picture: this portal sends it only as PipeWire metadata, which pixelpass (pipewiresrc) does not draw (it offers: ${offers})`
      : `the pointer is drawn as the portal decides: it cannot embed it on request (it offers: ${offers})`;
  }
  return `the pointer may be in the picture: this portal cannot leave it out on request (it offers: ${offers})`;
}

/** Said once a run when the portal cannot remember the choice at all (before ScreenCast version 4). */
export function noRestoreNotice(version: number): string {
  return `this desktop portal (ScreenCast v${version}) cannot remember the screen choice: the share dialog comes up for every capture (restore tokens need version 4)`;
}

/** Said once a run when Start answered without a restore token although persistence was asked for. */
export const PERSIST_REFUSED_NOTICE =
  'the desktop did not let pixelpass remember the screen choice (no restore token): the share dialog will come up again next time';

/** Said once a run when the portal rejected persist_mode: the next sessions ask without it. */
export const PERSIST_REJECTED_NOTICE =
  'the desktop portal rejected the request to remember the screen choice (persist_mode); asking without it: the share dialog comes up for every capture';

/** A handle_token: letters, digits and underscores, unique per call. */
export function handleToken(prefix: string, counter: number, random: number): string {
  return `${prefix}_${counter}_${Math.floor(random * 0xffffffff).toString(16)}`.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Where the portal will create a Request object for our call, so that we can
 * listen for its Response before calling (no race): the unique name without
 * ':' and with '.' → '_'.
 */
export function requestPath(uniqueName: string, token: string): string {
  return `${PORTAL_OBJECT_PATH}/request/${uniqueName.replace(/^:/, '').replace(/\./g, '_')}/${token}`;
}

export interface PortalStream {
  readonly nodeId: number;
  readonly width?: number;
  readonly height?: number;
  readonly sourceType?: number;
}

/** Reads the `streams` result of Start (a(ua{sv}), already unwrapped to plain values). */
export function parseStreams(value: unknown): PortalStream[] {
  if (!Array.isArray(value)) return [];
  const streams: PortalStream[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number') continue;
    const props = (entry[1] ?? {}) as Record<string, unknown>;
    const size = props.size;
    const stream: { -readonly [K in keyof PortalStream]: PortalStream[K] } = { nodeId: entry[0] };
    if (Array.isArray(size) && typeof size[0] === 'number' && typeof size[1] === 'number' && size[0] > 0 && size[1] > 0) {
      stream.width = size[0];
      stream.height = size[1];
    }
    if (typeof props.source_type === 'number') stream.sourceType = props.source_type;
    streams.push(stream);
  }
  return streams;
}

/**
 * The stream to share from Start's answer. pixelpass asks for one source
 * (multiple=false), and the spec says the array then holds a single stream.
 * xdg-desktop-portal-kde has been seen to answer with several, of which "only
 * the last one is the one we're looking for" (OBS's linux-pipewire
 * screencast-portal.c, which therefore takes the last): so does pixelpass, and
 * says so (the same words every time, so a run says it once; the node is in the
 * "capture started" line).
 */
export function chooseStream(streams: readonly PortalStream[]): { stream: PortalStream; notice?: string } | undefined {
  const stream = streams.at(-1);
  if (!stream) return undefined;
  if (streams.length === 1) return { stream };
  return {
    stream,
    notice: `the desktop portal answered with ${streams.length} streams although pixelpass asked for one (a known fault of some portals, e.g. KDE's); sharing the last one`,
  };
}

/** Formats compositors hand out for screen casts (shared memory, 8 bits per channel). */
export const SCREEN_FORMATS = ['BGRx', 'BGRA', 'RGBx', 'RGBA', 'xRGB', 'ARGB', 'xBGR', 'ABGR'] as const;

export interface PipeWireFragmentInput {
  /** The portal's PipeWire descriptor; without one, pipewiresrc connects to the user's PipeWire itself. */
  readonly fd?: number | undefined;
  readonly nodeId: number;
  readonly fps: number;
}

/**
 * The capture end of the pipeline. The consumer must name the raw formats it
 * takes: with unconstrained caps pipewiresrc offers formats the producer cannot
 * match and the link never activates. do-timestamp stamps buffers on arrival
 * (compositor timestamps use another clock); keepalive-time resends the last
 * frame when the compositor only sends damage, so videorate downstream keeps
 * the rate and the encoder gets frames on a still screen. always-copy hands the
 * compositor's buffers straight back: compositors share only a few, and a
 * queue downstream holding them would throttle the screen cast.
 */
export function pipewireFragment(input: PipeWireFragmentInput): string {
  const keepaliveMs = Math.max(10, Math.round(1000 / Math.max(1, input.fps)));
  return [
    `pipewiresrc ${input.fd === undefined ? '' : `fd=${input.fd} `}path=${input.nodeId} do-timestamp=true keepalive-time=${keepaliveMs} always-copy=true`,
    `video/x-raw,format={${SCREEN_FORMATS.join(',')}}`,
  ].join(' ! ');
}

/** Key a restore token is stored under: one per source choice. */
export function restoreTokenKey(wish: Pick<SourceWish, 'sourceType' | 'cursor'>): string {
  return `${wish.sourceType}-cursor-${wish.cursor}`;
}
