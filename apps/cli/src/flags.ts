import { Command, Option } from 'commander';
import { parsePublishTarget, SOUND_KBPS, TS_OVERHEAD, type JoinMode, type PublishTarget } from '@pixelpass/core';
import type { AudioChoice, HostOptions, PlayerChoice, SourceChoice, ViewOptions } from './options.js';
import { bindAddress, intIn, numberIn, relaySetting, sizeIn } from './parse-options.js';

/**
 * One command-line flag: commander builds it from this, and the value commander
 * hands back is `FlagValue` of it. The key of a flag in its table is the name
 * commander gives its value (`--max-viewers` → maxViewers, `--no-audio` → audio).
 */
export interface FlagSpec<T> {
  readonly flags: string;
  readonly description: string;
  readonly parse?: (raw: string) => T;
  readonly choices?: readonly string[];
  readonly default?: T;
  /** Environment variable that gives the default. */
  readonly env?: string;
  /** A negation (`--no-audio`) shares its value with the flag it negates: that flag's key. */
  readonly sharesValueWith?: string;
}

function flag<T>(spec: FlagSpec<T> & { readonly default: T }): FlagSpec<T> & { readonly default: T };
function flag<T>(spec: FlagSpec<T>): FlagSpec<T>;
function flag<T>(spec: FlagSpec<T>): FlagSpec<T> {
  return spec;
}

type ValueOf<F> = F extends FlagSpec<infer T> ? T : never;
/** What commander hands back for a table: a flag with a default always has a value. */
export type FlagValues<Table> = {
  [K in keyof Table as Table[K] extends { readonly sharesValueWith: string } ? never : K]: Table[K] extends { readonly default: unknown }
    ? ValueOf<Table[K]>
    : ValueOf<Table[K]> | undefined;
};

/** The name commander gives a flag's value: `--max-viewers <n>` → maxViewers, `--no-audio` → audio. */
export function attributeName(flags: string): string {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  return long.replace(/^no-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export const ENCODER_IDS = ['vaapi', 'nvenc', 'x264', 'openh264'] as const;

export type QualityPreset = 'low' | 'medium' | 'high';
/** What a --quality preset sets, unless the flag itself is given. */
export const QUALITY_PRESETS: Readonly<Record<QualityPreset, { readonly fps: number; readonly bitrateKbps: number; readonly maxHeight?: number }>> = {
  low: { fps: 30, bitrateKbps: 1500, maxHeight: 720 },
  medium: { fps: 30, bitrateKbps: 4000 },
  high: { fps: 60, bitrateKbps: 8000 },
};

/**
 * The picture settings: the preset, overridden by the flags given; --max-bitrate
 * caps the best rendition so that with sound and MPEG-TS overhead (~8 %) it fits.
 */
export function pictureSettings(f: {
  readonly quality: QualityPreset;
  readonly fps?: number | undefined;
  readonly bitrate?: number | undefined;
  readonly maxBitrate?: number | undefined;
  readonly maxHeight?: number | undefined;
  readonly sound: boolean;
}): { fps: number; bitrateKbps: number; maxHeight: number | undefined } {
  const preset = QUALITY_PRESETS[f.quality];
  const wanted = f.bitrate ?? preset.bitrateKbps;
  const cap = f.maxBitrate === undefined ? Infinity : Math.floor(f.maxBitrate / TS_OVERHEAD) - (f.sound ? SOUND_KBPS : 0);
  return { fps: f.fps ?? preset.fps, bitrateKbps: Math.max(100, Math.min(wanted, cap)), maxHeight: f.maxHeight ?? preset.maxHeight };
}

const relay = flag<string>({
  flags: '--relay <on|off|urls>',
  description: "on: n0's public relays and discovery; off: direct addresses only; or your own relays, <url>[,<url>]",
  env: 'PIXELPASS_RELAY',
  default: 'on',
});
const bind = flag<string>({
  flags: '--bind <addr:port>',
  description: 'listen only on this address, e.g. 127.0.0.1:0 or [::1]:0 (default: every interface)',
  env: 'PIXELPASS_BIND',
  parse: bindAddress,
});
const json = flag<boolean>({ flags: '--json', description: 'one JSON event per line on stderr instead of messages (see: pixelpass help json)', default: false });

export const HOST_FLAGS = {
  source: flag<SourceChoice>({ flags: '--source <source>', description: 'what to share', choices: ['auto', 'test', 'x11', 'wayland'], default: 'auto' }),
  encoder: flag<string>({ flags: '--encoder <encoder>', description: `H.264 encoder: auto or one of ${ENCODER_IDS.join(', ')}`, default: 'auto' }),
  audio: flag<AudioChoice | boolean>({ flags: '--audio <audio>', description: 'sound: system, test or none (default: test for --source test, else system)', choices: ['system', 'test', 'none'] }),
  noAudio: flag<boolean>({ flags: '--no-audio', description: 'share video only', sharesValueWith: 'audio' }),
  app: flag<string>({ flags: '--app <name>', description: "share only this application's sound (see app-list)" }),
  repair: flag<boolean>({ flags: '--repair', description: 'remove sound routing left by a crashed pixelpass, then exit (same as the repair command)' }),
  quality: flag<QualityPreset>({
    flags: '--quality <preset>',
    description: 'low (720p, 1.5 Mbit/s), medium (4 Mbit/s) or high (8 Mbit/s, 60 fps); --fps, --bitrate and --max-height override it',
    choices: Object.keys(QUALITY_PRESETS),
    default: 'medium',
  }),
  fps: flag<number>({ flags: '--fps <n>', description: 'frames per second (default: from --quality, 30)', parse: intIn('--fps', 1, 120) }),
  bitrate: flag<number>({ flags: '--bitrate <kbps>', description: 'video bitrate of the best rendition in kbit/s (default: from --quality, 4000)', parse: intIn('--bitrate', 100, 100_000) }),
  maxBitrate: flag<number>({
    flags: '--max-bitrate <kbps>',
    description: 'the most any one viewer is sent, sound included, in kbit/s (a metered link)',
    parse: intIn('--max-bitrate', 300, 100_000),
  }),
  renditions: flag<number>({
    flags: '--renditions <n>',
    description: 'versions of the picture encoded at once, so each viewer gets what its link carries (1: one stream for all, least CPU)',
    parse: intIn('--renditions', 1, 4),
    default: 3,
  }),
  keyframeInterval: flag<number>({ flags: '--keyframe-interval <seconds>', description: 'seconds between keyframes', parse: numberIn('--keyframe-interval', 0.1, 30), default: 2 }),
  maxWidth: flag<number>({ flags: '--max-width <px>', description: 'scale down to at most this width', parse: intIn('--max-width', 16, 8192) }),
  maxHeight: flag<number>({ flags: '--max-height <px>', description: 'scale down to at most this height', parse: intIn('--max-height', 16, 8192) }),
  maxViewers: flag<number>({ flags: '--max-viewers <n>', description: 'viewers at once', parse: intIn('--max-viewers', 1, 64), default: 2 }),
  linger: flag<number>({ flags: '--linger <seconds>', description: 'keep capturing this long after the last viewer left', parse: numberIn('--linger', 0, 3600), default: 5 }),
  join: flag<JoinMode>({ flags: '--join <mode>', description: 'how a new viewer starts: live (a keyframe made for it), replay (the cached keyframe group: at once, but behind live), wait (the next keyframe)', choices: ['live', 'replay', 'wait'], default: 'live' }),
  publish: flag<readonly PublishTarget[]>({
    flags: '--publish <url>',
    description: 'also send the stream to a media server, repeatable: srt://host:port?streamid=… (MPEG-TS) or rtmp://host/app/stream-key',
    // Commander hands back what the previous --publish gave: each one adds a target.
    parse: (raw: string, previous?: readonly PublishTarget[]) => [...(previous ?? []), parsePublishTarget(raw)],
  }),
  approve: flag<boolean>({ flags: '--approve', description: 'ask before admitting each new viewer', default: false }),
  copy: flag<boolean>({ flags: '--copy', description: 'also copy the ticket to the clipboard (wl-copy, xclip or xsel)', default: false }),
  ticketFile: flag<string>({ flags: '--ticket-file <path>', description: 'write the ticket to this file (mode 0600) instead of stdout' }),
  keepTicket: flag<boolean>({ flags: '--keep-ticket', description: 'the same ticket every run: its keys are kept (0600) in $XDG_STATE_HOME/pixelpass', default: false }),
  newTicket: flag<boolean>({ flags: '--new-ticket', description: 'forget the kept ticket (the old one stops working); with --keep-ticket, keep the new one', default: false }),
  testSize: flag<{ width: number; height: number }>({ flags: '--test-size <WxH>', description: 'size of the test source', parse: sizeIn('--test-size', 16, 8192), default: { width: 1280, height: 720 } }),
  testPattern: flag<string>({ flags: '--test-pattern <name>', description: 'videotestsrc pattern of the test source', default: 'smpte' }),
  display: flag<string>({ flags: '--display <display>', description: 'X11: display to share (default $DISPLAY)' }),
  monitor: flag<string>({ flags: '--monitor <name|index>', description: 'X11: share one monitor (names from xrandr --listmonitors)' }),
  window: flag<string>({ flags: '--window <id|name>', description: 'X11: share one window, by id (0x…) or title; Wayland: the share dialog offers windows' }),
  cursor: flag<'shown' | 'hidden'>({ flags: '--cursor <cursor>', description: 'draw the mouse pointer (Wayland: when the portal offers it)', choices: ['shown', 'hidden'], default: 'shown' }),
  forget: flag<boolean>({ flags: '--forget', description: 'Wayland: forget the remembered screen choice, so the share dialog comes back' }),
  relay,
  bind,
  json,
};

export const VIEW_FLAGS = {
  player: flag<PlayerChoice>({ flags: '--player <player>', description: 'player to launch', choices: ['mpv', 'vlc', 'none'], default: 'mpv' }),
  record: flag<string>({ flags: '--record <file.ts>', description: 'also record what arrives to this MPEG-TS file (with any --player, none too)' }),
  ticketFile: flag<string>({ flags: '--ticket-file <path>', description: 'read the ticket from this file (keeps it out of the process list)' }),
  relay,
  bind,
  json,
};

export type HostFlags = FlagValues<typeof HOST_FLAGS>;
export type ViewFlags = FlagValues<typeof VIEW_FLAGS>;

/** Adds every flag of a table to a command. */
export function addFlags(command: Command, table: Record<string, FlagSpec<unknown>>): Command {
  for (const spec of Object.values(table)) {
    const option = new Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.parse) option.argParser(spec.parse);
    const fromEnv = spec.env ? process.env[spec.env] : undefined;
    const def = fromEnv !== undefined && fromEnv !== '' ? (spec.parse ? spec.parse(fromEnv) : fromEnv) : spec.default;
    if (def !== undefined) option.default(def, spec.env ? `${String(typeof def === 'object' ? '' : def)} or $${spec.env}` : undefined);
    command.addOption(option);
  }
  return command;
}

/** A bare `pixelpass host`'s settings: what doctor's adapters are built with. */
export function defaultHostOptions(): HostOptions {
  const defaults = Object.fromEntries(Object.entries(HOST_FLAGS).map(([k, f]) => [k, 'default' in f ? f.default : undefined]));
  return hostOptions(defaults as HostFlags);
}

/** The flags as the host's settings: defaults filled in, combinations resolved. */
export function hostOptions(f: HostFlags): HostOptions {
  // commander makes --no-audio audio=false, and gives --audio's default (none) as true.
  const audioFlag = f.audio === false ? 'none' : f.audio === true ? undefined : f.audio;
  const audio: AudioChoice = f.app ? 'app' : (audioFlag ?? (f.source === 'test' ? 'test' : 'system'));
  return {
    source: f.source,
    encoder: f.encoder,
    audio,
    app: f.app,
    ...pictureSettings({ quality: f.quality, fps: f.fps, bitrate: f.bitrate, maxBitrate: f.maxBitrate, maxHeight: f.maxHeight, sound: audio !== 'none' }),
    renditions: f.renditions,
    keyframeIntervalSec: f.keyframeInterval,
    maxWidth: f.maxWidth,
    maxViewers: f.maxViewers,
    lingerSec: f.linger,
    join: f.join,
    publish: f.publish ?? [],
    approve: f.approve,
    ticketFile: f.ticketFile,
    ticketIdentity: f.keepTicket ? (f.newTicket ? 'renew' : 'keep') : f.newTicket ? 'forget' : 'fresh',
    copyTicket: f.copy,
    relay: relaySetting(f.relay),
    bindAddr: f.bind,
    testPattern: { ...f.testSize, pattern: f.testPattern },
    x11: { display: f.display, monitor: f.monitor, window: f.window, showPointer: f.cursor !== 'hidden' },
    // On Wayland the portal's dialog picks the window; --window only asks it to offer windows.
    wayland: { sourceType: f.window ? 'window' : 'monitor', cursor: f.cursor === 'hidden' ? 'hidden' : 'embedded', forget: f.forget ?? false },
  };
}

export function viewOptions(ticket: string, f: ViewFlags): ViewOptions {
  return { ticket, player: f.player, relay: relaySetting(f.relay), bindAddr: f.bind, playerArgs: [], record: f.record };
}
