import { findOnPath, type LaunchedPlayer, type PlayerLauncher, type ReadinessCheck } from '@pixelpass/core';
import { launchDetached } from './detached-player.js';
import { writePrivatePlaylist } from './private-playlist.js';

export interface PlayerOptions {
  /** Extra arguments, e.g. ["--vo=null", "--ao=null"] to decode headless. */
  readonly extraArgs?: readonly string[];
}

/**
 * Arguments for a low-latency live stream in mpv, read from a playlist file
 * (the URL stays out of argv). --untimed: show each frame as soon as it is
 * decoded; timed output waited on mpv's clock (measured: a colour flip on the
 * host showed 368 ms later timed, 185 ms untimed); the host paces the stream.
 * `--title` is expanded by mpv (`${…}` are properties): `$>` turns that off for
 * the rest of it, so a host's name is shown as it is; `--force-media-title` is
 * never expanded.
 */
export function mpvArgs(playlist: string, title: string, extra: readonly string[] = []): string[] {
  return [
    '--profile=low-latency',
    '--cache=no',
    '--demuxer-lavf-o-add=fflags=+nobuffer',
    '--untimed=yes',
    `--force-media-title=${title}`,
    `--title=$>${title}`,
    ...extra,
    `--playlist=${playlist}`,
  ];
}

export class MpvLauncher implements PlayerLauncher {
  readonly id = 'mpv';
  constructor(
    private readonly options: PlayerOptions = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async readiness(): Promise<ReadinessCheck[]> {
    const path = findOnPath('mpv', this.env);
    return [{ label: 'mpv', status: path ? 'ok' : 'fail', need: 'view', detail: path, install: 'mpv', anyOf: { group: 'player', option: 'mpv' } }];
  }

  async launch(url: string, { title }: { title: string }): Promise<LaunchedPlayer> {
    const playlist = await writePrivatePlaylist(url, title, this.env);
    return launchDetached('mpv', mpvArgs(playlist.path, title, this.options.extraArgs), 'mpv', playlist.remove);
  }
}
