import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type DistroFamily = 'arch' | 'debian' | 'fedora' | 'other';

/**
 * VLC plugins the stream needs: the MPEG-TS demuxer and the FFmpeg decoder
 * (Debian ships both in vlc-plugin-base; Arch splits them out), a window to
 * show the picture in (without one VLC's command-line interface plays nothing
 * and quits), and the Qt interface pixelpass's VLC options are for.
 */
export const VLC_PLUGINS: ReadonlyArray<{ file: string; what: string; packages: Record<DistroFamily, string> }> = [
  {
    file: 'demux/libts_plugin.so',
    what: 'MPEG-TS demuxer',
    packages: { arch: 'vlc-plugin-dvb', debian: 'vlc-plugin-base', fedora: 'vlc-plugins-base', other: 'the VLC MPEG-TS (dvb) plugin' },
  },
  {
    file: 'codec/libavcodec_plugin.so',
    what: 'FFmpeg decoder',
    packages: { arch: 'vlc-plugin-ffmpeg', debian: 'vlc-plugin-base', fedora: 'vlc-plugins-base', other: 'the VLC FFmpeg plugin' },
  },
  {
    file: 'video_output/libxcb_x11_plugin.so',
    what: 'X11 video output',
    packages: { arch: 'vlc', debian: 'vlc-plugin-video-output', fedora: 'vlc', other: 'the VLC X11 video output plugin' },
  },
  {
    file: 'gui/libqt_plugin.so',
    what: 'Qt interface',
    packages: { arch: 'vlc', debian: 'vlc-plugin-qt', fedora: 'vlc', other: 'the VLC Qt interface' },
  },
];

/** Where distributions put VLC's plugins; VLC_PLUGIN_PATH first, as VLC itself does. */
export function vlcPluginDirs(env: NodeJS.ProcessEnv): string[] {
  return [
    ...(env.VLC_PLUGIN_PATH ? env.VLC_PLUGIN_PATH.split(':').filter(Boolean) : []),
    '/usr/lib/x86_64-linux-gnu/vlc/plugins',
    '/usr/lib/aarch64-linux-gnu/vlc/plugins',
    '/usr/lib/vlc/plugins',
    '/usr/lib64/vlc/plugins',
    '/usr/local/lib/vlc/plugins',
  ];
}

/** From /etc/os-release's ID and ID_LIKE. */
export function distroFamily(osRelease: string): DistroFamily {
  const field = (name: string): string[] =>
    (osRelease.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1] ?? '').replace(/["']/g, '').toLowerCase().split(/\s+/);
  const ids = [...field('ID'), ...field('ID_LIKE')];
  if (ids.some((i) => i === 'arch' || i === 'archlinux')) return 'arch';
  if (ids.some((i) => i === 'debian' || i === 'ubuntu')) return 'debian';
  if (ids.some((i) => i === 'fedora' || i === 'rhel')) return 'fedora';
  return 'other';
}

export interface MissingPlugin {
  readonly file: string;
  readonly what: string;
  readonly provider: string;
}

/** Plugins found in none of the directories; `present` holds "<dir>/<file>" paths that exist. */
export function missingVlcPlugins(dirs: readonly string[], present: ReadonlySet<string>, family: DistroFamily): MissingPlugin[] {
  return VLC_PLUGINS.filter((p) => !dirs.some((d) => present.has(join(d, p.file)))).map((p) => ({
    file: p.file,
    what: p.what,
    provider: p.packages[family],
  }));
}

export function describeMissingPlugins(missing: readonly MissingPlugin[]): string {
  const packages = [...new Set(missing.map((m) => m.provider))].join(' ');
  const parts = missing.map((m) => `${m.what} (${m.file.split('/').pop()})`);
  const listed = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts.join('');
  return `VLC lacks its ${listed}; install ${packages}`;
}

/** Looks on disk for VLC's plugins; empty when all are there. */
export async function checkVlcPlugins(env: NodeJS.ProcessEnv = process.env): Promise<MissingPlugin[]> {
  const dirs = vlcPluginDirs(env);
  const present = new Set<string>();
  await Promise.all(
    dirs.flatMap((d) =>
      VLC_PLUGINS.map(async (p) => {
        const path = join(d, p.file);
        if (await access(path).then(() => true, () => false)) present.add(path);
      }),
    ),
  );
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return missingVlcPlugins(dirs, present, distroFamily(osRelease));
}
