import { findOnPath, type LaunchedPlayer, type PlayerLauncher, type ReadinessCheck } from '@pixelpass/core';
import { launchDetached } from './detached-player.js';
import { writePrivatePlaylist } from './private-playlist.js';
import type { PlayerOptions } from './mpv-launcher.js';
import { checkVlcPlugins, describeMissingPlugins } from './vlc-plugins.js';

/**
 * Arguments for a low-latency live stream in VLC, read from a playlist file (the
 * URL stays out of argv): a 50 ms cache (300 ms measured 538 ms flip-to-screen,
 * 50 ms 354 ms; the host bounds jitter itself), and a window that keeps its size
 * when the host switches the viewer to a smaller rendition.
 */
export function vlcArgs(playlist: string, title: string, extra: readonly string[] = []): string[] {
  return ['--network-caching=50', '--live-caching=50', '--no-qt-video-autoresize', `--meta-title=${title}`, '--no-video-title-show', ...extra, playlist];
}

/**
 * VLC refuses to run as root ("VLC is not supposed to be run as root") and
 * exits at once: `doctor` and `view` say so instead of "vlc started".
 */
export function vlcRootRefusal(uid: number | undefined): string | undefined {
  return uid === 0 ? 'VLC refuses to run as root; run pixelpass view as your own user, or use --player mpv' : undefined;
}

export class VlcLauncher implements PlayerLauncher {
  readonly id = 'vlc';
  constructor(
    private readonly options: PlayerOptions = {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** VLC on PATH, its MPEG-TS demuxer and FFmpeg decoder plugins, and not run as root. */
  async readiness(): Promise<ReadinessCheck[]> {
    const anyOf = { group: 'player', option: 'vlc' };
    const path = findOnPath('vlc', this.env);
    const found: ReadinessCheck = { label: 'VLC', status: path ? 'ok' : 'fail', need: 'view', detail: path, install: 'vlc', anyOf };
    if (!path) return [found];
    const missing = await checkVlcPlugins(this.env);
    const plugins: ReadinessCheck = {
      label: 'VLC plugins (MPEG-TS demuxer, FFmpeg decoder, X11 output, Qt interface)',
      status: missing.length ? 'fail' : 'ok',
      need: 'view',
      detail: missing.length ? describeMissingPlugins(missing).replace(/; install .*/, '') : undefined,
      install: [...new Set(missing.map((m) => m.provider))].join(' '),
      anyOf,
    };
    const root = vlcRootRefusal(process.getuid?.());
    const user: ReadinessCheck = root
      ? { label: 'VLC as this user', status: 'fail', need: 'view', detail: root, install: 'nothing: run as your own user', anyOf }
      : { label: 'VLC as this user', status: 'ok', need: 'view', anyOf };
    return [found, plugins, user];
  }

  async launch(url: string, { title }: { title: string }): Promise<LaunchedPlayer> {
    const playlist = await writePrivatePlaylist(url, title, this.env);
    return launchDetached('vlc', vlcArgs(playlist.path, title, this.options.extraArgs), 'vlc (Debian: vlc-bin vlc-plugin-base)', playlist.remove);
  }
}
