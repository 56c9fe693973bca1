import { hostname } from 'node:os';
import {
  HostSession,
  ViewerSession,
  describeEncoderChoice,
  errorMessage,
  resolveEncoderChoice,
  summarizeEncoderChoice,
  type AudioSource,
  type CaptureSource,
  type Encoder,
  type Logger,
  type MediaRunner,
  type PlayerLauncher,
  type ProbeCache,
  type Publisher,
  type SoundServer,
  type StreamRecorder,
  type Transport,
  type ApproveViewer,
} from '@pixelpass/core';
import { TestCaptureSource, TestToneAudioSource } from '@pixelpass/capture-test';
import { X11Capture } from '@pixelpass/capture-x11';
import { PortalScreenCast } from '@pixelpass/capture-wayland';
import { X264Encoder } from '@pixelpass/encode-x264';
import { VaapiEncoder } from '@pixelpass/encode-vaapi';
import { NvencEncoder } from '@pixelpass/encode-nvenc';
import { OpenH264Encoder } from '@pixelpass/encode-openh264';
import { PulseAppAudio, PulseSoundServer, PulseSystemAudio } from '@pixelpass/audio-pulse';
import { IrohTransport } from '@pixelpass/transport-iroh';
import { DrainPlayer, MpvLauncher, NoPlayer, VlcLauncher } from '@pixelpass/player-launchers';
import { GstMediaRunner } from '@pixelpass/media-gst';
import { FfmpegPublisher } from '@pixelpass/publish-ffmpeg';
import type { ENCODER_IDS } from './flags.js';
import type { AudioChoice, HostOptions, PlayerChoice, TransportChoice, ViewOptions } from './options.js';
import { FileProbeCache } from './probe-cache-file.js';
import { checkSourceFlags, detectSource } from './source-detect.js';

/*
 * The composition root: which adapter serves which port, as tables, and the two
 * builders that make a host and a viewer from them. Nothing else constructs an
 * adapter.
 */

export type CaptureKind = 'test' | 'x11' | 'wayland';

/** Which adapter serves the CaptureSource port, by `--source`. */
export const CAPTURE_ADAPTERS: Record<CaptureKind, (o: HostOptions, log?: Logger) => CaptureSource> = {
  test: (o) => new TestCaptureSource(o.testPattern),
  x11: (o) => new X11Capture(o.x11),
  wayland: (o, log) => new PortalScreenCast({ ...o.wayland, ...(log ? { log } : {}) }),
};

/** Which adapter serves the AudioSource port, by `--audio` / `--app`; none means no audio track. */
export const AUDIO_ADAPTERS: Record<AudioChoice, (o: HostOptions, log: Logger) => AudioSource | undefined> = {
  test: () => new TestToneAudioSource(),
  system: () => new PulseSystemAudio(),
  app: (o, log) => new PulseAppAudio(o.app ?? '', { log }),
  none: () => undefined,
};

/** Encoders this build knows; `--encoder auto` takes the first usable one in core's preference order. */
export const ENCODER_ADAPTERS: Record<(typeof ENCODER_IDS)[number], (cache: ProbeCache) => Encoder> = {
  vaapi: (cache) => new VaapiEncoder({ cache }),
  nvenc: (cache) => new NvencEncoder({ cache }),
  x264: (cache) => new X264Encoder({ cache }),
  openh264: (cache) => new OpenH264Encoder({ cache }),
};

/** Which adapter serves the PlayerLauncher port, by `--player`. */
export const PLAYER_ADAPTERS: Record<PlayerChoice, (o: Pick<ViewOptions, 'playerArgs'>) => PlayerLauncher> = {
  mpv: (o) => new MpvLauncher({ extraArgs: o.playerArgs }),
  vlc: (o) => new VlcLauncher({ extraArgs: o.playerArgs }),
  none: () => new NoPlayer(),
};

/** Why a window title matches no window of an X display (the menu's check on enter); undefined when it does. */
export const x11WindowProblem = async (display: string | undefined, title: string): Promise<string | undefined> =>
  new X11Capture({ display, window: title }).check().then(
    () => undefined,
    (err: unknown) => errorMessage(err),
  );

/** The monitors of an X display, for the menu (empty when it cannot tell). */
export const x11Monitors = async (display: string | undefined) => (await new X11Capture({ display }).monitors?.()) ?? [];
/** How long a viewer tries to reach the host before saying nothing answers (the countdown counts this down). */
export const CONNECT_TIMEOUT_MS = 20_000;

/** The endpoint identity a kept ticket brings (`--keep-ticket`). */
export interface EndpointIdentity {
  readonly endpointKey: Uint8Array;
  readonly secret: Uint8Array;
  /** Bound first when free, so an old ticket's direct addresses still work. */
  readonly preferBindAddr?: string | undefined;
}

export const transportFor = (t: TransportChoice, identity?: EndpointIdentity): Transport =>
  new IrohTransport({
    relay: t.relay,
    bindAddr: t.bindAddr,
    dialTimeoutMs: CONNECT_TIMEOUT_MS,
    secretKey: identity?.endpointKey,
    preferBindAddr: identity?.preferBindAddr,
  });
export const mediaRunner = (): MediaRunner => new GstMediaRunner();
export const soundServer = (): SoundServer => new PulseSoundServer();
/** The Publisher port: ffmpeg remuxes to SRT (MPEG-TS) and RTMP (FLV). */
export const publisher = (): Publisher => new FfmpegPublisher();

/**
 * Picks the encoder: the requested one (must work, else exit 1 naming what is
 * missing), or with auto the first usable in preference order, saying once
 * which one and why the better ones were skipped.
 */
export async function selectEncoder(
  requested: string,
  log: Logger & { debug?(message: string): void },
  cache: ProbeCache = new FileProbeCache(),
  adapters: Readonly<Record<string, (cache: ProbeCache) => Encoder>> = ENCODER_ADAPTERS,
): Promise<Encoder> {
  const made = new Map<string, Encoder>();
  const encoder = (id: string): Encoder => {
    let e = made.get(id);
    if (!e) made.set(id, (e = adapters[id]!(cache)));
    return e;
  };
  const choice = await resolveEncoderChoice(requested, Object.keys(adapters), (id) => encoder(id).probe());
  log.info(summarizeEncoderChoice(choice));
  if (choice.skipped.length) log.debug?.(describeEncoderChoice(choice));
  return encoder(choice.chosen);
}

export interface BuiltHost {
  readonly session: HostSession;
  readonly capture: CaptureSource;
  /** What will be shared, when the source can tell before the first viewer. */
  readonly sharing: string | undefined;
}

/**
 * Everything `pixelpass host` is made of. Settings only the live system can
 * judge (a display, a window, an app playing) are checked here, before a
 * ticket exists.
 */
export async function buildHost(
  o: HostOptions,
  log: Logger & { debug?(message: string): void },
  approve?: ApproveViewer,
  identity?: EndpointIdentity,
): Promise<BuiltHost> {
  const kind = detectSource(o.source, process.env);
  checkSourceFlags(kind, o.x11);
  const capture = CAPTURE_ADAPTERS[kind](o, log);
  const audio = AUDIO_ADAPTERS[o.audio](o, log);
  const sharing = await capture.check?.();
  const audioNotice = await audio?.check?.();
  if (audioNotice) log.warn(audioNotice);
  const encoder = await selectEncoder(o.encoder, log);
  // What --publish needs (ffmpeg and its protocols) is checked before a ticket exists.
  const publishing = o.publish.length > 0 ? publisher() : undefined;
  await publishing?.check?.([...new Set(o.publish.map((t) => t.protocol))]);
  const session = new HostSession(
    { capture, audio, encoder, runner: mediaRunner(), transport: transportFor(o, identity), log, publisher: publishing },
    {
      media: {
        fps: o.fps,
        bitrateKbps: o.bitrateKbps,
        renditions: o.renditions,
        keyframeIntervalSec: o.keyframeIntervalSec,
        maxWidth: o.maxWidth,
        maxHeight: o.maxHeight,
      },
      maxViewers: o.maxViewers,
      lingerMs: o.lingerSec * 1000,
      hostName: hostname(),
      approve,
      hub: { join: o.join },
      publish: o.publish,
      ...(identity ? { secret: identity.secret } : {}),
    },
  );
  return { session, capture, sharing };
}

/**
 * Everything `pixelpass view` is made of. Recording without a player needs
 * something to take the stream: a player that only reads it.
 */
export function buildViewer(o: ViewOptions, log: Logger, recorder?: StreamRecorder): { session: ViewerSession; player: PlayerLauncher } {
  const player = recorder && o.player === 'none' ? new DrainPlayer() : PLAYER_ADAPTERS[o.player](o);
  const session = new ViewerSession({ transport: transportFor(o), player, log }, o.ticket, { recorder });
  return { session, player };
}
