export { Pactl, SoundServerUnavailable, processAlive, type PactlOptions } from './pactl.js';
export { PulseSystemAudio } from './pulse-system-audio.js';
export { PulseAppAudio, type PulseAppAudioOptions } from './pulse-app-audio.js';
export { PulseRepair, type RepairReport } from './pulse-repair.js';
export { PulseAppList } from './pulse-app-list.js';
export { describeApp, type PlayingApp, type RepairStep } from './pulse-model.js';
