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
  type Logger,
  type PlayerLauncher,
} from '@pixelpass/core';
import { TestCaptureSource, TestToneAudioSource } from '@pixelpass/capture-test';
import { X11Capture } from '@pixelpass/capture-x11';
import { PortalScreenCast } from '@pixelpass/capture-wayland';
import { X264Encoder } from '@pixelpass/encode-x264';
import { VaapiEncoder } from '@pixelpass/encode-vaapi';
import { PulseSystemAudio } from '@pixelpass/audio-pulse';
import { IrohTransport } from '@pixelpass/transport-iroh';
import { MpvLauncher, NoPlayer, VlcLauncher } from '@pixelpass/player-launchers';
import { GstLaunchRunner } from '@pixelpass/media-gst';
import type { AudioChoice, HostOptions, PlayerChoice, TransportChoice, ViewOptions } from './options.js';
import { StderrLogger } from './stderr-logger.js';

/** Which adapter serves the CaptureSource port, by `--source`. */
export const CAPTURE_ADAPTERS: Record<'test' | 'x11' | 'wayland', (o: HostOptions) => CaptureSource> = {
  test: (o) => new TestCaptureSource(o.testPattern),
  x11: () => new X11Capture(),
  wayland: () => new PortalScreenCast(),
};

/** Which adapter serves the AudioSource port, by `--audio` / `--app`; none means no audio track. */
export const AUDIO_ADAPTERS: Record<AudioChoice, (o: HostOptions) => AudioSource | undefined> = {
  test: () => new TestToneAudioSource(),
  system: () => new PulseSystemAudio(),
  app: () => new PulseSystemAudio(),
  none: () => undefined,
};

/** Encoders this build knows, best first: `--encoder auto` takes the first usable one. */
export const ENCODER_ADAPTERS: Record<string, () => Encoder> = {
  vaapi: () => new VaapiEncoder(),
  x264: () => new X264Encoder(),
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
  c.register(AUDIO_SOURCE, { useValue: AUDIO_ADAPTERS[o.audio](o) });
  c.register(ENCODER, { useValue: encoder });
  c.register(MEDIA_RUNNER, { useValue: new GstLaunchRunner() });
  return c;
}

export function viewContainer(o: ViewOptions, log: Logger = new StderrLogger()): DependencyContainer {
  const c = baseContainer(o, log);
  c.register(PLAYER_LAUNCHER, { useValue: PLAYER_ADAPTERS[o.player](o) });
  return c;
}
