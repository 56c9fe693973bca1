export { MpvLauncher, mpvArgs, type PlayerOptions } from './mpv-launcher.js';
export { VlcLauncher, vlcArgs } from './vlc-launcher.js';
export { NoPlayer } from './no-player.js';
