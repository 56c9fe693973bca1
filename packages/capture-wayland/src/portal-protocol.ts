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
 * silently left to the portal's default, restore tokens only from version 4.
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
  if (caps.version >= 4) {
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
 * org.freedesktop.portal.Request::Response codes: 0 success, 1 cancelled by the
 * user, 2 (or anything else) ended another way. Returns nothing on success.
 */
export function responseError(step: string, code: number): PortalCancelled | PortalRequestFailed | undefined {
  switch (code) {
    case 0:
      return undefined;
    case 1:
      return new PortalCancelled(
        step === 'Start'
          ? 'you cancelled the screen-share dialog; nothing is shared'
          : `the screen-share request was cancelled (${step})`,
      );
    case 2:
      return new PortalRequestFailed(`the desktop portal refused to share the screen (${step} ended with an error)`);
    default:
      return new PortalRequestFailed(`the desktop portal answered ${step} with unknown response code ${code}`);
  }
}

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
