import { describe, expect, it } from 'vitest';
import { describeMissingPlugins, distroFamily, missingVlcPlugins, vlcPluginDirs } from './vlc-plugins.js';

describe('distroFamily', () => {
  it.each([
    ['ID=arch\n', 'arch'],
    ['ID=manjaro\nID_LIKE=arch\n', 'arch'],
    ['ID=endeavouros\nID_LIKE="arch"\n', 'arch'],
    ['ID=debian\n', 'debian'],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'debian'],
    ['ID="fedora"\n', 'fedora'],
    ['ID=nixos\n', 'other'],
    ['', 'other'],
  ])('%j → %s', (text, family) => expect(distroFamily(text)).toBe(family));
});

describe('missingVlcPlugins', () => {
  const dirs = ['/usr/lib/vlc/plugins', '/usr/lib/x86_64-linux-gnu/vlc/plugins'];
  it.each([
    [
      [
        '/usr/lib/vlc/plugins/demux/libts_plugin.so',
        '/usr/lib/vlc/plugins/codec/libavcodec_plugin.so',
        '/usr/lib/vlc/plugins/video_output/libxcb_x11_plugin.so',
        '/usr/lib/vlc/plugins/gui/libqt_plugin.so',
      ],
      'arch',
      [],
    ],
    [
      [
        '/usr/lib/x86_64-linux-gnu/vlc/plugins/demux/libts_plugin.so',
        '/usr/lib/x86_64-linux-gnu/vlc/plugins/video_output/libxcb_x11_plugin.so',
        '/usr/lib/x86_64-linux-gnu/vlc/plugins/gui/libqt_plugin.so',
      ],
      'arch',
      ['vlc-plugin-ffmpeg'],
    ],
    [[], 'arch', ['vlc-plugin-dvb', 'vlc-plugin-ffmpeg', 'vlc', 'vlc']],
    [[], 'debian', ['vlc-plugin-base', 'vlc-plugin-base', 'vlc-plugin-video-output', 'vlc-plugin-qt']],
  ] as const)('%j on %s', (present, family, providers) => {
    expect(missingVlcPlugins(dirs, new Set(present), family).map((m) => m.provider)).toEqual(providers);
  });

  it('names the plugins and the packages once', () => {
    const missing = missingVlcPlugins(dirs, new Set(), 'debian');
    expect(describeMissingPlugins(missing)).toBe(
      'VLC lacks its MPEG-TS demuxer (libts_plugin.so), FFmpeg decoder (libavcodec_plugin.so), X11 video output (libxcb_x11_plugin.so) and Qt interface (libqt_plugin.so); install vlc-plugin-base vlc-plugin-video-output vlc-plugin-qt',
    );
  });
});

describe('vlcPluginDirs', () => {
  it('puts VLC_PLUGIN_PATH first', () => {
    expect(vlcPluginDirs({ VLC_PLUGIN_PATH: '/opt/vlc/plugins' })[0]).toBe('/opt/vlc/plugins');
    expect(vlcPluginDirs({})).toContain('/usr/lib/vlc/plugins');
  });
});
