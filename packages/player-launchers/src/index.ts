export { MpvLauncher } from './mpv-launcher.js';
export { VlcLauncher } from './vlc-launcher.js';
export { NoPlayer } from './no-player.js';
export { DrainPlayer } from './drain-player.js';
