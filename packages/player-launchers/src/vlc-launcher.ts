import type { LaunchedPlayer, PlayerLauncher } from '@pixelpass/core';
import { launchDetached } from './detached-player.js';
import type { PlayerOptions } from './mpv-launcher.js';

/** Arguments for a low-latency live stream in VLC (small network cache). */
export function vlcArgs(url: string, title: string, extra: readonly string[] = []): string[] {
  return ['--network-caching=300', '--live-caching=300', `--meta-title=${title}`, '--no-video-title-show', ...extra, url];
}

export class VlcLauncher implements PlayerLauncher {
  readonly id = 'vlc';
  constructor(private readonly options: PlayerOptions = {}) {}

  launch(url: string, { title }: { title: string }): Promise<LaunchedPlayer> {
    return launchDetached('vlc', vlcArgs(url, title, this.options.extraArgs), 'vlc (Debian: vlc-bin vlc-plugin-base)');
  }
}
