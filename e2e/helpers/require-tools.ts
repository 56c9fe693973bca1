import { execFileSync } from 'node:child_process';

/** Which Debian package provides each tool the e2e tests run. */
const PROVIDERS: Record<string, string> = {
  'gst-launch-1.0': 'gstreamer1.0-tools',
  'gst-inspect-1.0': 'gstreamer1.0-tools',
  ffprobe: 'ffmpeg',
  ffmpeg: 'ffmpeg',
  mpv: 'mpv',
  cvlc: 'vlc-bin',
  vlc: 'vlc-bin',
  Xvfb: 'xvfb',
  xrandr: 'x11-xserver-utils',
  xsetroot: 'x11-xserver-utils',
  xdpyinfo: 'x11-utils',
  xwininfo: 'x11-utils',
  xprop: 'x11-utils',
  npm: 'npm',
  xterm: 'xterm',
  pactl: 'pulseaudio-utils',
  pipewire: 'pipewire-bin',
  wireplumber: 'wireplumber',
  'pipewire-pulse': 'pipewire-pulse',
  'dbus-daemon': 'dbus-daemon',
  'dbus-send': 'dbus-bin',
  'pw-dump': 'pipewire-bin',
  'pw-cli': 'pipewire-bin',
  ip: 'iproute2',
  tc: 'iproute2',
  setsid: 'util-linux',
  runuser: 'util-linux',
  ss: 'iproute2',
  mount: 'mount',
  umount: 'mount',
  tmux: 'tmux',
  xclip: 'xclip',
  curl: 'curl',
  sway: 'sway',
  swaymsg: 'sway',
  swaybg: 'swaybg',
  gcc: 'gcc',
  bash: 'bash',
  zsh: 'zsh',
  fish: 'fish',
  nginx: 'nginx',
  'srt-live-transmit': 'srt-tools',
};

/**
 * Fails (never skips) when a tool the test needs is missing, naming it and the
 * package that provides it.
 */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `missing system component(s): ${missing.map((t) => `${t} (Debian package ${PROVIDERS[t] ?? '?'})`).join(', ')} — run scripts/setup.sh`,
    );
  }
}
