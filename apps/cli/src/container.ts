import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import {
  AUDIO_SOURCE,
  CAPTURE_SOURCE,
  ENCODER,
  LOGGER,
  MEDIA_RUNNER,
  PLAYER_LAUNCHER,
  TRANSPORT,
  type AudioSource,
  type CaptureSource,
  type Encoder,
  type ProbeCache,
  type Logger,
  type PlayerLauncher,
} from '@pixelpass/core';
import { TestCaptureSource, TestToneAudioSource } from '@pixelpass/capture-test';
import { X11Capture } from '@pixelpass/capture-x11';
import { PortalScreenCast } from '@pixelpass/capture-wayland';
import { X264Encoder } from '@pixelpass/encode-x264';
import { VaapiEncoder } from '@pixelpass/encode-vaapi';
import { NvencEncoder } from '@pixelpass/encode-nvenc';
import { OpenH264Encoder } from '@pixelpass/encode-openh264';
import { PulseAppAudio, PulseSystemAudio } from '@pixelpass/audio-pulse';
import { IrohTransport } from '@pixelpass/transport-iroh';
import { MpvLauncher, NoPlayer, VlcLauncher } from '@pixelpass/player-launchers';
import { GstLaunchRunner } from '@pixelpass/media-gst';
import type { AudioChoice, HostOptions, PlayerChoice, TransportChoice, ViewOptions } from './options.js';
import { StderrLogger } from './stderr-logger.js';

/** Which adapter serves the CaptureSource port, by `--source`. */
export const CAPTURE_ADAPTERS: Record<'test' | 'x11' | 'wayland', (o: HostOptions) => CaptureSource> = {
  test: (o) => new TestCaptureSource(o.testPattern),
  x11: (o) => new X11Capture(o.x11),
  wayland: (o) => new PortalScreenCast(o.wayland),
};

/** Which adapter serves the AudioSource port, by `--audio` / `--app`; none means no audio track. */
export const AUDIO_ADAPTERS: Record<AudioChoice, (o: HostOptions) => AudioSource | undefined> = {
  test: () => new TestToneAudioSource(),
  system: () => new PulseSystemAudio(),
  app: (o) => new PulseAppAudio(o.app ?? '', { log: new StderrLogger() }),
  none: () => undefined,
};

/** Encoders this build knows, best first: `--encoder auto` takes the first usable one. */
export const ENCODER_ADAPTERS: Record<string, (cache: ProbeCache) => Encoder> = {
  vaapi: (cache) => new VaapiEncoder({ cache }),
  nvenc: (cache) => new NvencEncoder({ cache }),
  x264: (cache) => new X264Encoder({ cache }),
  openh264: (cache) => new OpenH264Encoder({ cache }),
};

/** Which adapter serves the PlayerLauncher port, by `--player`. */
export const PLAYER_ADAPTERS: Record<PlayerChoice, (o: ViewOptions) => PlayerLauncher> = {
  mpv: (o) => new MpvLauncher({ extraArgs: o.playerArgs }),
  vlc: (o) => new VlcLauncher({ extraArgs: o.playerArgs }),
  none: () => new NoPlayer(),
};

function baseContainer(t: TransportChoice, log: Logger): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(LOGGER, { useValue: log });
  c.register(TRANSPORT, { useValue: new IrohTransport({ relay: t.relay, bindAddr: t.bindAddr }) });
  return c;
}

export function hostContainer(
  o: HostOptions & { source: 'test' | 'x11' | 'wayland' },
  encoder: Encoder,
  log: Logger = new StderrLogger(),
): DependencyContainer {
  const c = baseContainer(o, log);
  c.register(CAPTURE_SOURCE, { useValue: CAPTURE_ADAPTERS[o.source](o) });
  const audio = AUDIO_ADAPTERS[o.audio](o);
  if (audio) c.register(AUDIO_SOURCE, { useValue: audio });
  c.register(ENCODER, { useValue: encoder });
  c.register(MEDIA_RUNNER, { useValue: new GstLaunchRunner() });
  return c;
}

/**
 * Checks what only the live system can judge (an X11 display, monitor or window)
 * before a ticket is handed out, so a bad flag fails at once instead of when the
 * first viewer arrives. Returns what will be shared, when the adapter can tell.
 */
export async function preflightCapture(c: DependencyContainer): Promise<string | undefined> {
  return c.resolve<CaptureSource>(CAPTURE_SOURCE).check?.();
}

export function viewContainer(o: ViewOptions, log: Logger = new StderrLogger()): DependencyContainer {
  const c = baseContainer(o, log);
  c.register(PLAYER_LAUNCHER, { useValue: PLAYER_ADAPTERS[o.player](o) });
  return c;
}
